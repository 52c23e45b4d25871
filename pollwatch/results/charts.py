"""The analysis charts, by name: the same chart in the page, in the PDF statement and as SVG/PNG download.

Each builder takes the election and returns an altair chart, or None when
there is nothing to draw yet. Builders only reshape what the estimates and
stored runs already hold; they compute no statistics.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.utils.translation import get_language, gettext

from pollwatch.elections.models import Election
from pollwatch.lib import charts


class Builder(Protocol):
    """Takes the election and the width the chart is shown at (px); the chart, or None."""

    def __call__(self, election: Election, width: int = ...) -> Any: ...


def words() -> charts.Words:
    """Every word the charts draw, in the active language (``pollwatch.lib.charts`` has no gettext)."""
    return charts.Words(
        share_of_valid_votes=gettext("share of valid votes"),
        candidate=gettext("candidate"),
        reference=gettext("reference"),
        estimates_description=gettext("Estimated %(what)s with %(level)s intervals: %(values)s"),
        stations_reported=gettext("stations reported"),
        latest_estimate=gettext("%(value)s after %(stations)s stations"),
        convergence_description=gettext(
            "Estimated %(what)s as stations reported, from %(first)s stations on, "
            "with %(level)s intervals. Latest: %(latest)s."
        ),
        area=gettext("area"),
        sampled_stations_reported=gettext("sampled stations reported"),
        newly_included=gettext("newly included"),
        other_areas=gettext("other areas"),
        reported_of_sampled=gettext("%(reported)s of %(sampled)s (%(share)s)"),
        below_threshold=gettext("below threshold"),
        threshold=gettext("threshold %(share)s"),
        coverage_description=gettext(
            "Share of sampled stations reported by area (threshold %(threshold)s): %(values)s. "
            "%(below)s of %(areas)s areas below the threshold."
        ),
        answer=gettext("answer"),
        group=gettext("group"),
        proportions_description=gettext(
            "Estimated %(what)s by %(label)s and %(group)s with %(level)s intervals. %(values)s."
        ),
        turnout_percent=gettext("turnout %"),
        leader_share_percent=gettext("leader's share %"),
        stations_per_cell=gettext("stations per cell (log scale)"),
        fingerprint_description=gettext(
            "Turnout against the leader's share for %(stations)s stations"
        ),
        densest_cell=gettext(
            "the densest cell is turnout %(turnout)s, leader's share %(share)s "
            "(%(stations)s stations); %(corner)s stations (%(corner_share)s) have both above "
            "%(high)s"
        ),
        fraud_fit=gettext(
            "Fraud-model fit: %(incremental)s of stations incrementally and %(extreme)s "
            "extremely rigged"
        ),
        turnout=gettext("turnout"),
        leader_share=gettext("leader's share"),
        stations_per_bin=gettext("stations per %(width)s-point bin"),
        observed_stations=gettext("observed stations"),
        null_mean=gettext("null mean"),
        null_band=gettext("null 95 % band"),
        whole_percent_above=gettext("whole percent above the band"),
        histogram_description=gettext(
            "Stations by %(what)s in %(width)s-point bins (%(stations)s stations) against the "
            "%(level)s band of a binomial null from %(replicates)s replicates: %(spikes)s of "
            "%(bins)s whole-percent bins lie above the band"
        ),
        largest_excess=gettext("the largest excess at %(values)s"),
        excess=gettext("%(at)s (%(stations)s stations, null %(mean)s, band %(low)s–%(high)s)"),
        numbers=gettext("numbers"),
        observed=gettext("observed"),
        expected=gettext("expected"),
        digit_description=gettext("Observed (expected) %(what)s by %(digit)s: %(values)s."),
        bar_description=gettext("%(what)s by %(by)s: %(values)s."),
        nothing_yet=gettext("Nothing to draw yet"),
    )


def _names(data: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {c["code"]: c for c in data.get("candidates", [])}


def _share_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    names = _names(data)
    rows = []
    for code, estimate in data.get("shares", {}).items():
        if estimate["estimate"] is None or estimate["ci"][0] is None:
            continue
        candidate = names.get(code, {"name": code, "colour": None})
        rows.append(
            {
                "name": candidate["name"],
                "estimate": estimate["estimate"],
                "low": estimate["ci"][0],
                "high": estimate["ci"][1],
                "colour": candidate.get("colour"),
            }
        )
    rows.sort(key=lambda r: -r["estimate"])
    return rows


def quick_count(election: Election, width: int = charts.DEFAULT_WIDTH) -> Any:
    from pollwatch.results.estimates import quick_count_for

    data = quick_count_for(election)
    rows = _share_rows(data) if data.get("available") else []
    if not rows:
        return None
    return charts.estimates_chart(
        rows,
        title=gettext(
            "Quick count: share of valid votes, %(stations)s of %(sampled)s sampled stations"
        )
        % {"stations": f"{data['stations']:,}", "sampled": f"{data['sampled_stations']:,}"},
        references=_published_references(election, data),
        width=width,
        words=words(),
    )


def _published_references(election: Election, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Announced figures (third-party exit polls, official results) as marks beside our intervals."""
    from pollwatch.results.models import PublishedPoll
    from pollwatch.results.official import official_totals

    names = _names(data)
    references = []
    for poll in PublishedPoll.objects.filter(election=election).order_by("created")[:4]:
        for code, percent in poll.shares.items():
            if code in names:
                references.append(
                    {
                        "name": names[code]["name"],
                        "value": float(percent) / 100,
                        "label": poll.source,
                    }
                )
    totals = official_totals(election)
    if totals["stations"]:
        for code, share in totals["shares"].items():
            if code in names and share is not None:
                references.append(
                    {
                        "name": names[code]["name"],
                        "value": share,
                        "label": gettext("official result"),
                    }
                )
    return references


