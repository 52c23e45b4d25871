"""The web's quick-count path on simulated elections, scenario by scenario (``pollwatch validate --only scenarios``).

Each run draws a sample from a clean simulated election, lets some of its
stations report (as the scenario says), and hands the arrays to
:func:`pollwatch.stats.figures.quick_count_figures` exactly as the
dashboard does (``SampleReports.figure_inputs``): the strata with their
regions and similarity from the sampled stations
(:func:`figures.strata_from_sample`), the recorded weights, regions as
domains, and the per-contest call (outright threshold 50 %, run-off). It
checks what a mission publishes: whether the 95 % intervals of the three
leading shares and of turnout cover the full count, and whether a
"decided" part of the call is wrong.

Scenarios (all 6,500-station elections; samples of 500 unless said):

``srs``
    stratified SRS by district (125 strata, proportional); every station reports.
``pps``
    PPS by registered voters within regions, weights 1/π recorded; every
    station reports.
``coarse-strata``
    the sample is stratified by region (13 strata) though the geography goes
    down to districts; the recorded design says so. (Without a recorded
    design the web used each station's lowest area as its stratum: 15 % of
    the frame covered, 0 % coverage.)
``empty-strata``
    like ``srs``, but every station of a random 15 % of districts fails to
    report: those districts are folded into the most similar reporting
    district of their region.
``late-rural``
    80 % in, rural stations (fewer than 900 registered voters) last;
    estimated with post-strata district × rural/urban (``--calibrate``).
``late-rural-raw``
    the same reports without calibration: what the web did before, for
    comparison (biased; its intervals cover too rarely).
``newly-included``
    the newly included territories (which vote differently) report late and
    less: 50 % of their sampled stations against 95 % elsewhere.

Coverage is judged against two binomial standard errors of the nominal
level over the runs; a wrong call is any decided part that the full count
contradicts (``calls_simulation._wrong_parts``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from pollwatch.stats.calls import ContestRules
from pollwatch.stats.calls_simulation import RURAL_BELOW, _wrong_parts
from pollwatch.stats.figures import (
    FigureSettings,
    QuickCountInputs,
    quick_count_figures,
    strata_from_sample,
)
from pollwatch.stats.quickcount import cell_sizes
from pollwatch.stats.sampling import draw_sample
from pollwatch.stats.simulate import simulate_election

SCENARIOS = (
    "srs",
    "pps",
    "coarse-strata",
    "empty-strata",
    "late-rural",
    "late-rural-raw",
    "newly-included",
)
QUANTITIES = ("first", "second", "third", "turnout")
_ELECTION, _SAMPLE, _REPORT = 11, 12, 13


def _seed(*keys: int) -> int:
    return int(np.random.SeedSequence([int(k) for k in keys]).generate_state(1)[0])


def _census(labels: np.ndarray) -> dict[str, int]:
    names, counts = np.unique(labels, return_counts=True)
    return dict(zip(names.tolist(), counts.tolist(), strict=True))


def _run(scenario: str, election, rng_seed: int, sample_size: int, settings: FigureSettings):
    """One sample of ``election`` under ``scenario``: (figures, truth)."""
    results = election.results
    codes = election.candidate_codes
    votes_all = results[codes].to_numpy(np.float64)
    registered = results["registered_voters"].to_numpy(np.float64)
    invalid = results["invalid"].to_numpy(np.float64)
    district = results["stratum"].to_numpy().astype(str)
    region = results["region_code"].to_numpy().astype(str)
    rng = np.random.default_rng(_seed(rng_seed, _REPORT))
    sample_seed = _seed(rng_seed, _SAMPLE)
    stratum_all = region if scenario in ("pps", "coarse-strata") else district
    if scenario == "pps":
        # a frame in random order: on a geographic order the systematic draw also stratifies
        # implicitly, and the with-replacement variance errs on the safe side (97-99 % coverage)
        order = np.random.default_rng(_seed(rng_seed, _SAMPLE, 1)).permutation(len(stratum_all))
        draw = draw_sample(
            stratum_all[order],
            sample_size,
            seed=sample_seed,
            method="pps",
            size_measure=registered[order],
        )
        draw = replace(draw, sampled=order[draw.sampled], reserve=order[draw.reserve])
    else:
        draw = draw_sample(stratum_all, sample_size, seed=sample_seed)
    rows = draw.sampled
    weight = draw.weight if scenario == "pps" else None
    n = len(rows)
    reported = np.ones(n, dtype=bool)
    rural_all = registered < RURAL_BELOW
    cell = sizes = None
    calibrated: tuple[str, ...] = ()
    if scenario == "empty-strata":
        districts = np.unique(district)
        dark = rng.choice(districts, size=int(round(0.15 * len(districts))), replace=False)
        reported = ~np.isin(district[rows], dark)
    elif scenario in ("late-rural", "late-rural-raw"):
        keys = rng.random(n) + 0.8 * rural_all[rows]
        reported = np.argsort(np.argsort(keys, kind="stable"), kind="stable") < int(0.8 * n)
    if scenario == "late-rural":
        kind = np.where(rural_all, "rural", "urban")
        cell = kind[rows]
        sizes = cell_sizes(stratum_all, kind)
        calibrated = ("rural",)
    elif scenario == "newly-included":
        newly = election.stations["newly_included"].to_numpy() == 1
        chance = np.where(newly[rows], 0.5, 0.95)
        reported = rng.random(n) < chance
    inputs = QuickCountInputs(
        stratum=stratum_all[rows],
        votes={c: votes_all[rows, i] for i, c in enumerate(codes)},
        population=strata_from_sample(
            _census(stratum_all), stratum_all[rows], region[rows], registered[rows]
        ),
        reported=reported,
        registered=registered[rows],
        invalid=invalid[rows],
        weight=weight,
        region=region[rows],
        cell=cell,
        cell_sizes=sizes,
        calibrated_by=calibrated,
    )
    return quick_count_figures(inputs, settings)


def validate_scenarios(
    *,
    scenarios: tuple[str, ...] = SCENARIOS,
    elections: int = 10,
    samples: int = 20,
    stations: int = 6500,
    sample_size: int = 500,
    confidence: float = 0.95,
    seed: int = 0,
    progress: Callable[[int], object] | None = None,
) -> dict[str, Any]:
    """Coverage per quantity and wrong "decided" calls per scenario (see the module docstring).

    Returns ``{"runs", "scenarios": {name: {"quantities": {q: {"coverage",
    "bias", "runs"}}, "wrong_calls", "decided_calls", "runs", "band", "within"}}}``.
    ``within`` is "yes" when every quantity's coverage is within two
    binomial SEs (``band``) of ``confidence`` and wrong calls are at most
    1 % of runs; "conservative" when none is below but some above (intervals
    wider than needed); "no" otherwise.
    """
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        raise ValueError(
            f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}"
        )
    settings = FigureSettings(rules=ContestRules(), confidence=confidence)
    covered: dict[str, dict[str, list[bool]]] = {s: {q: [] for q in QUANTITIES} for s in scenarios}
    errors: dict[str, dict[str, list[float]]] = {s: {q: [] for q in QUANTITIES} for s in scenarios}
    wrong = dict.fromkeys(scenarios, 0)
    decided = dict.fromkeys(scenarios, 0)
    runs = dict.fromkeys(scenarios, 0)
    for k in range(elections):
        election = simulate_election(
            stations=stations, seed=_seed(seed, _ELECTION, k), observers=0, progress=False
        )
        results = election.results
        codes = election.candidate_codes
        valid = results[codes].to_numpy(np.float64).sum()
        shares = {c: float(results[c].sum()) / valid for c in codes}
        turnout = float(results["ballots_cast"].sum()) / float(results["registered_voters"].sum())
        top = sorted(shares, key=lambda c: (-shares[c], c))[:3]
        for j in range(samples):
            for scenario in scenarios:
                figures = _run(scenario, election, _seed(seed, k, j), sample_size, settings)
                runs[scenario] += 1
                pairs = [
                    (q, figures["shares"][c], shares[c])
                    for q, c in zip(QUANTITIES, top, strict=False)
                ]
                pairs.append(("turnout", figures["turnout"], turnout))
                for quantity, estimate, truth in pairs:
                    if estimate is None or estimate.get("estimate") is None:
                        covered[scenario][quantity].append(False)
                        continue
                    low, high = estimate["ci"]
                    covered[scenario][quantity].append(low <= truth <= high)
                    errors[scenario][quantity].append(estimate["estimate"] - truth)
                call = _CallView(figures["threshold_call"])
                wrong_parts = _wrong_parts(call, shares, ContestRules())
                wrong[scenario] += bool(wrong_parts)
                decided[scenario] += call.status not in ("not enough data", "too close to call")
            if progress is not None:
                progress(1)
    out: dict[str, Any] = {"runs": elections * samples, "confidence": confidence, "scenarios": {}}
    for scenario in scenarios:
        count = runs[scenario]
        band = 2 * math.sqrt(confidence * (1 - confidence) / count) if count else float("nan")
        quantities = {
            q: {
                "coverage": float(np.mean(covered[scenario][q])) if covered[scenario][q] else None,
                "bias": float(np.mean(errors[scenario][q])) if errors[scenario][q] else None,
                "runs": len(covered[scenario][q]),
            }
            for q in QUANTITIES
        }
        coverages = [v["coverage"] for v in quantities.values()]
        calls_ok = wrong[scenario] <= 0.01 * count
        if any(c is None or c < confidence - band for c in coverages) or not calls_ok:
            verdict = "no"
        elif any(c is not None and c > confidence + band for c in coverages):
            verdict = "conservative"  # wider than needed, never too narrow
        else:
            verdict = "yes"
        out["scenarios"][scenario] = {
            "runs": count,
            "band": band,
            "quantities": quantities,
            "wrong_calls": wrong[scenario],
            "decided_calls": decided[scenario],
            "within": verdict,
        }
    return out


class _CallView:
    """The threshold call's JSON read back as the attributes ``_wrong_parts`` looks at."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.status = data["status"]
        self.contestants = data.get("contestants") or []
        self.parts = [_PartView(p) for p in data.get("parts", [])]


class _PartView:
    def __init__(self, data: dict[str, Any]) -> None:
        self.question = data["question"]
        self.answer = data["answer"]
