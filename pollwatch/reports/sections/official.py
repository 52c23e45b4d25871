"""The official results checked against the quick count and against observers' protocol copies."""

from __future__ import annotations

from typing import Any

from pollwatch.elections.models import Election

KEY = "official"
TITLE = "Official results"
CHARTS = ["official", "discrepancies"]
LISTED = 10


def context(election: Election) -> dict[str, Any] | None:
    from pollwatch.results.official import comparison, discrepancy_report

    data = comparison(election)
    if not data["official_stations"]:
        return None
    report = discrepancy_report(election)
    return {"comparison": data, "report": report, "top": report["rows"][:LISTED]}


def suggestion(ctx: dict[str, Any]) -> str:
    data = ctx["comparison"]
    summary = ctx["report"]["summary"]
    if not data["complete"]:
        verdict = (
            f"They cover {100 * (data['official_coverage'] or 0):.1f} % of the stations; the "
            "mission will judge them against its quick count once they are complete."
        )
    elif data["outside"]:
        verdict = (
            "The official figures lie outside the quick count's margins of error: "
            + " ".join(r["sentence"] for r in data["outside"])
        )
    elif data["available"]:
        verdict = "The official national figures lie within the quick count's margins of error."
    else:
        verdict = "The quick count is not yet available for comparison."
    return (
        f"Official results of {data['official_stations']:,} stations were compared. {verdict} "
        f"At {summary.get('differ', 0):,} of {ctx['report']['compared']:,} stations where our "
        "observers copied the protocol, the published figures differ from the copy."
    )


def methods(ctx: dict[str, Any]) -> list[str]:
    return [
        "An official national figure is outside the quick count when it lies outside the quick "
        "count's 95 % interval for the same figure.",
        "A station's official figures differ from the observers' copy when any count on the "
        "protocol copied by the observer differs from the count published for that station.",
    ]
