"""A burst of observer reports through the web server on PostgreSQL, read by the report reader, beside
PostgreSQL's raw INSERT rate measured in the same run.

    python benchmarks/bench_ingest.py [--reports 60000] [--workers 3] [--connections 48]
                                      [--sms 2000]

Serves a demo mission as `pollwatch serve` does (granian, or gunicorn with `--server gunicorn`;
the report reader, the audit sealer)
and sends a burst of distinct PVT result reports to the observer API with Debian's `wrk` and a
Lua script (benchmarks/ingest.lua), so the load generator, written in C, leaves the CPU to the
server. Prints reports per second accepted (202), p50/p99 latency, how long the reader took to
read the backlog after the burst, and checks that nothing was lost: every accepted report is
read into exactly one submission. The baseline is the rate of single-row INSERTs (one
transaction each) into PostgreSQL from 16 client threads. With ``--sms N`` it also posts N SMS
through the generic JSON gateway from Python threads (SMS are still read in the request).

Goal (issue 14): at least 1,000 reports/s sustained for a 60,000-report burst, p99 < 250 ms,
the backlog read within 60 s after the burst, nothing lost.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_setup import fresh_database, served_mission, sms_body  # noqa: E402

HERE = Path(__file__).resolve().parent


def wrk_burst(
    port: int, observers_file: Path, reports: int, connections: int, threads: int, url: str
) -> dict:
    """Send ``reports`` reports with wrk; the Lua script prints its figures as one JSON line.

    Each wrk thread stops itself after its share; should one linger on a connection, wrk is
    interrupted (SIGINT: it still prints its figures) once the reports are in, or when nothing
    has arrived for 5 seconds."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        "-d600s",  # a ceiling: each thread stops after its share of the reports
        "--timeout",
        "10s",
        "-s",
        str(HERE / "ingest.lua"),
        f"http://127.0.0.1:{port}",
        "--",
        str(observers_file),
        str(reports),
        str(threads),
    ]
    since = last_inbound(url)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    seen, still = 0, time.monotonic()
    while process.poll() is None:
        time.sleep(0.5)
        now = received_since(url, since)
        if now != seen:
            seen, still = now, time.monotonic()
        if now >= reports or time.monotonic() - still > 5:
            time.sleep(1.0)
            process.send_signal(signal.SIGINT)
            break
    output, _ = process.communicate(timeout=60)
    line = next(line for line in output.splitlines() if line.startswith("{"))
    return json.loads(line)


def children_cpu() -> float:
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def cpu_seconds(server: int, sides: dict[str, int], database: str) -> dict[str, float]:
    """CPU seconds used so far by this run's processes (from /proc): the web server's main process and
    workers, each side process, and PostgreSQL's backends of this run's database."""
    import os

    ticks = os.sysconf("SC_CLK_TCK")
    side_names = {pid: name for name, pid in sides.items()}
    used: dict[str, float] = {}
    for pid_text in filter(str.isdigit, os.listdir("/proc")):
        pid = int(pid_text)
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent = int(fields[1])
        if pid == server or parent == server:
            name = "web server"
        elif pid in side_names:
            name = side_names[pid]
        elif command.startswith("postgres:") and f" {database} " in command:
            name = "PostgreSQL"
        else:
            continue
        used[name] = used.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return used


CPU_NAMES = [
    "web server",
    "report reader",
    "audit sealer",
    "PostgreSQL",
    "load generator (wrk)",
]


def received_since(url: str, since: int) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT count(*) FROM submissions_inbound WHERE id > %s AND client_uuid IS NOT NULL",
            (since,),
        ).fetchone()[0]


def backlog(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT count(*) FROM submissions_inbound WHERE status = 'stored'"
        ).fetchone()[0]


def read_counts(url: str, since_pk: int) -> dict[str, int]:
    """What became of the posts after ``since_pk``: inbound rows by status, submissions made, and
    submissions made more than once from one client UUID (must be none)."""
    import psycopg

    with psycopg.connect(url) as conn:
        by_status = dict(
            conn.execute(
                "SELECT status, count(*) FROM submissions_inbound "
                "WHERE id > %s AND channel = 'web' AND client_uuid IS NOT NULL GROUP BY status",
                (since_pk,),
            ).fetchall()
        )
        made, doubled = conn.execute(
            "SELECT count(*), count(*) - count(DISTINCT (s.observer_id, s.client_uuid)) "
            "FROM submissions_submission s JOIN submissions_inbound i ON s.inbound_id = i.id "
            "WHERE i.id > %s",
            (since_pk,),
        ).fetchone()
    return {**by_status, "submissions": made, "doubled": doubled}


