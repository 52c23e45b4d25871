"""Checklist findings: agreement with samplics, interval coverage, edge cases, the findings table."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from pollwatch.stats.proportions import (
    ProportionResult,
    describe,
    findings,
    korn_graubard,
    proportion,
)


def observed_sample(seed: int = 1, strata: int = 20):
    """Observed stations of a stratified sample: stratum, finding, answered, region, frame sizes."""
    rng = np.random.default_rng(seed)
    frame_sizes = rng.integers(30, 200, strata)
    sampled = np.minimum(frame_sizes, rng.integers(3, 15, strata))
    codes = np.repeat(np.arange(strata), sampled)
    rate = rng.uniform(0.02, 0.25, strata)[codes]
    return {
        "codes": codes,
        "stratum": codes.astype(str),
        "hit": rng.random(len(codes)) < rate,
        "answered": rng.random(len(codes)) < 0.85,
        "region": np.where(codes % 3 == 0, "north", "south"),
        "frame_sizes": frame_sizes,
        "sampled": sampled,
        "population": {str(h): int(n) for h, n in enumerate(frame_sizes)},
    }


def samplics_proportion(data, domain=None):
    """Share of 1s and its SE by samplics' TaylorEstimator("proportion"): stations as PSUs, FPC per stratum."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam

    codes = data["codes"]
    weight = (data["frame_sizes"] / data["sampled"])[codes]
    fpc = {h: 1.0 - data["sampled"][h] / data["frame_sizes"][h] for h in np.unique(codes)}
    estimator = TaylorEstimator(PopParam.prop)
    estimator.estimate(
        y=data["hit"].astype(np.float64),
        samp_weight=weight,
        stratum=codes,
        psu=np.arange(len(codes)),
        fpc=fpc,
        domain=domain,
    )
    if domain is None:
        return float(estimator.point_est[1.0]), float(estimator.stderror[1.0])
    return float(estimator.point_est[True][1.0]), float(estimator.stderror[True][1.0])


def test_share_and_se_match_samplics_when_every_station_answered():
    data = observed_sample()
    result = proportion(data["stratum"], data["population"], data["hit"])
    point, se = samplics_proportion(data)
    assert result.estimate == pytest.approx(point, rel=1e-10, abs=1e-12)
    assert result.se == pytest.approx(se, rel=1e-10, abs=1e-12)
    assert result.stations == len(data["hit"]) and result.hits == int(data["hit"].sum())


def test_non_answering_stations_are_a_domain_as_in_samplics():
    data = observed_sample(seed=2)
    result = proportion(
        data["stratum"], data["population"], data["hit"], data["answered"], by=data["region"]
    )
    point, se = samplics_proportion(data, domain=data["answered"])
    assert (result.estimate, result.se) == pytest.approx((point, se), rel=1e-10, abs=1e-12)
    assert result.stations == int(data["answered"].sum())
    for region in ("north", "south"):
        inside = data["answered"] & (data["region"] == region)
        point, se = samplics_proportion(data, domain=inside)
        domain = result.by[region]
        assert (domain.estimate, domain.se) == pytest.approx((point, se), rel=1e-10, abs=1e-12)
        assert domain.stations == int(inside.sum())


def finite_population(seed: int, mean_rate: float, strata: int = 40, sample_size: int = 600):
    """About 20,000 stations in 40 strata with stratum rates around ``mean_rate``; proportional allocation."""
    rng = np.random.default_rng(seed)
    frame_sizes = rng.integers(300, 700, strata)
    rates = np.clip(rng.gamma(4.0, mean_rate / 4.0, strata), 0.0, 1.0)
    with_finding = rng.binomial(frame_sizes, rates)
    sampled = np.maximum(2, np.round(sample_size * frame_sizes / frame_sizes.sum()).astype(int))
    return frame_sizes, with_finding, sampled


def simulated_coverage(seed: int, mean_rate: float, samples: int = 1000):
    """Coverage of the Korn–Graubard and of the normal 95 % interval over repeated stratified samples.

    Only the number of stations with the finding per stratum matters, so each
    sample is drawn as one hypergeometric count per stratum (all samples at once).
    """
    frame_sizes, with_finding, sampled = finite_population(seed, mean_rate)
    truth = with_finding.sum() / frame_sizes.sum()
    rng = np.random.default_rng(seed + 1)
    counts = rng.hypergeometric(
        np.broadcast_to(with_finding, (samples, len(sampled))),
        np.broadcast_to(frame_sizes - with_finding, (samples, len(sampled))),
        np.broadcast_to(sampled, (samples, len(sampled))),
    )
    codes = np.repeat(np.arange(len(sampled)), sampled)
    position = np.arange(len(codes)) - np.repeat(np.cumsum(sampled) - sampled, sampled)
    hits = position[None, :] < counts[:, codes]
    stratum = codes.astype(str)
    population = {str(h): int(n) for h, n in enumerate(frame_sizes)}
    low, high, estimate, se = (np.empty(samples) for _ in range(4))
    for s in range(samples):
        result = proportion(stratum, population, hits[s])
        (low[s], high[s]), estimate[s], se[s] = result.ci, result.estimate, result.se
    korn_graubard_cover = float(np.mean((low <= truth) & (truth <= high)))
    normal_cover = float(np.mean(np.abs(estimate - truth) <= 1.959964 * se))
    return korn_graubard_cover, normal_cover, truth, len(codes)


