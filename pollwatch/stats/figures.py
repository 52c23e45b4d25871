"""Every quick-count figure from (frame, design, reports): the one code path.

The dashboard, the statement, the API, ``pollwatch quickcount`` and
``pollwatch validate --only scenarios`` all call :func:`quick_count_figures`
with plain arrays; none of them re-derives a figure. The web builds the
arrays from the database (``pollwatch.results.estimates.sample_reports``),
the CLI from files, the validation from simulated elections.

What it adds to :func:`quickcount.quick_count`:

* the threshold-aware call (:func:`calls.call_for_sample`) with the frame
  coverage of the sample strata (post-strata do not count: an empty cell
  is folded within its stratum, the stratum itself is covered);
* calibration to frame variables (``cell``/``cell_sizes``, see
  :func:`quickcount.post_stratify`);
* figures with and without the stations that count through a partial form;
* the early-vs-late comparison (:func:`early_late`): the reporting stations
  against those not yet in, on frame variables, so a reader sees whether
  the missing ones differ;
* the convergence points for the chart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pollwatch.stats.calls import ContestRules, LookRule, call_for_sample
from pollwatch.stats.quickcount import (
    DEFAULT_CALL_Z,
    DEFAULT_MIN_REPORTED,
    StrataFrame,
    convergence,
    post_stratify,
    quick_count,
)
from pollwatch.stats.words import say


@dataclass(frozen=True)
class QuickCountInputs:
    """The sampled stations (arrays aligned over them) and the frame's strata.

    ``population`` maps every stratum of the frame to N_h; a
    :class:`quickcount.StrataFrame` adds regions and similarity, so empty
    strata fold and thin ones collapse within their region. ``reported``
    marks the stations whose counted form carries every contestant's votes.
    ``partial`` marks those counted through a partial form. ``cell`` and
    ``cell_sizes`` calibrate (post-stratify) to frame variables; ``compare``
    holds frame variables per sampled station for the early-vs-late table.
    """

    stratum: np.ndarray
    votes: Mapping[str, np.ndarray]
    population: Mapping[Any, int]
    reported: np.ndarray
    registered: np.ndarray | None = None
    invalid: np.ndarray | None = None
    weight: np.ndarray | None = None
    region: np.ndarray | None = None
    arrival: np.ndarray | None = None
    partial: np.ndarray | None = None
    cell: np.ndarray | None = None
    cell_sizes: Mapping[tuple[Any, Any], float] | None = None
    calibrated_by: tuple[str, ...] = ()
    compare: Mapping[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class FigureSettings:
    """How to estimate and call: the CLI's options, the web's per-contest rules."""

    rules: ContestRules = field(default_factory=ContestRules)
    looks: LookRule = field(default_factory=LookRule)
    method: str = "linearized"
    confidence: float = 0.95
    replicates: int = 1000
    seed: int | None = None
    call_z: float = DEFAULT_CALL_Z
    min_reported: float = DEFAULT_MIN_REPORTED
    convergence_batch: int | None = None


def strata_from_sample(
    population: Mapping[Any, float], strata: np.ndarray, regions: np.ndarray, registered: np.ndarray
) -> StrataFrame:
    """N_h with each stratum's region and similarity, from the sampled stations (web and validation).

    A stratum's region is its sampled stations' region when they share one;
    its similarity key is their mean registered voters (a frame variable,
    known before any report). With them an empty stratum is folded into the
    most similar reporting stratum of its region, and thin strata are
    collapsed within regions (:mod:`pollwatch.stats.quickcount`).
    """
    return StrataFrame(
        population,
        region=single_regions(strata, regions),
        similarity=stratum_means(strata, registered),
    )


def single_regions(strata: np.ndarray, regions: np.ndarray) -> dict[str, str]:
    """Each stratum's region, for the strata whose stations all lie in one region."""
    seen: dict[str, set[str]] = {}
    for stratum, region in zip(
        np.asarray(strata).astype(str).tolist(),
        np.asarray(regions).astype(str).tolist(),
        strict=True,
    ):
        seen.setdefault(stratum, set()).add(region)
    return {h: next(iter(r)) for h, r in seen.items() if len(r) == 1}


def stratum_means(strata: np.ndarray, values: np.ndarray) -> dict[str, float]:
    """Each stratum's mean of the finite ``values`` (strata with none are left out)."""
    labels, codes = np.unique(np.asarray(strata).astype(str), return_inverse=True)
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    count = np.bincount(codes[finite], minlength=len(labels))
    total = np.bincount(codes[finite], weights=values[finite], minlength=len(labels))
    return {h: float(total[i] / count[i]) for i, h in enumerate(labels.tolist()) if count[i]}


def stratum_coverage(
    stratum: np.ndarray, population: Mapping[Any, int], reported: np.ndarray
) -> float:
    """Share of the frame's stations in strata with at least one report (what the call needs)."""
    total = float(sum(population.values()))
    if not total:
        return 0.0
    covered = set(np.asarray(stratum)[np.asarray(reported, bool)].astype(str).tolist())
    return float(sum(n for h, n in population.items() if str(h) in covered)) / total


