"""Exit poll: respondents clustered in sampled stations, weighted, linearised, optionally raked.

Method (DESIGN §3; Kish 1965 §6; Lohr 2019 §9). Respondent j of station i
gets the weight

    w_ij = (1/π_i) · (V_i / m_i)

where π_i is the station's inclusion probability (n_h/N_h from the frame, or
given), V_i the voters who left the station (equal for every station when
unknown) and m_i the respondents with an answer there. A share is
p̂ = Σ w·1[A] / Σ w. Its variance is the Taylor-linearised variance of a
ratio of station (cluster) totals, stations being the PSUs within strata:

    Var(p̂) = (1/Ŵ²) Σ_h (1 − f_h) n_h/(n_h − 1) Σ_i (z_i − z̄_h)²,
    z_i = Σ_j w_ij (1[A]_ij − p̂).

f_h = n_h/N_h when the frame gives N_h; with inclusion probabilities given
directly, f_h = 0 (the with-replacement form, slightly conservative). Strata
with one station are collapsed as in the quick count.

Intervals use Student's t with (stations − strata) degrees of freedom: an
exit poll has tens of clusters, not thousands, and the normal quantile
under-covers there.

The design effect is Var(p̂) over the variance p(1 − p)/m of a simple random
sample of the same m respondents (it includes the effect of unequal
weights); ρ = (deff − 1)/(m̄ − 1) with m̄ the mean respondents per station.

Raking adjusts the weights by iterative proportional fitting until the
weighted distribution of each demographic variable matches its known
margins. The variance then treats the raked weights as fixed design weights
(it ignores the variance the margins remove, so it is usually conservative).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.stats import t as t_distribution

from pollwatch.stats.quickcount import (
    DEFAULT_CALL_Z,
    DEFAULT_MIN_REPORTED,
    DEFAULT_STABILITY_CHECKS,
    DEFAULT_STABILITY_STEP,
    Call,
    Design,
    Estimate,
    Lead,
    _interval,
    _json_float,
    call_status,
    collapse_groups,
    linearized_ratios,
    z_for,
)
from pollwatch.stats.table import InputError, Problem
from pollwatch.stats.words import say


@dataclass(frozen=True)
class WithinPrecinctError:
    """Exit-poll margin minus official margin (first minus second, as shares) over stations with both."""

    first: str
    second: str
    mean: float
    se: float
    stations: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "second": self.second,
            "mean": _json_float(self.mean),
            "se": _json_float(self.se),
            "stations": self.stations,
        }


@dataclass
class ExitPollResult:
    shares: dict[str, Estimate]
    lead: Lead | None
    call: Call
    design_effect: dict[str, float]
    intracluster_correlation: dict[str, float]
    respondents: int
    stations: int
    mean_respondents_per_station: float
    raking: dict[str, Any] | None
    within_precinct_error: WithinPrecinctError | None
    warnings: list[str] = field(default_factory=list)
    confidence: float = 0.95

    def as_dict(self) -> dict[str, Any]:
        return {
            "shares": {k: v.as_dict() for k, v in self.shares.items()},
            "lead": self.lead.as_dict() if self.lead else None,
            "call": self.call.as_dict(),
            "design_effect": {k: _json_float(v) for k, v in self.design_effect.items()},
            "intracluster_correlation": {
                k: _json_float(v) for k, v in self.intracluster_correlation.items()
            },
            "respondents": self.respondents,
            "stations": self.stations,
            "mean_respondents_per_station": self.mean_respondents_per_station,
            "raking": self.raking,
            "within_precinct_error": self.within_precinct_error.as_dict()
            if self.within_precinct_error
            else None,
            "warnings": list(self.warnings),
            "confidence": self.confidence,
        }


def rake(
    weights: np.ndarray,
    demographics: Mapping[str, np.ndarray],
    margins: Mapping[str, Mapping[str, float]],
    *,
    tolerance: float = 1e-10,
    max_iterations: int = 500,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Iterative proportional fitting of ``weights`` to population ``margins``.

    ``demographics`` maps a variable to each respondent's category;
    ``margins`` maps the same variable to {category: population share}
    (shares are normalised to sum to one). Every category seen among
    respondents must have a margin and every margin a respondent. Stops when
    no weighted share is more than ``tolerance`` from its target. Returns the
    raked weights (same total as the input) and {"iterations", "converged",
    "max_deviation"}.
    """
    weights = np.asarray(weights, dtype=np.float64).copy()
    total = weights.sum()
    prepared = []
    problems = []
    for variable, targets in margins.items():
        if variable not in demographics:
            problems.append(
                Problem(None, variable, "margins given for a variable the interviews do not have")
            )
            continue
        values = np.asarray(demographics[variable]).astype(str)
        categories = list(targets)
        share = np.array([float(targets[c]) for c in categories])
        if np.any(share <= 0) or abs(share.sum() - 1.0) > 0.01:
            problems.append(
                Problem(
                    None,
                    variable,
                    f"margins must be positive shares summing to 1 (they sum to {share.sum():.4f})",
                )
            )
            continue
        index = {c: k for k, c in enumerate(categories)}
        codes = np.array([index.get(v, -1) for v in values.tolist()])
        unknown = sorted(set(values[codes < 0].tolist()))
        if unknown:
            problems.append(Problem(None, variable, f"categories without a margin: {unknown}"))
        present = np.bincount(codes[codes >= 0], minlength=len(categories))
        absent = [categories[k] for k in np.flatnonzero(present == 0)]
        if absent:
            problems.append(
                Problem(
                    None, variable, f"no respondent in categories {absent}; cannot rake to them"
                )
            )
        prepared.append((codes, share / share.sum()))
    if problems:
        raise InputError("raking margins", problems)
    deviation = np.inf
    iteration = 0
    while iteration < max_iterations:
        iteration += 1
        for codes, target in prepared:
            current = np.bincount(codes, weights=weights, minlength=len(target))
            weights *= (target * weights.sum() / current)[codes]
        deviation = max(
            float(
                np.max(
                    np.abs(
                        np.bincount(codes, weights=weights, minlength=len(target)) / weights.sum()
                        - target
                    )
                )
            )
            for codes, target in prepared
        )
        if deviation < tolerance:
            break
    weights *= total / weights.sum()
    return weights, {
        "iterations": iteration,
        "converged": bool(deviation < tolerance),
        "max_deviation": deviation,
    }


