"""The intake's writes without the ORM's statement building: one post's INSERT, many rows of a
kind, and the report reader's batches.

Every observer post is one INSERT and every batch of the report reader four bulk INSERTs; the
ORM costs several times the statement itself there (building, compiling and quoting each
value into the SQL text, which PostgreSQL then parses and plans anew). Elsewhere pollwatch
uses the ORM.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.utils import timezone

log = logging.getLogger(__name__)

_insert_sql: dict[type, tuple[str, list[Any]]] = {}

# Fields whose preparation hands a value of this exact type back unchanged (``to_python`` of a
# text is the text, of an int the int, on every database), and ``None``.
_UNCHANGED = {
    "CharField": str,
    "TextField": str,
    "SlugField": str,
    "EmailField": str,
    "IntegerField": int,
    "BigIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveSmallIntegerField": int,
    "SmallIntegerField": int,
    "BooleanField": bool,
}
_savers: dict[Any, Any] = {}


def db_value(field: Any, value: Any) -> Any:
    """``field.get_db_prep_save(value, connection)``, skipped where it would change nothing.

    The intake prepares every field of every row it writes (14 for a post's row, a few hundred
    per batch of the reader): Django's preparation walks several methods per value, a tenth
    of a post's CPU, to hand most of them back as they came."""
    plain = _savers.get(field)
    if plain is None:
        target = field.target_field if field.is_relation else field
        plain = _savers[field] = _UNCHANGED.get(target.get_internal_type(), False)
    if plain and (type(value) is plain or value is None):
        return value
    return field.get_db_prep_save(value, connection)


def _insert_statement(model: type[Model]) -> tuple[str, list[Any]]:
    if model not in _insert_sql:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        _insert_sql[model] = (
            f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})",
            fields,
        )
    return _insert_sql[model]


def insert_row(model: type[Model], **values: Any) -> None:
    """One INSERT of ``values`` (field attribute name → value), without building the model:
    the intake's one write per post. The ORM's ``create`` costs about four times the CPU of the
    statement itself, and every post pays it. Fields left out take their defaults (``auto_now_add``
    the current time); values are prepared by each field, as the ORM would (a UUID on SQLite, JSON).

    On PostgreSQL, outside a transaction, the row is written by the process's group writer
    (:class:`GroupWriter`): it returns once the row is committed, in one statement and one
    commit with the rows other requests of the process gave it meanwhile.
    """
    sql, fields = _insert_statement(model)
    row = prepared_row(model, values)
    if connection.vendor == "postgresql" and not connection.queries_logged:
        if settings.INTAKE_GROUP_COMMIT and not connection.in_atomic_block:
            _group_writer().insert(model, fields, row)
            return
        execute_bound(sql, row)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, row)


def prepared_row(model: type[Model], values: dict[str, Any]) -> list[Any]:
    """``values`` as :func:`insert_row` writes them: every field in the statement's order,
    prepared by the field, defaults and ``auto_now_add`` filled."""
    fields = _insert_statement(model)[1]
    unknown = set(values) - {f.attname for f in fields}
    if unknown:
        raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    now = timezone.now()
    row = []
    for f in fields:
        if f.attname in values:
            value = values[f.attname]
        elif getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
            value = now
        else:
            value = f.get_default()
        row.append(db_value(f, value))
    return row


def execute_bound(sql: str, params: list[Any]) -> list[tuple]:
    """Run ``sql`` on PostgreSQL with its values sent apart from it (server-side binding) and,
    unless ``INTAKE_PREPARED_INSERT`` is off, as a statement prepared once per connection;
    its rows, if it returns any (the reader's INSERT its keys, a look-up its rows).

    Django's cursor binds on the client: it quotes every value into the statement's text, and
    PostgreSQL parses and plans each post's INSERT anew. This is the same statement on the same
    connection and transaction, errors raised as Django's (``IntegrityError``, …). When queries
    are being logged (DEBUG, a test counting them) :func:`insert_row` uses Django's cursor.
    """
    import psycopg

    connection.validate_no_broken_transaction()
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=settings.INTAKE_PREPARED_INSERT)
        return cursor.fetchall() if cursor.description is not None else []


