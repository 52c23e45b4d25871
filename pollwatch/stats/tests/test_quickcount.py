"""Quick-count core: agreement with samplics, the collapse rule, bootstrap, call rule, convergence, properties."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pollwatch.stats.quickcount import (
    Lead,
    call_status,
    collapse_groups,
    convergence,
    quick_count,
    ratio_estimate,
)
from pollwatch.stats.table import InputError


def synthetic_sample(seed: int = 1, strata: int = 25):
    """A stratified sample: per-stratum sizes, station counts of registered voters and three candidates."""
    rng = np.random.default_rng(seed)
    frame_sizes = rng.integers(20, 120, strata)
    sampled = np.minimum(frame_sizes, rng.integers(2, 12, strata))
    stratum = np.repeat(np.arange(strata), sampled)
    stations = len(stratum)
    registered = rng.integers(200, 900, stations).astype(np.float64)
    ballots = rng.binomial(registered.astype(int), rng.uniform(0.4, 0.8, stations)).astype(
        np.float64
    )
    invalid = rng.binomial(ballots.astype(int), 0.03).astype(np.float64)
    valid = ballots - invalid
    lean = rng.uniform(-0.1, 0.1, strata)[stratum]
    probabilities = np.column_stack([0.45 + lean, 0.40 - lean, np.full(stations, 0.15)])
    votes = np.array(
        [rng.multinomial(int(v), p / p.sum()) for v, p in zip(valid, probabilities, strict=True)],
        dtype=np.float64,
    )
    population = {str(h): int(n) for h, n in enumerate(frame_sizes)}
    return {
        "stratum": stratum.astype(str),
        "codes": stratum,
        "votes": {"alpha": votes[:, 0], "beta": votes[:, 1], "gamma": votes[:, 2]},
        "registered": registered,
        "invalid": invalid,
        "population": population,
        "frame_sizes": frame_sizes,
        "sampled": sampled,
        "region": np.where(stratum % 3 == 0, "north", "south"),
    }


def samplics_ratio(y, x, data, domain=None, stratum=None, fpc=None):
    """SE of Σw·y/Σw·x by samplics' TaylorEstimator with stations as PSUs and the FPC per stratum."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam

    codes = data["codes"] if stratum is None else stratum
    weight = (data["frame_sizes"] / data["sampled"])[data["codes"]]
    if fpc is None:
        fpc = {h: 1.0 - data["sampled"][h] / data["frame_sizes"][h] for h in np.unique(codes)}
    estimator = TaylorEstimator(PopParam.ratio)
    estimator.estimate(
        y=y, samp_weight=weight, x=x, stratum=codes, psu=np.arange(len(y)), fpc=fpc, domain=domain
    )
    if domain is None:
        return float(estimator.point_est), float(estimator.stderror)
    return float(estimator.point_est[True]), float(estimator.stderror[True])


def test_shares_turnout_invalid_and_lead_match_samplics():
    data = synthetic_sample()
    result = quick_count(
        data["stratum"],
        data["votes"],
        data["registered"],
        data["invalid"],
        population=data["population"],
    )
    valid = sum(data["votes"].values())
    for name, votes in data["votes"].items():
        point, se = samplics_ratio(votes, valid, data)
        assert result.shares[name].estimate == pytest.approx(point, rel=1e-9)
        assert result.shares[name].se == pytest.approx(se, rel=1e-6)
    ballots = valid + data["invalid"]
    point, se = samplics_ratio(ballots, data["registered"], data)
    assert (result.turnout.estimate, result.turnout.se) == pytest.approx((point, se), rel=1e-6)
    point, se = samplics_ratio(data["invalid"], ballots, data)
    assert (result.invalid.estimate, result.invalid.se) == pytest.approx((point, se), rel=1e-6)
    lead = result.lead
    difference = data["votes"][lead.first] - data["votes"][lead.second]
    point, se = samplics_ratio(difference, valid, data)
    assert (lead.estimate, lead.se) == pytest.approx((point, se), rel=1e-6)


def test_domain_estimates_match_samplics_domains():
    data = synthetic_sample(seed=3)
    result = quick_count(
        data["stratum"],
        data["votes"],
        data["registered"],
        population=data["population"],
        by=data["region"],
    )
    valid = sum(data["votes"].values())
    for region in ("north", "south"):
        inside = data["region"] == region
        point, se = samplics_ratio(data["votes"]["alpha"], valid, data, domain=inside)
        share = result.by[region].shares["alpha"]
        assert share.estimate == pytest.approx(point, rel=1e-9)
        assert share.se == pytest.approx(se, rel=1e-6)
        direct = ratio_estimate(
            data["votes"]["alpha"], valid, data["stratum"], data["population"], domain=inside
        )
        assert direct.se == pytest.approx(se, rel=1e-6)