def _station_design(
    station_stratum: np.ndarray, population: Mapping[Any, int] | None
) -> tuple[Design, np.ndarray, list[str]]:
    """Design over stations (weights 1: cluster totals already carry the weights); also n_h/N_h per station."""
    labels, codes = np.unique(station_stratum.astype(str), return_inverse=True)
    n_h = np.bincount(codes, minlength=len(labels)).astype(np.float64)
    if population is None:
        sizes = np.full(len(labels), np.inf)
    else:
        lookup = {str(k): int(v) for k, v in population.items()}
        missing = [label for label in labels.tolist() if label not in lookup]
        if missing:
            raise InputError(
                "exit poll",
                [Problem(None, "stratum", f"stratum {m!r} is not in the frame") for m in missing],
            )
        sizes = np.array([lookup[label] for label in labels.tolist()], dtype=np.float64)
        over = np.flatnonzero(n_h > sizes)
        if len(over):
            raise InputError(
                "exit poll",
                [
                    Problem(
                        None,
                        "stratum",
                        f"stratum {str(labels[h])!r} has {int(n_h[h])} polled stations but {int(sizes[h])} in the frame",
                    )
                    for h in over
                ],
            )
    fraction = n_h / sizes
    census = fraction >= 1
    group_h, merged = collapse_groups(n_h.astype(np.int64), census)
    _, group = np.unique(group_h[codes], return_inverse=True)
    warnings: list[str] = []
    if merged:
        groups = "; ".join("+".join(labels[m]) for m in merged)
        warnings.append(
            say(
                "ep.warning.collapsed",
                "strata with a single polled station collapsed with the next for the variance: "
                + groups,
                groups=groups,
            )
        )
    design = Design(
        labels=labels,
        codes=codes,
        reported_per_stratum=n_h,
        stations_per_stratum=sizes,
        weight=np.ones(len(codes)),
        fpc_root=np.sqrt(np.clip(1.0 - fraction, 0.0, 1.0))[codes],
        group=group,
        group_count=int(group.max()) + 1 if len(group) else 0,
        collapsed=[[str(labels[h]) for h in m] for m in merged],
    )
    return design, fraction[codes], warnings


