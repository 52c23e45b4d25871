"""Integer-percentage excess (Kobak, Shpilkin & Pshenichnikov, Ann. Appl. Stat. 2016).

Officials who write a result by hand tend to aim at round percentages. A
polling station is "integer" when its turnout percentage or its leader's
percentage lies within 0.05 percentage points of a whole number. The number of
such stations is compared with a Monte Carlo null in which every station is
redrawn binomially around its own observed turnout and leader share:

    ballots ~ Bin(registered, turnout),  leader ~ Bin(received, leader_share)

and the excess is observed − mean(null), with the null's standard deviation.

The null is vectorised: replicates are drawn in chunks as 2-D arrays
(chunk × stations), each chunk from its own child of one ``SeedSequence``, so
the result depends only on the seed and the input, never on the machine.
``method="bernoulli"`` is an exact shortcut with the same null distribution
(see ``integer_hit_probabilities``); ``null_counts_by_loop`` is the
straightforward per-station loop kept as the reference implementation.
``percentage_histogram`` draws the same null bin by bin at 0.1-pp resolution,
for the picture in which whole-percentage spikes stand out of the band.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special

from pollwatch.stats.words import reading, register

MIN_REGISTERED = 100
MAX_FRACTION = 0.99
# Elements per chunk of the 2-D draws: about 16 MB per int64 array, so a
# chunk stays cheap in memory whatever the number of stations.
CHUNK_ELEMENTS = 2_000_000
SOURCE = "Kobak, Shpilkin & Pshenichnikov, Ann. Appl. Stat. 10(1), 2016"

register(
    {
        "forensics.integer.too-few": "not enough stations (or replicates) for the test",
        "forensics.integer.excess": (
            "%(excess)s more stations with whole-number percentages than chance gives "
            "(%(z)s null SDs): a sign that results were written rather than counted"
        ),
        "forensics.integer.fewer": (
            "fewer whole-number percentages than chance: unusual but not a sign of rounding"
        ),
        "forensics.integer.chance": "whole-number percentages about as often as chance gives",
    }
)


def is_integer_percentage(count: np.ndarray, total: np.ndarray) -> np.ndarray:
    """True where 100·count/total is within 0.05 of a whole number, 0.05 itself included.

    Kobak, Shpilkin & Pshenichnikov count a station whose percentage is
    exactly 0.05 from a whole one (e.g. 1001 of 2000 = 50.05 %) as integer
    (``<= 0.05`` in their code). In floating point such ties land on either
    side of 0.05 by rounding, so the rule is evaluated in exact integer
    arithmetic: with m = 100·count mod total, the distance to the nearest
    integer percentage is min(m, total − m)/total, and it is at most 0.05
    exactly when 20·min(m, total − m) ≤ total.
    """
    remainder = np.remainder(100 * count, total)
    return 20 * np.minimum(remainder, total - remainder) <= total


def inclusion_mask(
    registered: np.ndarray, ballots: np.ndarray, received: np.ndarray, leader: np.ndarray
) -> np.ndarray:
    """Stations the method uses: received > 0, registered ≥ 100, turnout ≤ 0.99, leader share ≤ 0.99."""
    with np.errstate(divide="ignore", invalid="ignore"):
        turnout = ballots / registered
        share = leader / received
    return (
        (received > 0)
        & (registered >= MIN_REGISTERED)
        & (turnout <= MAX_FRACTION)
        & (share <= MAX_FRACTION)
    )


def _as_counts(values: np.ndarray) -> np.ndarray:
    counts = np.rint(np.asarray(values, dtype=np.float64))
    # int32 halves memory traffic in the hit test; 100·count must still fit.
    dtype = np.int32 if (counts.size == 0 or counts.max() < 2**31 // 100) else np.int64
    return counts.astype(dtype)


def _binomial_chunk(
    rng: np.random.Generator,
    size: int,
    registered: np.ndarray,
    turnout: np.ndarray,
    received: np.ndarray,
    share: np.ndarray,
) -> np.ndarray:
    ballots = rng.binomial(registered[None, :], turnout[None, :], size=(size, registered.size))
    hits = is_integer_percentage(ballots.astype(registered.dtype), registered)
    del ballots
    leader = rng.binomial(received[None, :], share[None, :], size=(size, received.size))
    hits |= is_integer_percentage(leader.astype(received.dtype), received)
    return hits.sum(axis=1)


def _interval_probability(total: np.ndarray, probability: np.ndarray) -> np.ndarray:
    """P(100·X/total within 0.05 of an integer) for X ~ Bin(total, probability), exactly.

    The hit set is the union over k = 0..100 of the integers x with
    |100x − k·total| ≤ 0.05·total; each is a short run of integers, so the
    probability is a sum of binomial CDF differences.
    """
    total = np.asarray(total, dtype=np.int64)
    probability = np.asarray(probability, dtype=np.float64)
    result = np.zeros(total.size)
    spread = np.sqrt(probability * (1 - probability) / np.maximum(total, 1))
    reach = 100 * (8 * spread + 8 / np.maximum(total, 1)) + 1
    for k in range(101):
        # 100x in [k·total − total/20, k·total + total/20], i.e. 2000x in [20k−1, 20k+1]·total.
        low = -((-(20 * k - 1) * total) // 2000)
        high = ((20 * k + 1) * total) // 2000
        low = np.maximum(low, 0)
        high = np.minimum(high, total)
        # Whole percentages beyond 8 SDs (plus 8 counts, for skewed small stations)
        # from the expected one carry no mass worth a CDF call.
        present = (high >= low) & (np.abs(k - 100 * probability) <= reach)
        if not present.any():
            continue
        n, p = total[present], probability[present]
        upper = special.bdtr(high[present], n, p)
        below = low[present] - 1
        # bdtr is P(X ≤ k) without scipy.stats' argument checks (much faster); it is NaN for k < 0.
        lower = np.where(below >= 0, special.bdtr(np.maximum(below, 0), n, p), 0.0)
        result[present] += upper - lower
    return np.clip(result, 0.0, 1.0)


def integer_hit_probabilities(
    registered: np.ndarray, turnout: np.ndarray, received: np.ndarray, share: np.ndarray
) -> np.ndarray:
    """Each station's exact probability of being "integer" under the binomial null.

    Ballots and leader votes are drawn independently, so the station is integer
    with probability 1 − (1 − P_turnout)(1 − P_leader). A station's hit in one
    replicate is therefore Bernoulli with this probability: drawing that
    Bernoulli is the same null as drawing the two binomial counts.
    """
    turnout_hit = _interval_probability(registered, turnout)
    leader_hit = _interval_probability(received, share)
    return 1.0 - (1.0 - turnout_hit) * (1.0 - leader_hit)


def _bernoulli_chunk(
    rng: np.random.Generator, size: int, hit_probability: np.ndarray
) -> np.ndarray:
    uniforms = rng.random((size, hit_probability.size), dtype=np.float32)
    return (uniforms < hit_probability.astype(np.float32)[None, :]).sum(axis=1)


def null_integer_counts(
    registered: np.ndarray,
    ballots: np.ndarray,
    received: np.ndarray,
    leader: np.ndarray,
    *,
    replicates: int = 1000,
    seed: int = 0,
    method: str = "binomial",
    progress: Callable[[int], object] | None = None,
    hit_probability: np.ndarray | None = None,
) -> np.ndarray:
    """Number of integer stations in each of ``replicates`` null elections (stations already included).

    ``method="binomial"`` draws the counts; ``"bernoulli"`` draws each station's
    hit from its exact hit probability (same distribution, several times
    faster; pass ``hit_probability`` when already computed).
    ``progress(n)`` is called with the number of replicates just finished.
    """
    registered = _as_counts(registered)
    received = _as_counts(received)
    turnout = np.asarray(ballots, dtype=np.float64) / registered
    share = np.asarray(leader, dtype=np.float64) / received
    stations = registered.size
    if replicates <= 0:
        return np.zeros(0, dtype=np.int64)
    chunk = max(1, min(replicates, CHUNK_ELEMENTS // max(stations, 1)))
    sizes = [min(chunk, replicates - start) for start in range(0, replicates, chunk)]
    generators = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(sizes))]
    if method not in ("binomial", "bernoulli"):
        raise ValueError(f"unknown method {method!r}: use 'binomial' or 'bernoulli'")
    probabilities = np.zeros(0)
    if method == "bernoulli":
        probabilities = (
            hit_probability
            if hit_probability is not None
            else integer_hit_probabilities(registered, turnout, received, share)
        )
    counts = []
    for rng, size in zip(generators, sizes, strict=True):
        if method == "binomial":
            counts.append(_binomial_chunk(rng, size, registered, turnout, received, share))
        else:
            counts.append(_bernoulli_chunk(rng, size, probabilities))
        if progress is not None:
            progress(size)
    return np.concatenate(counts).astype(np.int64)


def null_counts_by_loop(
    registered: np.ndarray,
    ballots: np.ndarray,
    received: np.ndarray,
    leader: np.ndarray,
    *,
    replicates: int,
    seed: int = 0,
) -> np.ndarray:
    """Reference null: one binomial draw per station per replicate in plain Python loops.

    This is the straightforward published approach; it is slow and kept only
    to check and time the vectorised null against it.
    """
    rng = np.random.default_rng(seed)
    electorates = [int(x) for x in registered]
    receipts = [int(x) for x in received]
    turnout = [b / r for b, r in zip(ballots, electorates, strict=True)]
    share = [v / n for v, n in zip(leader, receipts, strict=True)]
    counts = np.zeros(replicates, dtype=np.int64)
    for replicate in range(replicates):
        hits = 0
        for r, t, n, s in zip(electorates, turnout, receipts, share, strict=True):
            b = rng.binomial(r, t)
            v = rng.binomial(n, s)
            turnout_percent = 100 * b / r
            leader_percent = 100 * v / n
            # ≤ 0.05 as Kobak et al.; the epsilon keeps exact ties (50.05 %) that
            # floating point puts a hair above 0.05.
            if (
                abs(turnout_percent - round(turnout_percent)) <= 0.05 + 1e-9
                or abs(leader_percent - round(leader_percent)) <= 0.05 + 1e-9
            ):
                hits += 1
        counts[replicate] = hits
    return counts


def integer_percentages(
    registered: np.ndarray,
    ballots: np.ndarray,
    received: np.ndarray,
    leader: np.ndarray,
    *,
    replicates: int = 1000,
    seed: int = 0,
    method: str = "binomial",
    progress: Callable[[int], object] | None = None,
) -> dict[str, Any]:
    """Excess of integer-percentage stations over the binomial null.

    Inputs are per-station counts (turnout = ballots/registered, leader share =
    leader/received). Returns ``statistic`` = ``excess_stations`` (observed −
    null mean; expected 0), ``null_sd`` (spread of the null count),
    ``mc_error`` (Monte Carlo error of the null mean), a one-sided ``p_value``
    (share of null replicates at or above the observed count, +1 smoothed),
    ``observed_integer_stations``, ``null_mean`` and ``stations_included``;
    with ``method="bernoulli"`` also the exact null mean and SD
    (``null_mean_exact``, ``null_sd_exact``) that the replicates estimate.
    """
    registered = np.asarray(registered, dtype=np.float64)
    ballots = np.asarray(ballots, dtype=np.float64)
    received = np.asarray(received, dtype=np.float64)
    leader = np.asarray(leader, dtype=np.float64)
    keep = inclusion_mask(registered, ballots, received, leader)
    included = int(keep.sum())
    result: dict[str, Any] = {
        "name": "integer percentages",
        "stations_included": included,
        "replicates": int(replicates),
        "seed": int(seed),
        "method": method,
        "expected": 0.0,
        "source": SOURCE,
    }
    if included == 0 or replicates < 2:
        result.update(
            statistic=None,
            excess_stations=None,
            null_sd=None,
            p_value=None,
            **reading("forensics.integer.too-few"),
        )
        return result
    registered, ballots, received, leader = (
        a[keep] for a in (registered, ballots, received, leader)
    )
    observed = int(
        np.count_nonzero(
            is_integer_percentage(_as_counts(ballots), _as_counts(registered))
            | is_integer_percentage(_as_counts(leader), _as_counts(received))
        )
    )
    hit_probability = None
    if method == "bernoulli":
        hit_probability = integer_hit_probabilities(
            registered, ballots / registered, received, leader / received
        )
        result["null_mean_exact"] = float(hit_probability.sum())
        result["null_sd_exact"] = float(np.sqrt(np.sum(hit_probability * (1 - hit_probability))))
    null = null_integer_counts(
        registered,
        ballots,
        received,
        leader,
        replicates=replicates,
        seed=seed,
        method=method,
        progress=progress,
        hit_probability=hit_probability,
    )
    null_mean = float(null.mean())
    null_sd = float(null.std(ddof=1))
    excess = observed - null_mean
    p_value = float((1 + np.count_nonzero(null >= observed)) / (replicates + 1))
    z = excess / null_sd if null_sd > 0 else 0.0
    if z > 3:
        said = reading("forensics.integer.excess", excess=f"{excess:.0f}", z=f"{z:.1f}")
    elif z < -3:
        said = reading("forensics.integer.fewer")
    else:
        said = reading("forensics.integer.chance")
    result.update(
        statistic=excess,
        excess_stations=excess,
        observed_integer_stations=observed,
        null_mean=null_mean,
        null_sd=null_sd,
        mc_error=float(null_sd / np.sqrt(replicates)),
        p_value=p_value,
        **said,
    )
    return result


HISTOGRAM_BIN_WIDTH = 0.1  # percentage points, as in Kobak et al.'s histograms


def _tenth_percent_bin(count: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Index k of the 0.1-pp bin [k/10 − 0.05, k/10 + 0.05) that holds 100·count/total.

    Bins are centred on multiples of 0.1 % so that a whole percentage and the
    stations within 0.05 pp of it share one bin (the module's "integer" rule)
    instead of being split across two. k = floor(1000·count/total + 1/2),
    computed in integers so that no station lands on the wrong side of an edge
    by rounding.
    """
    count = np.asarray(count, dtype=np.int64)
    total = np.asarray(total, dtype=np.int64)
    return (2000 * count + total) // (2 * total)


