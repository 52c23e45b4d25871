"""The web processes' group writer (``inserts.GroupWriter``): observer posts written together,
one statement and one commit per batch, each post answered only once its row is committed."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import DataError, connection

from pollwatch.submissions import inserts
from pollwatch.submissions.models import Inbound

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the group writer is PostgreSQL's"
    ),
    pytest.mark.django_db(transaction=True),  # the writer's own connection sees commits only
]


def _values(sender: str = "D1-001") -> dict:
    return {
        "channel": Inbound.Channel.WEB,
        "gateway": "pwa",
        "raw": '{"answers": {}}',
        "sha256": "a" * 64,
        "sender": sender,
        "meta": {"bytes": 15, "text": "سلام"},
        "status": Inbound.Status.STORED,
        "client_uuid": uuid.uuid4(),
    }


def _row(values: dict) -> inserts._Row:
    fields = inserts._insert_statement(Inbound)[1]
    return inserts._Row(Inbound, fields, inserts.prepared_row(Inbound, values))


def test_posts_from_many_threads_are_each_committed_when_insert_returns():
    writer = inserts._group_writer()
    before = writer.rows
    sent = [_values(f"T{n:03}") for n in range(40)]
    start = threading.Barrier(len(sent))
    seen: dict[str, bool] = {}

    def post(values: dict) -> None:
        start.wait()
        inserts.insert_row(Inbound, **values)
        # Returned: committed, so a new connection (this thread's own) sees it at once.
        seen[values["sender"]] = Inbound.objects.filter(client_uuid=values["client_uuid"]).exists()
        connection.close()

    threads = [threading.Thread(target=post, args=(values,)) for values in sent]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert seen == {values["sender"]: True for values in sent}
    assert writer.rows - before == len(sent)
    stored = Inbound.objects.get(sender="T007")
    assert (stored.meta, stored.status, stored.raw) == (
        {"bytes": 15, "text": "سلام"},
        Inbound.Status.STORED,
        '{"answers": {}}',
    )
    assert stored.received_at is not None  # auto_now_add, as the ORM fills it


def test_one_batch_is_one_statement():
    writer = inserts.GroupWriter()
    batch = [_row(_values(f"B{n}")) for n in range(25)]
    writer._write(batch)
    assert all(item.done.is_set() and item.error is None for item in batch)
    assert (writer.batches, writer.rows) == (1, 25)
    assert Inbound.objects.filter(sender__startswith="B").count() == 25
    writer.close()


def test_a_row_postgresql_refuses_fails_its_own_post_only():
    writer = inserts.GroupWriter()
    good, bad, other = _row(_values("G1")), _row(_values("X" * 65)), _row(_values("G2"))
    writer._write([good, bad, other])  # sender is varchar(64): the batch is refused as a whole
    assert good.error is None and other.error is None
    assert "too long" in str(bad.error)
    assert sorted(Inbound.objects.values_list("sender", flat=True)) == ["G1", "G2"]
    writer.close()


def test_the_error_reaches_the_request_as_djangos():
    with pytest.raises(DataError, match="too long"):
        inserts.insert_row(Inbound, **_values("X" * 65))
    inserts.insert_row(Inbound, **_values("after"))  # the writer goes on
    assert Inbound.objects.filter(sender="after").exists()


def test_a_lost_connection_fails_the_batch_it_took_down_and_the_next_opens_a_new_one():
    writer = inserts._group_writer()
    inserts.insert_row(Inbound, **_values("first"))
    pid = writer._connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    with pytest.raises(Exception):  # noqa: B017 - the connection's end, however psycopg names it
        inserts.insert_row(Inbound, **_values("lost"))
    inserts.insert_row(Inbound, **_values("again"))
    assert writer._connection.info.backend_pid != pid
    assert set(Inbound.objects.values_list("sender", flat=True)) == {"first", "again"}


def test_inside_a_transaction_the_row_is_written_in_it(settings):
    from django.db import transaction

    with transaction.atomic():  # e.g. quotas kept in the database: one commit with the report
        inserts.insert_row(Inbound, **_values("inside"))
        assert Inbound.objects.filter(sender="inside").exists()  # this connection's own write
        transaction.set_rollback(True)
    assert not Inbound.objects.filter(sender="inside").exists()


def test_it_can_be_turned_off(settings):
    settings.INTAKE_GROUP_COMMIT = False
    writer = inserts._group_writer()
    before = writer.rows
    inserts.insert_row(Inbound, **_values("alone"))
    assert writer.rows == before
    assert Inbound.objects.filter(sender="alone").exists()


def test_the_writers_connection_gives_up_before_a_request_does():
    writer = inserts._group_writer()
    inserts.insert_row(Inbound, **_values("first"))
    with writer._connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "20s"
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "10s"


def test_a_post_that_waited_too_long_is_not_written_later():
    writer = inserts.GroupWriter()
    writer.WAIT = 0.05
    busy = threading.Event()
    writer._thread = threading.Thread(target=busy.wait, args=(5,), daemon=True)  # a stuck writer
    writer._thread.start()
    fields = inserts._insert_statement(Inbound)[1]
    with pytest.raises(TimeoutError, match="not written within"):
        writer.insert(Inbound, fields, inserts.prepared_row(Inbound, _values("late")))
    assert writer._waiting == []  # answered 500: the app sends it again, so it is not kept
    busy.set()
