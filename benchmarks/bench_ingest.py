"""Sustained ingest of observer reports through gunicorn on PostgreSQL, beside PostgreSQL's raw INSERT rate.

    python benchmarks/bench_ingest.py [--workers 4] [--clients 16] [--requests 4000]

Posts web reports (the observer app's API) and SMS (the generic JSON gateway)
from client threads on loopback, each request a distinct report, and prints
reports per second with p50 and p99 latency. The baseline is the same
machine's rate of single-row INSERTs (one transaction each) into PostgreSQL
from the same number of client threads, measured in the same run.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_setup import fresh_database, served_mission, sms_body, web_body  # noqa: E402


def load(
    port: int, bodies: list[tuple[str, bytes, dict]], clients: int
) -> tuple[float, list[float], dict[int, int]]:
    local = threading.local()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def send(item: tuple[str, bytes, dict]) -> None:
        path, body, headers = item
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        began = time.perf_counter()
        try:
            local.connection.request("POST", path, body, headers)
            response = local.connection.getresponse()
            response.read()
            status = response.status
        except OSError:
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status = 0
        elapsed = time.perf_counter() - began
        with lock:
            latencies.append(elapsed)
            statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, bodies))
    return time.perf_counter() - started, latencies, statuses


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


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client connections")
    parser.add_argument("--requests", type=int, default=4000, help="reports per channel")
    parser.add_argument("--web-only", action="store_true", help="skip the SMS channel")
    args = parser.parse_args()
    with served_mission("pollwatch_ingest", args.workers) as (port, credentials, env, _server):
        observers = credentials["observers"]
        web = [
            (
                "/api/o/submissions",
                web_body(observers[i % len(observers)], votes=i),
                {
                    "Authorization": f"Token {observers[i % len(observers)]['token']}",
                    "Content-Type": "application/json",
                },
            )
            for i in range(args.requests)
        ]
        sms = [
            (
                "/sms/json/",
                sms_body(observers[i % len(observers)], i),
                {
                    "Authorization": f"Bearer {credentials['sms_secret']}",
                    "Content-Type": "application/json",
                },
            )
            for i in range(args.requests)
        ]
        load(port, web[:200], args.clients)  # warm up connections and caches
        results = {"web": load(port, web[200:], args.clients)}
        if not args.web_only:
            results["sms"] = load(port, sms, args.clients)
    baseline = raw_insert_rate(args.clients)
    print(
        f"\ningest on PostgreSQL, {args.workers} gunicorn workers, {args.clients} client connections, loopback"
    )
    print(f"{'channel':<8}{'requests':>10}{'per second':>12}{'p50 ms':>9}{'p99 ms':>9}  statuses")
    for name, (seconds, latencies, statuses) in results.items():
        print(
            f"{name:<8}{len(latencies):>10}{len(latencies) / seconds:>12,.0f}"
            f"{percentile(latencies, 50) * 1000:>9.1f}{percentile(latencies, 99) * 1000:>9.1f}  {statuses}"
        )
    print(
        f"{'raw INSERT':<18}{baseline:>12,.0f}  (single-row INSERT, one transaction each, {args.clients} threads)"
    )
    for name, (seconds, latencies, _) in results.items():
        print(f"{name} / raw INSERT: {(len(latencies) / seconds) / baseline:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
