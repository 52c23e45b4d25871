"""Official results against our own figures: totals, the check against the quick count, station discrepancies.

The statistics (intervals, verdicts, discrepancy ranking) come from the pure
core (``pollwatch.stats.official`` and the quick count); this module only
gathers rows from the database.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Election
from pollwatch.results.estimates import (
    candidate_rows,
    candidates_for,
    counted_per_station,
    frame_for,
    quick_count_for,
    region_code,
    submissions_fingerprint,
)
from pollwatch.results.freshness import fresh
from pollwatch.results.models import OfficialResult, OfficialSummary

# The core's count fields are also OfficialResult's column names.
from pollwatch.stats.official import (
    COUNT_FIELDS,
    compare_with_interval,
    discrepancies,
    summarise_discrepancies,
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
            row["sentence"] = (
                f"No verdict for {name}: the official results cover "
                f"{'an unknown share' if coverage is None else f'{100 * coverage:.1f} %'} "
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
    return out


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