def insert_rows(
    model: type[Model], rows: list[dict[str, Any]], *, same: dict[str, Any] | None = None
) -> None:
    """INSERT many rows without building models (``executemany`` in batches of 1,000):
    ``same`` holds the values every row shares, prepared once; each row's own values are
    prepared by their field. Fields in neither take their defaults, as in :func:`insert_row`."""
    sql, fields = _insert_statement(model)
    same = same or {}
    given = set(same) | (set(rows[0]) if rows else set())
    unknown = given - {f.attname for f in fields}
    if unknown:
        raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    now = timezone.now()
    shared: dict[str, Any] = {}
    for f in fields:
        if f.attname in same:
            shared[f.attname] = f.get_db_prep_save(same[f.attname], connection)
        elif rows and f.attname not in rows[0]:
            if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
                shared[f.attname] = f.get_db_prep_save(now, connection)
            elif not callable(f.default):
                shared[f.attname] = f.get_db_prep_save(f.get_default(), connection)
    own = [f for f in fields if f.attname not in shared]
    prepared = []
    for values in rows:
        row = dict(shared)
        for f in own:
            value = values[f.attname] if f.attname in values else f.get_default()
            row[f.attname] = f.get_db_prep_save(value, connection)
        prepared.append([row[f.attname] for f in fields])
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), 1000):
            cursor.executemany(sql, prepared[start : start + 1000])


_unnest_sql: dict[type, tuple[str, list[Any]]] = {}


def _unnest_statement(model: type[Model]) -> tuple[str, list[Any]]:
    """``INSERT … SELECT * FROM UNNEST(one array per column) RETURNING id``, as Django's own
    ``bulk_create`` writes it on PostgreSQL, but with the arrays sent as parameters."""
    if model not in _unnest_sql:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
        arrays = ", ".join(f"(%s)::{str(f.db_type(connection)).split('(')[0]}[]" for f in fields)
        pk = connection.ops.quote_name(str(model._meta.pk.column))
        _unnest_sql[model] = (
            f"INSERT INTO {model._meta.db_table} ({columns}) SELECT * FROM UNNEST({arrays}) "
            f"RETURNING {pk}",
            fields,
        )
    return _unnest_sql[model]


def create_all(objs: Sequence[Model]) -> None:
    """``bulk_create`` for the report reader's batches: the objects get their primary keys.

    On PostgreSQL this is the statement Django writes (one array per column, UNNESTed), sent
    with its arrays apart from it (server-side binding) and prepared once per connection:
    Django's cursor quotes every value of every array into the statement's text, and
    PostgreSQL parses it anew (about 5 % of the reader's CPU, measured on alternating batches
    of one backlog). Elsewhere, and when queries are being logged,
    it is Django's ``bulk_create``. Fields are prepared as the ORM prepares them (``pre_save``
    fills ``auto_now_add``, ``get_db_prep_save`` makes JSON and UUIDs). All objects are of one
    model, and none is saved yet.
    """
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql" or connection.queries_logged or len(objs) == 1:
        model._default_manager.bulk_create(objs)
        return
    sql, fields = _unnest_statement(model)
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
    arrays = [[db_value(f, f.pre_save(obj, True)) for obj in objs] for f in fields]
    pks = [row[0] for row in execute_bound(sql, arrays)]
    if len(pks) != len(objs):
        raise RuntimeError(f"{model.__name__}: {len(objs)} rows written, {len(pks)} keys returned")
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