def test_korn_graubard_intervals_cover_the_truth_about_95_percent_of_the_time():
    cover, normal, truth, size = simulated_coverage(seed=11, mean_rate=0.04)
    message = f"Korn–Graubard {cover:.1%}, normal {normal:.1%} (truth {truth:.2%}, {size} stations)"
    assert 0.93 <= cover <= 0.975, message


def test_for_a_rare_finding_korn_graubard_keeps_its_coverage_where_the_normal_interval_drops():
    cover, normal, truth, size = simulated_coverage(seed=12, mean_rate=0.01)
    message = f"Korn–Graubard {cover:.1%}, normal {normal:.1%} (truth {truth:.2%}, {size} stations)"
    assert cover >= 0.93, message
    assert normal < cover, message


def test_no_station_with_the_finding_gives_an_interval_from_zero_to_above_zero():
    data = observed_sample(seed=4)
    result = proportion(data["stratum"], data["population"], np.zeros(len(data["hit"]), bool))
    assert result.estimate == 0.0 and result.hits == 0
    assert result.ci[0] == 0.0 and result.ci[1] > 0.0
    # n_eff = n: the Clopper–Pearson upper limit of 0 hits in n, 1 − (α/2)^(1/n)
    assert result.ci[1] == pytest.approx(1 - 0.025 ** (1 / result.stations))
    assert result.effective_stations == result.stations
    assert any("no design effect can be estimated" in w for w in result.warnings)
    assert result.as_dict()["design_effect"] is None


def test_every_station_with_the_finding_gives_an_interval_up_to_one():
    data = observed_sample(seed=4)
    result = proportion(data["stratum"], data["population"], np.ones(len(data["hit"]), bool))
    assert result.estimate == 1.0
    assert result.ci[1] == 1.0 and result.ci[0] == pytest.approx(0.025 ** (1 / result.stations))
    assert any("no design effect can be estimated" in w for w in result.warnings)


def test_a_single_station_stratum_is_collapsed_as_in_the_quick_count():
    data = observed_sample(seed=5, strata=6)
    keep = np.ones(len(data["codes"]), dtype=bool)
    for h in (2, 3):
        keep[np.flatnonzero(data["codes"] == h)[1:]] = False
    codes = data["codes"][keep]
    hit = data["hit"][keep]
    hit[codes == 2] = True  # the merged group must carry some variance
    frame_sizes = data["frame_sizes"].copy()
    frame_sizes[[2, 3]] = [10, 10]
    population = {str(h): int(n) for h, n in enumerate(frame_sizes)}
    result = proportion(codes.astype(str), population, hit)
    assert any("collapsing" in w and "2+3" in w for w in result.warnings)
    # equal weights and sampling fractions in strata 2 and 3: samplics on the merged stratum agrees
    merged = np.where(codes == 3, 2, codes)
    sampled = np.bincount(codes)
    point, se = samplics_proportion(
        {
            "codes": merged,
            "hit": hit,
            "frame_sizes": np.where(np.arange(6) == 2, 20, frame_sizes),
            "sampled": np.where(np.arange(6) == 2, 2, sampled),
        }
    )
    assert (result.estimate, result.se) == pytest.approx((point, se), rel=1e-10)


def test_a_domain_where_no_station_answered_has_no_estimate_and_says_why():
    data = observed_sample(seed=6)
    answered = data["answered"] & (data["region"] == "south")
    result = proportion(
        data["stratum"], data["population"], data["hit"], answered, by=data["region"]
    )
    north = result.by["north"]
    assert math.isnan(north.estimate) and north.stations == 0
    assert north.observed == int((data["region"] == "north").sum())
    assert north.as_dict()["estimate"] is None and north.as_dict()["ci"] == [None, None]
    assert any("no observed station answered" in w for w in north.warnings)
    assert describe("ballot box not sealed", north) == (
        "ballot box not sealed: no observed station answered"
    )
    json.dumps(result.as_dict(), allow_nan=False)


def test_rows_that_did_not_answer_are_left_out_whatever_their_hit_says():
    data = observed_sample(seed=7)
    answered = data["answered"]
    base = proportion(data["stratum"], data["population"], data["hit"] & answered, answered)
    noisy = proportion(data["stratum"], data["population"], data["hit"] | ~answered, answered)
    assert noisy.stations == base.stations == int(answered.sum())
    assert noisy.hits == base.hits
    assert (noisy.estimate, noisy.se, noisy.ci) == (base.estimate, base.se, base.ci)


def test_a_frame_stratum_without_observed_stations_is_reported():
    data = observed_sample(seed=8)
    population = {**data["population"], "unobserved": 250}
    result = proportion(data["stratum"], population, data["hit"])
    assert any("no observed station" in w and "unobserved" in w for w in result.warnings)
    assert not any("vote" in w for w in result.warnings)


