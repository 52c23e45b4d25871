"""The official results checked against the quick count and against observers' protocol copies."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from pollwatch.elections.models import Election
from pollwatch.lib.figures import percent_beside

KEY = "official"
TITLE = gettext_lazy("Official results")
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
    from pollwatch.results.official import COMPLETE_COVERAGE

    data = ctx["comparison"]
    summary = ctx["report"]["summary"]
    if not data["complete"]:
        verdict = (
            f"They cover {percent_beside(data['official_coverage'] or 0, COMPLETE_COVERAGE)} % of "
            "the stations; the "
            "mission will judge them against its quick count once they are complete."
        )
    elif (data.get("tests") or {}).get("available"):
        verdict = _tested(data)
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


def _tested(data: dict[str, Any]) -> str:
    """The joint test, the regions that differ, the largest change after the count, the observer effect."""
    tests = data["tests"]
    parts = [tests["joint"]["national"]["sentence"]]
    differing = [r["name"] for r in data["regions"] if (r.get("joint") or {}).get("differs")]
    if differing:
        parts.append(
            "Regions whose official results differ by more than sampling error: "
            + ", ".join(differing)
            + "."
        )
    rows = tests["gap"]["rows"] if tests["gap"]["available"] else []
    changed = max(rows, key=lambda r: abs(r["changes"] or 0.0), default=None)
    if changed and changed["changes"] is not None and abs(changed["changes"]) >= 0.0005:
        parts.append(
            f"At the stations our observers sampled, {changed['name']}'s official share differs "
            f"from our observers' copies by {changed['changes_text']}."
        )
    effect = tests["observer_effect"]
    if effect.get("available"):
        parts += [
            effect[key]["sentence"]
            for key in ("leader_share", "turnout")
            if effect[key].get("available") and effect[key]["significant"]
        ]
    return " ".join(parts)


def methods(ctx: dict[str, Any]) -> list[str]:
    lines = [
        "An official national figure is outside the quick count when it lies outside the quick "
        "count's 95 % interval for the same figure; with several candidates and regions some "
        "figures fall outside by chance, so the finding is the joint test.",
        "Joint test: all candidates' official shares are tested together against the quick "
        "count's estimate with the first-order Rao-Scott chi-squared statistic (Rao & Scott "
        "1981), using the quick count's linearised covariance of the shares and an F reference "
        "with Satterthwaite degrees of freedom; the Wald statistic is reported alongside. "
        "Regions are tested the same way, with Holm's adjustment for testing every region.",
        "Gap decomposition: official share minus quick count = (official national − official "
        "at the sampled stations) + (official − observers' copies at the same stations) + "
        "(stations with a copy but no official row), the sample figures weighted as the quick "
        "count weights them.",
        "Observer effect: official leader share and turnout at the randomly sampled (observed) "
        "stations against the other stations of the same strata, with a randomisation p-value "
        "from relabelling observed stations within strata (Enikolopov et al. 2013). It is a "
        "causal test only because the sample was drawn at random.",
        "A station's official figures differ from the observers' copy when any count on the "
        "protocol copied by the observer differs from the count published for that station.",
    ]
    return lines
