"""Election-night dashboards over 1,000,000 stations and 10,000 PVT results, and the PDF statement.

    python benchmarks/bench_analysis.py [--stations 1000000] [--sample 10000] [--postgres]

Builds the night through the real code (station import, a stratified sample
with one observer per station, the shipped forms, result forms and
checklists from every sampled station, exit-poll tallies from a tenth of
them, the official results of every station through the official-results
importer, one forensic run), then prints the server time of every analysis
page (Django test client, full middleware stack): the first request of a
fresh process (the figures are computed in the request), the request right
after a new result form and checklist arrived (the figures computed before
are served while a background thread takes the new forms in), and the
median of repeated requests (warm). Baselines
measured in the same run: the pure quick-count core on the same 10,000
stations, and the mission home page. Goal: every page under 500 ms; the PDF
statement under 10 s.
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
import uuid
from pathlib import Path

GOAL_PAGE = 0.5
GOAL_PDF = 10.0


def child(stations: int, sample: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pollwatch.settings")
    django.setup()
    import datetime

    import numpy as np
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from pollwatch.checklists.loading import install_defaults
    from pollwatch.elections.importers import create_job, import_stations
    from pollwatch.elections.models import Candidate, Contest, Election, ImportJob, PollingStation
    from pollwatch.observers.models import Deployment, Membership, Mission, Person, Role
    from pollwatch.ops.traffic import random_answers
    from pollwatch.reports.models import Statement
    from pollwatch.results.demo import (
        exit_poll_tallies,
        report_checklists,
        report_results,
        report_tallies,
        true_protocols,
    )
    from pollwatch.results.importers import import_official, preview
    from pollwatch.results.models import ForensicsRun
    from pollwatch.results.tasks import compute_forensics
    from pollwatch.stats.quickcount import quick_count
    from pollwatch.stats.sampling import draw_sample
    from pollwatch.stats.simulate import simulate_election

    timings: dict[str, float] = {}

    def step(label: str, started: float) -> None:
        timings[label] = time.perf_counter() - started
        print(f"  {label}: {timings[label]:.1f} s", flush=True)

    folder = Path(os.environ["POLLWATCH_DATA"]) / "night"
    started = time.perf_counter()
    simulated = simulate_election(
        stations=stations, seed=1, observers=0, fraud="stuffing:0.05,rewrite:0.02"
    )
    paths = simulated.write(folder)
    step("simulate", started)
    call_command("migrate", verbosity=0)
    election = Election.objects.create(
        slug="bench", name="Bench election", date=datetime.date(2026, 12, 6)
    )
    contest = Contest.objects.create(election=election, name="President")
    Candidate.objects.bulk_create(
        Candidate(
            contest=contest, code=row["code"], name=row["name"], ballot_order=row["ballot_order"]
        )
        for row in simulated.candidates.to_dict("records")
    )
    started = time.perf_counter()
    import_stations(election, paths["stations.csv"])
    step("import stations", started)

    started = time.perf_counter()
    frame = list(PollingStation.objects.filter(election=election).values_list("pk", "area_id"))
    ids = np.array([pk for pk, _ in frame])
    strata = np.array([area for _, area in frame])
    drawn = draw_sample(strata, sample, seed=1)
    mission = Mission.objects.create(election=election, name="Bench mission")
    people = Person.objects.bulk_create(
        Person(mission=mission, code=str(100000 + i), full_name=f"Observer {i}")
        for i in range(len(drawn.sampled))
    )
    memberships = Membership.objects.bulk_create(
        Membership(person=person, election=election, role=Role.OBSERVER) for person in people
    )
    Deployment.objects.bulk_create(
        (
            Deployment(membership=membership, station_id=int(ids[index]))
            for membership, index in zip(memberships, drawn.sampled, strict=True)
        ),
        batch_size=2000,
    )
    install_defaults(election, actor="bench")
    step("sample and deploy", started)

    started = time.perf_counter()
    codes = list(simulated.candidates["code"])
    protocols = true_protocols(paths["truth.csv"], codes)
    sampled_codes = set(
        PollingStation.objects.filter(deployments__isnull=False).values_list("code", flat=True)
    )
    report_results(
        election, {c: protocols[c] for c in sampled_codes}, fraction=1.0, seed=1, fast=True
    )
    report_checklists(election, random_answers, fraction=1.0, seed=1, fast=True)
    report_tallies(
        election,
        exit_poll_tallies({c: protocols[c] for c in sampled_codes}, codes, seed=1),
        fraction=0.1,
        seed=1,
        fast=True,
    )
    step("result forms, checklists, tallies", started)

    started = time.perf_counter()
    job = create_job(election, ImportJob.Kind.RESULTS, paths["results.csv"], "results.csv", {})
    job.options = {"mapping": preview(job).mapping}
    job.save()
    job = import_official(job)
    step("import official results", started)
    print(f"  {job.message}")

    started = time.perf_counter()
    compute_forensics(ForensicsRun.objects.create(election=election, replicates=200))
    step("forensics (200 replicates, nationally and by region)", started)

    statement = Statement.objects.create(election=election, title="Preliminary statement")
    user = User.objects.create_superuser("bench")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    pages = {
        "mission home (baseline)": "/e/bench/",
        "quick count": "/e/bench/quick-count/",
        "exit polls": "/e/bench/exit-polls/",
        "official results": "/e/bench/official/",
        "discrepancies": "/e/bench/official/discrepancies/",
        "forensics": "/e/bench/forensics/",
        "checklist findings": "/e/bench/findings/",
        "statement": f"/e/bench/statements/{statement.pk}/",
        "quick-count chart (PNG)": "/e/bench/charts/quick-count.png",
    }
    # As a web worker does at start (pollwatch/wsgi.py): start the chart engine.
    from pollwatch.lib.charts import nothing_yet, render_svg
    from pollwatch.submissions.models import Submission

    render_svg(nothing_yet("warm-up"))
    cache.clear()
    results = {}
    for label, url in pages.items():
        begin = time.perf_counter()
        response = client.get(url)
        results[label] = {"cold": time.perf_counter() - begin}
        assert response.status_code == 200, (url, response.status_code)
    # A web worker computes the figures of elections being observed as it starts (pollwatch/wsgi.py).
    from pollwatch.results.freshness import warm_up

    cache.clear()
    election.status = Election.Status.COUNTING
    election.save(update_fields=["status"])
    begin = time.perf_counter()
    warm_up()
    warm_up_seconds = time.perf_counter() - begin
    for label, url in pages.items():
        begin = time.perf_counter()
        client.get(url)
        results[label]["after warm-up"] = time.perf_counter() - begin
    # One more result form and one more checklist arrive, as every second on election night:
    # the pages answer from the figures they have while a thread takes the new forms in.
    newest = Submission.objects.filter(election=election, form__kind="results").latest("pk")
    for submission in (
        newest,
        Submission.objects.filter(election=election, form__kind="checklist").latest("pk"),
    ):
        submission.pk = None
        submission.client_uuid = uuid.uuid4()
        submission.save()
    for label, url in pages.items():
        begin = time.perf_counter()
        client.get(url)
        results[label]["new data"] = time.perf_counter() - begin
    time.sleep(20)  # the background refreshes finish
    for label, url in pages.items():
        samples = []
        for _ in range(5):
            begin = time.perf_counter()
            client.get(url)
            samples.append(time.perf_counter() - begin)
        results[label]["warm"] = statistics.median(samples)

    started = time.perf_counter()
    response = client.get(f"/e/bench/statements/{statement.pk}/pdf")
    assert response.status_code == 200
    pdf_seconds = time.perf_counter() - started
    pdf_bytes = len(response.content)

    # Baseline: the pure core alone on the same 10,000 result forms.
    from pollwatch.results.estimates import counted_per_station, frame_for, sample_for

    counted = counted_per_station(election, "results")
    drawn_sample = sample_for(election, set(counted))
    answers = [counted[s][0] for s in drawn_sample.station_ids.tolist()]
    votes = {c: np.array([a[c] for a in answers], dtype=float) for c in codes}
    population = frame_for(election).population
    begin = time.perf_counter()
    for _ in range(5):
        quick_count(
            drawn_sample.strata, votes, population=population, by=drawn_sample.regions.astype(str)
        )
    core = (time.perf_counter() - begin) / 5
    return {
        "timings": timings,
        "pages": results,
        "pdf_seconds": pdf_seconds,
        "pdf_bytes": pdf_bytes,
        "core_seconds": core,
        "results": len(counted),
        "warm_up_seconds": warm_up_seconds,
    }


def run(stations: int, sample: int, database_url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "POLLWATCH_DATA": data}
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        output = Path(data) / "result.json"
        code = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                str(output),
                "--stations",
                str(stations),
                "--sample",
                str(sample),
            ],
            env=env,
        ).returncode
        if code:
            raise SystemExit(f"benchmark child failed ({code})")
        return json.loads(output.read_text())


def report(name: str, result: dict) -> bool:
    print(f"\n{name}: {result['results']:,} result forms")
    base = result["pages"]["mission home (baseline)"]["warm"]
    ok = True
    columns = ("cold", "after warm-up", "new data", "warm")
    print(
        f"  {'server time, ms':<28}" + "".join(f"{c:>15}" for c in columns) + f"{'warm/home':>11}"
    )
    for label, t in result["pages"].items():
        ok &= all(t[c] < GOAL_PAGE for c in columns[1:])
        over = [c for c in columns if t[c] >= GOAL_PAGE]
        print(
            f"  {label:<28}"
            + "".join(f"{1000 * t[c]:15.0f}" for c in columns)
            + f"{t['warm'] / base:11.1f}"
            + (f"  over 500 ms: {', '.join(over)}" if over else "")
        )
    print(
        "  cold: first request of a process without warm-up; after warm-up: first request after the"
        f" worker's start-up computation ({result['warm_up_seconds']:.1f} s in the background);"
        " new data: right after a result form and a checklist arrived; warm: median of 5"
    )
    print(f"  pure quick-count core on the same forms: {1000 * result['core_seconds']:.0f} ms")
    print(
        f"  PDF statement: {result['pdf_seconds']:.1f} s ({result['pdf_bytes'] / 1024:.0f} KB)"
        f" — goal {GOAL_PDF:.0f} s: {'met' if result['pdf_seconds'] < GOAL_PDF else 'NOT met'}"
    )
    return ok and result["pdf_seconds"] < GOAL_PDF


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stations", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        Path(args.child).write_text(json.dumps(child(args.stations, args.sample)))
        return 0
    ok = report("SQLite", run(args.stations, args.sample, None))
    if args.postgres:
        url = os.environ.get(
            "BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/pollwatch_bench_night"
        )
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", url.rsplit("/", 1)[1]]
        )
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", url.rsplit("/", 1)[1]], check=True
        )
        ok &= report("PostgreSQL", run(args.stations, args.sample, url))
    print(
        "\nevery page under 500 ms once the worker has warmed up (also right after new data)"
        " and the PDF under 10 s"
        if ok
        else "\ngoal not met"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