def _per_station(
    station_codes: np.ndarray,
    values: np.ndarray,
    name: str,
    station_labels: np.ndarray,
    display: np.ndarray | None = None,
) -> np.ndarray:
    """A respondent-level column that must be constant within a station, as one value per station.

    ``display`` turns integer codes back into labels for the error message.
    """
    first = np.full(len(station_labels), np.nan)
    first[station_codes[::-1]] = values[::-1]
    differs = np.flatnonzero(values != first[station_codes])
    if len(differs):
        i = differs[0]
        one, other = first[station_codes[i]], values[i]
        if display is not None:
            one, other = display[int(one)], display[int(other)]
        raise InputError(
            "exit poll",
            [
                Problem(
                    None,
                    name,
                    f"station {str(station_labels[station_codes[i]])!r} has more than one value ({one} and {other})",
                )
            ],
        )
    return first


def exit_poll(
    station: np.ndarray,
    choice: np.ndarray,
    *,
    stratum: np.ndarray | None = None,
    population: Mapping[Any, int] | None = None,
    inclusion: np.ndarray | None = None,
    voters: Mapping[Any, float] | None = None,
    demographics: Mapping[str, np.ndarray] | None = None,
    margins: Mapping[str, Mapping[str, float]] | None = None,
    official: Mapping[Any, Mapping[str, float]] | None = None,
    arrival: np.ndarray | None = None,
    expected_stations: int | None = None,
    confidence: float = 0.95,
    call_z: float = DEFAULT_CALL_Z,
    min_reported: float = DEFAULT_MIN_REPORTED,
    stability_checks: int = DEFAULT_STABILITY_CHECKS,
    stability_step: float = DEFAULT_STABILITY_STEP,
) -> ExitPollResult:
    """Exit-poll shares with linearised cluster SEs, design effect, call and within-precinct error.

    Arrays are aligned over respondents: ``station`` id, ``choice`` (an empty
    string is no answer: left out, and m_i counts answers only), optional
    ``stratum`` (one per station), ``inclusion`` π_i (constant within a
    station; default n_h/N_h from ``population``, or equal for all stations),
    ``demographics`` for raking to ``margins``, and ``arrival`` (a station
    arrives with its last interview; default array order). ``voters`` maps
    station -> V_i (every polled station must have one; default equal).
    ``official`` maps station -> {choice: votes} for the within-precinct
    error. ``expected_stations`` is the number of sampled stations (default:
    the polled ones) for the call's reported fraction.
    """
    station = np.asarray(station).astype(str)
    choice = np.asarray(choice).astype(str)
    if len(station) != len(choice):
        raise ValueError("station and choice must have the same length")
    answered = choice != ""
    warnings: list[str] = []
    if not answered.all():
        unanswered = int((~answered).sum())
        warnings.append(
            say(
                "ep.warning.unanswered",
                f"{unanswered} respondents without an answer are left out",
                count=unanswered,
            )
        )
    station_labels, station_codes = np.unique(station[answered], return_inverse=True)
    choice = choice[answered]
    stations = len(station_labels)
    if stations == 0:
        raise InputError("exit poll", [Problem(None, "choice", "no respondent gave an answer")])
    respondents_per_station = np.bincount(station_codes, minlength=stations).astype(np.float64)
    if stratum is None:
        station_stratum = np.zeros(stations, dtype=int)
        if population is not None:
            raise ValueError("population (frame sizes) needs stratum")
    else:
        stratum_all = np.asarray(stratum).astype(str)[answered]
        labels_s, codes_s = np.unique(stratum_all, return_inverse=True)
        station_stratum = labels_s[
            _per_station(
                station_codes, codes_s.astype(np.float64), "stratum", station_labels, labels_s
            ).astype(int)
        ]
    design, fraction, design_warnings = _station_design(np.asarray(station_stratum), population)
    warnings += design_warnings
    if inclusion is not None:
        pi = _per_station(
            station_codes,
            np.asarray(inclusion, dtype=np.float64)[answered],
            "inclusion",
            station_labels,
        )
        bad = np.flatnonzero(~((pi > 0) & (pi <= 1)))
        if len(bad):
            raise InputError(
                "exit poll",
                [
                    Problem(
                        None,
                        "inclusion",
                        f"station {str(station_labels[i])!r}: inclusion probability {pi[i]!r} is not in (0, 1]",
                    )
                    for i in bad
                ],
            )
        # with π given per station the FPC is not known: with-replacement form
        design = replace(design, fpc_root=np.ones(stations))
    elif population is not None:
        pi = fraction
    else:
        pi = np.ones(stations)
    if voters is not None:
        lookup = {str(k): v for k, v in voters.items()}
        missing = [s for s in station_labels.tolist() if s not in lookup]
        if missing:
            raise InputError(
                "exit poll voters",
                [
                    Problem(None, "station", f"no voter count for polled station {s!r}")
                    for s in missing[:20]
                ],
            )
        v_i = np.array([float(lookup[s]) for s in station_labels.tolist()])
        bad = np.flatnonzero(~(v_i > 0))
        if len(bad):
            raise InputError(
                "exit poll voters",
                [
                    Problem(
                        None,
                        "voters",
                        f"station {str(station_labels[i])!r} has {v_i[i]!r} voters but respondents",
                    )
                    for i in bad
                ],
            )
    else:
        v_i = np.ones(stations)
    weight = ((1.0 / pi) * (v_i / respondents_per_station))[station_codes]
    raking_info = None
    if margins:
        if demographics is None:
            raise ValueError("raking needs demographics")
        answered_demographics = {k: np.asarray(v)[answered] for k, v in demographics.items()}
        weight, raking_info = rake(weight, answered_demographics, margins)
        if not raking_info["converged"]:
            deviation = raking_info["max_deviation"]
            warnings.append(
                say(
                    "ep.warning.raking",
                    f"raking did not converge (max deviation {deviation:.2e})",
                    deviation=deviation,
                )
            )

    choices = sorted(set(choice.tolist()))
    indicator = (choice[:, None] == np.array(choices)[None, :]).astype(np.float64)
    cluster_y = np.column_stack(
        [
            np.bincount(station_codes, weights=weight * indicator[:, k], minlength=stations)
            for k in range(len(choices))
        ]
    )
    cluster_w = np.bincount(station_codes, weights=weight, minlength=stations)
    cluster_x = np.repeat(cluster_w[:, None], len(choices), axis=1)
    ratio, se = linearized_ratios(design, cluster_y, cluster_x)
    # few clusters: Student t with (stations − strata) degrees of freedom, as survey packages do
    degrees = stations - len(design.labels)
    z = (
        float(t_distribution.ppf(0.5 + confidence / 2.0, degrees))
        if degrees >= 1
        else z_for(confidence)
    )
    shares = {c: _interval(ratio[k], se[k], z, 0.0, 1.0) for k, c in enumerate(choices)}
    respondents = len(choice)
    mean_cluster = respondents / stations
    design_effect: dict[str, float] = {}
    icc: dict[str, float] = {}
    for k, c in enumerate(choices):
        srs_variance = ratio[k] * (1 - ratio[k]) / respondents
        deff = se[k] ** 2 / srs_variance if srs_variance > 0 else float("nan")
        design_effect[c] = float(deff)
        icc[c] = (
            float((deff - 1) / (mean_cluster - 1))
            if mean_cluster > 1 and np.isfinite(deff)
            else float("nan")
        )

    lead = None
    if len(choices) >= 2:
        ranking = np.argsort(-ratio, kind="stable")
        first, second = int(ranking[0]), int(ranking[1])
        lead_ratio, lead_se = linearized_ratios(
            design, (cluster_y[:, first] - cluster_y[:, second])[:, None], cluster_w[:, None]
        )
        e = _interval(lead_ratio[0], lead_se[0], z, -1.0, 1.0)
        lead = Lead(choices[first], choices[second], e.estimate, e.se, e.ci)

    stable = None
    if lead is not None and stability_checks >= 2:
        if arrival is None:
            station_arrival = np.full(stations, -1.0)
            np.maximum.at(station_arrival, station_codes, np.arange(len(choice), dtype=np.float64))
        else:
            keys = np.asarray(arrival)[answered]
            order_keys = np.unique(keys, return_inverse=True)[1].astype(np.float64)
            station_arrival = np.full(stations, -1.0)
            np.maximum.at(station_arrival, station_codes, order_keys)
        order = np.argsort(station_arrival, kind="stable")
        stride = max(1, int(round(stability_step * (expected_stations or stations))))
        cuts = [stations - j * stride for j in range(stability_checks)]
        if cuts[-1] >= 2:
            leaders = {int(np.argmax(cluster_y[order[:cut]].sum(axis=0))) for cut in cuts}
            stable = len(leaders) == 1
    fraction_reported = stations / expected_stations if expected_stations else 1.0
    call = call_status(
        lead,
        min(fraction_reported, 1.0),
        stable=stable,
        z_threshold=call_z,
        min_reported=min_reported,
    )

    wpe = None
    if official is not None and lead is not None:
        wpe, note = within_precinct_error(
            station_labels, station_codes, choice, weight, official, lead.first, lead.second
        )
        if note:
            warnings.append(note)
    return ExitPollResult(
        shares=shares,
        lead=lead,
        call=call,
        design_effect=design_effect,
        intracluster_correlation=icc,
        respondents=respondents,
        stations=stations,
        mean_respondents_per_station=float(mean_cluster),
        raking=raking_info,
        within_precinct_error=wpe,
        warnings=warnings,
        confidence=confidence,
    )


