"""The quick count: our estimate of the result from the sampled stations' protocols."""

from __future__ import annotations

from typing import Any

from pollwatch.elections.models import Election

KEY = "quick_count"
TITLE = "Quick count"
CHARTS = ["quick-count", "coverage"]


def context(election: Election) -> dict[str, Any] | None:
    from pollwatch.results.estimates import quick_count_for
    from pollwatch.results.presenters import quick_count_context

    qc = quick_count_for(election)
    if not qc.get("available") or not qc.get("stations"):
        return None
    return quick_count_context(election, qc)


def suggestion(ctx: dict[str, Any]) -> str:
    qc = ctx["qc"]
    rows = ctx["rows"]
    leading = ", ".join(
        f"{r['name']} {100 * r['estimate']:.1f} % ({100 * r['low']:.1f}–{100 * r['high']:.1f} %)"
        for r in rows[:3]
        if r["estimate"] is not None and r["low"] is not None
    )
    turnout = qc.get("turnout")
    turnout_text = (
        f" Turnout is estimated at {100 * turnout['estimate']:.1f} % "
        f"({100 * turnout['ci'][0]:.1f}–{100 * turnout['ci'][1]:.1f} %)."
        if turnout and turnout.get("ci") and turnout["ci"][0] is not None
        else ""
    )
    call = qc["call"]
    return (
        f"Based on result forms from {qc['stations']:,} of {qc['sampled_stations']:,} randomly "
        f"sampled polling stations, the mission estimates: {leading} (95 % intervals).{turnout_text} "
        f"Status of the estimate: {call['status']} — {call['reason']}."
    )
