"""`pollwatch audit verify` finds a changed, deleted or reordered row and says which."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from pollwatch.audit.models import AuditEvent, head_hash, record, seal


@pytest.fixture
def chain(db):
    for number in range(1, 8):
        record("test.event", actor="tester", payload={"number": number, "text": "ə ш ک"})
    assert seal() == 7
    return list(AuditEvent.objects.order_by("seq"))


def verify(capsys) -> str:
    call_command("audit", "verify")
    return capsys.readouterr().out


def test_an_intact_chain_verifies_and_reports_its_head(chain, capsys):
    out = verify(capsys)
    assert "intact: 7 events" in out and chain[-1].hash in out
    assert head_hash() == (7, chain[-1].hash)


def test_a_changed_row_is_named(chain):
    AuditEvent.objects.filter(seq=4).update(payload={"number": 40, "text": "ə ш ک"})
    with pytest.raises(CommandError, match=r"seq 4: changed"):
        call_command("audit", "verify")


def test_a_deleted_row_is_named(chain):
    AuditEvent.objects.filter(seq=3).delete()
    with pytest.raises(CommandError, match=r"seq 4: missing — rows 3\.\.3"):
        call_command("audit", "verify")


def test_a_deleted_last_row_is_caught_by_the_head(chain):
    AuditEvent.objects.filter(seq=7).delete()
    with pytest.raises(CommandError, match="head"):
        call_command("audit", "verify")


def test_reordered_rows_are_named(chain):
    AuditEvent.objects.filter(seq=5).update(seq=100)
    AuditEvent.objects.filter(seq=6).update(seq=5)
    AuditEvent.objects.filter(seq=100).update(seq=6)
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify")
    assert "seq 5: reordered" in str(failure.value) and "seq 6: reordered" in str(failure.value)


def test_the_hash_covers_unicode_payloads_stably(chain):
    from pollwatch.lib.hashchain import link_hash

    event = chain[2]
    assert link_hash(event.prev_hash, event.content()) == event.hash


def test_events_are_sealed_in_the_order_they_were_stored_and_new_ones_wait(chain, capsys):
    record("test.late", payload={"n": 8})
    assert "1 newer events not yet sealed" in verify(capsys)
    assert seal() == 1
    assert AuditEvent.objects.get(kind="test.late").seq == 8
    assert "intact: 8 events" in verify(capsys)
