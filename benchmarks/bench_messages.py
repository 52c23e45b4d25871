"""Composing a message to 10,000 observers, and the sender keeping its rate.

    python benchmarks/bench_messages.py [--observers 10000] [--rate 200] [--skip-postgres]

In a fresh database (SQLite in a temporary data folder, then PostgreSQL), makes a mission
with N observers (phones, languages, one station each), then times ``outbox.compose``
(the audience chosen through the filters, one text per language rendered per person, the
messages written and the audit event with their digest) for all of them, as the compose
page's Send does. Baseline in the same run: a bare ``executemany`` INSERT of the same number
of rows into a table of the same columns. Goal: under 5 s for 10,000.

Then the sender (``send_due`` with the console gateway) at ``--rate`` messages a second:
the measured rate must stay at or under it (ratio ≤ 1.0) and close to it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 5.0


def child(observers: int, rate: float) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pollwatch.settings")
    django.setup()
    import datetime
    import uuid

    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection

    from pollwatch.elections.models import Area, Election, PollingStation
    from pollwatch.messaging.models import Message
    from pollwatch.messaging.outbox import compose
    from pollwatch.messaging.sender import Pace, send_due
    from pollwatch.observers.access import access_for
    from pollwatch.observers.models import Deployment, Membership, Mission, Person, Role

    call_command("migrate", verbosity=0)
    election = Election.objects.create(
        slug="bench", name="Bench election", date=datetime.date(2026, 12, 6), languages="en,az"
    )
    region = Area.objects.create(
        election=election, level=1, level_name="region", code="R1", name="R1", path="/R1/"
    )
    stations = PollingStation.objects.bulk_create(
        PollingStation(
            election=election,
            code=f"S{i:05d}",
            name=f"School {i}",
            area=region,
            area_path="/R1/",
            registered_voters=1000,
        )
        for i in range(observers)
    )
    mission = Mission.objects.create(election=election, name="Bench mission")
    people = Person.objects.bulk_create(
        Person(
            mission=mission,
            code=f"{100000 + i}",
            full_name=f"Observer Number{i}",
            phone=f"+99450{i:07d}",
            language="az" if i % 3 else "en",
        )
        for i in range(observers)
    )
    memberships = Membership.objects.bulk_create(
        Membership(person=p, election=election, role=Role.OBSERVER, area=region) for p in people
    )
    Deployment.objects.bulk_create(
        Deployment(membership=m, station=s) for m, s in zip(memberships, stations, strict=True)
    )
    user = User.objects.create_superuser("bench")
    access = access_for(user, election)
    texts = {
        "en": "Dear {first_name}, please send the opening form for {station} now.",
        "az": "Hörmətli {first_name}, {station} üçün açılış formunu indi göndərin.",
    }
    began = time.perf_counter()
    broadcast = compose(access, user, {"roles": ["observer"]}, texts, "en")
    composed = time.perf_counter() - began
    assert broadcast.queued == observers, broadcast.queued

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_bare (uuid varchar(36), person_id integer, recipient varchar(64), "
            "body text, language varchar(10), created varchar(40))"
        )
    rows = [
        (str(uuid.uuid4()), p.pk, p.phone, texts["az"], p.language, "2026-12-06T08:00:00")
        for p in people
    ]
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO bench_bare VALUES (%s, %s, %s, %s, %s, %s)", rows)
    bare = time.perf_counter() - began

    # The sender at its rate: the console gateway, into a file.
    settings.SMS_OUTBOX = str(Path(os.environ["POLLWATCH_DATA"]) / "outbox.jsonl")
    send_count = min(observers, int(rate * 5))
    Message.objects.exclude(
        pk__in=Message.objects.order_by("pk").values_list("pk", flat=True)[:send_count]
    ).update(status=Message.Status.CANCELLED)
    pace = Pace(rate)
    began = time.perf_counter()
    sent = 0
    while tried := send_due(pace, limit=max(1, int(rate))):
        sent += tried
    sending = time.perf_counter() - began
    delivered = Message.objects.filter(status=Message.Status.DELIVERED).count()
    return {
        "vendor": connection.vendor,
        "observers": observers,
        "compose_seconds": composed,
        "bare_insert_seconds": bare,
        "sent": sent,
        "delivered": delivered,
        "send_seconds": sending,
        "rate": rate,
    }


def run(database_url: str, observers: int, rate: float) -> dict:
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "POLLWATCH_DATA": data}
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        out = Path(data) / "result.json"
        code = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                str(out),
                "--observers",
                str(observers),
                "--rate",
                str(rate),
            ],
            env=env,
        ).returncode
        if code:
            sys.exit(f"the benchmark's child process failed ({code})")
        return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observers", type=int, default=10_000)
    parser.add_argument(
        "--rate", type=float, default=200.0, help="the sender's messages per second"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        Path(args.child).write_text(json.dumps(child(args.observers, args.rate)))
        return 0
    results = [run("", args.observers, args.rate)]
    if not args.skip_postgres:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from ingest_setup import fresh_database

        results.append(run(fresh_database("pollwatch_bench_messages"), args.observers, args.rate))
    failed = False
    for r in results:
        ratio = r["compose_seconds"] / r["bare_insert_seconds"]
        measured = r["sent"] / r["send_seconds"]
        print(
            f"\n{r['vendor']}: compose and queue to {r['observers']:,} observers "
            f"{r['compose_seconds']:.2f} s (goal < {GOAL_SECONDS:.0f} s); bare executemany INSERT "
            f"of as many rows {r['bare_insert_seconds']:.2f} s (ratio {ratio:.1f})"
        )
        print(
            f"  sender at {r['rate']:.0f}/s: {r['sent']:,} messages in {r['send_seconds']:.1f} s = "
            f"{measured:.0f}/s (ratio to the rate {measured / r['rate']:.2f}, must be ≤ 1.0); "
            f"{r['delivered']:,} in the console outbox"
        )
        if r["compose_seconds"] >= GOAL_SECONDS or measured > r["rate"] * 1.02:
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
