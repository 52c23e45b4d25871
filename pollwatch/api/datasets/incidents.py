"""Incidents observers reported, with their severity and review status."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy

from pollwatch.api.chunking import keyset
from pollwatch.api.writers import Column
from pollwatch.elections.models import Election
from pollwatch.observers.access import Access, incidents_for
from pollwatch.submissions.models import Incident

TITLE = gettext_lazy("Incidents")
DESCRIPTION = gettext_lazy(
    "Incidents observers reported: station, severity (1 low to 4 critical), review status."
)

COLUMNS = [
    Column("id", "int"),
    Column("submission_id", "int"),
    Column("form_code"),
    Column("station_code"),
    Column("area_path"),
    Column("observer_code"),
    Column("severity", "int"),
    Column("severity_label"),
    Column("status"),
    Column("summary"),
    Column("created", "datetime"),
]
FIELDS = [
    "pk",
    "submission_id",
    "submission__form__code",
    "station__code",
    "station__area_path",
    "submission__observer__person__code",
    "severity",
    "status",
    "summary",
    "created",
]
# English whatever the reader's language ("Low"…"Critical"): an export's values do not move.
SEVERITY = {s.value: s.name.capitalize() for s in Incident.Severity}


def columns(election: Election) -> list[Column]:
    return COLUMNS


def chunks(access: Access) -> Iterator[list[tuple[Any, ...]]]:
    for chunk in keyset(incidents_for(access), "pk", FIELDS):
        yield [(*row[:7], str(SEVERITY.get(row[6], row[6])), *row[7:]) for row in chunk]
