"""Two web hosts behind one nginx, and one worker host: the deployment of docs/deployment.md
("Two web hosts behind nginx"), run for real.

Two ``pollwatch serve --no-worker`` processes on two ports share one PostgreSQL database
and one data folder; one ``pollwatch worker --sealer`` reads the reports and seals the
audit chain; nginx balances between the web hosts. Reports are posted through nginx from
several threads, one web host is stopped half-way, and every report must be received (202),
read once by the report reader, and sealed into the audit chain.

The spawned processes cannot see pytest's test database, so this test makes its own
PostgreSQL database (``pw_multi_<random>``) and drops it at the end, whichever database
the suite runs on.
"""

from __future__ import annotations

import getpass
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
STATIONS, OBSERVERS = 60, 20
REPORTS = 200  # 10 per observer, well inside the observer API's quota per token
THREADS = 4
LOG_FORMAT = '$request_method $uri $status "$upstream_addr" "$upstream_status" $http_x_phase'


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
    )
    if not found:
        pytest.fail(
            "nginx is not installed: this test runs the several-hosts deployment behind a real nginx "
            "(Debian: apt install nginx; .ci/run installs it)"
        )
    return found


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports free on the loopback address (all held open while chosen)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@contextmanager
def fresh_database() -> Iterator[str]:
    import psycopg

    name = f"pw_multi_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def nginx_config(folder: Path, port: int, backends: list[int]) -> str:
    """The configuration of docs/deployment.md, with every path inside ``folder``."""
    servers = "\n".join(f"        server 127.0.0.1:{backend};" for backend in backends)
    # As root, nginx would run its worker as nobody, who cannot enter pytest's folder.
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    return f"""
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format upstreams '{LOG_FORMAT}';
    access_log {folder}/access.log upstreams;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;

    upstream pollwatch {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 16m;
        client_body_timeout 30s;
        location / {{
            proxy_pass http://pollwatch;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout http_502 non_idempotent;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


def request(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        text = response.read()
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, {"body": text[:500].decode(errors="replace")}
    finally:
        connection.close()


def wait_until(check, timeout: float, what: str, poll: float = 0.2, show=None):
    """``check()``'s first truthy answer; on time-out an error naming ``what`` and ``show()``."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except OSError as error:
            last = error
        time.sleep(poll)
    raise AssertionError(f"{what} within {timeout:.0f} s: {show() if show else last!r}")


def healthy(port: int) -> bool:
    return request(port, "GET", "/healthz")[0] == 200


def report(observer: dict, client_uuid: str) -> bytes:
    """A complete, consistent result report of the observer's station."""
    return json.dumps(
        {
            "client_uuid": client_uuid,
            "form": "PR",
            "station": observer["station"],
            "answers": observer["protocol"],
        }
    ).encode()


