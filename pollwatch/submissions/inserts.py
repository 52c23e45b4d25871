"""The intake's writes without the ORM's statement building: one post's INSERT, many rows of a
kind, and the report reader's batches.

Every observer post is one INSERT and every batch of the report reader four bulk INSERTs; the
ORM costs several times the statement itself there (building, compiling and quoting each
value into the SQL text, which PostgreSQL then parses and plans anew). Elsewhere pollwatch
uses the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.utils import timezone

_insert_sql: dict[type, tuple[str, list[Any]]] = {}


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
    """
    sql, fields = _insert_statement(model)
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
        row.append(f.get_db_prep_save(value, connection))
    if connection.vendor == "postgresql" and not connection.queries_logged:
        _execute_bound(sql, row)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, row)


def _execute_bound(sql: str, params: list[Any]) -> None:
    """Run ``sql`` on PostgreSQL with its values sent apart from it (server-side binding) and,
    unless ``INTAKE_PREPARED_INSERT`` is off, as a statement prepared once per connection.

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
    arrays = [
        [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs] for f in fields
    ]
    pks = _fetch_bound(sql, arrays)
    if len(pks) != len(objs):
        raise RuntimeError(f"{model.__name__}: {len(objs)} rows written, {len(pks)} keys returned")
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


def _fetch_bound(sql: str, params: list[Any]) -> list[Any]:
    """:func:`_execute_bound` for a statement that returns one value per row."""
    import psycopg

    connection.validate_no_broken_transaction()
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=settings.INTAKE_PREPARED_INSERT)
        return [row[0] for row in cursor.fetchall()]
