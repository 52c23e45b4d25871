"""The report reader's bulk writes (``inserts.create_all``) store what Django's ``bulk_create``
stores, on PostgreSQL with the values sent apart from the statement."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from pollwatch.audit.models import AuditEvent, event
from pollwatch.submissions.inserts import create_all
from pollwatch.submissions.models import Revision, Submission
from pollwatch.testing import protocol, send


def _rows(model, pks):
    return [
        {k: v for k, v in row.items() if k not in {"id", "at", "created", "updated"}}
        for row in model.objects.filter(pk__in=pks).order_by("pk").values()
    ]


def _events(submission):
    return [
        event(
            "test.made",
            actor="D1-001",
            election_id=submission.election_id,
            obj=submission,
            payload={"n": n, "text": "سلام 'quoted' \\ back", "none": None, "list": [1, 2.5]},
        )
        for n in range(3)
    ] + [event("test.bare")]


def test_it_stores_what_bulk_create_stores_and_gives_the_keys(mission, results_forms):
    stored = send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300)).submission
    ours, django = _events(stored), _events(stored)
    create_all(ours)
    AuditEvent.objects.bulk_create(django)
    assert all(e.pk is not None and not e._state.adding for e in ours)
    assert _rows(AuditEvent, [e.pk for e in ours]) == _rows(AuditEvent, [e.pk for e in django])
    revisions = [
        Revision(
            submission=stored,
            number=n,
            status=stored.status,
            answers=stored.answers,
            problems=[{"code": "C1", "message": "ü"}],
            reason="",
            inbound=None,
        )
        for n in (7, 8)
    ]
    create_all(revisions)
    assert [r.created is not None for r in revisions] == [True, True]  # auto_now_add filled
    saved = Revision.objects.get(pk=revisions[1].pk)
    assert (saved.number, saved.answers, saved.problems) == (
        8,
        stored.answers,
        revisions[1].problems,
    )


def test_a_key_taken_is_djangos_integrity_error_and_the_transaction_goes_on(mission, results_forms):
    stored = send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300)).submission
    copies = [
        Submission(client_uuid=key, **_fields(stored)) for key in (uuid.uuid4(), stored.client_uuid)
    ]
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            create_all(copies)
    assert Submission.objects.count() == 1
    fresh = [
        Submission(**{**fields, "client_uuid": uuid.uuid4()}) for fields in [_fields(stored)] * 2
    ]
    create_all(fresh)
    assert Submission.objects.count() == 3


def _fields(submission):
    return {
        "election_id": submission.election_id,
        "form": submission.form,
        "station": submission.station,
        "observer": submission.observer,
        "source": "web",
        "status": submission.status,
        "answers": {},
        "problems": [],
        "critical": [],
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL statement")
def test_on_postgresql_the_values_are_not_in_the_statement(mission, results_forms):
    stored = send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300)).submission
    sent: list[str] = []
    import psycopg

    original = psycopg.Cursor.execute

    def spy(self, query, params=None, **kwargs):
        sent.append(str(query))
        return original(self, query, params, **kwargs)

    psycopg.Cursor.execute = spy
    try:
        create_all(_events(stored))
    finally:
        psycopg.Cursor.execute = original
    assert len(sent) == 1 and "UNNEST" in sent[0] and "test.made" not in sent[0]


def test_on_postgresql_the_bulk_insert_is_prepared_once_per_connection(mission, results_forms):
    """Django turns psycopg's prepared statements off; settings.py lets the intake ask for its own
    (``INTAKE_PREPARED_INSERT``): PostgreSQL plans the reader's INSERT once, not per batch."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    stored = send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300)).submission
    create_all(_events(stored))
    create_all(_events(stored) + _events(stored))
    prepared = connection.connection.execute(
        "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%audit_auditevent%UNNEST%'"
    ).fetchone()[0]
    assert prepared == 1
