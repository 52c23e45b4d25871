"""Our own estimates: the quick count (national and per region) and the exit poll, per candidate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy

from pollwatch.api.writers import Column
from pollwatch.elections.models import Election
from pollwatch.observers.access import Access
from pollwatch.results.estimates import exit_poll_for, quick_count_for

TITLE = gettext_lazy("Estimates")
DESCRIPTION = gettext_lazy(
    "The quick count's vote shares per candidate, nationally and per region, and the exit "
    "poll's nationally: one row per source, scope and candidate, with the confidence interval."
)

COLUMNS = [
    Column("source"),
    Column("scope"),
    Column("candidate_code"),
    Column("estimate", "float"),
    Column("low", "float"),
    Column("high", "float"),
    Column("se", "float"),
    Column("confidence", "float"),
]
NATIONAL = "national"


def columns(election: Election) -> list[Column]:
    return COLUMNS


def _rows(source: str, scope: str, shares: dict[str, Any], confidence: float) -> list[tuple]:
    rows = []
    for code, share in shares.items():
        interval = share.get("ci") or [None, None]
        rows.append(
            (
                source,
                scope,
                code,
                share.get("estimate"),
                interval[0],
                interval[1],
                share.get("se"),
                confidence,
            )
        )
    return rows


def rows_for(election: Election) -> list[tuple[Any, ...]]:
    """A few rows per candidate; the estimates are computed (and cached) as the dashboards do."""
    rows: list[tuple[Any, ...]] = []
    quick = quick_count_for(election)
    if quick.get("available"):
        confidence = quick["confidence"]
        rows += _rows("quick_count", NATIONAL, quick.get("shares") or {}, confidence)
        for region, result in sorted((quick.get("by") or {}).items()):
            rows += _rows("quick_count", region, result.get("shares") or {}, confidence)
    exit_poll = exit_poll_for(election)
    if exit_poll.get("available"):
        rows += _rows("exit_poll", NATIONAL, exit_poll.get("shares") or {}, exit_poll["confidence"])
    return rows


def chunks(access: Access) -> Iterator[list[tuple[Any, ...]]]:
    yield rows_for(access.election)
