"""Shape computed results for the pages and the statement: rows, names, verdicts. No statistics here."""

from __future__ import annotations

from typing import Any

from pollwatch.elections.models import Election
from pollwatch.lib.figures import percent_beside
from pollwatch.results.models import ForensicsRun, PublishedPoll
from pollwatch.stats.official import compare_with_interval
from pollwatch.stats.quickcount import DEFAULT_MIN_REPORTED
from pollwatch.stats.words import say


def share_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per candidate with estimate and interval (fractions), sorted by estimate."""
    names = {c["code"]: c for c in data.get("candidates", [])}
    rows = []
    for code, estimate in data.get("shares", {}).items():
        candidate = names.get(code, {"code": code, "name": code, "colour": "#777777"})
        rows.append(
            {
                "code": code,
                "name": candidate["name"],
                "party": candidate.get("party", ""),
                "colour": candidate.get("colour"),
                "estimate": estimate["estimate"],
                "low": estimate["ci"][0],
                "high": estimate["ci"][1],
                "se": estimate["se"],
            }
        )
    rows.sort(key=lambda r: -(r["estimate"] or 0))
    return rows


def quick_count_context(election: Election, qc: dict[str, Any]) -> dict[str, Any]:
    if not qc.get("available"):
        return {"qc": qc, "rows": [], "regions": [], "map": "", "warnings": []}
    names = {c["code"]: c["name"] for c in qc["candidates"]}
    rows = [r for r in share_rows(qc) if r["estimate"] is not None]
    without = qc.get("without_partial") or {}
    for row in rows:
        row["without_partial"] = without.get("shares", {}).get(row["code"])
    leader = rows[0]["code"] if rows else None
    regions = []
    for row in qc["coverage"]["regions"]:
        domain = qc.get("by", {}).get(row["code"])
        regions.append(
            {
                **row,
                "percent": round(100 * row["share"]),
                "shares": share_rows({**domain, "candidates": qc["candidates"]})
                if domain and domain.get("stations")
                else [],
                "turnout": domain.get("turnout") if domain and domain.get("stations") else None,
                "call": domain.get("call") if domain else None,
            }
        )
    lead = qc.get("lead")
    return {
        "qc": qc,
        "rows": rows,
        "lead": {
            **lead,
            "first_name": names.get(lead["first"], lead["first"]),
            "second_name": names.get(lead["second"], lead["second"]),
        }
        if lead
        else None,
        "regions": regions,
        "region_candidates": rows,
        "map": _leader_map(election, regions, leader, names.get(leader or "", ""), qc.get("as_of")),
        "warnings": qc["warnings"] + qc["coverage"]["warnings"],
        "reported_percent": reported_percent(qc["stations"], qc["sampled_stations"]),
    }


def reported_percent(stations: int, sampled: int) -> str:
    """The share of sampled stations in, to a tenth, on the right side of the 80 % a call needs
    (percent_beside): 479 of 600 is "79.8", never "80"; 480 of 600 is "80"."""
    if not sampled:
        return "0"
    return f"{float(percent_beside(stations / sampled, DEFAULT_MIN_REPORTED)):g}"


def _leader_map(
    election: Election, regions: list[dict], leader: str | None, name: str, as_of: Any = None
) -> str:
    """The regions shaded by the leader's estimated share; drawn once per version of the figures."""
    from django.core.cache import cache
    from django.utils.translation import get_language

    stamp = as_of.timestamp() if as_of is not None else ""
    key = f"leader-map:{election.pk}:{stamp}:{get_language()}"
    drawn = cache.get(key) if as_of is not None else None
    if drawn is None:
        drawn = _draw_leader_map(election, regions, leader, name)
        if as_of is not None:
            cache.set(key, drawn, 3600)
    return drawn


def _draw_leader_map(election: Election, regions: list[dict], leader: str | None, name: str) -> str:
    from django.utils.translation import pgettext

    from pollwatch.lib.svgmap import Legend, MapArea, render_map
    from pollwatch.results.estimates import frame_for
    from pollwatch.results.templatetags.analysis import percent

    frame = frame_for(election)
    areas = []
    for row in regions:
        boundary = frame.regions.get(row["code"], {}).get("boundary")
        if not boundary:
            continue
        share = next((s for s in row["shares"] if s["code"] == leader), None)
        value = share["estimate"] if share else None
        label = (
            pgettext("leader map", "%(name)s: %(share)s (%(reported)s of %(sampled)s stations)")
            % {
                "name": name,
                "share": percent(value),
                "reported": row["reported"],
                "sampled": row["sampled"],
            }
            if value is not None
            else pgettext("leader map", "no result yet")
        )
        # The share under the name too, so that a map printed in black and white still says it.
        figure = percent(value) if value is not None else ""
        areas.append(MapArea(row["code"], row["name"], boundary, value, label, figure))
    if not areas:
        return ""
    title = pgettext("leader map", "Estimated share of %(name)s by region") % {"name": name}
    return render_map(
        areas, title=title, legend=Legend(title=title, no_data=pgettext("leader map", "no data"))
    )


