"""Fault test: the SMS gateway answers 500s, 503s, 429s and times out for a minute, and the
sender is SIGKILLed once; no message is lost, none is sent twice.

    python benchmarks/fault_messages.py [--observers 300] [--seconds 60]

In a fresh PostgreSQL database, queues one message to each of N observers through the
generic JSON gateway and one to each through Twilio's API, both served by a stand-in API on
the loopback (pollwatch/messaging/tests/fakegateway.py) that for the first ``--seconds``
answers in turn 500, 503, 429, and too late (after the sender's timeout: the gateway took
the message but the answer never came), then answers as the provider does. It runs
`pollwatch send-messages --follow` as `pollwatch serve` does, SIGKILLs it a third of the way
through the outage (with messages claimed) and starts a new one. When every message has
settled, it checks:

* nothing lost: every message is sent, or *unconfirmed* (only where the gateway took it
  but its answer never came, for Twilio, which cannot de-duplicate), none failed or waiting;
* nothing sent twice: Twilio took each message exactly once; the JSON gateway took each at
  least once, and any second post carried the same idempotency key (the gateway drops it,
  as its contract says), so each phone gets one SMS.

Exits 1 if any of it does not hold.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_setup import fresh_database  # noqa: E402

from pollwatch.messaging.tests.fakegateway import Answer, FakeGateway  # noqa: E402

TIMEOUT = 1.0


def child_setup(observers: int) -> None:
    import django

    django.setup()
    import datetime

    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from pollwatch.elections.models import Area, Election, PollingStation
    from pollwatch.messaging.outbox import compose
    from pollwatch.observers.access import access_for
    from pollwatch.observers.models import Deployment, Membership, Mission, Person, Role

    call_command("migrate", verbosity=0)
    election = Election.objects.create(
        slug="fault", name="Fault election", date=datetime.date(2026, 12, 6)
    )
    region = Area.objects.create(
        election=election, level=1, level_name="region", code="R1", name="R1", path="/R1/"
    )
    mission = Mission.objects.create(election=election, name="Fault mission")
    for i in range(observers):
        station = PollingStation.objects.create(
            election=election,
            code=f"S{i:04d}",
            name=f"School {i}",
            area=region,
            area_path="/R1/",
            registered_voters=1000,
        )
        person = Person.objects.create(
            mission=mission, code=f"{5000 + i}", full_name=f"Observer {i}", phone=f"+99450{i:07d}"
        )
        membership = Membership.objects.create(
            person=person, election=election, role=Role.OBSERVER, area=region
        )
        Deployment.objects.create(membership=membership, station=station)
    user = User.objects.create_superuser("fault")
    access = access_for(user, election)
    for gateway in ("json", "twilio"):
        settings.SMS_SEND_GATEWAY = gateway
        compose(access, user, {}, {"en": f"{gateway}: please report, {{code}}"}, "en")
    # Both gateways' messages in turn, so each meets the outage.
    from django.utils import timezone

    from pollwatch.messaging.models import Message

    now = timezone.now()
    for gateway in ("json", "twilio"):
        for i, pk in enumerate(
            Message.objects.filter(gateway=gateway).order_by("pk").values_list("pk", flat=True)
        ):
            Message.objects.filter(pk=pk).update(
                next_attempt_at=now + datetime.timedelta(milliseconds=2 * i + (gateway == "twilio"))
            )


def child_state() -> dict:
    import django

    django.setup()
    from django.db.models import Count

    from pollwatch.messaging.models import Message

    rows = Message.objects.values("gateway", "status").annotate(n=Count("pk"))
    messages = list(Message.objects.values("uuid", "gateway", "status", "to", "text"))
    return {
        "counts": [dict(r) for r in rows],
        "messages": [{**m, "uuid": str(m["uuid"])} for m in messages],
    }


def run_child(env: dict, what: str, observers: int = 0) -> dict | None:
    out = Path(env["POLLWATCH_DATA"]) / f"{what}.json"
    code = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            what,
            "--out",
            str(out),
            "--observers",
            str(observers),
        ],
        env=env,
        cwd=ROOT,
    ).returncode
    if code:
        sys.exit(f"child {what} failed ({code})")
    return json.loads(out.read_text()) if out.exists() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observers", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the gateway fails")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "setup":
        child_setup(args.observers)
        return 0
    if args.child == "state":
        Path(args.out).write_text(json.dumps(child_state()))
        return 0

    fake = FakeGateway().start()
    faults = [Answer(500), Answer(503), Answer(429), Answer(200, {"id": "late"}, delay=TIMEOUT * 2)]
    outage: dict[str, float] = {}

    per_path: dict[str, int] = {}

    def schedule(n: int, path: str) -> Answer | None:
        if time.monotonic() < outage.get("until", float("inf")):
            # Each gateway meets every fault in turn, whichever order the sender takes them in.
            per_path[path] = per_path.get(path, 0) + 1
            answer = faults[per_path[path] % len(faults)]
            if answer.delay:  # taken, answered too late: a real id, as the provider would give
                return Answer(201, {"sid": f"SM{n}", "id": f"gw{n}"}, delay=answer.delay)
            return answer
        return Answer(201, {"sid": f"SM{n}", "id": f"gw{n}"})

    fake.schedule = schedule
    with tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "pollwatch.settings",
            "PYTHONPATH": str(ROOT),
            "POLLWATCH_DATA": data,
            "DATABASE_URL": fresh_database("pollwatch_fault_messages"),
            "SMS_JSON_SECRET": "fault-secret",
            "SMS_JSON_SEND_URL": f"{fake.url}/send",
            "TWILIO_ACCOUNT_SID": "ACfault",
            "TWILIO_AUTH_TOKEN": "fault-token",
            "TWILIO_FROM": "+15005550006",
            "TWILIO_API_URL": fake.url,
            "SMS_SEND_TIMEOUT": str(TIMEOUT),
            "SMS_SEND_RATE": "50",
            "SMS_SEND_ATTEMPTS": "30",
        }
        run_child(env, "setup", args.observers)
        total = 2 * args.observers
        print(
            f"queued {total} messages (json and twilio); the gateway fails for {args.seconds:.0f} s"
        )
        command = [
            sys.executable,
            "-m",
            "pollwatch",
            "send_messages",
            "--follow",
            "--interval",
            "0.2",
        ]
        started = time.monotonic()
        outage["until"] = started + args.seconds
        sender = subprocess.Popen(command, env=env, cwd=ROOT)
        time.sleep(args.seconds / 3)
        sender.send_signal(signal.SIGKILL)
        sender.wait()
        print(f"SIGKILLed the sender at {time.monotonic() - started:.0f} s; starting another")
        sender = subprocess.Popen(command, env=env, cwd=ROOT)
        try:
            deadline = time.monotonic() + args.seconds + 900
            while time.monotonic() < deadline:
                time.sleep(5)
                state = run_child(env, "state")
                assert state is not None
                waiting = sum(
                    r["n"] for r in state["counts"] if r["status"] in ("queued", "sending")
                )
                print(f"  {time.monotonic() - started:5.0f} s: {waiting} waiting")
                if not waiting and time.monotonic() > outage["until"]:
                    break
        finally:
            sender.send_signal(signal.SIGTERM)
            sender.wait(timeout=30)
            fake.stop()

    messages = state["messages"]
    by_status: dict[str, dict[str, int]] = {}
    for m in messages:
        by_status.setdefault(m["gateway"], {}).setdefault(m["status"], 0)
        by_status[m["gateway"]][m["status"]] += 1
    took: dict[str, int] = {}  # how often the gateway took each message (2xx, late ones too)
    posts = 0
    for request in fake.requests:
        posts += 1
        if request["path"] == "/send":
            key = request["headers"].get("Idempotency-Key", "")
        else:
            form = parse_qs(request["body"])
            key = form["To"][0] + "|" + form["Body"][0]
        took.setdefault(key, 0)
    for key, count in fake.delivered.items():
        if key.startswith("To="):
            form = parse_qs(key)
            key = form["To"][0] + "|" + form["Body"][0]
        took[key] = took.get(key, 0) + count
    problems = []
    if len(messages) != total:
        problems.append(f"{len(messages)} messages stored, {total} queued")
    json_twice = 0
    for m in messages:
        if m["gateway"] == "json":
            n = took.get(m["uuid"], 0)
            if m["status"] != "sent" or n < 1:
                problems.append(f"json message {m['uuid']}: {m['status']}, taken {n} times")
            json_twice += n > 1
        else:
            n = took.get(f"{m['to']}|{m['text']}", 0)
            if m["status"] not in ("sent", "unconfirmed") or n != 1:
                problems.append(f"twilio message to {m['to']}: {m['status']}, taken {n} times")
    print(f"\n{posts:,} posts to the gateways for {total:,} messages")
    for gateway, counts in sorted(by_status.items()):
        print(f"  {gateway:7} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(
        f"  json: {json_twice} messages posted again after an answer never came, each with "
        "the same idempotency key (dropped by the gateway: one SMS each)"
    )
    unconfirmed = by_status.get("twilio", {}).get("unconfirmed", 0)
    print(
        f"  twilio: {unconfirmed} unconfirmed (taken, answer lost; never resent); "
        "every message taken exactly once"
        if not any("twilio" in p for p in problems)
        else ""
    )
    if problems:
        print("FAIL")
        for problem in problems[:20]:
            print("  " + problem)
        return 1
    print("PASS: nothing lost, nothing sent twice")
    return 0


if __name__ == "__main__":
    sys.exit(main())
