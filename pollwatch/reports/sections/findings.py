"""Checklist findings: the alarming answers as shares of observed stations, with intervals."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from pollwatch.elections.models import Election

KEY = "findings"
TITLE = gettext_lazy("Findings of the observers")
CHARTS = ["findings"]
LISTED = 8


def context(election: Election) -> dict[str, Any] | None:
    from pollwatch.results.findings import findings_for

    data = findings_for(election)
    stations = max((p["stations"] for p in data["phases"]), default=0)
    if not stations:
        return None
    return {"findings": data, "top": data["rows"][:LISTED], "stations": stations}


def suggestion(ctx: dict[str, Any]) -> str:
    top = [r for r in ctx["top"] if r["estimate"]][:3]
    if not top:
        return (
            f"Observers reported from {ctx['stations']:,} polling stations and noted no "
            "serious problem at a measurable share of them."
        )
    listed = "; ".join(r["sentence"] for r in top)
    return f"Observers reported from {ctx['stations']:,} polling stations. Most frequent problems: {listed}."


def methods(ctx: dict[str, Any]) -> list[str]:
    return [
        "Each share is estimated over the stratified sample of observed stations, weighting each "
        "station by the size of its area (the stratum), and counts only the stations where the "
        "question was answered; intervals are Korn–Graubard intervals at "
        f"{100 * ctx['findings']['confidence']:.0f} % confidence, which stay reliable for rare "
        "findings and small samples."
    ]
