"""Pairwise differences of vote shares with their standard errors, for the threshold-aware call.

The quick count reports one lead (first over second). A call on run-offs and
on second place needs every pair: the share difference of A over B is the
combined ratio Σw·(votes_A − votes_B) / Σw·valid, and its SE is the same
Taylor-linearised variance as every other share (DESIGN §3: "the lead of A
over B: y = votes_A − votes_B"), taken by :func:`quickcount.linearized_ratios`
on the design of :func:`quickcount.prepare_design`, so weights, FPC,
certainty strata and collapsing are exactly those of the quick count. Taking
the SE of the difference directly keeps the covariance of the two shares,
which √(SE_A² + SE_B²) would drop (the shares are negatively correlated, so
that would understate the SE).
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations
from typing import Any

import numpy as np

from pollwatch.stats.quickcount import linearized_ratios, prepare_design


def share_differences(
    stratum: np.ndarray,
    votes: Mapping[str, np.ndarray],
    *,
    population: Mapping[Any, float],
    reported: np.ndarray | None = None,
    weight: np.ndarray | None = None,
    inside: np.ndarray | None = None,
) -> dict[tuple[str, str], tuple[float, float]]:
    """(share_A − share_B, SE) for every ordered pair of contestants, over the reporting stations.

    Arrays are aligned over the sampled stations, as for
    :func:`quickcount.quick_count` (``reported`` marks those whose results
    arrived; ``weight`` the recorded design weights 1/π). ``inside`` (boolean
    over the sampled stations) restricts the ratio to a domain, the other
    stations counting zero as in the quick count's domains. Both (A, B) and
    (B, A) are returned; their SEs are equal. SE is NaN when undefined.
    """
    stratum = np.asarray(stratum)
    names = list(votes)
    matrix = np.column_stack([np.asarray(votes[n], dtype=np.float64) for n in names])
    mask = np.ones(len(stratum), bool) if reported is None else np.asarray(reported, bool)
    design, _ = prepare_design(stratum, population, mask, weight)
    rows = np.nan_to_num(matrix[mask])
    if inside is not None:
        rows = rows * np.asarray(inside, bool)[mask][:, None]
    valid = rows.sum(axis=1)
    pairs = list(combinations(range(len(names)), 2))
    if not pairs:
        return {}
    y = np.column_stack([rows[:, a] - rows[:, b] for a, b in pairs])
    x = np.repeat(valid[:, None], len(pairs), axis=1)
    ratio, se = linearized_ratios(design, y, x)
    out: dict[tuple[str, str], tuple[float, float]] = {}
    for j, (a, b) in enumerate(pairs):
        out[(names[a], names[b])] = (float(ratio[j]), float(se[j]))
        out[(names[b], names[a])] = (-float(ratio[j]), float(se[j]))
    return out
