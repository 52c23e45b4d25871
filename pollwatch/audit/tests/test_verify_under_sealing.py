"""`audit verify` reads head and rows in one snapshot: sealing beside it never looks like tampering.

Real threads on the real database (transactional_db: each thread has its own
connection and sees only what others committed).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from pollwatch.audit.models import AuditEvent, head_hash, record, seal, seal_all


def keep_recording_and_sealing(stop: threading.Event, errors: list[BaseException]) -> None:
    try:
        while not stop.is_set():
            for number in range(5):
                record("test.live", payload={"number": number})
            seal(batch=3)  # small batches: the head moves many times during one verify
    except BaseException as exc:  # the test fails on it below
        errors.append(exc)
    finally:
        connection.close()


def run_beside(work, times: int, check) -> list:
    stop, errors = threading.Event(), []
    thread = threading.Thread(target=work, args=(stop, errors))
    thread.start()
    try:
        time.sleep(0.2)
        results = [check() for _ in range(times)]
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_verify_never_gives_a_false_alarm_while_events_are_sealed(capsys):
    for number in range(300):
        record("test.before", payload={"number": number})
    seal_all()

    def verify() -> str:
        call_command("audit", "verify")
        return capsys.readouterr().out

    outputs = run_beside(keep_recording_and_sealing, 25, verify)
    assert all("audit chain intact" in out for out in outputs)
    assert head_hash()[0] > 300  # the sealer did move the head meanwhile


@pytest.mark.django_db(transaction=True)
def test_rows_added_past_the_head_are_still_caught():
    for number in range(5):
        record("test.event", payload={"number": number})
    seal_all()
    last = AuditEvent.objects.get(seq=5)
    AuditEvent.objects.create(at=last.at, kind="forged", seq=6, prev_hash=last.hash, hash="f" * 64)
    with pytest.raises(CommandError, match="after the recorded head"):
        call_command("audit", "verify")


@pytest.mark.django_db(transaction=True)
def test_two_sealers_at_once_chain_every_event_exactly_once():
    """Topology: exactly one sealer is the rule, but a second one by mistake only waits its turn."""
    for number in range(400):
        record("test.event", payload={"number": number})
    errors: list[BaseException] = []

    def sealer() -> None:
        try:
            while seal(batch=25):
                pass
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sealer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    seqs = sorted(AuditEvent.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, 401))
    call_command("audit", "verify")
