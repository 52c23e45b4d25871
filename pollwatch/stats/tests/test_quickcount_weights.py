"""Recorded design weights (1/π): Horvitz–Thompson ratio, Hansen–Hurwitz variance for PPS, FPC for SRS."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from pollwatch.stats.quickcount import convergence, quick_count
from pollwatch.stats.sampling import pps_systematic
from pollwatch.stats.table import InputError
from pollwatch.stats.tests.test_quickcount import synthetic_sample


def _samplics(y, x, weight, strata, fpc):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam

    estimator = TaylorEstimator(PopParam.ratio)
    estimator.estimate(y=y, samp_weight=weight, x=x, stratum=strata, psu=np.arange(len(y)), fpc=fpc)
    return float(estimator.point_est), float(estimator.stderror)


def test_equal_weights_n_h_over_n_h_give_the_unweighted_estimate_with_its_fpc():
    data = synthetic_sample(seed=11)
    weight = (data["frame_sizes"] / data["sampled"])[data["codes"]]
    reported = np.random.default_rng(2).random(len(weight)) < 0.8
    plain = quick_count(
        data["stratum"], data["votes"], population=data["population"], reported=reported
    )
    weighted = quick_count(
        data["stratum"],
        data["votes"],
        population=data["population"],
        reported=reported,
        weight=weight,
    )
    for name in data["votes"]:
        assert weighted.shares[name].estimate == pytest.approx(plain.shares[name].estimate)
        assert weighted.shares[name].se == pytest.approx(plain.shares[name].se)
    assert weighted.design["weights"] == "recorded (1/π)"
    assert weighted.design["strata_with_replacement_variance"] == 0
    assert plain.design["weights"] == "N_h/n_h"


def test_unequal_weights_give_the_horvitz_thompson_ratio_and_hansen_hurwitz_variance():
    data = synthetic_sample(seed=12)
    weight = np.random.default_rng(3).uniform(5, 60, len(data["codes"]))
    result = quick_count(
        data["stratum"], data["votes"], population=data["population"], weight=weight
    )
    valid = sum(data["votes"].values())
    no_fpc = {h: 1.0 for h in np.unique(data["codes"])}
    for name, votes in data["votes"].items():
        point, se = _samplics(votes, valid, weight, data["codes"], no_fpc)
        assert result.shares[name].estimate == pytest.approx(point, rel=1e-9)
        assert result.shares[name].se == pytest.approx(se, rel=1e-6)
    assert result.design["strata_with_replacement_variance"] == len(data["population"])


def test_non_response_is_absorbed_within_the_stratum():
    """A stratum's reporting stations carry the weight of its non-reporting ones, in proportion."""
    votes = {"A": np.array([60.0, 40, 70, 0]), "B": np.array([40.0, 60, 30, 0])}
    result = quick_count(
        np.array(["h", "h", "k", "k"]),
        votes,
        population={"h": 50, "k": 50},
        reported=np.array([True, True, True, False]),
        weight=np.array([10.0, 30.0, 20.0, 20.0]),
    )
    # Stratum k: its one reporting station stands for Σw = 40.
    expected = (10 * 60 + 30 * 40 + 40 * 70) / (10 * 100 + 30 * 100 + 40 * 100)
    assert result.shares["A"].estimate == pytest.approx(expected)


def test_certainty_stations_are_their_own_stratum_without_variance():
    data = synthetic_sample(seed=13)
    weight = np.random.default_rng(4).uniform(5, 60, len(data["codes"]))
    weight[:3] = 1.0  # three stations of stratum 0 drawn with certainty (π = 1)
    result = quick_count(
        data["stratum"], data["votes"], population=data["population"], weight=weight
    )
    assert result.design["certainty_stations"] == 3
    # samplics with the three in a stratum of their own whose sampling fraction is 1
    strata = np.where(np.arange(len(weight)) < 3, 999, data["codes"])
    fpc = {h: 0.0 if h == 999 else 1.0 for h in np.unique(strata)}
    valid = sum(data["votes"].values())
    point, se = _samplics(data["votes"]["alpha"], valid, weight, strata, fpc)
    assert result.shares["alpha"].estimate == pytest.approx(point, rel=1e-9)
    assert result.shares["alpha"].se == pytest.approx(se, rel=1e-6)


def test_a_weight_below_one_is_refused_naming_the_station():
    with pytest.raises(InputError, match="position 1: weight 0.5"):
        quick_count(
            np.array(["h", "h"]),
            {"A": np.array([6.0, 4]), "B": np.array([4.0, 6])},
            population={"h": 10},
            weight=np.array([5.0, 0.5]),
        )


def test_the_last_convergence_point_is_the_weighted_estimate():
    data = synthetic_sample(seed=14)
    weight = np.random.default_rng(5).uniform(5, 60, len(data["codes"]))
    reported = np.random.default_rng(6).random(len(weight)) < 0.85
    result = quick_count(
        data["stratum"],
        data["votes"],
        population=data["population"],
        weight=weight,
        reported=reported,
    )
    points = convergence(
        data["stratum"],
        data["votes"],
        population=data["population"],
        weight=weight,
        reported=reported,
        batch=20,
    )
    for name in data["votes"]:
        assert points[-1].shares[name].estimate == pytest.approx(result.shares[name].estimate)
        assert points[-1].shares[name].se == pytest.approx(result.shares[name].se)


def _pps_country(seed=0, strata=20, stations=200):
    """Big stations vote differently from small ones: a PPS draw estimated as SRS is biased."""
    rng = np.random.default_rng(seed)
    stratum = np.repeat(np.arange(strata), stations)
    registered = np.round(rng.lognormal(6.5, 0.6, strata * stations))
    lean = 0.35 + 0.08 * (np.log(registered) - 6.5) + rng.normal(0, 0.05, strata * stations)
    valid = np.round(registered * 0.6)
    first = np.round(valid * np.clip(lean, 0.01, 0.99))
    return stratum, registered, first, valid - first


@pytest.mark.slow
def test_pps_samples_weighted_by_one_over_pi_cover_the_truth_about_95_percent():
    stratum, registered, first, second = _pps_country()
    truth = first.sum() / (first + second).sum()
    population = {str(h): 200 for h in range(20)}
    per_stratum = np.full(20, 10)
    rng = np.random.default_rng(7)
    covered = {"weighted": 0, "unweighted": 0}
    bias = []
    runs = 300
    for _ in range(runs):
        drawn, inclusion = pps_systematic(stratum, registered, per_stratum, rng)
        labels = stratum[drawn].astype(str)
        votes = {"A": first[drawn], "B": second[drawn]}
        weighted = quick_count(labels, votes, population=population, weight=1 / inclusion)
        plain = quick_count(labels, votes, population=population)
        for key, result in (("weighted", weighted), ("unweighted", plain)):
            low, high = result.shares["A"].ci
            covered[key] += low <= truth <= high
        bias.append(weighted.shares["A"].estimate - truth)
    two_se = 2 * np.sqrt(0.95 * 0.05 / runs)
    # Systematic PPS estimated with the with-replacement variance errs on the safe side.
    assert 0.95 - two_se <= covered["weighted"] / runs <= 0.995, covered
    assert abs(np.mean(bias)) < 0.001
    assert covered["unweighted"] / runs < 0.5, covered