class GroupWriter:
    """Rows of one process's requests written together: one INSERT and one commit per batch.

    A request thread hands its row over and waits; the writer thread takes every row waiting,
    writes them with one ``COPY … FROM STDIN`` in its own connection (autocommit: the COPY is
    its transaction; no prepared statement, so it works behind any pooler) and wakes each
    request when its row is committed: the
    request answers 202 only after that, as before. While one batch commits the next gathers, so
    under load the rows per commit grow by themselves and nothing waits for a timer: one round
    trip and one WAL flush per batch instead of per post. benchmarks/bench_ingest.py, run with
    and without it in turn: a sixth less CPU per post in the web process, a third less in
    PostgreSQL, 13 % more posts a second.

    A batch PostgreSQL refuses is written again row by row, so a bad row fails only its own
    request; a lost connection is opened again for the next batch, and the requests of the batch
    it took down get the error (the app sends them again; the reader keeps one report per
    ``client_uuid``). A request that gives up waiting (``WAIT``) takes its row back if the
    writer has not taken it yet. ``INTAKE_GROUP_COMMIT=false`` writes each row in the request
    instead.
    """

    BATCH = 500
    WAIT = 30.0  # seconds a request waits for its commit before it gives up (answered 500)
    # The writer's connection: a COPY that hangs (a lock, a partition) is cancelled before a
    # request gives up, a dead peer is noticed within seconds, and the connection is renewed
    # as often as Django renews the requests' own (CONN_MAX_AGE; never when None).
    SESSION = "-c statement_timeout=20s -c lock_timeout=10s"
    TCP = {
        "connect_timeout": 5,
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": 10_000,
    }

    def __init__(self) -> None:
        self._waiting: list[_Row] = []
        self._lock = threading.Condition()
        self._connection: Any = None
        self._connected_at = 0.0
        self._thread: threading.Thread | None = None
        self.batches = 0  # for tests and the benchmark's curiosity
        self.rows = 0

    def insert(self, model: type[Model], fields: list[Any], row: list[Any]) -> None:
        item = _Row(model, fields, row)
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="group-writer", daemon=True)
                self._thread.start()
            self._waiting.append(item)
            self._lock.notify()
        if not item.done.wait(self.WAIT):
            with self._lock:
                if item in self._waiting:  # not taken yet: never written, the app sends it again
                    self._waiting.remove(item)
            raise TimeoutError(f"{model.__name__}: not written within {self.WAIT:g} s")
        if item.error is not None:
            # A copy per request (the batch's requests share one error) as Django's, as before.
            with connection.wrap_database_errors:
                raise copy.copy(item.error) from item.error

    def close(self) -> None:
        """Close the writer's connection (opened again by the next batch)."""
        with self._lock:
            opened, self._connection = self._connection, None
        if opened is not None:
            opened.close()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._waiting:
                    self._lock.wait()
                batch, self._waiting = self._waiting[: self.BATCH], self._waiting[self.BATCH :]
            try:
                self._write(batch)
            except BaseException as exc:  # noqa: BLE001 - every waiting request must be woken
                for item in batch:
                    if not item.done.is_set():
                        item.error = exc
                        item.done.set()

    def _write(self, batch: list[_Row]) -> None:
        by_model: dict[type, list[_Row]] = {}
        for item in batch:
            by_model.setdefault(item.model, []).append(item)
        for model, items in by_model.items():
            try:
                self._execute(model, [item.row for item in items])
            except Exception as exc:  # noqa: BLE001 - refused as a whole: try each row alone
                if len(items) == 1 or self._connection is None:
                    self._fail(items, exc)
                    continue
                for item in items:
                    try:
                        self._execute(model, [item.row])
                    except Exception as one:  # noqa: BLE001 - this row's request gets the error
                        self._fail([item], one)
                    else:
                        item.done.set()
                continue
            for item in items:
                item.done.set()
        self.batches += 1
        self.rows += len(batch)

    def _fail(self, items: list[_Row], exc: Exception) -> None:
        log.error("group writer: %s row(s) not written: %s", len(items), exc)
        for item in items:
            item.error = exc
            item.done.set()

    def _execute(self, model: type[Model], rows: list[list[Any]]) -> None:
        import psycopg

        max_age = settings.DATABASES["default"].get("CONN_MAX_AGE", 0)
        max_age = 60 if max_age == 0 else max_age  # 0 (a connection per request): a minute
        if self._connection is not None and (
            self._connection.closed
            or (max_age is not None and time.monotonic() - self._connected_at > max_age)
        ):
            self.close()
        if self._connection is None:
            self._connection = self._connect()
            self._connected_at = time.monotonic()
        try:
            with self._connection.cursor() as cursor, cursor.copy(_copy_statement(model)) as out:
                for row in rows:
                    out.write_row(row)
        except (psycopg.DataError, psycopg.IntegrityError):
            raise  # a row's own fault: the connection is sound
        except psycopg.Error:
            self.close()  # lost, cancelled, read-only after a failover: a new one next time
            raise

    def _connect(self) -> Any:
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params["options"] = f"{params.get('options', '')} {self.SESSION}".strip()
        return psycopg.Connection.connect(**{**self.TCP, **params}, autocommit=True)


_copy_sql: dict[type, str] = {}


def _copy_statement(model: type[Model]) -> str:
    """``COPY table (columns) FROM STDIN``, the columns of :func:`_insert_statement`."""
    if model not in _copy_sql:
        fields = _insert_statement(model)[1]
        columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
        _copy_sql[model] = f"COPY {model._meta.db_table} ({columns}) FROM STDIN"
    return _copy_sql[model]


class _Row:
    __slots__ = ("done", "error", "fields", "model", "row")

    def __init__(self, model: type[Model], fields: list[Any], row: list[Any]) -> None:
        self.model, self.fields, self.row = model, fields, row
        self.done = threading.Event()
        self.error: BaseException | None = None


_writers: dict[int, GroupWriter] = {}
_writers_lock = threading.Lock()


def _forget_writers_after_fork() -> None:
    global _writers_lock
    _writers.clear()  # the parent's writers: their thread is not in the child, their socket is not ours
    _writers_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_writers_after_fork)


def _group_writer() -> GroupWriter:
    """This process's writer (a forked worker makes its own: threads do not survive a fork)."""
    pid = os.getpid()
    writer = _writers.get(pid)
    if writer is None:
        with _writers_lock:
            writer = _writers.setdefault(pid, GroupWriter())
    return writer


def close_group_writers() -> None:
    """Close every writer's connection: the tests' end, before their database is dropped."""
    for writer in list(_writers.values()):
        writer.close()
