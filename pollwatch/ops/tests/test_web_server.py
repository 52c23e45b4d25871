"""The web servers `pollwatch serve` runs hand request bodies to pollwatch as the intake needs:
a chunked post de-chunked and read to its end, a body over the limit streamed (never held whole).

Each server runs for real, on loopback, with a small application that reads the body with the
intake's own `read_body` (body_app.py)."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import socket
import subprocess
import time

import pytest

from pollwatch.ops.processes import WEB_SERVERS, web_command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=WEB_SERVERS)
def server(request, tmp_path):
    port = _free_port()
    command = web_command(request.param, "127.0.0.1", port, 1, 2)
    command[command.index("pollwatch.wsgi:application")] = (
        "pollwatch.ops.tests.body_app:application"
    )
    env = {**os.environ, "POLLWATCH_DATA": str(tmp_path), "DATABASE_URL": ""}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, f"{request.param} did not start"
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _post(port: int, chunks, headers: dict[str, str]) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", "/api/o/submissions", body=chunks, headers=headers)
    response = connection.getresponse()
    assert response.status == 200
    return json.loads(response.read())


def test_a_chunked_post_is_read_to_its_end(server):
    body = json.dumps({"answers": {"C1": "x" * 100_000}}).encode()
    pieces = (body[i : i + 7_000] for i in range(0, len(body), 7_000))
    got = _post(server, pieces, {})  # an iterable with no Content-Length: http.client chunks it
    assert got["size"] == len(body) and not got["too_large"]
    assert got["sha256"] == got["text_sha256"] == hashlib.sha256(body).hexdigest()


def test_a_body_over_the_limit_is_streamed_not_held(server):
    size = 60_000_000  # 15 × the application's limit: hashed to its end, kept by its first 4 KB
    chunk = b"a" * 1_000_000
    got = _post(server, iter([chunk] * 60), {"Content-Length": str(size)})
    assert got["size"] == size and got["too_large"]
    assert got["sha256"] == hashlib.sha256(chunk * 60).hexdigest()
    # Since it started, the worker (server and application) grew by far less than the body:
    # the server's buffers (granian's are about 11 MB) and one chunk at a time, never 60 MB.
    assert got["grown_kb"] < 20_000, f"the worker grew by {got['grown_kb']} KB reading it"


def test_serve_runs_granian_unless_told_otherwise():
    assert web_command("granian", "0.0.0.0", 80, 2, 4)[2] == "granian"
    assert web_command("gunicorn", "0.0.0.0", 80, 2, 4)[2] == "gunicorn"
    with pytest.raises(ValueError, match="unknown web server"):
        web_command("uwsgi", "0.0.0.0", 80, 2, 4)