def within_precinct_error(
    station_labels: np.ndarray,
    station_codes: np.ndarray,
    choice: np.ndarray,
    weight: np.ndarray,
    official: Mapping[Any, Mapping[str, float]],
    first: str,
    second: str,
) -> tuple[WithinPrecinctError | None, str | None]:
    """Mean and SE (sd/√n) of (exit share A − exit share B) − (official A − official B) per station.

    Official shares are of the votes listed for that station; stations with no
    official result or no official votes are skipped (the note says how many).
    """
    lookup = {str(k): v for k, v in official.items()}
    errors = []
    for code, label in enumerate(station_labels.tolist()):
        result = lookup.get(label)
        if result is None:
            continue
        votes_total = float(sum(result.values()))
        if votes_total <= 0:
            continue
        at = station_codes == code
        w = weight[at]
        exit_margin = (w * (choice[at] == first)).sum() / w.sum() - (
            w * (choice[at] == second)
        ).sum() / w.sum()
        official_margin = (
            float(result.get(first, 0.0)) - float(result.get(second, 0.0))
        ) / votes_total
        errors.append(exit_margin - official_margin)
    skipped = len(station_labels) - len(errors)
    note = (
        say(
            "ep.warning.no_official",
            f"{skipped} polled stations have no official result and are left out of the within-precinct error",
            count=skipped,
        )
        if skipped
        else None
    )
    if not errors:
        return None, note
    values = np.array(errors)
    se = float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else float("nan")
    return WithinPrecinctError(first, second, float(values.mean()), se, len(values)), note