def convergence(election: Election, width: int = charts.DEFAULT_WIDTH) -> Any:
    from pollwatch.results.estimates import quick_count_for

    data = quick_count_for(election)
    if not data.get("available") or len(data.get("convergence", [])) < 2:
        return None
    names = _names(data)
    points = []
    for point in data["convergence"]:
        for code, estimate in point["shares"].items():
            if estimate["estimate"] is None:
                continue
            candidate = names.get(code, {"name": code, "colour": None})
            points.append(
                {
                    "stations": point["stations"],
                    "name": candidate["name"],
                    "estimate": estimate["estimate"],
                    "low": estimate["ci"][0]
                    if estimate["ci"][0] is not None
                    else estimate["estimate"],
                    "high": estimate["ci"][1]
                    if estimate["ci"][1] is not None
                    else estimate["estimate"],
                    "colour": candidate.get("colour"),
                }
            )
    return charts.convergence_chart(
        points,
        title=gettext("Convergence: estimates as result forms arrive (95 % intervals)"),
        width=width,
        words=words(),
    )


def coverage(election: Election, width: int = charts.DEFAULT_WIDTH) -> Any:
    from pollwatch.results.estimates import quick_count_for

    data = quick_count_for(election)
    if not data.get("available"):
        return None
    rows = [
        {
            "area": row["name"],
            "reported": row["reported"],
            "sampled": row["sampled"],
            "newly_included": row["newly_included"],
        }
        for row in data["coverage"]["regions"]
        if row["sampled"]
    ]
    return charts.coverage_chart(
        rows,
        title=gettext("Sampled stations whose result form arrived, by region"),
        width=width,
        words=words(),
    )


def exit_poll(election: Election, width: int = charts.DEFAULT_WIDTH) -> Any:
    from pollwatch.results.estimates import exit_poll_for

    data = exit_poll_for(election)
    rows = _share_rows(data) if data.get("available") else []
    if not rows:
        return None
    return charts.estimates_chart(
        rows,
        title=gettext("Our exit poll: %(respondents)s interviews at %(stations)s stations")
        % {"respondents": f"{data['respondents']:,}", "stations": f"{data['stations']:,}"},
        axis_title=gettext("share of respondents' votes"),
        references=_published_references(election, data),
        width=width,
        words=words(),
    )