def published_verdicts(
    election: Election, qc: dict[str, Any], own: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each announced figure against our quick count (or our exit poll before results arrive)."""
    # Our quick count once result forms are in; our exit poll before that.
    reference, reference_name = (
        (qc, "quick count") if qc.get("available") and qc.get("stations") else (own, "exit poll")
    )
    names = {c["code"]: c["name"] for c in qc.get("candidates", []) or own.get("candidates", [])}
    out = []
    for poll in PublishedPoll.objects.filter(election=election).order_by("-created"):
        rows = []
        for code, percent in poll.shares.items():
            estimate = (
                (reference.get("shares") or {}).get(code) if reference.get("available") else None
            )
            row: dict[str, Any] = {
                "code": code,
                "name": names.get(code, code),
                "announced": float(percent) / 100,
                "low": None,
                "high": None,
                "verdict": None,
                "sentence": say(
                    "web.published.no_estimate",
                    f"No estimate of ours to compare {names.get(code, code)} with yet.",
                    name=names.get(code, code),
                ),
            }
            if estimate and estimate["ci"][0] is not None:
                row.update(low=estimate["ci"][0], high=estimate["ci"][1])
                verdict = compare_with_interval(
                    float(percent) / 100,
                    *estimate["ci"],
                    subject=say(
                        "web.published.subject",
                        f"{poll.source}'s figure for {names.get(code, code)}",
                        source=poll.source,
                        name=names.get(code, code),
                    ),
                )
                row.update(verdict=verdict["verdict"], sentence=verdict["sentence"])
            rows.append(row)
        outside = [r for r in rows if r["verdict"] in ("above", "below")]
        compared = [r for r in rows if r["verdict"]]
        # One key per reference ("quick count", "exit poll"), so each language words it whole.
        ref = reference_name.replace(" ", "_")
        if not compared:
            summary = say(
                f"web.published.none.{ref}",
                f"Not yet comparable: our {reference_name} has no estimate yet.",
            )
        elif outside:
            summary = say(
                f"web.published.outside.{ref}",
                f"Outside our {reference_name}'s 95 % interval for "
                + ", ".join(r["name"] for r in outside)
                + ": the announced figures are not consistent with our estimate.",
                names=[r["name"] for r in outside],
            )
        else:
            summary = say(
                f"web.published.inside.{ref}",
                f"Inside our {reference_name}'s 95 % interval for every candidate announced.",
            )
        out.append(
            {
                "poll": poll,
                "rows": rows,
                "outside": outside,
                "summary": summary,
                "reference": reference_name,
            }
        )
    return out


FORENSIC_TITLES = {
    "integer_percentages": "Integer percentages (round-number turnout or leader's share)",
    "second_digit": "Second digit of ballots cast (Benford)",
    "last_digit": "Last digit of ballots cast",
    "zero_five_counts": "Counts ending in 0 or 5",
    "zero_five_percentages": "Turnout percentages ending in 0 or 5",
    "skewness": "Skewness of turnout",
    "kurtosis": "Kurtosis of turnout",
    "dip_test": "Several peaks in turnout (dip test)",
    "sobyanin_sukhovolsky": "Extra votes with turnout (Sobyanin–Sukhovolsky)",
    "turnout_share_correlation": "Turnout and leader's share move together",
    "fingerprint": "Election fingerprint (turnout × share)",
    "impossible_values": "Impossible values in protocols",
}
# Tests that flag clean but heterogeneous elections often (see docs/forensics.md and
# `pollwatch validate`): read as descriptions, not as evidence.
DESCRIPTIVE_TESTS = {
    "second_digit",
    "skewness",
    "kurtosis",
    "fingerprint",
    "sobyanin_sukhovolsky",
    "turnout_share_correlation",
}


FLAG_P_VALUE = 0.001


def warns(key: str, test: dict[str, Any] | None) -> bool:
    """Whether a test's result is a warning sign: a clear excess over its null, not a nudge."""
    if not test or test.get("statistic") is None:
        return False
    if key == "integer_percentages":
        sd = test.get("null_sd_exact") or test.get("null_sd") or 0
        return bool(sd) and test["statistic"] > 3 * sd
    if key == "impossible_values":
        return test["statistic"] > 0
    p_value = test.get("p_value")
    return p_value is not None and p_value < FLAG_P_VALUE


def latest_forensics(election: Election) -> tuple[ForensicsRun | None, dict[str, Any]]:
    """The latest finished run (without its stored result) and its page context, cached per run.

    A run over a million stations stores several megabytes of JSON; decoding
    it on every page view would cost more than the page.
    """
    from django.core.cache import cache

    run = (
        ForensicsRun.objects.filter(election=election, status=ForensicsRun.Status.DONE)
        .defer("result")
        .order_by("-created")
        .first()
    )
    if run is None:
        return None, {}
    key = f"forensics-context:{run.pk}"
    context = cache.get(key)
    if context is None:
        run.refresh_from_db(fields=["result"])
        context = forensics_context(run)
        cache.set(key, context, 24 * 3600)
        run.result = None  # the caller has what it needs; do not keep megabytes around
    from pollwatch.results.official import official_version

    # Official results imported after the run: the tests describe older figures.
    outdated = context.get("official_version") not in (None, official_version(election))
    return run, {**context, "outdated": outdated}


def forensics_context(run: ForensicsRun) -> dict[str, Any]:
    result = run.result or {}
    national = result.get("national", {})
    tests = []
    for key, title in FORENSIC_TITLES.items():
        test = national.get(key)
        if not test:
            continue
        tests.append(
            {
                "key": key,
                "title": title,
                "reading": test.get("reading", ""),
                # The reading's key and figures, for the page to say it in the reader's language.
                "reading_words": test.get("reading_words"),
                "statistic": test.get("statistic"),
                "expected": test.get("expected"),
                "p_value": test.get("p_value"),
                "flag": warns(key, test),
                # Runs since issue 11 say it themselves: calibrated to regions, or descriptive.
                "descriptive": test.get("descriptive", key in DESCRIPTIVE_TESTS),
                "calibration": test.get("calibration"),
            }
        )
    impossible = national.get("impossible_values", {})
    regions = []
    for code, region in sorted(result.get("by", {}).items()):
        integer = region.get("integer_percentages", {})
        flagged = [
            k for k in FORENSIC_TITLES if k not in DESCRIPTIVE_TESTS and warns(k, region.get(k))
        ]
        regions.append(
            {
                "code": code,
                "name": result.get("region_names", {}).get(code, code),
                "stations": region.get("summary", {}).get("stations"),
                "turnout": region.get("summary", {}).get("turnout"),
                "leader_share": region.get("summary", {}).get("leader_share"),
                "integer_excess": integer.get("statistic"),
                "integer_reading": integer.get("reading", ""),
                "impossible": region.get("impossible_values", {}).get("statistic"),
                "flags": [FORENSIC_TITLES[k] for k in flagged],
                "flag_keys": flagged,
            }
        )
    return {
        "official_version": result.get("official_version"),
        "left_out": result.get("left_out", 0),
        "tests": tests,
        "summary": national.get("summary", {}),
        "impossible": impossible,
        "forensic_regions": regions,
    }


def findings_pick(data: dict[str, Any], phase: str, region: str) -> dict[str, Any]:
    """The findings of one phase (a checklist form's code) in one region ("" for all observed
    stations), as ``findings_for`` computed them; an unknown phase or region falls back to the
    first phase with figures and to all observed stations."""
    phases = data["phases"]
    picked = next((p for p in phases if p["form"] == phase), None)
    if picked is None:
        picked = next((p for p in phases if p["rows"]), phases[0] if phases else None)
    if region not in data["regions"]:
        region = ""
    rows = []
    for row in picked["rows"] if picked else []:
        figures = row["by"].get(region) if region else row
        rows.append(
            {
                "short": row["short"],
                "critical": row["critical"],
                "estimate": figures["estimate"] if figures else None,
                "low": figures["low"] if figures else None,
                "high": figures["high"] if figures else None,
                "stations": figures["stations"] if figures else 0,
                "national": row["estimate"],
            }
        )
    return {
        "phase": picked,
        "region": region,
        "region_name": data["region_names"].get(region, region),
        "rows": rows,
        "regions": [(code, data["region_names"].get(code, code)) for code in data["regions"]],
    }


def findings_csv_rows(data: dict[str, Any]) -> list[list[Any]]:
    """Every figure of the findings page, one row per phase, finding and scope (all observed
    stations, then each region): the whole table the page shows one region of at a time."""
    rows: list[list[Any]] = []
    for phase in data["phases"]:
        for row in phase["rows"]:
            scopes = [("", row)] + [
                (code, row["by"][code]) for code in data["regions"] if code in row["by"]
            ]
            for code, figures in scopes:
                rows.append(
                    [
                        phase["form"],
                        phase["phase"],
                        row["code"],
                        row["short"],
                        row["critical"],
                        code or "national",
                        data["region_names"].get(code, code) if code else "",
                        figures["estimate"],
                        figures["low"],
                        figures["high"],
                        figures["stations"],
                    ]
                )
    return rows


FINDINGS_CSV_HEADER = [
    "form",
    "phase",
    "question",
    "finding",
    "critical",
    "scope",
    "region",
    "estimate",
    "low",
    "high",
    "stations",
]
