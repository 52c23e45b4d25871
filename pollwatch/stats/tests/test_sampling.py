"""Sampling: allocation, stratified SRS, PPS systematic, reserves, reproducibility, sample size."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pollwatch.stats.sampling import (
    allocate,
    draw_sample,
    icc_from_design_effect,
    pps_systematic,
    sample_size_for_margin,
)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 300), min_size=1, max_size=30), st.data())
def test_proportional_allocation_hits_the_total_with_two_per_stratum(sizes, data):
    sizes = np.array(sizes)
    floor = np.minimum(2, sizes).sum()
    total = data.draw(st.integers(int(floor), int(sizes.sum())))
    counts = allocate(sizes, total)
    assert counts.sum() == total
    assert np.all(counts >= np.minimum(2, sizes))
    assert np.all(counts <= sizes)


def test_proportional_allocation_is_proportional_and_fixed_is_per_stratum():
    assert allocate(np.array([100, 300, 600]), 100).tolist() == [10, 30, 60]
    assert allocate(np.array([1000, 10, 10]), 20).tolist() == [16, 2, 2]
    assert allocate(np.array([5, 1, 50]), 4, "fixed").tolist() == [4, 1, 4]
    with pytest.raises(ValueError, match="cannot give each of 3 strata 2"):
        allocate(np.array([10, 10, 10]), 5)


def test_stratified_draw_is_reproducible_and_respects_the_allocation():
    stratum = np.repeat(["north", "south", "east"], [50, 120, 30])
    first = draw_sample(stratum, 40, seed=11, reserve=3)
    again = draw_sample(stratum, 40, seed=11, reserve=3)
    other = draw_sample(stratum, 40, seed=12, reserve=3)
    assert np.array_equal(first.sampled, again.sampled) and np.array_equal(
        first.reserve, again.reserve
    )
    assert not np.array_equal(first.sampled, other.sampled)
    assert len(np.unique(first.sampled)) == 40
    per = {s: int((stratum[first.sampled] == s).sum()) for s in ("north", "south", "east")}
    assert per == {"north": 10, "south": 24, "east": 6}
    # weights N_h/n_h
    assert set(np.round(first.weight, 6)) == {5.0}
    assert not set(first.sampled) & set(first.reserve)
    for s in ("north", "south", "east"):
        assert sorted(first.reserve_rank[stratum[first.reserve] == s].tolist()) == [1, 2, 3]


def test_every_station_is_equally_likely_within_its_stratum():
    stratum = np.repeat([0, 1], [20, 40])
    hits = np.zeros(60)
    for seed in range(2000):
        hits[draw_sample(stratum, 12, seed=seed).sampled] += 1
    expected = np.where(stratum == 0, 4 / 20, 8 / 40) * 2000
    assert np.allclose(hits, expected, rtol=0.15)


def test_reserves_run_out_gracefully_in_small_strata():
    stratum = np.array(["a"] * 3 + ["b"] * 10)
    draw = draw_sample(stratum, 5, seed=1, reserve=4)
    assert int((stratum[draw.reserve] == "a").sum()) == 3 - int(
        (stratum[draw.sampled] == "a").sum()
    )


def test_pps_inclusion_matches_the_size_measure_and_big_stations_are_certain():
    rng = np.random.default_rng(0)
    stratum = np.repeat([0, 1], 30)
    size = rng.integers(50, 500, 60).astype(float)
    size[3] = 20000
    _, inclusion = pps_systematic(stratum, size, np.array([6, 6]), np.random.default_rng(1))
    hits = np.zeros(60)
    draws = 3000
    for seed in range(draws):
        chosen, pi = pps_systematic(stratum, size, np.array([6, 6]), np.random.default_rng(seed))
        assert len(chosen) == 12
        hits[chosen] += 1
        if seed == 0:
            probabilities = np.zeros(60)
            probabilities[chosen] = pi
    assert hits[3] == draws
    # expected π: certainty for station 3, then n'·s/S' within each stratum
    expected = np.empty(60)
    expected[3] = 1.0
    rest0 = np.setdiff1d(np.arange(30), [3])
    expected[rest0] = 5 * size[rest0] / size[rest0].sum()
    expected[30:] = 6 * size[30:] / size[30:].sum()
    assert np.allclose(hits / draws, expected, atol=0.03)
    chosen, pi = pps_systematic(stratum, size, np.array([6, 6]), np.random.default_rng(7))
    assert np.allclose(pi, expected[chosen])


def test_pps_draw_weights_are_inverse_probabilities():
    stratum = np.repeat(["x", "y"], 25)
    size = np.arange(1, 51, dtype=float)
    draw = draw_sample(stratum, 10, seed=3, method="pps", size_measure=size)
    assert np.all(draw.weight >= 1)
    with pytest.raises(ValueError, match="size measure"):
        draw_sample(stratum, 10, seed=3, method="pps")


def test_sample_size_accounts_for_clustering_turnout_and_fpc():
    plain = sample_size_for_margin(0.01, voters_per_station=500, turnout=0.6, design_effect=1.0)
    # NDI's voter-level formula: 1.96² · 0.25 / 0.01² = 9604 voters; 300 effective voters per station
    assert plain.srs_voters == pytest.approx(9603.6, abs=0.1)
    assert plain.stations == math.ceil(9603.647 / 300)
    clustered = sample_size_for_margin(0.01, voters_per_station=500, turnout=0.6, icc=0.05)
    assert clustered.design_effect == pytest.approx(1 + 299 * 0.05)
    assert clustered.stations == math.ceil(9603.647 * 15.95 / 300)
    with_fpc = sample_size_for_margin(
        0.01, voters_per_station=500, turnout=0.6, icc=0.05, frame_stations=1000
    )
    n0 = 9603.647 * 15.95 / 300
    assert with_fpc.stations == math.ceil(n0 / (1 + n0 / 1000))
    assert icc_from_design_effect(clustered.design_effect, 300) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="either icc"):
        sample_size_for_margin(0.01, voters_per_station=500)