class Processes:
    """Every process the test starts, each in its own session; stopped in ``stop_all``."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder, self.env = folder, env
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - the child keeps its copy
        process = subprocess.Popen(
            command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()  # the child holds its own copy
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        for process in self.started:  # children a supervisor left behind
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_two_web_hosts_behind_nginx_share_the_load_and_survive_one_stopping(tmp_path: Path) -> None:
    nginx = nginx_binary()
    data = tmp_path / "data"
    logs = tmp_path / "logs"
    logs.mkdir()
    logs.chmod(0o755)
    with fresh_database() as database:
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "POLLWATCH_DATA": str(data),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "TRUSTED_PROXIES": "1",
            "REDIS_URL": "",
            "LOG_LEVEL": "ERROR",
            "PYTHONUNBUFFERED": "1",
        }
        pollwatch = [sys.executable, "-m", "pollwatch"]
        demo = subprocess.run(
            [
                *pollwatch,
                "demo",
                "--no-serve",
                "--stations",
                str(STATIONS),
                "--observers",
                str(OBSERVERS),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert demo.returncode == 0, demo.stderr[-3000:]
        observers = json.loads((data / "demo-observers.json").read_text())["observers"]
        assert len(observers) == OBSERVERS

        *web_ports, front = free_ports(3)
        processes = Processes(logs, env)
        try:
            webs = [
                processes.start(
                    f"web{number}",
                    [
                        *pollwatch,
                        "serve",
                        "--no-worker",
                        "--no-migrate",
                        "--port",
                        str(port),
                        "--workers",
                        "1",
                        "--threads",
                        "4",
                    ],
                )
                for number, port in enumerate(web_ports, start=1)
            ]
            processes.start("worker", [*pollwatch, "worker", "--sealer"])
            config = logs / "nginx.conf"
            config.write_text(nginx_config(logs, front, web_ports))
            processes.start(
                "nginx",
                [
                    nginx,
                    "-c",
                    str(config),
                    "-p",
                    str(logs),
                    "-e",
                    str(logs / "error.log"),
                    "-g",
                    "daemon off;",
                ],
            )
            for port in [*web_ports, front]:
                wait_until(
                    lambda port=port: healthy(port), 60, f"port {port} did not answer /healthz"
                )

            posted: list[tuple[str, dict, int, dict]] = []
            lock = threading.Lock()

            def post(job: tuple[str, dict, str]) -> None:
                phase, observer, client_uuid = job
                status, answer = request(
                    front,
                    "POST",
                    "/api/o/submissions",
                    report(observer, client_uuid),
                    {
                        "Authorization": f"Token {observer['token']}",
                        "Content-Type": "application/json",
                        "X-Phase": phase,
                    },
                )
                with lock:
                    posted.append((client_uuid, observer, status, answer))

            jobs = [
                (observer, str(uuid.uuid4()))
                for number in range(REPORTS)
                for observer in [observers[number % OBSERVERS]]
            ]
            # Both web hosts up; then the second is stopped while posts are under way; then it is gone.
            both, during, after = jobs[:100], jobs[100:160], jobs[160:]
            with ThreadPoolExecutor(THREADS) as pool:
                list(pool.map(post, [("both", *job) for job in both]))
            with ThreadPoolExecutor(THREADS) as pool:
                running = [pool.submit(post, ("during", *job)) for job in during]
                wait_until(lambda: len(posted) >= 110, 30, "posts did not go on")
                webs[1].send_signal(signal.SIGTERM)
                for future in running:
                    future.result()
            assert webs[1].wait(timeout=30) == 0  # the supervisor stopped the web server and exited
            with ThreadPoolExecutor(THREADS) as pool:
                list(pool.map(post, [("after", *job) for job in after]))

            refused = [(status, answer) for _, _, status, answer in posted if status != 202]
            assert len(posted) == REPORTS and not refused, refused[:5]
            assert all(answer["status"] == "received" for *_, answer in posted)

            def nginx_posts() -> list[str]:
                text = (logs / "access.log").read_text()
                return [line for line in text.splitlines() if line.startswith("POST ")]

            lines = wait_until(
                lambda: len(nginx_posts()) >= REPORTS and nginx_posts(),
                10,
                "nginx did not log every post",
                show=lambda: len(nginx_posts()),
            )
            assert len(lines) == REPORTS and all(" 202 " in line for line in lines)
            last_upstream = {
                phase: [
                    line.split('"')[1].split(", ")[-1]
                    for line in lines
                    if line.endswith(f" {phase}")
                ]
                for phase in ("both", "during", "after")
            }
            assert set(last_upstream["both"]) == {f"127.0.0.1:{port}" for port in web_ports}
            assert set(last_upstream["after"]) == {f"127.0.0.1:{web_ports[0]}"}
            # Both web hosts took posts, and after the second stopped the first took them all
            # (counted by nginx, which logs the host that answered: a web server stopping may
            # not write the log line of its last request).
            answered = [line.split('"')[1].split(", ")[-1] for line in lines]
            served = [answered.count(f"127.0.0.1:{port}") for port in web_ports]
            assert sum(served) == REPORTS and served[0] >= 100 and served[1] >= 30, served

            # The report reader on the worker host reads every report, once.
            by_observer: dict[str, list[str]] = {}
            for client_uuid, observer, _, _ in posted:
                by_observer.setdefault(observer["token"], []).append(client_uuid)

            def outcomes() -> list[str]:
                found = []
                for token, uuids in by_observer.items():
                    query = "&".join(f"uuid={value}" for value in uuids)
                    status, answer = request(
                        front,
                        "GET",
                        f"/api/o/submissions?{query}",
                        headers={"Authorization": f"Token {token}"},
                    )
                    assert status == 200, answer
                    found += [item["status"] for item in answer["submissions"]]
                return found

            def all_read() -> list[str] | None:
                found = outcomes()
                return found if len(found) == REPORTS and "received" not in found else None

            statuses = wait_until(
                all_read,
                40,
                "the report reader did not read every report",
                poll=0.5,
                show=lambda: Counter(outcomes()),
            )
            assert set(statuses) <= {"accepted", "partial"}, sorted(set(statuses))

            import psycopg

            with psycopg.connect(database) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM submissions_submission WHERE client_uuid = ANY(%s::uuid[])",
                    [[client_uuid for client_uuid, *_ in posted]],
                ).fetchone()
            assert row == (REPORTS,)  # each report read once: no second submission for a retry

            def settled() -> dict | None:
                status, health = request(front, "GET", "/healthz")
                assert status == 200, health
                done = health["audit"]["unsealed"] == 0 and health["reports"]["waiting"] == 0
                return health if done else None

            health = wait_until(
                settled,
                30,
                "the sealer did not seal every audit event",
                poll=0.5,
                show=lambda: request(front, "GET", "/healthz"),
            )
            assert health["audit"]["quarantined"] == 0
        except BaseException:
            for log in sorted(logs.glob("*.log")):  # shown by pytest with the failure
                print(f"--- {log.name} (last lines)", *log.read_text().splitlines()[-15:], sep="\n")
            raise
        finally:
            processes.stop_all()
