"""Shared by bench_ingest.py and fault_ingest.py: a PostgreSQL demo mission served on loopback as `pollwatch serve` serves it."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database(name: str) -> str:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


SIDE_PROCESSES = {
    "report reader": ["read_reports", "--follow"],
    "audit sealer": ["audit", "seal", "--follow"],
}


@contextmanager
def served_mission(
    database: str,
    workers: int,
    *,
    stations: int = 3000,
    observers: int = 600,
    side_processes: bool = True,
    threads: int = 1,
    redis_url: str = "",
    server_kind: str = "granian",
):
    """Load a demo mission into a fresh PostgreSQL database and serve it as `pollwatch serve`
    does: its web server (``server_kind``: granian or gunicorn), and (unless ``side_processes``
    is False) the report reader and the audit sealer beside it. Yields (port, credentials, env,
    the web server's main process, the side processes by name)."""
    url = fresh_database(database)
    with tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "POLLWATCH_DATA": data,
            "SECURE_COOKIES": "false",
            "SMS_RATE_LIMIT": "1000000",
            "LOG_LEVEL": "ERROR",
            "REDIS_URL": redis_url,
        }
        if redis_url:
            import redis

            redis.Redis.from_url(redis_url).flushdb()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pollwatch",
                "demo",
                "--no-serve",
                "--stations",
                str(stations),
                "--observers",
                str(observers),
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        credentials = json.loads((Path(data) / "demo-observers.json").read_text())
        env["SMS_JSON_SECRET"] = credentials["sms_secret"]
        port = free_port()
        server = subprocess.Popen(web_command(server_kind, port, workers, threads), env=env)
        sides: dict[str, subprocess.Popen] = {}
        if side_processes:
            for name, command in SIDE_PROCESSES.items():
                sides[name] = subprocess.Popen(
                    [sys.executable, "-m", "pollwatch", *command], env=env
                )
        try:
            wait_for(port)
            yield port, credentials, env, server, sides
        finally:
            for process in [server, *sides.values()]:
                process.terminate()
            for process in [server, *sides.values()]:
                process.wait(timeout=20)


def web_command(kind: str, port: int, workers: int, threads: int) -> list[str]:
    """The web server's command line, as `pollwatch serve --server KIND` runs it (less its log)."""
    from pollwatch.ops.processes import web_command as served

    command = served(kind, "127.0.0.1", port, workers, threads)
    if kind == "granian":
        return [*command[: command.index("--log-level")], "--log-level", "error", "--no-access-log"]
    logless = (
        command[: command.index("--access-logfile")]
        + command[command.index("--graceful-timeout") :]
    )
    return [*logless, "--log-level", "error"]


def wait_for(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not answer")


def web_body(observer: dict, client_uuid: str | None = None, votes: int = 0) -> bytes:
    """A complete, consistent PVT result report (the heaviest form: every candidate and the sum checks)."""
    return json.dumps(
        {
            "client_uuid": client_uuid or str(uuid.uuid4()),
            "form": "PR",
            "station": observer["station"],
            "answers": protocol(votes),
        }
    ).encode()


def protocol(votes: int) -> dict[str, int]:
    candidates = [400 + votes % 997, 120, 40, 20, 10, 6, 4]  # 997: coprime with observer counts
    valid = sum(candidates)
    return {
        "RV": 1500,
        "BI": valid + 12,
        "BC": valid + 12,
        "IN": 12,
        "VA": valid,
        **{f"C{number}": count for number, count in enumerate(candidates, start=1)},
    }


def sms_body(observer: dict, number: int) -> bytes:
    """A PVT result by SMS; the counter makes every text distinct (a repeated text is a duplicate)."""
    answers = " ".join(f"{code} {value}" for code, value in protocol(number).items())
    return json.dumps(
        {
            "from": observer["phone"],
            "text": f"PR {observer['code']} {answers}",
            "id": uuid.uuid4().hex,
        }
    ).encode()
