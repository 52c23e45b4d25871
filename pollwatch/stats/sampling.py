"""Drawing the station sample for a quick count or exit poll, and sizing it.

Everything here takes plain arrays over the frame (one entry per station) and
returns indices into them; randomness comes only from the numpy Generator
passed in, so a seed reproduces a draw exactly.

Sample size (docs/quickcount.md): a voter-level simple random sample needs
n₀ = z² p(1 − p) / E² voters for margin E. NDI's handbook (Estok, Nevitte &
Cowan 2002, ch. 5) stops there, which understates the error of a station
sample: voters of one station vote alike, so each station is worth fewer
than its voters. With m = voters per station × turnout effective voters and
intra-station correlation ρ, the design effect is deff = 1 + (m − 1)ρ (Kish
1965 §5.4), and the number of stations is n₀·deff/m, reduced by the
finite-population correction n/(1 + n/N) when the frame has N stations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm


@dataclass(frozen=True)
class SampleDraw:
    """Indices into the frame: sampled stations, reserves (with their rank within the stratum) and weights."""

    sampled: np.ndarray
    weight: np.ndarray  # 1/π for each sampled station, aligned with ``sampled``
    reserve: np.ndarray
    reserve_rank: np.ndarray  # 1 = first reserve of its stratum


@dataclass(frozen=True)
class SampleSize:
    """Stations needed for a margin, with the pieces of the formula."""

    stations: int
    srs_voters: float
    effective_voters_per_station: float
    design_effect: float
    # stations that must report (``stations`` before dividing by ``response_rate``)
    before_nonresponse: int | None = None
    response_rate: float = 1.0


def _codes(stratum: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    stratum = np.asarray(stratum)
    # integer labels sort as numbers and skip a slow string sort; others sort as text
    if stratum.dtype.kind not in "iub":
        stratum = stratum.astype(str)
    labels, codes = np.unique(stratum, return_inverse=True)
    return labels, codes


def allocate(
    stratum_sizes: np.ndarray, size: int, allocation: str = "proportional", minimum: int = 2
) -> np.ndarray:
    """Stations to draw per stratum.

    ``proportional``: ``size`` is the total, split in proportion to N_h by the
    largest-remainder method; ``fixed``: ``size`` stations in every stratum.
    Either way each stratum gets at least min(``minimum``, N_h) stations, so
    that within-stratum variances exist, and never more than N_h. Raises
    ValueError when the total cannot be met.
    """
    sizes = np.asarray(stratum_sizes, dtype=np.int64)
    if size < 1:
        raise ValueError(f"sample size must be positive, got {size}")
    floor = np.minimum(minimum, sizes)
    if allocation == "fixed":
        return np.minimum(np.maximum(size, floor), sizes)
    if allocation != "proportional":
        raise ValueError(f"allocation must be 'proportional' or 'fixed', got {allocation!r}")
    if size > sizes.sum():
        raise ValueError(f"sample size {size} is larger than the frame ({sizes.sum()} stations)")
    if size < floor.sum():
        raise ValueError(
            f"sample size {size} cannot give each of {len(sizes)} strata {minimum} stations (needs {floor.sum()})"
        )
    target = size * sizes / sizes.sum()
    counts = np.clip(np.floor(target).astype(np.int64), floor, sizes)
    while (remaining := size - int(counts.sum())) != 0:
        if remaining > 0:
            room = np.flatnonzero(counts < sizes)
            priority = (target - counts)[room]
            chosen = room[np.argsort(-priority, kind="stable")[:remaining]]
            counts[chosen] += 1
        else:
            room = np.flatnonzero(counts > floor)
            priority = (counts - target)[room]
            chosen = room[np.argsort(-priority, kind="stable")[:-remaining]]
            counts[chosen] -= 1
    return counts


def stratified_srs(
    stratum: np.ndarray,
    per_stratum: np.ndarray,
    rng: np.random.Generator,
    eligible: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Simple random sample without replacement of per_stratum[h] stations in each stratum.

    ``per_stratum`` is indexed by the sorted stratum labels. Returns the chosen
    frame indices (sorted by stratum, then in draw order) and their rank in
    draw order within the stratum (1, 2, ...). Only ``eligible`` stations are
    drawn when given. One argsort of random keys does all strata at once.
    """
    _, codes = _codes(stratum)
    keys = codes + rng.random(len(codes))
    if eligible is not None:
        keys = np.where(eligible, keys, np.inf)
    order = np.argsort(keys, kind="stable")
    order = order[np.isfinite(keys[order])]
    sorted_codes = codes[order]
    strata = len(per_stratum)
    available = np.bincount(sorted_codes, minlength=strata)
    start = np.concatenate([[0], np.cumsum(available)[:-1]])
    rank = np.arange(len(order)) - start[sorted_codes]
    take = rank < np.asarray(per_stratum)[sorted_codes]
    return order[take], rank[take] + 1


