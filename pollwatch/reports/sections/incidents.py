"""Incidents reported by observers, by severity and status, and the critical ones nobody has reviewed."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy

from pollwatch.elections.models import Election
from pollwatch.submissions.models import Incident

KEY = "incidents"
TITLE = gettext_lazy("Incidents")
CHARTS: list[str] = []
LISTED = 10


def unreviewed_critical(election: Election) -> int:
    """Critical incidents still new: no coordinator has confirmed, resolved or rejected them.

    The section says how many; the publication gate holds the statement back while any remain.
    """
    return Incident.objects.filter(
        election=election, severity=Incident.Severity.CRITICAL, status=Incident.Status.NEW
    ).count()


def context(election: Election) -> dict[str, Any] | None:
    incidents = Incident.objects.filter(election=election).exclude(status=Incident.Status.REJECTED)
    total = incidents.count()
    if not total:
        return None
    by_severity = {
        Incident.Severity(row["severity"]).label: row["n"]
        for row in incidents.values("severity").annotate(n=Count("pk")).order_by("-severity")
    }
    confirmed = incidents.filter(status__in=[Incident.Status.CONFIRMED, Incident.Status.RESOLVED])
    serious = (
        incidents.filter(severity__gte=Incident.Severity.HIGH)
        .select_related("station", "submission")
        .prefetch_related("submission__form")  # for each incident's title
        .order_by("-severity", "-created")[:LISTED]
    )
    return {
        "total": total,
        "confirmed": confirmed.count(),
        "by_severity": by_severity,
        "serious": list(serious),
        "unreviewed_critical": unreviewed_critical(election),
    }


def suggestion(ctx: dict[str, Any]) -> str:
    parts = ", ".join(f"{n:,} {label.lower()}" for label, n in ctx["by_severity"].items())
    text = (
        f"Observers reported {ctx['total']:,} incidents ({parts}); "
        f"{ctx['confirmed']:,} have been confirmed by the mission's coordinators."
    )
    waiting = ctx["unreviewed_critical"]
    if waiting:
        text += (
            f" {waiting:,} critical incident{'s have' if waiting != 1 else ' has'} not yet been "
            "reviewed."
        )
    return text


def methods(ctx: dict[str, Any]) -> list[str]:
    return []