def quick_count_figures(
    inputs: QuickCountInputs, settings: FigureSettings | None = None
) -> dict[str, Any]:
    """Every quick-count figure as one JSON-ready dict (see the module docstring)."""
    settings = settings or FigureSettings()
    stratum = np.asarray(inputs.stratum)
    population: Mapping[Any, float] = inputs.population
    strata = stratum
    calibration: dict[str, Any] | None = None
    if inputs.cell is not None:
        if inputs.cell_sizes is None:
            raise ValueError("calibration needs the frame's stations per cell (cell_sizes)")
        strata, population = post_stratify(stratum, inputs.cell, inputs.cell_sizes, population)
        calibration = {
            "variables": list(inputs.calibrated_by),
            "cells": len(population),
            # recorded weights: a cell weighs what its sampled stations' 1/π add up to (weighting
            # classes); without them, its frame count N_hc (post-stratification)
            "cell_sizes": "design weights (weighting classes)"
            if inputs.weight is not None
            else "frame counts (post-stratification)",
        }
    reported = np.asarray(inputs.reported, bool)

    def estimate(counted: np.ndarray) -> dict[str, Any]:
        result = quick_count(
            strata,
            inputs.votes,
            inputs.registered,
            inputs.invalid,
            population=population,
            weight=inputs.weight,
            reported=counted,
            by=None if inputs.region is None else np.asarray(inputs.region).astype(str),
            arrival=inputs.arrival,
            method=settings.method,
            confidence=settings.confidence,
            replicates=settings.replicates,
            seed=settings.seed,
            call_z=settings.call_z,
            min_reported=settings.min_reported,
        )
        out = result.as_dict()
        covered = stratum_coverage(stratum, inputs.population, counted)
        out["strata"]["coverage"] = covered
        out["threshold_call"] = call_for_sample(
            result,
            strata,
            inputs.votes,
            population=population,
            reported=counted,
            weight=inputs.weight,
            rules=settings.rules,
            looks=settings.looks,
            coverage=covered,
        ).as_dict()
        return out

    out = estimate(reported)
    if calibration is not None:
        calibration["folded_cells"] = len(out["strata"].get("folded", []))
        out["calibration"] = calibration
        if inputs.cell is not None and _one_category_per_stratum(stratum, inputs.cell):
            out["warnings"].append(
                say(
                    "qc.warning.calibration_useless",
                    "calibration by "
                    + ", ".join(inputs.calibrated_by or ("the categories given",))
                    + " changes nothing: the sampled stations of every stratum share one category",
                    variables=list(inputs.calibrated_by),
                )
            )
    out["partial_stations"] = 0
    out["without_partial"] = None
    if inputs.partial is not None:
        through_partial = reported & np.asarray(inputs.partial, bool)
        out["partial_stations"] = int(through_partial.sum())
        if through_partial.any():
            other = estimate(reported & ~through_partial)
            keys = ("shares", "turnout", "invalid", "lead", "call", "stations", "threshold_call")
            out["without_partial"] = {k: other[k] for k in keys}
    out["early_late"] = early_late(inputs.compare, reported, inputs.arrival)
    out["coverage_of_frame"] = out["strata"]["coverage"]
    if settings.convergence_batch and int(reported.sum()) >= 2:
        points = convergence(
            strata,
            inputs.votes,
            population=population,
            arrival=inputs.arrival,
            batch=settings.convergence_batch,
            confidence=settings.confidence,
            weight=inputs.weight,
            reported=reported,
        )
        out["convergence"] = [p.as_dict() for p in points]
    else:
        out["convergence"] = []
    return out


def _one_category_per_stratum(stratum: np.ndarray, cell: np.ndarray) -> bool:
    seen: dict[str, set[str]] = {}
    for h, c in zip(
        np.asarray(stratum).astype(str).tolist(), np.asarray(cell).astype(str).tolist(), strict=True
    ):
        seen.setdefault(h, set()).add(c)
    return all(len(c) == 1 for c in seen.values())


def early_late(
    compare: Mapping[str, np.ndarray], reported: np.ndarray, arrival: np.ndarray | None = None
) -> dict[str, Any] | None:
    """Frame variables of the stations in against those not yet in (or first vs second half).

    While stations are missing, compares the reporting ones with the sampled
    ones not yet in; once all are in, the first half of arrivals with the
    second. Numbers are compared by their mean, text by each category's
    share. A large gap on a variable the estimate is not calibrated to is a
    reason to calibrate to it (``--calibrate``): the missing or late
    stations differ from the rest. Returns None without variables.
    """
    if not compare:
        return None
    reported = np.asarray(reported, bool)
    if (~reported).any():
        first, second = reported, ~reported
        labels = ("reported", "not yet")
    else:
        keys = np.arange(len(reported)) if arrival is None else np.asarray(arrival)
        ranks = np.argsort(np.argsort(keys, kind="stable"), kind="stable")
        first = ranks < len(reported) / 2
        second = ~first
        labels = ("first half", "second half")
    rows = []
    for name, values in compare.items():
        values = np.asarray(values)
        if values.dtype.kind in "biuf":
            numbers = values.astype(np.float64)
            a, b = numbers[first], numbers[second]
            rows.append(
                {
                    "variable": name,
                    "category": None,
                    "first": _mean(a),
                    "second": _mean(b),
                    "stations": [int(len(a)), int(len(b))],
                }
            )
            continue
        text = values.astype(str)
        for category in sorted(set(text.tolist())):
            hit = text == category
            rows.append(
                {
                    "variable": name,
                    "category": category,
                    "first": _mean(hit[first]),
                    "second": _mean(hit[second]),
                    "stations": [int(first.sum()), int(second.sum())],
                }
            )
    return {"groups": list(labels), "rows": rows}


def _mean(values: np.ndarray) -> float | None:
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return float(finite.mean()) if len(finite) else None