def official(election: Election, width: int = charts.DEFAULT_WIDTH) -> Any:
    from pollwatch.results.official import comparison

    data = comparison(election)
    if not data["available"] or not any(r["estimate"] is not None for r in data["national"]):
        return None
    rows = [
        {
            "name": row["name"],
            "estimate": row["estimate"],
            "low": row["low"],
            "high": row["high"],
            "colour": row.get("colour"),
        }
        for row in data["national"]
        if row["estimate"] is not None and row["code"] != "turnout"
    ]
    references = [
        {"name": row["name"], "value": row["official"], "label": gettext("official result")}
        for row in data["national"]
        if row["official"] is not None and row["code"] != "turnout"
    ]
    return charts.estimates_chart(
        rows,
        title=gettext("Official result against our quick-count interval"),
        references=references,
        width=width,
        words=words(),
    )


def discrepancies(election: Election, width: int = charts.DEFAULT_WIDTH) -> Any:
    from pollwatch.results.official import discrepancy_report

    data = discrepancy_report(election)
    gains = data["summary"].get("net_gain") or {}
    names = {c["code"]: c for c in data.get("candidates", [])}
    rows = [
        {
            "label": names.get(code, {"name": code})["name"],
            "value": value,
            "colour": names.get(code, {}).get("colour"),
        }
        for code, value in gains.items()
        if code in names
    ]
    if not rows or not any(r["value"] for r in rows):
        return None
    return charts.bar_chart(
        rows,
        title=gettext("Net votes gained in the official figures over observers' protocol copies"),
        x_title=gettext("votes (official − observed), summed over stations that differ"),
        y_title=gettext("candidate"),
        width=width,
        words=words(),
    )


def _forensics(election: Election) -> dict[str, Any] | None:
    from pollwatch.results.models import ForensicsRun

    run = (
        ForensicsRun.objects.filter(election=election, status=ForensicsRun.Status.DONE)
        .order_by("-created")
        .first()
    )
    return run.result if run else None


def fingerprint(election: Election, width: int = charts.DEFAULT_WIDTH) -> Any:
    result = _forensics(election)
    grid = (result or {}).get("national", {}).get("fingerprint", {})
    if not grid.get("counts"):
        return None
    # The test's reading is a sentence of the statistics code, in English: the forensics page
    # gives it beside the chart, whose description keeps the figures and the fraud-model fit.
    grid = {key: value for key, value in grid.items() if key != "reading"}
    return charts.fingerprint_heatmap(
        coarsen(grid, FINGERPRINT_CELLS),
        title=gettext("Election fingerprint: stations by turnout and leader's share"),
        width=width,
        words=words(),
    )


FINGERPRINT_CELLS = 50