def pps_systematic(
    stratum: np.ndarray, measure: np.ndarray, per_stratum: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Systematic sampling with probability proportional to ``measure`` (e.g. registered voters) in each stratum.

    Stations are taken in frame order (sort the frame first for implicit
    stratification). A station whose measure is at least the sampling
    interval is a certainty selection (π = 1); the interval is then
    recomputed on the rest. Stations of measure 0 are never drawn. Returns the
    chosen indices and their inclusion probabilities π_i = n_h·s_i/S_h.
    """
    labels, codes = _codes(stratum)
    measure = np.asarray(measure, dtype=np.float64)
    if np.any(~np.isfinite(measure) | (measure < 0)):
        raise ValueError("size measure must be non-negative numbers")
    wanted = np.asarray(per_stratum, dtype=np.int64).copy()
    positive = np.bincount(
        codes, weights=(measure > 0).astype(float), minlength=len(labels)
    ).astype(np.int64)
    if np.any(wanted > positive):
        h = int(np.argmax(wanted > positive))
        raise ValueError(
            f"stratum {labels[h]!r} has only {positive[h]} stations with a positive size, {wanted[h]} requested"
        )
    certain = np.zeros(len(codes), dtype=bool)
    while True:
        rest = np.where(certain, 0.0, measure)
        total = np.bincount(codes, weights=rest, minlength=len(labels))
        remaining = wanted - np.bincount(
            codes, weights=certain.astype(float), minlength=len(labels)
        ).astype(np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            interval = np.where(remaining > 0, total / remaining, np.inf)
        newly = ~certain & (rest >= interval[codes]) & (rest > 0)
        if not newly.any():
            break
        certain |= newly
    inclusion = np.where(certain, 1.0, 0.0)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    rest_sorted = rest[order]
    cumulative = np.cumsum(rest_sorted)
    stratum_start = np.concatenate([[0.0], np.cumsum(total)[:-1]])
    within = cumulative - stratum_start[sorted_codes]
    before = within - rest_sorted
    start = rng.random(len(labels)) * np.where(np.isfinite(interval), interval, 0.0)
    step = interval[sorted_codes]
    with np.errstate(divide="ignore", invalid="ignore"):
        hits = np.floor((within - start[sorted_codes]) / step) - np.floor(
            (before - start[sorted_codes]) / step
        )
    hits = np.where(np.isfinite(step), hits, 0)
    chosen_sorted = (hits > 0) & (rest_sorted > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        probability = np.where(np.isfinite(step), rest_sorted / step, 0.0)
    inclusion[order] = np.where(certain[order], 1.0, probability)
    chosen = np.sort(np.concatenate([order[chosen_sorted], np.flatnonzero(certain)]))
    return chosen, inclusion[chosen]


def draw_sample(
    stratum: np.ndarray,
    size: int,
    *,
    seed: int | None,
    allocation: str = "proportional",
    method: str = "srs",
    size_measure: np.ndarray | None = None,
    reserve: int = 0,
    minimum: int = 2,
) -> SampleDraw:
    """Draw a stratified station sample and ``reserve`` ordered reserves per stratum.

    ``method`` "srs" draws a simple random sample in each stratum (weight
    N_h/n_h); "pps" draws systematically with probability proportional to
    ``size_measure`` (weight 1/π_i). Reserves are a random order of the
    stations not sampled, K per stratum (fewer where the stratum runs out),
    rank 1 to be used first. Same seed, same frame, same draw.
    """
    rng = np.random.default_rng(seed)
    labels, codes = _codes(stratum)
    sizes = np.bincount(codes, minlength=len(labels))
    per_stratum = allocate(sizes, size, allocation, minimum)
    if method == "srs":
        sampled, _ = stratified_srs(stratum, per_stratum, rng)
        sampled = np.sort(sampled)
        # Strata that drew nobody have no weight; only sampled stations' strata are looked up.
        stratum_weight = np.divide(
            sizes, per_stratum, out=np.zeros(len(sizes)), where=per_stratum > 0
        )
        weight = stratum_weight[codes[sampled]]
    elif method == "pps":
        if size_measure is None:
            raise ValueError("PPS sampling needs a size measure (registered voters)")
        sampled, inclusion = pps_systematic(stratum, size_measure, per_stratum, rng)
        weight = 1.0 / inclusion
    else:
        raise ValueError(f"method must be 'srs' or 'pps', got {method!r}")
    if reserve > 0:
        eligible = np.ones(len(codes), dtype=bool)
        eligible[sampled] = False
        reserves, rank = stratified_srs(
            stratum, np.full(len(labels), reserve), rng, eligible=eligible
        )
    else:
        reserves, rank = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return SampleDraw(sampled=sampled, weight=weight, reserve=reserves, reserve_rank=rank)


def design_effect_from_icc(effective_voters_per_station: float, icc: float) -> float:
    """Kish's deff = 1 + (m − 1)ρ for clusters of m voters with intra-cluster correlation ρ."""
    return 1.0 + (effective_voters_per_station - 1.0) * icc


def icc_from_design_effect(design_effect: float, effective_voters_per_station: float) -> float:
    """ρ = (deff − 1)/(m − 1), e.g. from a pilot's deff = Var_design / Var_SRS."""
    if effective_voters_per_station <= 1:
        raise ValueError("need more than one voter per station")
    return (design_effect - 1.0) / (effective_voters_per_station - 1.0)


def sample_size_for_margin(
    margin: float,
    *,
    voters_per_station: float,
    turnout: float = 1.0,
    confidence: float = 0.95,
    share: float = 0.5,
    icc: float | None = None,
    design_effect: float | None = None,
    frame_stations: int | None = None,
    response_rate: float = 1.0,
) -> SampleSize:
    """Stations needed so that a share's interval half-width is ``margin`` at ``confidence``.

    stations = ceil(n'/(1 + n'/N)), n' = z² p(1 − p)/E² · deff / m, where
    m = voters_per_station × turnout, deff = 1 + (m − 1)ρ from ``icc`` or
    given directly (e.g. from a pilot), N = ``frame_stations`` (omit for no
    FPC). ``share`` p = 0.5 is the worst case. Exactly one of ``icc`` and
    ``design_effect`` must be given: the voter-level formula alone (deff = 1)
    understates the error. The count is then divided by ``response_rate``
    (see ``inflate_for_nonresponse``).
    """
    if not 0 < margin < 1:
        raise ValueError(f"margin must be a fraction between 0 and 1, got {margin}")
    if (icc is None) == (design_effect is None):
        raise ValueError("give either icc (intra-station correlation) or design_effect")
    effective = voters_per_station * turnout
    if effective < 1:
        raise ValueError("voters per station × turnout must be at least 1")
    z = float(norm.ppf(0.5 + confidence / 2.0))
    srs_voters = z * z * share * (1.0 - share) / (margin * margin)
    return _stations_for(srs_voters, effective, icc, design_effect, frame_stations, response_rate)


def inflate_for_nonresponse(
    reporting: int, response_rate: float, frame_stations: int | None = None
) -> int:
    """Stations to sample so that ``response_rate`` of them is expected to be ``reporting``.

    ceil(reporting / r), 0 < r ≤ 1: the share of sampled stations expected to
    report (from past missions or a rehearsal). This restores the count only.
    Stations that never report differ from those that do (remote, rural,
    obstructed), so a bigger sample does not remove that bias; post-
    stratification or calibration of the reporting stations does (docs/quickcount.md).
    Raises ValueError when the inflated sample is larger than the frame.
    """
    if not (math.isfinite(response_rate) and 0 < response_rate <= 1):
        raise ValueError(
            f"response rate must be a fraction above 0 and at most 1, got {response_rate}"
        )
    stations = max(reporting, math.ceil(reporting / response_rate - 1e-9))
    if frame_stations and stations > max(reporting, frame_stations):
        raise ValueError(
            f"{reporting} reporting stations at a response rate of {response_rate:g} need "
            f"{stations} sampled stations, more than the frame's {frame_stations}"
        )
    return stations


def lead_variance_per_voter(shares: tuple[float, float] | None = None) -> float:
    """Variance of 1[A] − 1[B] for one voter: p_A + p_B − (p_A − p_B)², at most 1 (p_A = p_B = ½)."""
    if shares is None:
        return 1.0
    first, second = (float(x) for x in shares)
    if not (
        math.isfinite(first)
        and math.isfinite(second)
        and first >= 0
        and second >= 0
        and 0 < first + second <= 1
    ):
        raise ValueError(
            f"shares must be two non-negative fractions with a positive sum of at most 1, got {first}, {second}"
        )
    return first + second - (first - second) ** 2


def sample_size_for_lead(
    lead: float,
    *,
    voters_per_station: float,
    turnout: float = 1.0,
    confidence: float = 0.95,
    shares: tuple[float, float] | None = None,
    icc: float | None = None,
    design_effect: float | None = None,
    frame_stations: int | None = None,
    power: float | None = None,
    response_rate: float = 1.0,
) -> SampleSize:
    """Stations needed so that the lead of A over B has interval half-width ``lead`` at ``confidence``.

    The call rests on the lead p̂_A − p̂_B, not on one share. Per voter the lead
    is 1[A] − 1[B], with variance V = p_A + p_B − (p_A − p_B)² (multinomial
    shares; V = 1 in the worst case p_A = p_B = ½, used when ``shares`` is
    None). With z = z_{1−α/2}:

        n0 = z² V / L² voters;  n' = n0 · deff / m stations;  ceil(n'/(1 + n'/N))

    m, deff (exactly one of ``icc`` and ``design_effect``) and the FPC as in
    ``sample_size_for_margin``; ρ is the intra-station correlation of the lead
    (a past election's station leads give it). At this size a true lead of
    ``lead`` gives an interval that just touches zero: it is called only about
    half the time. ``power`` (0.5 ≤ power < 1) sizes instead so that a true
    lead of ``lead`` is called (interval above zero) with that probability:
    z becomes z_{1−α/2} + z_{power}. Finally the count is divided by
    ``response_rate`` (``inflate_for_nonresponse``).
    """
    if not (math.isfinite(lead) and 0 < lead < 1):
        raise ValueError(f"lead must be a fraction between 0 and 1, got {lead}")
    if not (math.isfinite(confidence) and 0 < confidence < 1):
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if power is not None and not (math.isfinite(power) and 0.5 <= power < 1):
        raise ValueError(f"power must be at least 0.5 and below 1, got {power}")
    if (icc is None) == (design_effect is None):
        raise ValueError("give either icc (intra-station correlation) or design_effect")
    effective = voters_per_station * turnout
    if not effective >= 1:
        raise ValueError("voters per station × turnout must be at least 1")
    z = float(norm.ppf(0.5 + confidence / 2.0))
    if power is not None:
        z += float(norm.ppf(power))
    srs_voters = z * z * lead_variance_per_voter(shares) / (lead * lead)
    return _stations_for(srs_voters, effective, icc, design_effect, frame_stations, response_rate)


def _stations_for(
    srs_voters: float,
    effective: float,
    icc: float | None,
    design_effect: float | None,
    frame_stations: int | None,
    response_rate: float,
) -> SampleSize:
    """From the voter-level SRS size to stations, shared by both sizing rules.

    stations = n'/(1 + n'/N) with n' = srs_voters · deff / m (at least 2), then
    divided by the response rate (:func:`inflate_for_nonresponse`).
    """
    deff = design_effect_from_icc(effective, icc) if icc is not None else float(design_effect)  # type: ignore[arg-type]
    stations = srs_voters * deff / effective
    if frame_stations:
        stations = stations / (1.0 + stations / frame_stations)
    reporting = max(2, math.ceil(stations - 1e-9))
    return SampleSize(
        inflate_for_nonresponse(reporting, response_rate, frame_stations),
        srs_voters,
        effective,
        deff,
        before_nonresponse=reporting,
        response_rate=response_rate,
    )