def test_a_single_station_stratum_is_collapsed_with_the_next_one_for_the_variance():
    data = synthetic_sample(seed=5, strata=6)
    # strata 2 and 3 keep one sampled station each and form one variance group; with
    # equal sampling fractions that equals samplics' variance on the merged stratum exactly
    keep = np.ones(len(data["codes"]), dtype=bool)
    for h in (2, 3):
        keep[np.flatnonzero(data["codes"] == h)[1:]] = False
    data = {**data, "votes": {k: v[keep] for k, v in data["votes"].items()}}
    data["codes"] = data["codes"][keep]
    data["stratum"] = data["stratum"][keep]
    data["sampled"] = np.bincount(data["codes"])
    data["frame_sizes"] = data["frame_sizes"].copy()
    data["frame_sizes"][[2, 3]] = [10, 10]
    data["population"] = {str(h): int(n) for h, n in enumerate(data["frame_sizes"])}
    result = quick_count(data["stratum"], data["votes"], population=data["population"])
    assert result.strata["collapsed"] == [["2", "3"]]
    assert any("collapsing" in w for w in result.warnings)
    merged = np.where(data["codes"] == 3, 2, data["codes"])
    fpc = {h: 1.0 - data["sampled"][h] / data["frame_sizes"][h] for h in np.unique(merged)}
    valid = sum(data["votes"].values())
    point, se = samplics_ratio(data["votes"]["alpha"], valid, data, stratum=merged, fpc=fpc)
    assert result.shares["alpha"].se == pytest.approx(se, rel=1e-6)


@pytest.mark.parametrize(
    ("reported", "census", "expected"),
    [
        ([3, 1, 4], [False] * 3, [0, 1, 1]),
        ([3, 4, 1], [False] * 3, [0, 1, 1]),
        ([1, 1, 1, 5], [False] * 4, [0, 0, 2, 2]),
        ([2, 0, 1, 2], [False] * 4, [0, -1, 2, 2]),
        ([1, 2], [True, False], [0, 1]),
    ],
)
def test_collapse_rule_joins_single_station_strata_with_the_next_in_sorted_order(
    reported, census, expected
):
    group, _ = collapse_groups(np.array(reported), np.array(census))
    assert group.tolist() == expected


def test_strata_without_reports_are_reported_as_missing_coverage():
    data = synthetic_sample()
    population = {**data["population"], "empty-a": 40, "empty-b": 10}
    result = quick_count(data["stratum"], data["votes"], population=population)
    assert result.strata["missing"] == ["empty-a", "empty-b"]
    assert result.strata["covered_stations"] == result.strata["frame_stations"] - 50
    assert any("no reporting station" in w for w in result.warnings)


def test_bootstrap_is_seeded_and_close_to_the_linearised_se():
    data = synthetic_sample(seed=11, strata=40)
    kwargs = dict(population=data["population"], method="bootstrap", replicates=800, seed=42)
    first = quick_count(data["stratum"], data["votes"], **kwargs)
    again = quick_count(data["stratum"], data["votes"], **kwargs)
    linear = quick_count(data["stratum"], data["votes"], population=data["population"])
    assert first.shares["alpha"].se == again.shares["alpha"].se
    assert first.shares["alpha"].estimate == linear.shares["alpha"].estimate
    assert first.shares["alpha"].se == pytest.approx(linear.shares["alpha"].se, rel=0.15)


def test_call_rule():
    lead = Lead("a", "b", 0.03, 0.01, (0.01, 0.05))
    assert call_status(lead, 0.9, stable=True).status == "decided"
    assert (
        call_status(Lead("a", "b", 0.02, 0.01, (0, 0.04)), 0.9, stable=True).status == "too close"
    )
    low = call_status(lead, 0.5, stable=True)
    assert low.status == "not enough data" and "50.0%" in low.reason
    assert call_status(lead, 0.9, missing_domains=["east"], stable=True).status == "not enough data"
    assert call_status(lead, 0.9, stable=False).status == "not enough data"
    assert call_status(lead, 0.9, stable=True, z_threshold=4).status == "too close"