def coarsen(grid: dict[str, Any], cells: int) -> dict[str, Any]:
    """Merge neighbouring cells of the 2-D histogram so the picture stays light (50 × 50 at most)."""
    import numpy as np

    counts = np.asarray(grid["counts"], dtype=float)
    factor = max(1, int(np.ceil(counts.shape[0] / cells)))
    if factor == 1:
        return grid
    rows, columns = (counts.shape[0] // factor) * factor, (counts.shape[1] // factor) * factor
    merged = counts[:rows, :columns].reshape(rows // factor, factor, columns // factor, factor)
    return {
        **grid,
        "counts": merged.sum(axis=(1, 3)).tolist(),
        "turnout_edges": list(grid["turnout_edges"])[: rows + 1 : factor],
        "share_edges": list(grid["share_edges"])[: columns + 1 : factor],
    }


def integer_turnout(election: Election, width: int = charts.DEFAULT_WIDTH) -> Any:
    result = _forensics(election)
    if not result or not result.get("histograms", {}).get("turnout"):
        return None
    return charts.integer_histogram(
        result["histograms"]["turnout"],
        title=gettext(
            "Turnout percentages of stations against the Monte Carlo band (no manipulation)"
        ),
        width=width,
        words=words(),
    )


def integer_leader(election: Election, width: int = charts.DEFAULT_WIDTH) -> Any:
    result = _forensics(election)
    if not result or not result.get("histograms", {}).get("leader"):
        return None
    return charts.integer_histogram(
        result["histograms"]["leader"],
        title=gettext(
            "Leader's percentages of stations against the Monte Carlo band (no manipulation)"
        ),
        width=width,
        words=words(),
    )


def second_digit(election: Election, width: int = charts.DEFAULT_WIDTH) -> Any:
    result = _forensics(election)
    test = (result or {}).get("national", {}).get("second_digit", {})
    if not test.get("digit_counts") or not test.get("n"):
        return None
    from pollwatch.stats.forensics import BENFORD_SECOND_DIGIT

    return charts.digit_chart(
        [count / test["n"] for count in test["digit_counts"]],
        BENFORD_SECOND_DIGIT.tolist(),
        title=gettext("Second digits of ballots cast against Benford's law"),
        x_title=gettext("second digit"),
        y_title=gettext("share of stations"),
        percent=True,
        width=width,
        words=words(),
    )


def last_digit(election: Election, width: int = charts.DEFAULT_WIDTH) -> Any:
    result = _forensics(election)
    test = (result or {}).get("national", {}).get("last_digit", {})
    if not test.get("digit_counts") or not test.get("n"):
        return None
    return charts.digit_chart(
        [count / test["n"] for count in test["digit_counts"]],
        [0.1] * 10,
        title=gettext("Last digits of ballots cast against the uniform expectation"),
        x_title=gettext("last digit"),
        y_title=gettext("share of stations"),
        percent=True,
        width=width,
        words=words(),
    )


def findings(election: Election, width: int = charts.DEFAULT_WIDTH) -> Any:
    from pollwatch.results.findings import findings_for

    data = findings_for(election)
    rows = [
        {
            "label": row["short"],
            "group": gettext("all observed stations"),
            "estimate": row["estimate"],
            "low": row["low"],
            "high": row["high"],
        }
        for row in data["rows"]
        if row["estimate"] is not None
    ][:15]
    if not rows:
        return None
    return charts.proportions_chart(
        rows,
        title=gettext("Checklist findings: share of observed stations (95 % intervals)"),
        axis_title=gettext("share of observed stations"),
        width=width,
        words=words(),
    )


# The regional chart compares regions on this many findings: more groups would not read.
REGIONAL_FINDINGS = 3


def findings_regions(election: Election, width: int = charts.DEFAULT_WIDTH) -> Any:
    """The most frequent alarming findings nationally, region by region: the page's one figure
    across regions (its table gives one region at a time, the CSV all of them)."""
    from pollwatch.results.findings import findings_for

    data = findings_for(election)
    top = data["rows"][:REGIONAL_FINDINGS]
    rows = [
        {
            "label": data["region_names"].get(code, code),
            "group": row["short"],
            "estimate": row["by"][code]["estimate"],
            "low": row["by"][code]["low"],
            "high": row["by"][code]["high"],
        }
        for code in data["regions"]
        for row in top
        if code in row["by"] and row["by"][code]["estimate"] is not None
    ]
    if not rows:
        return None
    return charts.proportions_chart(
        rows,
        title=gettext("The most frequent alarming findings by region (95 % intervals)"),
        axis_title=gettext("share of observed stations"),
        label_title=gettext("region"),
        group_title=gettext("finding"),
        width=width,
        words=words(),
    )


CHARTS: dict[str, Builder] = {
    "quick-count": quick_count,
    "convergence": convergence,
    "coverage": coverage,
    "exit-poll": exit_poll,
    "official": official,
    "discrepancies": discrepancies,
    "fingerprint": fingerprint,
    "integer-turnout": integer_turnout,
    "integer-leader": integer_leader,
    "second-digit": second_digit,
    "last-digit": last_digit,
    "findings": findings,
    "findings-regions": findings_regions,
}


# What each chart is drawn from: a chart is redrawn only when its data changed.
DEPENDS_ON: dict[str, tuple[str, ...]] = {
    "quick-count": ("results", "polls", "official"),
    "convergence": ("results",),
    "coverage": ("results",),
    "exit-poll": ("exitpoll", "polls", "official"),
    "official": ("results", "official"),
    "discrepancies": ("discrepancies",),
    "fingerprint": ("forensics",),
    "integer-turnout": ("forensics",),
    "integer-leader": ("forensics",),
    "second-digit": ("forensics",),
    "last-digit": ("forensics",),
    "findings": ("checklist",),
    "findings-regions": ("checklist",),
}
TITLES = {
    "quick-count": "Quick-count estimates with 95 % intervals",
    "convergence": "Convergence of the estimates as result forms arrive",
    "coverage": "Sampled stations reported, by region",
    "exit-poll": "Exit-poll estimates with 95 % intervals",
    "official": "Official result against our quick-count interval",
    "discrepancies": "Net votes gained in the official figures over observers' copies",
    "fingerprint": "Election fingerprint: turnout against the leader's share",
    "integer-turnout": "Turnout percentages against the Monte Carlo band",
    "integer-leader": "Leader's percentages against the Monte Carlo band",
    "second-digit": "Second digits of ballots cast against Benford's law",
    "last-digit": "Last digits of ballots cast against the uniform expectation",
    "findings": "Checklist findings with 95 % intervals",
    "findings-regions": "The most frequent alarming findings by region",
}
# The width each chart is shown at on its page (a column of ``.columns`` at 1366 px, else
# the page's text), in px: drawn at that width, the page shows it unshrunk.
PAGE_WIDTHS = {
    name: charts.PAGE_COLUMN_WIDTH
    for name in (
        "quick-count",
        "convergence",
        "coverage",
        "fingerprint",
        "integer-turnout",
        "integer-leader",
        "second-digit",
        "last-digit",
    )
} | {
    name: charts.PDF_WIDTH
    for name in ("exit-poll", "official", "discrepancies", "findings", "findings-regions")
}
CHART_TTL = 3600


def _source_version(source: str, election: Election) -> str:
    from django.db.models import Count, Max

    from pollwatch.results.estimates import exit_poll_for, quick_count_for
    from pollwatch.results.findings import findings_for
    from pollwatch.results.models import ForensicsRun, PublishedPoll
    from pollwatch.results.official import discrepancy_report, official_version

    # Charts of computed figures follow the figures they are drawn from (which may be a
    # refresh behind the data), not the data: a chart never shows figures newer or older
    # than the table beside it.
    if source == "results":
        return quick_count_for(election)["as_of"].isoformat()
    if source == "exitpoll":
        return exit_poll_for(election)["as_of"].isoformat()
    if source == "checklist":
        return findings_for(election)["as_of"].isoformat()
    if source == "discrepancies":
        return discrepancy_report(election)["as_of"].isoformat()
    if source == "polls":
        polls = PublishedPoll.objects.filter(election=election).aggregate(
            n=Count("pk"), last=Max("pk")
        )
        return f"{polls['n']}.{polls['last']}"
    if source == "official":
        return official_version(election)
    run = (
        ForensicsRun.objects.filter(election=election, status=ForensicsRun.Status.DONE)
        .order_by("-created")
        .values_list("pk", flat=True)
        .first()
    )
    return str(run)


def version(name: str, election: Election) -> str:
    """A short tag that changes whenever the data behind the chart changes, or the language its
    words are in (the active one): used in its URL and in the key of its cached drawing."""
    import hashlib

    parts = "|".join(
        [get_language() or "", *(_source_version(source, election) for source in DEPENDS_ON[name])]
    )
    return hashlib.sha256(parts.encode()).hexdigest()[:16]


def svg(name: str, election: Election, width: int | None = None) -> str:
    """The chart as SVG drawn ``width`` px wide (default: as its page shows it), in the active
    language, or "" when there is nothing to draw; cached until its data changes."""
    from django.core.cache import cache

    width = width or PAGE_WIDTHS[name]
    key = f"chart:{election.pk}:{name}:{width}:{get_language() or ''}:{version(name, election)}"
    cached = cache.get(key)
    if cached is None:
        chart = CHARTS[name](election, width=width)
        cached = charts.render_svg(chart) if chart is not None else ""
        cache.set(key, cached, CHART_TTL)
    return cached
