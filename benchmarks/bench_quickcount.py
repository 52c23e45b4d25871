"""Quick-count speed: 10,000 sampled stations from a generated 1,000,000-station frame, against samplics.

Run: python benchmarks/bench_quickcount.py
Prints the time of a full quick count (5 shares, turnout, invalid, lead, call)
and of one share alone, samplics' time for one share on the same input, the
dashboard's whole figure path (``quick_count_figures``: regions, 5 % of the
strata without a report folded, calibration by a two-category variable, the
threshold call, the early-vs-late table) against the bare quick count, and
the time at 10k/100k/1M reporting stations to show linear scaling.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from pollwatch.stats.figures import QuickCountInputs, quick_count_figures, strata_from_sample
from pollwatch.stats.quickcount import prepare_design, quick_count, ratio_estimate
from pollwatch.stats.sampling import draw_sample

CANDIDATES = ["amber", "blue", "crimson", "green", "violet"]


def generate_frame(stations: int, strata: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, strata, stations)
    registered = rng.integers(100, 1000, stations).astype(np.float64)
    ballots = rng.binomial(registered.astype(np.int64), 0.62).astype(np.float64)
    invalid = rng.binomial(ballots.astype(np.int64), 0.02).astype(np.float64)
    lean = rng.normal(0, 0.3, (strata, len(CANDIDATES)))[stratum] + np.array(
        [0.5, 0.4, 0.0, -0.5, -1.0]
    )
    probabilities = np.exp(lean) / np.exp(lean).sum(axis=1, keepdims=True)
    valid = ballots - invalid
    # expected votes rounded: fast, and realistic enough for timing
    votes = np.round(valid[:, None] * probabilities)
    return {"stratum": stratum, "registered": registered, "invalid": invalid, "votes": votes}


def best_of(repeats: int, function) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    frame = generate_frame(1_000_000, 1_000, seed=1)
    labels, sizes = np.unique(frame["stratum"], return_counts=True)
    population = dict(zip(labels.tolist(), sizes.tolist(), strict=True))
    draw = draw_sample(frame["stratum"], 10_000, seed=2)
    chosen = draw.sampled
    stratum = frame["stratum"][chosen]
    votes = {name: frame["votes"][chosen, j] for j, name in enumerate(CANDIDATES)}
    registered = frame["registered"][chosen]
    invalid = frame["invalid"][chosen]
    valid = frame["votes"][chosen].sum(axis=1)

    def full() -> None:
        quick_count(stratum, votes, registered, invalid, population=population)

    def one_share() -> None:
        ratio_estimate(votes["amber"], valid, stratum, population)

    full_time = best_of(7, full)
    share_time = best_of(7, one_share)
    print("10,000 sampled stations from a 1,000,000-station frame (1,000 strata)")
    print(
        f"  pollwatch quick_count (5 shares, turnout, invalid, lead, call): {1000 * full_time:7.1f} ms  (target < 100 ms)"
    )
    print(
        f"  pollwatch ratio_estimate (one share):                           {1000 * share_time:7.1f} ms"
    )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam

        design, _ = prepare_design(stratum, population)
        weight = design.weight
        codes = stratum
        n_h = np.bincount(np.unique(codes, return_inverse=True)[1])
        fpc = {
            h: 1.0 - n / population[h]
            for h, n in zip(np.unique(codes).tolist(), n_h.tolist(), strict=True)
        }

        def samplics_share() -> float:
            estimator = TaylorEstimator(PopParam.ratio)
            estimator.estimate(
                y=votes["amber"],
                samp_weight=weight,
                x=valid,
                stratum=codes,
                psu=np.arange(len(codes)),
                fpc=fpc,
            )
            return float(estimator.stderror)

        samplics_time = best_of(3, samplics_share)
        ours = ratio_estimate(votes["amber"], valid, stratum, population).se
        theirs = samplics_share()
    print(
        f"  samplics TaylorEstimator (one share):                           {1000 * samplics_time:7.1f} ms"
    )
    print(
        f"  speed ratio, one share: pollwatch is {samplics_time / share_time:.0f}x faster "
        f"(the full quick count is {samplics_time / full_time:.1f}x faster than samplics' single share)"
    )
    print(
        f"  SE agreement: pollwatch {ours:.10f}, samplics {theirs:.10f}, relative difference {abs(ours / theirs - 1):.1e}"
    )

    region = (stratum // 50).astype(str)  # 20 regions of 50 strata
    labels_text = stratum.astype(str)
    dark = np.isin(stratum, np.arange(0, 1000, 20))  # every 20th stratum sends nothing
    kind = np.where(registered < 400, "small", "large")
    cells: dict[tuple[str, str], int] = {}
    frame_kind = np.where(frame["registered"] < 400, "small", "large")
    for h, c in zip(frame["stratum"].astype(str).tolist(), frame_kind.tolist(), strict=True):
        cells[(h, c)] = cells.get((h, c), 0) + 1
    inputs = QuickCountInputs(
        stratum=labels_text,
        votes=votes,
        population=strata_from_sample(
            {str(k): v for k, v in population.items()}, labels_text, region, registered
        ),
        reported=~dark,
        registered=registered,
        invalid=invalid,
        region=region,
        cell=kind,
        cell_sizes=cells,
        calibrated_by=("size",),
        compare={"registered": registered, "size": kind},
    )
    figures_time = best_of(3, lambda: quick_count_figures(inputs))
    bare_time = best_of(
        3,
        lambda: quick_count(
            labels_text, votes, registered, invalid, population=population, reported=~dark
        ),
    )
    print(
        f"  dashboard figure path (regions, 50 strata folded, calibrated, call): {1000 * figures_time:7.1f} ms"
        f"  ({figures_time / bare_time:.1f}x the bare quick count's {1000 * bare_time:.1f} ms on the same reports)"
    )

    print("\nscaling (every station reporting, 1,000 strata; frame 10x the sample):")
    for count in (10_000, 100_000, 1_000_000):
        data = generate_frame(count, 1_000, seed=count)
        labels, n = np.unique(data["stratum"], return_counts=True)
        pop = dict(zip(labels.tolist(), (10 * n).tolist(), strict=True))
        names = {name: data["votes"][:, j] for j, name in enumerate(CANDIDATES)}
        elapsed = best_of(
            3,
            lambda d=data, p=pop, v=names: quick_count(
                d["stratum"], v, d["registered"], d["invalid"], population=p
            ),
        )
        print(
            f"  {count:>9,} stations: {1000 * elapsed:8.1f} ms  ({1e6 * elapsed / count:.2f} µs per station)"
        )


if __name__ == "__main__":
    main()
