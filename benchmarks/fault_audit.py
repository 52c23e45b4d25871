"""Fault test: bad audit events and a killed sealer while `pollwatch serve` is under load; the web never stops.

    python benchmarks/fault_audit.py [--seconds 40] [--clients 4] [--postgres]

Loads a small demo mission and serves it with `pollwatch serve` (gunicorn, the
task worker and the audit sealer) on SQLite, or on PostgreSQL with
--postgres, while client threads send observer reports the whole time. Meanwhile
it writes audit events the sealer cannot chain straight into the audit table
(on SQLite a lone surrogate, as a bypassed intake stored one, and text that is
not UTF-8; on PostgreSQL JSON nested deeper than Python reads), SIGKILLs the
sealer, and writes one more after the sealer is back.

Passes when every request got an answer (the web never stopped), the sealer
was restarted, every other event is sealed, the bad ones are quarantined and
counted by /healthz, `pollwatch audit verify` says intact and names them, and
`pollwatch serve` stops cleanly on SIGTERM. Exits 1 if not.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_setup import free_port, fresh_database, wait_for, web_body  # noqa: E402

INSERT = (
    "INSERT INTO audit_auditevent (at, kind, actor, object_type, object_id, payload, "
    "prev_hash, hash, quarantined_reason) VALUES (CURRENT_TIMESTAMP, 'fault.bad', 'fault test', "
    "'', '', {payload}, '', '', '') RETURNING id"
)
SQLITE_BAD = [
    '\'{"text": "x\\ud800y"}\'',  # JSON text for a lone surrogate: SQLite stores it
    "CAST(X'7B2274223A2278FF79227D' AS TEXT)",  # bytes that are not UTF-8
]
POSTGRES_BAD = ["(repeat('[', 5000) || repeat(']', 5000))::jsonb"]


class Database:
    """Direct access to the served database, as a hand (or a bug) beside the application would have."""

    def __init__(self, env: dict[str, str]):
        self.url = env.get("DATABASE_URL")
        self.path = Path(env["POLLWATCH_DATA"]) / "pollwatch.sqlite3"

    def run(self, sql: str, *params) -> list[tuple]:
        if self.url:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                return conn.execute(sql, params).fetchall()
        with sqlite3.connect(self.path, timeout=30) as conn:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()

    def insert_bad_event(self, number: int) -> int:
        payloads = POSTGRES_BAD if self.url else SQLITE_BAD
        return self.run(INSERT.format(payload=payloads[number % len(payloads)]))[0][0]


def sealer_pid(serve: subprocess.Popen) -> int | None:
    children = subprocess.run(
        ["pgrep", "-P", str(serve.pid)], capture_output=True, text=True
    ).stdout.split()
    for pid in children:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"audit seal" in command:
            return int(pid)
    return None


def healthz(port: int) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/healthz")
    return json.loads(connection.getresponse().read())


class Load:
    """Client threads sending distinct observer reports until stopped; counts every outcome."""

    def __init__(self, port: int, observers: list[dict], clients: int):
        self.port, self.observers, self.clients = port, observers, clients
        self.outcomes: Counter[str] = Counter()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.send, args=(n,)) for n in range(clients)]

    def send(self, number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = 0
        while not self.stop.is_set():
            observer = self.observers[(number + sent * self.clients) % len(self.observers)]
            sent += 1
            body = web_body(observer, str(uuid.uuid4()), votes=sent)
            headers = {
                "Authorization": f"Token {observer['token']}",
                "Content-Type": "application/json",
            }
            try:
                connection.request("POST", "/api/o/submissions", body, headers)
                response = connection.getresponse()
                response.read()
                outcome = str(response.status)
            except OSError as exc:
                outcome = f"no answer ({exc.__class__.__name__})"
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            with self.lock:
                self.outcomes[outcome] += 1

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def prepare(args: argparse.Namespace, data: str) -> dict[str, str]:
    env = {
        **os.environ,
        "POLLWATCH_DATA": data,
        "SECURE_COOKIES": "false",
        "SMS_RATE_LIMIT": "1000000",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    if args.postgres:
        env["DATABASE_URL"] = fresh_database("pollwatch_fault_audit")
    subprocess.run(
        [sys.executable, "-m", "pollwatch", "demo", "--no-serve", "--stations", "1000"]
        + ["--observers", "200"],
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40, help="how long the load runs")
    parser.add_argument("--clients", type=int, default=4, help="client threads sending reports")
    parser.add_argument("--postgres", action="store_true", help="serve from PostgreSQL")
    args = parser.parse_args()
    checks: list[tuple[str, bool]] = []
    with tempfile.TemporaryDirectory() as data:
        env = prepare(args, data)
        credentials = json.loads((Path(data) / "demo-observers.json").read_text())
        database = Database(env)
        port = free_port()
        log_path = Path(data) / "serve.log"
        with open(log_path, "w") as log:
            serve = subprocess.Popen(
                [sys.executable, "-m", "pollwatch", "serve", "--port", str(port)]
                + ["--workers", "2", "--threads", "2", "--no-migrate"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for(port, timeout=60)
            began = time.monotonic()
            bad: list[int] = []
            with Load(port, credentials["observers"], args.clients) as load:
                time.sleep(args.seconds * 0.15)
                bad += [database.insert_bad_event(n) for n in range(2)]
                print(f"inserted bad audit events {bad}")
                time.sleep(args.seconds * 0.15)
                killed = sealer_pid(serve)
                if killed:
                    os.kill(killed, signal.SIGKILL)
                print(f"SIGKILLed the sealer ({killed})")
                restarted = None
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    restarted = sealer_pid(serve)
                    if restarted and restarted != killed:
                        break
                    time.sleep(0.2)
                print(f"sealer running again: {restarted}")
                bad.append(database.insert_bad_event(2))
                print(f"inserted bad audit event {bad[-1]}")
                time.sleep(max(0.0, args.seconds - (time.monotonic() - began)))
                serving = serve.poll() is None
            health = {}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                health = healthz(port)
                if health["audit"]["unsealed"] == 0:
                    break
                time.sleep(0.5)
            verify = subprocess.run(
                [sys.executable, "-m", "pollwatch", "audit", "verify"],
                env=env,
                capture_output=True,
                text=True,
            )
            quarantined = {
                row[0]
                for row in database.run(
                    "SELECT id FROM audit_auditevent WHERE seq IS NULL AND quarantined_reason <> ''"
                )
            }
            sealed_after = database.run(
                "SELECT count(*) FROM audit_auditevent WHERE seq IS NOT NULL AND id > %s",
                bad[0],
            )[0][0]
        finally:
            serve.send_signal(signal.SIGTERM)
            try:
                code = serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                serve.kill()
                code = serve.wait()
        served_log = log_path.read_text(errors="replace")

    answered = {k: v for k, v in load.outcomes.items() if not k.startswith("no answer")}
    print(f"requests: {sum(load.outcomes.values())} {dict(load.outcomes)}")
    print(f"healthz: {health}")
    print(verify.stdout.strip() or verify.stderr.strip())
    checks = [
        ("the web answered every request", sum(answered.values()) == sum(load.outcomes.values())),
        ("every report was accepted", set(answered) <= {"200", "201", "202"}),
        ("pollwatch serve was still running under the faults", serving),
        ("the killed sealer was restarted", bool(restarted) and restarted != killed),
        ("the restart was logged", "restarting audit sealer" in served_log),
        ("the bad events are quarantined", quarantined == set(bad)),
        ("events after the first bad one were sealed", sealed_after > 0),
        ("nothing is left waiting to be sealed", health.get("audit", {}).get("unsealed") == 0),
        ("healthz counts the quarantined events", health.get("audit", {}).get("quarantined") == 3),
        ("audit verify says intact", verify.returncode == 0 and "intact" in verify.stdout),
        ("audit verify names them", all(f"event {pk}:" in verify.stdout for pk in bad)),
        ("serve stopped cleanly on SIGTERM", code == 0),
    ]
    for name, ok in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    passed = all(ok for _, ok in checks)
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
