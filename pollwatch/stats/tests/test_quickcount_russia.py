"""Real data: Russia 2018 (97,699 stations), PPS samples of 3,000 by registered voters, weighted by 1/π."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pollwatch.stats.quickcount import quick_count
from pollwatch.stats.sampling import draw_sample
from pollwatch.stats.table import read_table
from pollwatch.stats.tests.test_forensics_real_data import (
    RUSSIA_INVALID,
    RUSSIA_LEADER,
    RUSSIA_REGISTERED,
)

SAMPLES = 200
CANDIDATES = slice(15, 23)  # the eight candidates' columns, after the protocol's counts


@pytest.mark.slow
def test_russia_2018_pps_samples_weighted_by_one_over_pi_cover_about_95_percent(shared_data):
    """Leader share and turnout: coverage within two binomial SEs of 95 % over 200 samples.

    Stations are drawn by `pollwatch sample`'s function (PPS systematic by
    registered voters within regions) from a frame put in random order per
    sample: on the file's own order (region, territorial commission) the
    systematic draw also stratifies implicitly and the with-replacement
    variance errs on the safe side (40 of 40 covered). Unweighted (N_h/n_h),
    the same samples put the leader 0.85 pp and turnout 1.35 pp low and
    never cover the truth.
    """
    frame = read_table(shared_data / "russia-2018" / "2018.csv.zip")
    candidates = list(frame.columns[CANDIDATES])
    assert RUSSIA_LEADER in candidates

    def counts(name: str) -> np.ndarray:
        return pd.to_numeric(frame[name]).to_numpy(dtype=np.float64)

    registered, invalid = counts(RUSSIA_REGISTERED), counts(RUSSIA_INVALID)
    votes = {name: counts(name) for name in candidates}
    region = frame["region"].to_numpy(dtype=str)
    valid = sum(votes.values())
    truth = {
        "leader": votes[RUSSIA_LEADER].sum() / valid.sum(),
        "turnout": (valid + invalid).sum() / registered.sum(),
    }
    labels, sizes = np.unique(region, return_counts=True)
    population = dict(zip(labels.tolist(), sizes.tolist(), strict=True))
    covered = {"leader": 0, "turnout": 0}
    errors: dict[str, list[float]] = {"leader": [], "turnout": []}
    unweighted_covered = 0
    for seed in range(SAMPLES):
        order = np.random.default_rng(10_000 + seed).permutation(len(region))
        draw = draw_sample(
            region[order], 3000, seed=seed, method="pps", size_measure=registered[order]
        )
        drawn = order[draw.sampled]
        arguments = (
            region[drawn],
            {name: values[drawn] for name, values in votes.items()},
            registered[drawn],
            invalid[drawn],
        )
        result = quick_count(*arguments, population=population, weight=draw.weight)
        for key, estimate in (
            ("leader", result.shares[RUSSIA_LEADER]),
            ("turnout", result.turnout),
        ):
            covered[key] += estimate.ci[0] <= truth[key] <= estimate.ci[1]
            errors[key].append(estimate.estimate - truth[key])
        if seed < 10:
            plain = quick_count(*arguments, population=population).shares[RUSSIA_LEADER]
            unweighted_covered += plain.ci[0] <= truth["leader"] <= plain.ci[1]
    two_se = 2 * np.sqrt(0.95 * 0.05 / SAMPLES)
    for key in covered:
        assert abs(covered[key] / SAMPLES - 0.95) <= two_se, (key, covered[key] / SAMPLES)
        assert abs(np.mean(errors[key])) < 0.0005, (key, np.mean(errors[key]))
    assert unweighted_covered == 0
