"""Fault test: SIGKILL a web worker and the report reader, restart PostgreSQL during a load;
every acknowledged report read exactly once, nothing lost, nothing doubled.

    python benchmarks/fault_ingest.py [--reports 2000] [--workers 3] [--clients 12]

Sends N distinct reports (each with its own client UUID) through the web server
(granian as `pollwatch serve` runs it, or `--server gunicorn`) on PostgreSQL with client retries (a retry resends the same UUID), with the report
reader and the audit sealer running beside it as `pollwatch serve` runs them. A
quarter of the way through it SIGKILLs one web server worker (which must be
respawned); at a third it
SIGKILLs the report reader (in the middle of a batch, if one is running) and
starts a new one; halfway it restarts the PostgreSQL server. Afterwards it waits
for the reader to read the backlog and checks that exactly N distinct reports
are stored, each once, each read once (one `submission.received` audit event
and one first revision per report), and that every report that got a 202 is
there; only the reports it sent are counted (the demo mission it serves already
holds a few thousand forms of its own). Exits 1 if not. It restarts the
machine's PostgreSQL: do not run it beside other work that uses the database.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_setup import SIDE_PROCESSES, served_mission, web_body  # noqa: E402

RETRIES = 60


def restart_postgres() -> None:
    cluster = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"], check=True
    )


def web_workers(master: int) -> list[int]:
    output = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(pid) for pid in output.split()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000, help="distinct reports to send")
    parser.add_argument("--workers", type=int, default=3, help="web server worker processes")
    parser.add_argument(
        "--server", choices=["granian", "gunicorn"], default="granian", help="the web server"
    )
    parser.add_argument("--clients", type=int, default=12, help="client threads sending at once")
    args = parser.parse_args()
    with served_mission("pollwatch_fault", args.workers, server_kind=args.server) as (
        port,
        credentials,
        env,
        server,
        sides,
    ):
        observers = credentials["observers"]
        reports = [(str(uuid.uuid4()), observers[i % len(observers)]) for i in range(args.reports)]
        acknowledged: set[str] = set()
        attempts = [0]
        done = [0]
        lock = threading.Lock()
        local = threading.local()

        def send(item: tuple[str, dict]) -> None:
            client_uuid, observer = item
            body = web_body(observer, client_uuid)
            headers = {
                "Authorization": f"Token {observer['token']}",
                "Content-Type": "application/json",
            }
            for attempt in range(RETRIES):
                with lock:
                    attempts[0] += 1
                try:
                    if not hasattr(local, "connection"):
                        local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
                    local.connection.request("POST", "/api/o/submissions", body, headers)
                    response = local.connection.getresponse()
                    response.read()
                    if response.status in (200, 201, 202):
                        with lock:
                            acknowledged.add(client_uuid)
                            done[0] += 1
                        return
                except OSError:
                    local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
                time.sleep(min(2.0, 0.05 * 2**attempt))
            with lock:
                done[0] += 1

        faults: list[str] = []
        workers: list[int] = []

        def inject() -> None:
            while done[0] < args.reports // 4:
                time.sleep(0.05)
            workers.extend(web_workers(server.pid))
            victim = workers[0]
            os.kill(victim, signal.SIGKILL)
            faults.append(f"SIGKILL {args.server} worker {victim} after {done[0]} reports")
            while done[0] < args.reports // 3:
                time.sleep(0.05)
            reader = sides["report reader"]
            reader.send_signal(signal.SIGKILL)
            reader.wait()
            sides["report reader"] = subprocess.Popen(
                [sys.executable, "-m", "pollwatch", *SIDE_PROCESSES["report reader"]], env=env
            )
            faults.append(f"SIGKILL report reader after {done[0]} reports; a new one started")
            while done[0] < args.reports // 2:
                time.sleep(0.05)
            began = time.perf_counter()
            restart_postgres()
            faults.append(
                f"PostgreSQL restarted after {done[0]} reports ({time.perf_counter() - began:.1f} s)"
            )

        injector = threading.Thread(target=inject)
        injector.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(send, reports))
        seconds = time.perf_counter() - started
        injector.join()
        respawned = len(web_workers(server.pid)) == len(workers)
        faults.append(
            f"{args.server}: {len(web_workers(server.pid))} workers after the kill, "
            f"{len(workers)} before"
            + ("" if respawned else ": the killed worker was not respawned")
        )

        import psycopg

        expected = {client_uuid for client_uuid, _ in reports}
        url = env["DATABASE_URL"]
        began = time.perf_counter()
        while time.perf_counter() - began < 120:
            try:
                with psycopg.connect(url) as conn:
                    waiting = conn.execute(
                        "SELECT count(*) FROM submissions_inbound WHERE status = 'stored'"
                    ).fetchone()[0]
            except psycopg.OperationalError:
                waiting = -1
            if waiting == 0:
                break
            time.sleep(0.5)
        drained = time.perf_counter() - began
        with psycopg.connect(url) as conn:
            rows = conn.execute(
                "SELECT client_uuid::text FROM submissions_submission "
                "WHERE client_uuid = ANY(%s::uuid[])",
                (sorted(expected),),
            ).fetchall()
            events = conn.execute(
                "SELECT count(*) FROM audit_auditevent WHERE kind = 'submission.received' "
                "AND payload->>'client_uuid' = ANY(%s)",
                (sorted(expected),),
            ).fetchone()[0]
            first_revisions = conn.execute(
                "SELECT count(*) FROM submissions_revision r JOIN submissions_submission s "
                "ON r.submission_id = s.id WHERE r.number = 1 AND s.client_uuid = ANY(%s::uuid[])",
                (sorted(expected),),
            ).fetchone()[0]
    stored = [row[0] for row in rows]
    print("\n".join(faults))
    print(
        f"{args.reports} reports, {attempts[0]} attempts, {seconds:.1f} s; backlog read {drained:.1f} s after"
    )
    print(
        f"stored of those sent: {len(stored)} rows, {len(set(stored))} distinct; "
        f"acknowledged: {len(acknowledged)}; read: {events} audit events, {first_revisions} first revisions"
    )
    ok = (
        len(stored) == len(set(stored)) == args.reports == events == first_revisions
        and set(stored) == expected
        and acknowledged <= set(stored)
        and respawned
    )
    missing = expected - set(stored)
    print(
        "PASS: every report stored and read exactly once, every acknowledged report present"
        if ok
        else f"FAIL: {len(missing)} missing, {len(stored) - len(set(stored))} doubled, "
        f"{len(acknowledged - set(stored))} acknowledged but absent, {events} read events"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
