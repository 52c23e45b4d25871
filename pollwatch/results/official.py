"""Official results against our own figures: totals, the check against the quick count, station discrepancies.

The statistics (intervals, verdicts, discrepancy ranking, the joint test,
the gap decomposition and the observer effect) come from the pure core
(``pollwatch.stats.official``, ``pollwatch.stats.official_compare`` and the
quick count); this module only gathers rows from the database. The joint
test is fed by exactly the per-station data the quick count estimates from
(``estimates.sample_reports``). The page and the statement's section both
read :func:`comparison`: one code path.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from django.db import transaction

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Election
from pollwatch.lib.figures import percent_beside
from pollwatch.observers.models import Deployment
from pollwatch.results.design import design_version
from pollwatch.results.estimates import (
    SampleReports,
    candidate_rows,
    candidates_for,
    counted_per_station,
    frame_for,
    quick_count_for,
    region_code,
    sample_reports,
    submissions_fingerprint,
)
from pollwatch.results.freshness import fresh
from pollwatch.results.models import OfficialResult, OfficialSummary, SampleDesign, SampledStation

# The core's count fields are also OfficialResult's column names.
from pollwatch.stats.official import (
    COUNT_FIELDS,
    compare_with_interval,
    discrepancies,
    summarise_discrepancies,
)
from pollwatch.stats.official_compare import (
    DIFFERS,
    gap_decomposition,
    joint_tests,
    observer_effect,
)

# The PVT form's codes for the protocol lines the official file also has.
FORM_CODES = {
    "registered": "RV",
    "ballots_issued": "BI",
    "ballots_cast": "BC",
    "invalid": "IN",
    "valid": "VA",
}
DISCREPANCIES_LISTED = 500


def _empty() -> dict[str, Any]:
    return {"stations": 0, **{name: 0 for name in COUNT_FIELDS}, "votes": defaultdict(int)}


def refresh_summary(election: Election) -> OfficialSummary:
    """Recompute the national and regional totals of the official results (after each import)."""
    national = _empty()
    regions: dict[str, dict[str, Any]] = defaultdict(_empty)
    rows = (
        OfficialResult.objects.filter(election=election)
        .values_list("station__area_path", *COUNT_FIELDS, "votes")
        .iterator(chunk_size=5000)
    )
    for path, *counts, votes in rows:
        for target in (national, regions[region_code(path)]):
            target["stations"] += 1
            for name, value in zip(COUNT_FIELDS, counts, strict=True):
                target[name] += value or 0
            for code, value in votes.items():
                target["votes"][code] += value
    with transaction.atomic():
        summary, _ = OfficialSummary.objects.update_or_create(
            election=election,
            defaults={
                "stations": national["stations"],
                "totals": {
                    "national": {**national, "votes": dict(national["votes"])},
                    "regions": {
                        code: {**t, "votes": dict(t["votes"])} for code, t in regions.items()
                    },
                },
            },
        )
    return summary


def _shares(totals: dict[str, Any], codes: list[str]) -> dict[str, float | None]:
    valid = sum(totals["votes"].get(code, 0) for code in codes)
    return {code: (totals["votes"].get(code, 0) / valid if valid else None) for code in codes}


def _turnout(totals: dict[str, Any]) -> float | None:
    ballots = totals["ballots_cast"] or (totals["valid"] + totals["invalid"])
    return ballots / totals["registered"] if totals["registered"] else None


def official_totals(election: Election) -> dict[str, Any]:
    """National official shares of valid votes and turnout; stations 0 when nothing is imported."""
    summary = OfficialSummary.objects.filter(election=election).first()
    codes = [c.code for c in candidates_for(election)]
    if summary is None or not summary.stations:
        return {"stations": 0, "shares": {}, "turnout": None, "regions": {}}
    national = summary.totals["national"]
    return {
        "stations": summary.stations,
        "shares": _shares(national, codes),
        "turnout": _turnout(national),
        "totals": national,
        "regions": {
            code: {
                "stations": t["stations"],
                "shares": _shares(t, codes),
                "turnout": _turnout(t),
            }
            for code, t in summary.totals["regions"].items()
        },
        "updated": summary.updated,
    }


# Below this share of stations, official totals are partial (early returns are often urban):
# comparing them with a national or regional interval would judge the wrong population.
COMPLETE_COVERAGE = 0.99


def _row(
    code: str,
    name: str,
    colour: str | None,
    estimate: dict | None,
    official: float | None,
    coverage: float | None = 1.0,
):
    row: dict[str, Any] = {
        "code": code,
        "name": name,
        "colour": colour,
        "official": official,
        "estimate": None,
        "low": None,
        "high": None,
        "verdict": None,
        "sentence": "",
    }
    if estimate and estimate.get("estimate") is not None and estimate["ci"][0] is not None:
        row.update(estimate=estimate["estimate"], low=estimate["ci"][0], high=estimate["ci"][1])
        if official is not None and (coverage is None or coverage < COMPLETE_COVERAGE):
            share = percent_beside(coverage or 0.0, COMPLETE_COVERAGE)
            row["sentence"] = (
                f"No verdict for {name}: the official results cover "
                f"{'an unknown share' if coverage is None else f'{share} %'} "
                "of the stations, and partial returns are not a sample."
            )
        elif official is not None:
            row.update(
                compare_with_interval(
                    official,
                    estimate["ci"][0],
                    estimate["ci"][1],
                    subject=f"The official figure for {name}",
                )
            )
    return row


def comparison(election: Election) -> dict[str, Any]:
    """Official shares and turnout against our quick-count intervals, nationally and by region."""
    totals = official_totals(election)
    qc = quick_count_for(election)
    candidates = candidates_for(election)
    frame_stations = frame_for(election).stations
    out: dict[str, Any] = {
        "available": bool(totals["stations"] and qc.get("available") and qc.get("stations")),
        "official_stations": totals["stations"],
        "frame_stations": frame_stations,
        "official_coverage": totals["stations"] / frame_stations if frame_stations else None,
        "quick_count_available": bool(qc.get("available")),
        "national": [],
        "regions": [],
    }
    if not totals["stations"]:
        return out

    def rows_for(
        estimates: dict[str, Any], official: dict[str, Any], coverage: float | None
    ) -> list[dict[str, Any]]:
        rows = [
            _row(
                c.code,
                c.name,
                c.colour,
                (estimates.get("shares") or {}).get(c.code),
                official["shares"].get(c.code),
                coverage,
            )
            for c in candidates
        ]
        rows.append(
            _row(
                "turnout",
                "Turnout",
                None,
                estimates.get("turnout"),
                official.get("turnout"),
                coverage,
            )
        )
        return rows

    has_estimate = bool(qc.get("available") and qc.get("stations"))
    out["complete"] = (out["official_coverage"] or 0) >= COMPLETE_COVERAGE
    out["complete_coverage"] = COMPLETE_COVERAGE  # printed beside it (percent_beside)
    out["national"] = rows_for(qc if has_estimate else {}, totals, out["official_coverage"])
    by = qc.get("by", {}) if has_estimate else {}
    regions = frame_for(election).regions
    for code, official in sorted(totals["regions"].items()):
        stations = regions.get(code, {}).get("stations")
        coverage = official["stations"] / stations if stations else None
        rows = rows_for(by.get(code, {}), official, coverage)
        out["regions"].append(
            {
                "code": code,
                "name": regions.get(code, {}).get("name", code),
                "official_stations": official["stations"],
                "coverage": coverage,
                "rows": rows,
                "outside": [r for r in rows if r["verdict"] in ("above", "below")],
            }
        )
    out["outside"] = [r for r in out["national"] if r["verdict"] in ("above", "below")]
    if out["available"] and out["complete"]:
        tests = official_tests(election)
        out["tests"] = tests
        for region in out["regions"]:
            region["joint"] = (tests.get("joint") or {}).get("regions", {}).get(region["code"])
    else:
        out["tests"] = None
    return out


# Permutations for the observer effect's randomisation p-value: its Monte Carlo error at
# p = 0.05 is about 0.005, and 1,000 permutations of 100,000 stations take seconds.
OBSERVER_PERMUTATIONS = 1000


def official_tests(election: Election) -> dict[str, Any]:
    """The joint test, the gap decomposition and the observer effect (``stats.official_compare``).

    Kept per version of the official results, the result forms and the
    sample design. ``available`` False with a ``reason`` when the quick
    count cannot run; each part may also be unavailable with its reason.
    """
    design = design_version(election)
    return fresh(
        f"official-tests:{election.pk}:{design}",
        official_version(election) + submissions_fingerprint(election, Form.Kind.RESULTS) + design,
        lambda: _compute_official_tests(election),
    )


def _official_rows(election: Election, codes: list[str]) -> dict[int, dict[str, Any]]:
    """station id -> the official counts used by the tests (votes per candidate, valid, ballots, registered)."""
    rows = OfficialResult.objects.filter(election=election).values_list(
        "station_id",
        "station__area_path",
        "station__stratum",
        "registered",
        "ballots_cast",
        "invalid",
        "valid",
        "votes",
    )
    out = {}
    for station_id, path, stratum, registered, ballots, invalid, valid, votes in rows.iterator(
        chunk_size=5000
    ):
        counts = [votes.get(code) for code in codes]
        complete = all(isinstance(v, int | float) for v in counts)
        valid_votes = valid if valid is not None else (sum(counts) if complete else None)
        out[station_id] = {
            "path": path,
            "stratum": stratum,
            "votes": [float(v) if isinstance(v, int | float) else np.nan for v in counts],
            "complete": complete,
            "valid": valid_votes,
            "ballots": ballots
            if ballots is not None
            else (
                valid_votes + invalid if valid_votes is not None and invalid is not None else None
            ),
            "registered": registered,
        }
    return out


def _compute_official_tests(election: Election) -> dict[str, Any]:
    inputs = sample_reports(election)
    candidates = candidates_for(election)
    totals = official_totals(election)
    if inputs.sample.problems or not inputs.codes or not inputs.usable.any():
        return {"available": False, "reason": "no quick-count estimate to test against"}
    official = _official_rows(election, inputs.codes)
    return _worded(
        {
            "available": True,
            "joint": _joint(inputs, totals),
            "gap": _gap(inputs, official, totals, candidates),
            "observer_effect": _observer_effect(election, inputs, official, totals),
        },
        candidates,
    )


def p_text(p: float | None) -> str:
    """A p-value as the page prints it: "p = 0.031", "p < 0.001", "—" when there is none."""
    if p is None:
        return "—"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def pp_text(share: float | None) -> str:
    """A difference of shares in percentage points, signed: 0.0042 -> "+0.42 pp"."""
    return "—" if share is None else f"{100 * share:+.2f} pp"


def _worded(tests: dict[str, Any], candidates: list) -> dict[str, Any]:
    """The sentences and formatted figures the page and the statement print (no arithmetic in templates)."""
    joint = tests["joint"]
    national = joint["national"]
    national["p_text"] = p_text(national["p_value"])
    national["differs"] = national["verdict"] == DIFFERS
    national["wald"]["p_text"] = p_text(national["wald"]["p_value"])
    if national["verdict"] is None:
        national["sentence"] = (
            "The joint test cannot be run: too few reporting stations to estimate the covariance."
        )
    elif national["differs"]:
        national["sentence"] = (
            "Taken together, the official shares differ from the observers' sample by more "
            f"than sampling error ({national['p_text']})."
        )
    else:
        national["sentence"] = (
            "Taken together, the official shares are consistent with the observers' sample "
            f"({national['p_text']})."
        )
    for region in joint["regions"].values():
        region["p_text"] = p_text(region["p_value"])
        region["p_holm_text"] = p_text(region["p_holm"])
        region["differs"] = region["verdict"] == DIFFERS
    joint["differing_regions"] = sorted(
        code for code, region in joint["regions"].items() if region["verdict"] == DIFFERS
    )
    for row in tests["gap"]["rows"]:
        for key in ("gap", "sampling", "changes", "unmatched"):
            row[f"{key}_text"] = pp_text(row[key])
    effect = tests["observer_effect"]
    if effect.get("available"):
        leader = next((c.name for c in candidates if c.code == effect["leader"]), effect["leader"])
        effect["leader_name"] = leader
        for key, what in (
            ("leader_share", f"{leader}'s official share"),
            ("turnout", "official turnout"),
        ):
            part = effect[key]
            if not part.get("available"):
                part["sentence"] = f"No comparison of {what}: {part['reason']}."
                continue
            part["p_text"] = p_text(part["p_value"])
            part["difference_text"] = pp_text(part["difference"])
            direction = "higher" if part["difference"] > 0 else "lower"
            part["sentence"] = (
                f"Where our observers were, {what} is {abs(100 * part['difference']):.2f} "
                f"points {direction} than at the stations we did not observe in the same areas "
                f"({part['p_text']}): "
                + (
                    "more than the random choice of observed stations explains."
                    if part["significant"]
                    else "within what the random choice of observed stations explains."
                )
            )
    return tests


def _joint(inputs: SampleReports, totals: dict[str, Any]) -> dict[str, Any]:
    sample = inputs.sample
    return joint_tests(
        sample.strata,
        inputs.votes,
        population=inputs.population,
        official=totals["shares"],
        reported=inputs.usable,
        weight=sample.weight,
        by=sample.regions.astype(str),
        official_by={code: region["shares"] for code, region in totals["regions"].items()},
    )


def _gap(
    inputs: SampleReports,
    official: dict[int, dict[str, Any]],
    totals: dict[str, Any],
    candidates: list,
) -> dict[str, Any]:
    ids = inputs.sample.station_ids.tolist()
    rows = [official.get(station_id) for station_id in ids]
    matched = np.array([row is not None and row["complete"] for row in rows], dtype=bool)
    protocol = {
        code: np.array([row["votes"][j] if row else np.nan for row in rows])
        for j, code in enumerate(inputs.codes)
    }
    result = gap_decomposition(
        inputs.sample.strata,
        inputs.votes,
        protocol,
        population=inputs.population,
        official=totals["shares"],
        reported=inputs.usable,
        matched=matched,
        weight=inputs.sample.weight,
    )
    names = {c.code: c for c in candidates}
    for row in result["rows"]:
        candidate = names.get(row["code"])
        row["name"] = candidate.name if candidate else row["code"]
        row["colour"] = candidate.colour if candidate else None
    return result


def _observer_effect(
    election: Election,
    inputs: SampleReports,
    official: dict[int, dict[str, Any]],
    totals: dict[str, Any],
) -> dict[str, Any]:
    """Official results at observed vs unobserved stations of the same strata (``stats.official_compare``).

    Observed: the stations of the sample (reporting or not: the random draw
    is the treatment). Stations visited outside the sample (unused reserves,
    observed only) are left out of both groups. Strata are the frame's. A
    PPS draw makes observed stations larger by design, so no causal test.
    """
    sample = inputs.sample
    if sample.design.get("method") == SampleDesign.Method.PPS:
        return {
            "available": False,
            "reason": "the sample was drawn with probability proportional to size: observed "
            "stations are larger by design, so comparing them with the rest is not a causal test",
        }
    shares = {code: share for code, share in totals["shares"].items() if share is not None}
    if not shares:
        return {"available": False, "reason": "no official votes"}
    leader = max(shares, key=lambda code: shares[code])
    column = inputs.codes.index(leader)
    observed_ids = set(sample.station_ids.tolist())
    visited = set(
        Deployment.objects.filter(membership__election=election).values_list(
            "station_id", flat=True
        )
    ) | set(
        SampledStation.objects.filter(design__election=election).values_list(
            "station_id", flat=True
        )
    )
    frame = frame_for(election)
    kept = [
        (station_id, row)
        for station_id, row in official.items()
        if station_id in observed_ids or station_id not in visited
    ]
    if not kept:
        return {"available": False, "reason": "no official results"}

    def number(value: Any) -> float:
        return np.nan if value is None else float(value)

    result = observer_effect(
        np.array([frame.stratum_of(row["path"], row["stratum"]) for _, row in kept], dtype=object),
        np.array([station_id in observed_ids for station_id, _ in kept], dtype=bool),
        np.array([row["votes"][column] for _, row in kept]),
        np.array([number(row["valid"]) for _, row in kept]),
        np.array([number(row["ballots"]) for _, row in kept]),
        np.array([number(row["registered"]) for _, row in kept]),
        permutations=OBSERVER_PERMUTATIONS,
        seed=election.pk,
    )
    result["leader"] = leader
    result["available"] = True
    result["left_out"] = len(official) - len(kept)
    result["inferred_design"] = sample.design.get("source") != "imported"
    return result


def official_version(election: Election) -> str:
    updated = (
        OfficialSummary.objects.filter(election=election).values_list("updated", flat=True).first()
    )
    return f"{updated.timestamp():.6f}" if updated else "none"


def discrepancy_report(election: Election) -> dict[str, Any]:
    """Stations where the official protocol differs from the copy our observer sent, largest first."""
    return fresh(
        f"discrepancies:{election.pk}",
        official_version(election) + submissions_fingerprint(election, Form.Kind.RESULTS),
        lambda: _compute_discrepancies(election),
    )


def _compute_discrepancies(election: Election) -> dict[str, Any]:
    candidates = candidates_for(election)
    codes = [c.code for c in candidates]
    observed_raw = counted_per_station(election, Form.Kind.RESULTS)
    official_rows = OfficialResult.objects.filter(
        election=election, station_id__in=list(observed_raw)
    ).values_list("station_id", "station__code", *COUNT_FIELDS, "votes")
    official: dict[str, dict[str, int]] = {}
    observed: dict[str, dict[str, int]] = {}
    station_codes = {}
    for station_id, code, *counts, votes in official_rows:
        station_codes[station_id] = code
        record = {f: v for f, v in zip(COUNT_FIELDS, counts, strict=True) if v is not None}
        record.update({c: int(votes[c]) for c in codes if c in votes})
        official[code] = record
    for station_id, (answers, _, _) in observed_raw.items():
        code = station_codes.get(station_id)
        if code is None:
            continue
        record = {
            f: int(answers[form_code])
            for f, form_code in FORM_CODES.items()
            if isinstance(answers.get(form_code), int)
        }
        record.update({c: int(answers[c]) for c in codes if isinstance(answers.get(c), int)})
        observed[code] = record
    fields = [*COUNT_FIELDS, *codes]
    listed = discrepancies(official, observed, fields)
    summary = summarise_discrepancies(official, observed, fields)
    shown = listed[:DISCREPANCIES_LISTED]
    for row in shown:
        # One cell per protocol line, in column order (the template does no look-ups).
        row["cells"] = [row["differences"].get(name) for name in fields]
    return {
        "candidates": candidate_rows(candidates),
        "fields": fields,
        "compared": len(official),
        "observed_only": len(observed_raw) - len(official),
        "rows": shown,
        "summary": summary,
    }
