"""Incidents reported by observers, by severity and status."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from pollwatch.elections.models import Election
from pollwatch.submissions.models import Incident

KEY = "incidents"
TITLE = "Incidents"
CHARTS: list[str] = []
LISTED = 10


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
        .select_related("station")
        .order_by("-severity", "-created")[:LISTED]
    )
    return {
        "total": total,
        "confirmed": confirmed.count(),
        "by_severity": by_severity,
        "serious": list(serious),
    }


def suggestion(ctx: dict[str, Any]) -> str:
    parts = ", ".join(f"{n:,} {label.lower()}" for label, n in ctx["by_severity"].items())
    return (
        f"Observers reported {ctx['total']:,} incidents ({parts}); "
        f"{ctx['confirmed']:,} have been confirmed by the mission's coordinators."
    )
