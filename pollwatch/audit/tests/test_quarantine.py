"""A bad event never stops the sealer: it is quarantined, the rest are sealed, verify names it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DataError, connection, transaction

from pollwatch.audit.models import QUARANTINED, AuditEvent, quarantined, record, seal, seal_all


def insert_bad_event(how: str) -> int:
    """Store an event the way a bypassed boundary or a hand in the database might; returns its pk.

    ``surrogate``: text with a lone surrogate, which SQLite's JSON text keeps and UTF-8
    cannot encode (the reported crash). ``bytes``: text that is not UTF-8 at all
    (SQLite). ``deep``: JSON nested deeper than Python can read (PostgreSQL accepts it).
    """
    payloads = {
        "surrogate": '\'{"text": "x\\ud800y"}\'',
        "bytes": "CAST(X'7B2274223A2278FF79227D' AS TEXT)",
        "deep": "(repeat('[', 5000) || repeat(']', 5000))::jsonb",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (at, kind, actor, object_type, object_id, payload, "
            "prev_hash, hash, quarantined_reason) VALUES "
            f"(CURRENT_TIMESTAMP, 'test.bad', '', '', '', {payloads[how]}, '', '', '')"
        )
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()


# Each database stores its own kinds of bad text (the others it refuses at insert).
BAD_EVENTS = {"sqlite": ["surrogate", "bytes"], "postgresql": ["deep"]}


@pytest.fixture(params=BAD_EVENTS[connection.vendor])
def bad_event_kind(request, db):
    return request.param


def test_a_bad_event_in_a_seal_batch_is_quarantined_and_the_rest_are_sealed(bad_event_kind):
    for number in range(3):
        record("test.before", payload={"number": number})
    bad = insert_bad_event(bad_event_kind)
    for number in range(2):
        record("test.after", payload={"number": number})

    assert seal() == 6

    sealed = list(AuditEvent.objects.filter(seq__isnull=False).order_by("seq"))
    assert [e.kind for e in sealed] == ["test.before"] * 3 + ["test.after"] * 2
    assert [e.seq for e in sealed] == [1, 2, 3, 4, 5]
    [aside] = quarantined().values_list("pk", "quarantined_reason", "quarantined_at")
    assert aside[0] == bad and aside[1] and aside[2] is not None


def test_the_quarantine_itself_is_chained_as_an_event_naming_the_bad_one(bad_event_kind):
    bad = insert_bad_event(bad_event_kind)
    record("test.after")
    seal_all()
    note = AuditEvent.objects.get(kind=QUARANTINED)
    assert note.seq is not None and note.object_id == str(bad)
    assert note.payload["event"] == bad and note.payload["reason"]
    assert AuditEvent.objects.get(kind="test.after").seq is not None


def test_a_quarantined_event_is_never_taken_again(bad_event_kind):
    insert_bad_event(bad_event_kind)
    assert seal_all() == 2  # the bad one, then its quarantine note
    assert seal() == 0


def test_verify_names_quarantined_events_and_still_says_intact(bad_event_kind, capsys):
    record("test.before")
    bad = insert_bad_event(bad_event_kind)
    seal_all()
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "audit chain intact: 2 events" in out
    assert "1 event(s) quarantined" in out and f"event {bad}:" in out


def test_the_surrogate_error_is_named_in_words_any_database_can_store(db):
    if connection.vendor != "sqlite":
        # Only SQLite keeps a lone surrogate: PostgreSQL refuses it at insert.
        with pytest.raises(DataError), transaction.atomic():
            insert_bad_event("surrogate")
        return
    bad = insert_bad_event("surrogate")
    seal()
    reason = AuditEvent.objects.get(pk=bad).quarantined_reason
    assert "surrogate" in reason and "\ud800" not in reason
    reason.encode("utf-8")


def test_healthz_counts_quarantined_and_waiting_events(client, bad_event_kind):
    insert_bad_event(bad_event_kind)
    record("test.waiting")
    audit = client.get("/healthz").json()["audit"]
    assert audit["unsealed"] == 2 and audit["quarantined"] == 0
    assert audit["oldest_unsealed_seconds"] >= 0
    seal_all()
    audit = client.get("/healthz").json()["audit"]
    assert audit == {
        "head_seq": 2,
        "unsealed": 0,
        "oldest_unsealed_seconds": 0,
        "quarantined": 1,
    }


def test_admins_see_quarantined_events_in_the_admin(client, bad_event_kind):
    from django.contrib.auth.models import User
    from django.urls import reverse

    bad = insert_bad_event(bad_event_kind)
    seal_all()
    client.force_login(User.objects.create_superuser("root", "root@example.org", "x" * 12))
    listing = client.get(
        reverse("admin:audit_auditevent_changelist") + "?quarantined_at__isempty=0"
    )
    assert listing.status_code == 200 and f"{bad}" in listing.content.decode()
    page = client.get(reverse("admin:audit_auditevent_change", args=[bad]))
    assert page.status_code == 200
    text = page.content.decode()
    reason = quarantined().values_list("quarantined_reason", flat=True).get(pk=bad)
    assert reason[:20] in text.replace("&#x27;", "'")