def last_inbound(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT coalesce(max(id), 0) FROM submissions_inbound").fetchone()[0]


def raw_insert_rate(clients: int, seconds: float = 5.0) -> float:
    import psycopg

    url = fresh_database("pollwatch_insert_baseline")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE item (id bigserial PRIMARY KEY, body jsonb NOT NULL)")
    counts = [0] * clients

    def work(index: int) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                conn.execute("INSERT INTO item (body) VALUES (%s)", ['{"A1": 1}'])
                counts[index] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


def sms_load(
    port: int, bodies: list[bytes], secret: str, clients: int
) -> tuple[float, list[float]]:
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    local = threading.local()
    latencies: list[float] = []

    def send(body: bytes) -> None:
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        began = time.perf_counter()
        local.connection.request(
            "POST",
            "/sms/json/",
            body,
            {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        )
        local.connection.getresponse().read()
        latencies.append(time.perf_counter() - began)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, bodies))
    return time.perf_counter() - started, latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=60_000, help="reports in the burst")
    parser.add_argument("--workers", type=int, default=2, help="web server processes")
    parser.add_argument(
        "--server-threads", type=int, default=24, help="threads per web server process"
    )
    parser.add_argument(
        "--server", choices=["granian", "gunicorn"], default="granian", help="the web server"
    )
    parser.add_argument("--connections", type=int, default=48, help="wrk's open connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument("--observers", type=int, default=1200, help="observers in the mission")
    parser.add_argument("--sms", type=int, default=0, help="also post this many SMS")
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/13",
        help="REDIS_URL for the quotas (this database is emptied); '' keeps them in PostgreSQL",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench_ingest needs wrk (Debian: apt-get install wrk)")
    with (
        served_mission(
            "pollwatch_ingest",
            args.workers,
            stations=3000,
            observers=args.observers,
            threads=args.server_threads,
            redis_url=args.redis,
            server_kind=args.server,
        ) as (port, credentials, env, server, sides),
        tempfile.TemporaryDirectory() as folder,
    ):
        url = env["DATABASE_URL"]
        observers_file = Path(folder) / "observers.txt"
        observers_file.write_text(
            "".join(f"{o['token']} {o['station']}\n" for o in credentials["observers"])
        )
        wrk_burst(port, observers_file, 2000, args.connections, args.threads, url)  # warm-up
        while backlog(url):
            time.sleep(0.2)
        since = last_inbound(url)
        pids = {name: process.pid for name, process in sides.items()}

        def cpu() -> dict[str, float]:
            return cpu_seconds(server.pid, pids, "pollwatch_ingest")

        cpu_before = cpu()
        wrk_before = children_cpu()
        burst = wrk_burst(port, observers_file, args.reports, args.connections, args.threads, url)
        ended = time.perf_counter()
        cpu_burst = cpu()
        # wrk has ended (its /proc entry with it): its CPU is counted among this script's children.
        cpu_burst["load generator (wrk)"] = children_cpu() - wrk_before
        cpu_before["load generator (wrk)"] = 0.0
        left_at_end = backlog(url)
        while backlog(url) and time.perf_counter() - ended < 600:
            time.sleep(0.2)
        drained = time.perf_counter() - ended
        cpu_after = cpu()
        cpu_after["load generator (wrk)"] = cpu_burst["load generator (wrk)"]
        counts = read_counts(url, since)
        sms = None
        if args.sms:
            bodies = [
                sms_body(credentials["observers"][i % len(credentials["observers"])], 10**6 + i)
                for i in range(args.sms)
            ]
            sms = sms_load(port, bodies, credentials["sms_secret"], 16)
    baseline = raw_insert_rate(16)
    rate = burst["accepted"] / burst["seconds"]
    kept = sum(v for k, v in counts.items() if k not in {"submissions", "doubled"})
    read = kept - counts.get("stored", 0)
    lost = max(0, burst["accepted"] - kept)  # more kept than 202s: answers cut off by SIGINT
    print(
        f"\nburst of {burst['requests']:,} reports on PostgreSQL: {args.workers} {args.server} workers "
        f"× {args.server_threads} threads, quotas in {'Redis' if args.redis else 'PostgreSQL'}, "
        f"the report reader and the sealer; wrk {args.threads} threads, {args.connections} "
        "connections, loopback"
    )
    print(
        f"  accepted (202)      {burst['accepted']:>8,}   refused 429: {burst['refused']}, "
        f"other: {burst['other']}, socket errors: {burst['errors']}"
    )
    print(f"  reports per second  {rate:>8,.0f}   (goal ≥ 1,000)")
    print(
        f"  latency p50 / p99   {burst['p50_ms']:>8.1f} / {burst['p99_ms']:.1f} ms   (goal p99 < 250 ms)"
    )
    print(
        f"  backlog at the end  {left_at_end:>8,}   read within {drained:.1f} s after the burst "
        "(goal ≤ 60 s)"
    )
    print(
        f"  read                {read:>8,}   of {kept:,} kept; submissions {counts['submissions']:,}, "
        f"doubled {counts['doubled']}, lost {lost}"
    )
    print(
        f"  raw INSERT/s        {baseline:>8,.0f}   (single-row INSERT, one transaction each, 16 threads)"
    )
    print(f"  reports / raw INSERT: {rate / baseline:.2f}")
    print("  CPU per report (ms), during the burst and until the backlog was read:")
    for name in CPU_NAMES:
        during = cpu_burst.get(name, 0.0) - cpu_before.get(name, 0.0)
        total = cpu_after.get(name, 0.0) - cpu_before.get(name, 0.0)
        print(
            f"    {name:<22}{during / burst['requests'] * 1000:>6.2f}"
            f"{total / burst['requests'] * 1000:>8.2f}"
        )
    if sms is not None:
        seconds, latencies = sms
        latencies.sort()
        print(
            f"  SMS (read in the request, Python client, 16 threads): {len(latencies) / seconds:,.0f}/s, "
            f"p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.0f} ms"
        )
    ok = lost == 0 and counts["doubled"] == 0 and read == kept
    print("nothing lost, nothing doubled" if ok else "FAIL: reports lost or doubled")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
