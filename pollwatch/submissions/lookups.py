"""What every observer post looks up, remembered by each process: the token's person and the
person's deployments.

On election day nearly every request is a post, and looking these up in the database for each
would cost more than storing the post itself. Each process keeps them for LOOKUP_TTL seconds at
most, and forgets sooner what has changed: a change (a token revoked, a deployment or membership
saved or deleted) is written as a :class:`LookupChange` row, which every process reads at most
CHECK_EVERY seconds later — so a revoked token stops working on every web host within about a
second, and the process that made the change forgets at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from pollwatch.submissions.inserts import execute_bound

LOOKUP_TTL = 600.0
CHECK_EVERY = 1.0
WINDOW = timedelta(minutes=5)  # a change committed this late after it was made is still read
KEEP_CHANGES = timedelta(hours=1)

_lock = threading.Lock()
_seen: set[int] | None = None  # the LookupChange rows of the last WINDOW this process has read
_checked = 0.0
_forgetters: list[Any] = []


def on_change(forget: Any) -> Any:
    """Register ``forget(person_ids)`` (None: everyone) to be called when look-ups change."""
    _forgetters.append(forget)
    return forget


def _forget(person_ids: set[int] | None) -> None:
    for forget in _forgetters:
        forget(person_ids)


def changed(person_ids: Iterable[int | None]) -> None:
    """Record that these people's look-ups changed (None in it: everyone's): forgotten in this
    process now (and again when the transaction commits), in the others within CHECK_EVERY."""
    from pollwatch.submissions.models import LookupChange

    ids = set(person_ids)
    everyone = None in ids
    LookupChange.objects.bulk_create(
        [LookupChange(person_id=None)]
        if everyone
        else [LookupChange(person_id=pk) for pk in sorted(pk for pk in ids if pk is not None)]
    )
    # Changes every process has long read are dropped (they are rare: a few rows at most).
    LookupChange.objects.filter(at__lt=timezone.now() - KEEP_CHANGES).delete()
    forgotten = None if everyone else {pk for pk in ids if pk is not None}
    _forget(forgotten)
    transaction.on_commit(lambda: _forget(forgotten))


def fresh() -> None:
    """Forget what changes made since the last look stale; reads the changes at most once every
    CHECK_EVERY seconds (one small query), so every request may call it."""
    global _seen, _checked
    now = time.monotonic()
    if now - _checked < CHECK_EVERY:
        return
    with _lock:
        if now - _checked < CHECK_EVERY:
            return
        _checked = now
        _read_changes()


def _read_changes() -> None:
    """Forget the people named by changes not read before.

    Changes are read by time, over the last WINDOW, not by "after the last id seen": ids are
    handed out when a row is inserted, not when it commits, so a change committed late can
    carry a lower id than one already read."""
    global _seen
    from pollwatch.submissions.models import LookupChange

    rows = dict(
        LookupChange.objects.filter(at__gte=timezone.now() - WINDOW).values_list("pk", "person_id")
    )
    if _seen is None:  # a new process has nothing remembered yet
        _seen = set(rows)
        return
    new = {pk: person for pk, person in rows.items() if pk not in _seen}
    _seen = set(rows)
    if new:
        people = set(new.values())
        _forget(None if None in people else people)  # type: ignore[arg-type]


def reset() -> None:
    """Forget everything and read the changes afresh (a test's database was rolled back)."""
    global _seen, _checked
    with _lock:
        _seen, _checked = None, 0.0
    _forget(None)


# One model's part of a joined row: the model, its fields' attribute names, each field's
# converters (with the column they convert), its path from the root, the field that leads to it.
_Part = tuple[type[Model], list[str], list[list[tuple[Any, Any]]], str, Any]


class Joined[M: Model]:
    """Whole rows of a model and of the models it points to, read by one SELECT written once,
    as instances related as ``select_related`` relates them.

    A remembered look-up still has to be made once per person and process, and on election
    night nearly every post is a person's first in a while: the ORM compiles the deployments'
    five-table query anew each time (1.4 ms) and PostgreSQL plans it anew (1.5 ms), three times
    what storing the post costs. This statement is written once per process and, on PostgreSQL
    unless ``INTAKE_PREPARED_INSERT`` is off, prepared once per connection. ``where`` names the
    tables by their paths in braces (``{membership}``; ``{root}`` the root) and may hold one
    ``IN %s``, given a list: ``= ANY`` on PostgreSQL, its placeholders spelled out elsewhere.
    """

    def __init__(self, root: type[M], paths: list[str], where: str, order: str = "") -> None:
        self.root, self.paths, self.where, self.order = root, paths, where, order
        self._compiled: tuple[str, list[_Part]] | None = None  # written on first use

    def _compile(self) -> tuple[str, list[_Part]]:
        quote = connection.ops.quote_name
        aliases = {"": "t0"}
        parts: list[tuple[type[Model], str, Any]] = [(self.root, "", None)]
        joins = []
        for i, path in enumerate(self.paths, start=1):
            parent_path, _, name = path.rpartition("__")
            parent = next(model for model, p, _ in parts if p == parent_path)
            field: Any = parent._meta.get_field(name)  # a ForeignKey
            model = field.related_model
            aliases[path] = f"t{i}"
            parts.append((model, path, field))
            joins.append(
                f"JOIN {quote(model._meta.db_table)} t{i} ON t{i}.{quote(field.target_field.column)}"
                f" = {aliases[parent_path]}.{quote(field.column)}"
            )
        columns: list[str] = []
        compiled: list[_Part] = []
        for model, path, field in parts:
            fields: list[Any] = list(model._meta.concrete_fields)
            alias = aliases[path]
            columns += [f"{alias}.{quote(f.column)}" for f in fields]
            converters: list[list[tuple[Any, Any]]] = []
            for f in fields:
                col = f.get_col(alias)
                functions = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
                converters.append([(function, col) for function in functions])
            compiled.append((model, [f.attname for f in fields], converters, path, field))
        names = {"root": "t0", **{path: alias for path, alias in aliases.items() if path}}
        sql = (
            f"SELECT {', '.join(columns)} FROM {quote(self.root._meta.db_table)} t0 "
            f"{' '.join(joins)} WHERE {self.where.format(**names)}"
        )
        if self.order:
            sql += f" ORDER BY {self.order.format(**names)}"
        return sql, compiled

    def fetch(self, *params: Any) -> list[M]:
        """The root's instances for these parameters, their related instances attached."""
        if self._compiled is None:
            self._compiled = self._compile()
        sql, values = self._compiled[0], list(params)
        postgres = connection.vendor == "postgresql"
        for i, value in enumerate(values):
            if isinstance(value, list | tuple | set):
                values[i] = list(value)
                marks = "= ANY(%s)" if postgres else f"IN ({', '.join(['%s'] * len(value))})"
                sql = sql.replace("IN %s", marks, 1)
        if not postgres:
            values = [
                v for value in values for v in (value if isinstance(value, list) else [value])
            ]
        rows = _run(sql, values, bound=postgres and not connection.queries_logged)
        return [self._instances(row) for row in rows]

    def _instances(self, row: tuple) -> M:
        assert self._compiled is not None
        made: dict[str, Model] = {}
        start = 0
        for model, names, converters, path, field in self._compiled[1]:
            values = list(row[start : start + len(names)])
            start += len(names)
            for i, convert in enumerate(converters):
                for function, col in convert:
                    values[i] = function(values[i], col, connection)
            made[path] = model.from_db(connection.alias, names, values)
            if field is not None:
                field.set_cached_value(made[path.rpartition("__")[0]], made[path])
        return made[""]  # type: ignore[return-value]  # the root's part is of the root's model


def _run(sql: str, params: list[Any], *, bound: bool) -> list[tuple]:
    """The rows of ``sql``: on PostgreSQL (``bound``) with the values sent apart and the statement
    prepared, as the intake's INSERTs are (``inserts.execute_bound``); else by Django's cursor."""
    if bound:
        return execute_bound(sql, params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
