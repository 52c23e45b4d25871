"""Every submission (checklists, incidents, result forms, exit-poll tallies) as it stands now."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy

from pollwatch.api.chunking import keyset
from pollwatch.api.writers import Column
from pollwatch.elections.models import Election
from pollwatch.observers.access import Access, submissions_for

TITLE = gettext_lazy("Submissions")
DESCRIPTION = gettext_lazy(
    "Every report observers sent (checklists, incidents, result forms, exit-poll tallies) "
    "in its current state; answers, problems and critical codes as JSON. Reports from "
    "messages marked as junk are left out."
)

COLUMNS = [
    Column("id", "int"),
    Column("client_uuid"),
    Column("form_code"),
    Column("form_version", "int"),
    Column("form_kind"),
    Column("station_code"),
    Column("observer_code"),
    Column("source"),
    Column("status"),
    Column("revision", "int"),
    Column("conflict", "bool"),
    Column("critical"),
    Column("problems"),
    Column("answers"),
    Column("observed_at", "datetime"),
    Column("created", "datetime"),
    Column("updated", "datetime"),
]
FIELDS = [
    "pk",
    "client_uuid",
    "form__code",
    "form__version",
    "form__kind",
    "station__code",
    "observer__person__code",
    "source",
    "status",
    "revision",
    "conflict",
    "critical",
    "problems",
    "answers",
    "observed_at",
    "created",
    "updated",
]
JSON_COLUMNS = {"critical", "problems", "answers"}
_AS_JSON = [c.name in JSON_COLUMNS for c in COLUMNS]


def columns(election: Election) -> list[Column]:
    return COLUMNS


def _row(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(
        json.dumps(value, ensure_ascii=False, sort_keys=True) if as_json else value
        for value, as_json in zip(values, _AS_JSON, strict=True)
    )


def chunks(access: Access) -> Iterator[list[tuple[Any, ...]]]:
    # Reports from messages an admin marked as junk stay in the database, not in exports.
    reports = submissions_for(access).exclude(inbound__junk=True)
    for chunk in keyset(reports, "pk", FIELDS):
        yield [_row((pk, str(uuid), *rest)) for pk, uuid, *rest in chunk]