def _histogram_chunk(
    rng: np.random.Generator,
    size: int,
    total: np.ndarray,
    rate: np.ndarray,
    first_bin: int,
    bins: int,
) -> np.ndarray:
    """Bin counts of ``size`` null replicates, one row per replicate."""
    draws = rng.binomial(total[None, :], rate[None, :], size=(size, total.size))
    index = _tenth_percent_bin(draws, total[None, :])
    del draws
    # Bins outside the range pile up in one overflow bin at either end (dropped
    # below): cheaper than masking them out, and one bincount serves the whole
    # chunk, replicate r's bins lying at r·(bins + 2) … r·(bins + 2) + bins + 1.
    index -= first_bin - 1
    np.clip(index, 0, bins + 1, out=index)
    index += (np.arange(size, dtype=np.int64) * (bins + 2))[:, None]
    counts = np.bincount(index.ravel(), minlength=size * (bins + 2))
    return counts.reshape(size, bins + 2)[:, 1:-1]


def percentage_histogram(
    registered: np.ndarray,
    ballots: np.ndarray,
    received: np.ndarray,
    leader: np.ndarray,
    *,
    which: str = "turnout",
    replicates: int = 200,
    seed: int = 0,
    low: float | None = None,
    high: float | None = None,
) -> dict[str, Any]:
    """Histogram of station percentages at 0.1-pp resolution with its binomial null band.

    ``which="turnout"`` bins 100·ballots/registered, ``"leader"`` bins
    100·leader/received, for the stations ``inclusion_mask`` keeps. Bin k
    covers [k/10 − 0.05, k/10 + 0.05) percent, so each whole percentage sits in
    the middle of its own bin; ``bins`` lists the left edges and
    ``bin_centres`` the centres. Only bins whose centres lie in
    [``low``, ``high``) percent are kept; by default the whole percentages that
    enclose the observed data.

    The null redraws every station as the module's null does (ballots ~
    Bin(registered, turnout) or leader ~ Bin(received, share), each around the
    station's own observed rate) ``replicates`` times, in chunks seeded from
    one ``SeedSequence``: the result depends only on the input and the seed.
    Per bin it returns the observed count, the null's mean and its 2.5 % and
    97.5 % quantiles (``null_low``, ``null_high``). Spikes above ``null_high``
    at whole percentages are the signature of results written to order.
    Raises ValueError for an unknown ``which``, fewer than one replicate or
    ``high`` ≤ ``low``.
    """
    if which not in ("turnout", "leader"):
        raise ValueError(f"unknown which {which!r}: use 'turnout' or 'leader'")
    if replicates < 1:
        raise ValueError("replicates must be at least 1")
    registered = np.asarray(registered, dtype=np.float64)
    ballots = np.asarray(ballots, dtype=np.float64)
    received = np.asarray(received, dtype=np.float64)
    leader = np.asarray(leader, dtype=np.float64)
    keep = inclusion_mask(registered, ballots, received, leader)
    if which == "turnout":
        count, total = _as_counts(ballots[keep]), _as_counts(registered[keep])
    else:
        count, total = _as_counts(leader[keep]), _as_counts(received[keep])
    stations = int(total.size)
    observed_bin = _tenth_percent_bin(count, total)

    if low is not None:
        # round() first so that 40.3 means bin 403, not 402.99999… rounded up to 403 or down.
        first_bin = math.ceil(round(low / HISTOGRAM_BIN_WIDTH, 6))
    elif stations:
        first_bin = 10 * (int(observed_bin.min()) // 10)
    else:
        first_bin = 0
    if high is not None:
        end_bin = math.ceil(round(high / HISTOGRAM_BIN_WIDTH, 6))
    elif stations:
        end_bin = 10 * (int(observed_bin.max()) // 10 + 1)
    else:
        end_bin = first_bin
    if low is not None and high is not None and end_bin <= first_bin:
        raise ValueError(f"high ({high}) must be above low ({low}) by at least one bin")
    bins = max(end_bin - first_bin, 0)

    index = observed_bin - first_bin
    observed = np.bincount(index[(index >= 0) & (index < bins)], minlength=bins)[:bins]
    null = np.zeros((replicates, bins), dtype=np.int64)
    if stations and bins:
        rate = count / total
        chunk = max(1, min(replicates, CHUNK_ELEMENTS // stations))
        sizes = [min(chunk, replicates - start) for start in range(0, replicates, chunk)]
        generators = [
            np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(sizes))
        ]
        start = 0
        for rng, size in zip(generators, sizes, strict=True):
            null[start : start + size] = _histogram_chunk(rng, size, total, rate, first_bin, bins)
            start += size
    centres = np.arange(first_bin, first_bin + bins) * HISTOGRAM_BIN_WIDTH
    null_low, null_high = (
        np.quantile(null, [0.025, 0.975], axis=0) if bins else (np.zeros(0), np.zeros(0))
    )
    return {
        "name": "percentage histogram",
        "which": which,
        "bin_width": HISTOGRAM_BIN_WIDTH,
        "bins": np.round(centres - HISTOGRAM_BIN_WIDTH / 2, 2).tolist(),
        "bin_centres": np.round(centres, 1).tolist(),
        "observed": observed.astype(np.int64).tolist(),
        "null_mean": null.mean(axis=0).tolist(),
        "null_low": np.asarray(null_low, dtype=np.float64).tolist(),
        "null_high": np.asarray(null_high, dtype=np.float64).tolist(),
        "replicates": int(replicates),
        "seed": int(seed),
        "stations": stations,
        "stations_in_range": int(observed.sum()),
        "source": SOURCE,
    }