def test_unreported_stations_count_against_the_call_and_missing_regions_block_it():
    data = synthetic_sample()
    reported = np.ones(len(data["stratum"]), dtype=bool)
    reported[: len(reported) // 3] = False
    result = quick_count(
        data["stratum"], data["votes"], population=data["population"], reported=reported
    )
    assert result.call.status == "not enough data"
    assert result.stations == reported.sum()
    region = np.where(np.arange(len(reported)) < 5, "island", "mainland")
    reported[:] = True
    reported[:5] = False
    result = quick_count(
        data["stratum"], data["votes"], population=data["population"], reported=reported, by=region
    )
    assert result.call.status == "not enough data" and "island" in result.call.reason


def test_convergence_ends_at_the_full_estimate():
    data = synthetic_sample(seed=2)
    arrival = np.random.default_rng(0).permutation(len(data["stratum"]))
    points = convergence(
        data["stratum"], data["votes"], population=data["population"], arrival=arrival, batch=25
    )
    full = quick_count(data["stratum"], data["votes"], population=data["population"])
    assert points[-1].stations == len(data["stratum"])
    assert [p.stations for p in points[:2]] == [25, 50]
    for name in data["votes"]:
        assert points[-1].shares[name].estimate == pytest.approx(
            full.shares[name].estimate, rel=1e-12
        )
        assert points[-1].shares[name].se == pytest.approx(full.shares[name].se, rel=1e-8)
    assert points[-1].lead.se == pytest.approx(full.lead.se, rel=1e-8)


def test_convergence_matches_a_fresh_estimate_on_each_prefix():
    data = synthetic_sample(seed=4)
    order = np.random.default_rng(1).permutation(len(data["stratum"]))
    points = convergence(
        data["stratum"],
        data["votes"],
        population=data["population"],
        arrival=np.argsort(order),
        batch=30,
    )
    for point in points[1:-1]:
        prefix = order[: point.stations]
        fresh = quick_count(
            data["stratum"][prefix],
            {k: v[prefix] for k, v in data["votes"].items()},
            population=data["population"],
        )
        assert point.shares["beta"].estimate == pytest.approx(
            fresh.shares["beta"].estimate, rel=1e-12
        )
        assert point.shares["beta"].se == pytest.approx(fresh.shares["beta"].se, rel=1e-7)


def test_unknown_stratum_and_oversampled_stratum_are_named():
    data = synthetic_sample()
    with pytest.raises(InputError, match="'nowhere'"):
        quick_count(
            np.array(["nowhere"] * 3),
            {"a": np.ones(3), "b": np.ones(3)},
            population=data["population"],
        )
    with pytest.raises(InputError, match="stratum '0' has 3 sampled stations but only 2"):
        quick_count(np.array(["0"] * 3), {"a": np.ones(3), "b": np.ones(3)}, population={"0": 2})


def test_negative_or_missing_counts_are_rejected_by_name():
    with pytest.raises(InputError, match="'b'.*position 1"):
        quick_count(
            np.array(["s", "s"]), {"a": np.ones(2), "b": np.array([1.0, -1.0])}, population={"s": 5}
        )
    with pytest.raises(InputError, match="'a'.*position 0"):
        quick_count(
            np.array(["s", "s"]),
            {"a": np.array([np.nan, 1.0]), "b": np.ones(2)},
            population={"s": 5},
        )


@st.composite
def samples(draw):
    strata = draw(st.integers(1, 6))
    per_stratum = draw(st.lists(st.integers(1, 5), min_size=strata, max_size=strata))
    stratum = np.repeat(np.arange(strata), per_stratum).astype(str)
    count = len(stratum)
    votes = draw(st.lists(st.tuples(*[st.integers(0, 400)] * 3), min_size=count, max_size=count))
    votes = np.array(votes, dtype=np.float64)
    if votes.sum() == 0:
        votes[0, 0] = 1.0
    population = {str(h): n + draw(st.integers(0, 50)) for h, n in enumerate(per_stratum)}
    return stratum, {"a": votes[:, 0], "b": votes[:, 1], "c": votes[:, 2]}, population


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(samples(), st.randoms(use_true_random=False))
def test_shares_sum_to_one_and_do_not_depend_on_row_order(sample, random):
    stratum, votes, population = sample
    result = quick_count(stratum, votes, population=population)
    assert sum(e.estimate for e in result.shares.values()) == pytest.approx(1.0)
    for estimate in result.shares.values():
        assert 0.0 <= estimate.estimate <= 1.0
        assert np.isnan(estimate.se) or estimate.se >= 0
    permutation = list(range(len(stratum)))
    random.shuffle(permutation)
    shuffled = quick_count(
        stratum[permutation], {k: v[permutation] for k, v in votes.items()}, population=population
    )
    for name in votes:
        assert shuffled.shares[name].estimate == pytest.approx(
            result.shares[name].estimate, rel=1e-9, abs=1e-12
        )
        if np.isfinite(result.shares[name].se):
            assert shuffled.shares[name].se == pytest.approx(
                result.shares[name].se, rel=1e-6, abs=1e-12
            )


def test_zero_vote_stations_and_single_station_strata_do_not_crash():
    stratum = np.array(["a", "b", "b", "c"])
    votes = {"x": np.array([0.0, 10, 0, 5]), "y": np.array([0.0, 5, 0, 5])}
    result = quick_count(
        stratum,
        votes,
        registered=np.array([100.0, 100, 100, 100]),
        population={"a": 3, "b": 9, "c": 4},
    )
    assert result.shares["x"].estimate == pytest.approx(
        (0 + 9 / 2 * 10 + 4 * 5) / (9 / 2 * 15 + 4 * 10)
    )
    assert np.isfinite(result.shares["x"].se)
    lonely = quick_count(
        np.array(["a"]), {"x": np.array([3.0]), "y": np.array([1.0])}, population={"a": 10}
    )
    assert np.isnan(lonely.shares["x"].se)
    assert lonely.as_dict()["shares"]["x"]["se"] is None
    assert lonely.call.status == "not enough data"
    assert any("undefined" in w for w in lonely.warnings)


def test_numeric_stratum_labels_collapse_in_numeric_order():
    stratum = np.array(["2", "3", "3", "10", "10"])
    votes = {"x": np.array([5.0, 6, 7, 8, 9]), "y": np.array([5.0, 4, 3, 2, 1])}
    result = quick_count(stratum, votes, population={"2": 9, "3": 9, "10": 9})
    assert result.strata["collapsed"] == [["2", "3"]]


def test_unreported_stations_may_carry_missing_counts():
    stratum = np.array(["a", "a", "a", "b", "b"])
    votes = {"x": np.array([5.0, 6, np.nan, 8, 9]), "y": np.array([5.0, 4, np.nan, 2, 1])}
    reported = np.array([True, True, False, True, True])
    result = quick_count(
        stratum,
        votes,
        np.array([20.0, 20, np.nan, 20, 20]),
        population={"a": 9, "b": 9},
        reported=reported,
    )
    assert result.stations == 4 and result.sampled_stations == 5
    assert np.isfinite(result.shares["x"].se)
    with pytest.raises(InputError, match="'x'.*position 2: count nan"):
        quick_count(
            stratum, votes, np.array([20.0, 20, np.nan, 20, 20]), population={"a": 9, "b": 9}
        )


def test_a_leader_change_over_the_last_arrivals_blocks_the_call():
    stratum = np.array(["s"] * 100)
    x = np.array([10.0] * 90 + [30.0] * 10)
    y = np.array([11.0] * 90 + [10.0] * 10)
    arrival = np.arange(100)
    result = quick_count(stratum, {"x": x, "y": y}, population={"s": 1000}, arrival=arrival)
    # at 90 and 95 % of arrivals y and x respectively led; x leads now
    assert result.call.stable is False
    assert result.call.status == "not enough data" and "leader changed" in result.call.reason
    settled = quick_count(stratum, {"x": x, "y": y}, population={"s": 1000}, arrival=-arrival)
    assert settled.call.stable is True


def test_domain_stability_is_judged_on_the_domain_own_arrivals():
    # the small domain "b" flips leader within its last arrivals while "a" dominates the order
    stratum = np.array(["s"] * 200 + ["t"] * 20)
    region = np.array(["a"] * 200 + ["b"] * 20)
    x = np.array([10.0] * 200 + [10.0] * 18 + [60.0] * 2)
    y = np.array([5.0] * 200 + [12.0] * 18 + [0.0] * 2)
    arrival = np.arange(220)
    result = quick_count(
        stratum, {"x": x, "y": y}, population={"s": 900, "t": 90}, by=region, arrival=arrival
    )
    assert result.by["b"].lead.first == "x"
    assert result.by["b"].call.stable is False
    assert result.by["a"].call.stable is True