def test_interval_stays_in_range_and_widens_for_a_design_effect():
    # 10 % with SE 0.02 on 400 stations: n_eff = 0.09 / 0.0004 = 225 (design effect 1.78)
    (low, high), effective, warning = korn_graubard(0.10, 0.02, 400, 380)
    assert warning is None
    assert 0.0 < low < 0.10 - 1.96 * 0.02 + 0.01 and high > 0.10 + 1.96 * 0.02
    assert effective == pytest.approx(225 * (_t(399) / _t(380)) ** 2)
    # a design effect below 1 cannot make the interval narrower than n stations allow
    (_, _), effective, _ = korn_graubard(0.10, 0.001, 400, 380)
    assert effective == 400


def _t(df: int) -> float:
    from scipy.stats import t

    return float(t.ppf(0.025, df))


def test_sentence_for_the_report():
    result = ProportionResult(
        estimate=0.041,
        se=0.0046,
        ci=(0.032, 0.050),
        stations=612,
        hits=25,
        observed=640,
        design_effect=1.1,
        effective_stations=556.0,
        degrees_of_freedom=572,
        confidence=0.95,
    )
    assert describe("secrecy of the vote not ensured", result) == (
        "secrecy of the vote not ensured at 4.1 % of observed stations "
        "(95 % interval 3.2–5.0 %; 612 stations)"
    )


def test_findings_table_gives_the_hand_computed_shares():
    # stratum east: N = 40, 4 observed (weight 10); west: N = 90, 3 observed (weight 30)
    stratum = ["east"] * 4 + ["west"] * 3
    population = {"east": 40, "west": 90}
    answers = [
        {"S": 1, "Q": "1", "M": ["1"]},
        {"S": 0, "Q": "2", "M": ["2", "3"]},
        {"S": None, "Q": "1", "M": []},  # S missing; M answered with nothing chosen
        {"S": 1},
        {"S": 0, "Q": "3", "M": ["3"]},
        {"S": "no", "Q": 2, "M": ["1"]},
        {"S": 1, "Q": "", "M": None},
    ]
    questions = [
        {"code": "S", "label": "secrecy of the vote not ensured", "kind": "yes_no", "finding": 0},
        {
            "code": "Q",
            "label": "queue",
            "kind": "single",
            "options": [
                {"code": "1", "label": "none"},
                {"code": "2", "label": "short"},
                {"code": "3", "label": "long"},
            ],
        },
        {"code": "M", "label": "problems", "kind": "multiple", "finding": ["2", "3"]},
    ]
    rows = findings(stratum, population, answers, questions, by=stratum)
    by_label = {row["label"]: row for row in rows}
    assert list(by_label) == [
        "secrecy of the vote not ensured",
        "queue: none",
        "queue: short",
        "queue: long",
        "problems",
    ]
    secrecy = by_label["secrecy of the vote not ensured"]
    # answered: east 3 × 10 + west 3 × 30 = 120; "no": east 1 × 10 + west 2 × 30 = 70
    assert secrecy["national"]["estimate"] == pytest.approx(70 / 120)
    assert secrecy["national"]["stations"] == 6 and secrecy["national"]["hits"] == 3
    # residuals e = y − 7/12·x, z = w·e; Σ_h (1 − f_h) n_h s²_z,h / 120²
    east = [10 * (-7 / 12), 10 * (5 / 12), 0.0, 10 * (-7 / 12)]
    west = [30 * (5 / 12), 30 * (5 / 12), 30 * (-7 / 12)]
    variance = (
        (1 - 4 / 40) * 4 * np.var(east, ddof=1) + (1 - 3 / 90) * 3 * np.var(west, ddof=1)
    ) / 120**2
    assert variance == pytest.approx(1529 / 23040)
    assert secrecy["national"]["se"] == pytest.approx(math.sqrt(variance))
    assert secrecy["by"]["east"]["estimate"] == pytest.approx(1 / 3)
    assert secrecy["by"]["west"]["estimate"] == pytest.approx(2 / 3)
    # Q answered: east 3 × 10 + west 2 × 30 = 90 (a missing key and "" are not answers)
    assert by_label["queue: none"]["national"]["estimate"] == pytest.approx(20 / 90)
    assert by_label["queue: short"]["national"]["estimate"] == pytest.approx(40 / 90)
    assert by_label["queue: long"]["national"]["estimate"] == pytest.approx(30 / 90)
    assert by_label["queue: short"]["option"] == "2"
    # M answered: east 3 × 10 (the empty list counts) + west 2 × 30 = 90; "2" or "3": 10 + 30
    assert by_label["problems"]["national"]["estimate"] == pytest.approx(40 / 90)
    assert by_label["problems"]["sentence"].startswith("problems at 44.4 % of observed stations")
    json.dumps(rows, allow_nan=False)


def test_findings_refuses_an_unknown_question_kind():
    with pytest.raises(ValueError, match="'T'"):
        findings(["a", "a"], {"a": 5}, [{}, {}], [{"code": "T", "label": "t", "kind": "text"}])
