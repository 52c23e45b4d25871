"""Import 1,000,000 generated stations on SQLite and PostgreSQL, beside PostgreSQL's raw COPY.

    python benchmarks/bench_import.py [--stations 1000000] [--skip-postgres]

Prints rows per second for our importer on each database, the raw COPY of the
same file into a bare table measured in the same run, their ratio, and the
server time of the stations page over the imported million (median of
repeated requests through Django's full middleware stack).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
PG_BENCH_DB = "pollwatch_bench"


def make_file(stations: int, folder: Path) -> Path:
    from pollwatch.stats.simulate import simulate_election

    path = folder / "stations.csv"
    started = time.perf_counter()
    simulated = simulate_election(stations=stations, seed=1, observers=0)
    simulated.stations.to_csv(path, index=False)
    print(
        f"generated {stations:,} stations in {time.perf_counter() - started:.1f} s ({path.stat().st_size / 2**20:.0f} MB)"
    )
    return path


def child(path: Path) -> dict:
    """Runs in a fresh process whose environment selects the database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pollwatch.settings")
    django.setup()
    import datetime

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from pollwatch.elections.importers import import_stations
    from pollwatch.elections.models import Election

    call_command("migrate", verbosity=0)
    election = Election.objects.create(slug="bench", name="Bench", date=datetime.date(2026, 12, 6))
    started = time.perf_counter()
    result = import_stations(election, path)
    seconds = time.perf_counter() - started
    user = User.objects.create_superuser("bench")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    region = election.areas.filter(level=1).order_by("-station_count").first()
    last_code = election.stations.order_by("-code").values_list("code", flat=True)[200]
    pages = {
        "first page": "/e/bench/stations/",
        "largest region": f"/e/bench/stations/?area={region.code}",
        "deep keyset page": f"/e/bench/stations/?after={last_code}",
        "search by name": "/e/bench/stations/?q=school",
        "search by code": f"/e/bench/stations/?q={last_code}",
        "search, no match": "/e/bench/stations/?q=zzqx",
    }
    timings = {}
    for label, url in pages.items():
        samples = []
        for _ in range(7):
            begin = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - begin)
            assert response.status_code == 200, (url, response.status_code)
        timings[label] = statistics.median(samples) * 1000
    return {
        "vendor": connection.vendor,
        "rows": result.stations,
        "seconds": seconds,
        "pages_ms": timings,
    }


def run_child(path: Path, env: dict[str, str]) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(path)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    if output.returncode:
        raise SystemExit(f"benchmark child failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def raw_copy(path: Path) -> float:
    """Seconds for PostgreSQL to COPY the same CSV into a bare table of text columns."""
    import psycopg

    with psycopg.connect(
        PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_BENCH_DB}", autocommit=True
    ) as conn:
        header = path.open(encoding="utf-8").readline().strip().split(",")
        conn.execute("DROP TABLE IF EXISTS raw_copy")
        conn.execute(
            "CREATE UNLOGGED TABLE raw_copy (" + ", ".join(f'"{c}" text' for c in header) + ")"
        )
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy("COPY raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE raw_copy")
    return seconds


def fresh_pg_database() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_BENCH_DB}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=1_000_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = make_file(args.stations, Path(folder))
        results = {
            "sqlite": run_child(
                path, {"POLLWATCH_DATA": str(Path(folder) / "sqlite"), "DATABASE_URL": ""}
            )
        }
        copy_seconds = None
        if not args.skip_postgres:
            url = fresh_pg_database()
            results["postgresql"] = run_child(
                path, {"POLLWATCH_DATA": str(Path(folder) / "pg"), "DATABASE_URL": url}
            )
            copy_seconds = raw_copy(path)
    rows = args.stations
    print(f"\nimport of {rows:,} stations")
    print(f"{'database':<12}{'seconds':>10}{'rows/s':>12}{'vs raw COPY':>14}")
    for name, result in results.items():
        rate = result["rows"] / result["seconds"]
        ratio = (
            f"{(copy_seconds / result['seconds']):.2f}"
            if copy_seconds and name == "postgresql"
            else ""
        )
        print(f"{name:<12}{result['seconds']:>10.1f}{rate:>12,.0f}{ratio:>14}")
    if copy_seconds:
        print(f"{'raw COPY':<12}{copy_seconds:>10.1f}{rows / copy_seconds:>12,.0f}{'1.00':>14}")
    print("\nstations page, server time (median of 7, ms)")
    for name, result in results.items():
        for label, ms in result["pages_ms"].items():
            print(f"  {name:<12}{label:<20}{ms:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
