"""Official results against the quick count: the joint test, Holm, the gap decomposition, the observer effect.

The proofs run on simulated elections (``pollwatch.stats.simulate``): the
observers' copies are the true count, the official protocol is the
simulator's ``results`` (equal to the truth unless fraud was injected), and
the sample is a stratified SRS by district drawn with ``draw_sample``. The
rates these tests assert are the ones docs/analysis.md reports.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from pollwatch.stats.official_compare import (
    CONSISTENT,
    DIFFERS,
    gap_decomposition,
    holm,
    joint_tests,
    observer_effect,
    rao_scott_test,
    share_covariance,
    wald_test,
)
from pollwatch.stats.quickcount import linearized_ratios, prepare_design, quick_count
from pollwatch.stats.sampling import draw_sample
from pollwatch.stats.simulate import simulate_election

RUNS = 200


@cache
def _election(fraud: str | None) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    election = simulate_election(stations=3000, seed=1, observers=0, fraud=fraud)
    return election.results, election.truth, election.candidate_codes


def _official_shares(frame: pd.DataFrame, codes: list[str]) -> dict[str, float]:
    return {c: frame[c].sum() / frame["valid"].sum() for c in codes}


def _tests_on_samples(fraud: str | None, size: int, runs: int = RUNS) -> list[dict]:
    official, truth, codes = _election(fraud)
    population = official.groupby("stratum").size().to_dict()
    national = _official_shares(official, codes)
    by_region = {g: _official_shares(f, codes) for g, f in official.groupby("region_code")}
    out = []
    for run in range(runs):
        drawn = draw_sample(official["stratum"].to_numpy(), size, seed=1000 + run)
        seen = truth.iloc[drawn.sampled]
        out.append(
            joint_tests(
                seen["stratum"].to_numpy(),
                {c: seen[c].to_numpy() for c in codes},
                population=population,
                official=national,
                by=seen["region_code"].to_numpy(),
                official_by=by_region,
            )
        )
    return out


def _any_region_differs(result: dict) -> bool:
    return any(r["verdict"] == DIFFERS for r in result["regions"].values())


def test_the_covariance_diagonal_is_the_quick_counts_variance():
    official, truth, codes = _election(None)
    drawn = draw_sample(
        official["stratum"].to_numpy(),
        300,
        seed=5,
        method="pps",
        size_measure=official["registered_voters"].to_numpy(),
    )
    seen = truth.iloc[drawn.sampled]
    population = official.groupby("stratum").size().to_dict()
    design, _ = prepare_design(seen["stratum"].to_numpy(), population, weight=drawn.weight)
    votes = seen[codes].to_numpy(dtype=float)
    inside = (seen["region_code"] == "R03").to_numpy()
    for domain in (None, inside):
        shares, covariance = share_covariance(design, votes, domain)
        masked = votes if domain is None else votes * domain[:, None]
        valid = np.repeat(masked.sum(axis=1)[:, None], len(codes), axis=1)
        ratio, se = linearized_ratios(design, masked, valid)
        np.testing.assert_allclose(shares, ratio, rtol=1e-12)
        np.testing.assert_allclose(np.sqrt(np.diag(covariance)), se, rtol=1e-9)
    result = quick_count(
        seen["stratum"].to_numpy(),
        {c: seen[c].to_numpy() for c in codes},
        population=population,
        weight=drawn.weight,
    )
    shares, covariance = share_covariance(design, votes)
    assert [result.shares[c].estimate for c in codes] == pytest.approx(list(shares), abs=1e-12)


def test_the_wald_statistic_matches_a_direct_computation_by_hand():
    """Stratified SRS written out: S_h of the residual vectors, V = Σ N_h²(1 − f_h) S_h / n_h / X̂², one category dropped."""
    stratum = np.array(["a"] * 4 + ["b"] * 3 + ["c"] * 5)
    votes = np.array(
        [
            [120, 80, 10], [140, 60, 20], [90, 95, 5], [110, 70, 30],
            [200, 50, 15], [180, 70, 25], [210, 40, 5],
            [60, 90, 40], [70, 100, 35], [55, 85, 50], [65, 95, 45], [80, 70, 30],
        ],
        dtype=float,
    )  # fmt: skip
    population = {"a": 20, "b": 9, "c": 40}
    official = np.array([0.45, 0.42, 0.13])

    weight = np.array([population[h] / np.sum(stratum == h) for h in stratum])
    valid = votes.sum(axis=1)
    total_x = weight @ valid
    p_hat = weight @ votes / total_x
    residual = votes - np.outer(valid, p_hat)
    by_hand = np.zeros((3, 3))
    for h, size in population.items():
        rows = residual[stratum == h]
        n = len(rows)
        by_hand += size**2 * (1 - n / size) * np.cov(rows, rowvar=False) / n
    by_hand /= total_x**2
    d = (official - p_hat)[:2]
    expected = float(d @ np.linalg.solve(by_hand[:2, :2], d))

    design, _ = prepare_design(stratum, population)
    shares, covariance = share_covariance(design, votes)
    np.testing.assert_allclose(covariance, by_hand, rtol=1e-10)
    test = wald_test(official, shares, covariance, design_df=12 - 3)
    assert test.df == 2
    assert test.statistic == pytest.approx(expected, rel=1e-9)
    # Which category is dropped does not matter: the generalised inverse equals each choice.
    d_other = (official - p_hat)[1:]
    assert test.statistic == pytest.approx(
        float(d_other @ np.linalg.solve(by_hand[1:, 1:], d_other)), rel=1e-9
    )


def test_rao_scott_divides_pearsons_statistic_by_the_mean_design_effect():
    """X²_RS = q·Σ(P − p̂)²/P / Σ V_cc/P_c: with multinomial V = (diag(P) − PPᵀ)/n it is Pearson's n·Σ(P − p̂)²/P."""
    stratum = np.repeat(["a", "b"], 6)
    rng = np.random.default_rng(3)
    votes = rng.multinomial(400, [0.5, 0.3, 0.2], size=12).astype(float)
    design, _ = prepare_design(stratum, {"a": 10**6, "b": 10**6})
    shares, covariance = share_covariance(design, votes)
    official = np.array([0.5, 0.3, 0.2])
    test = rao_scott_test(official, shares, design, votes)
    pearson = np.sum((official - shares) ** 2 / official)
    assert test.statistic == pytest.approx(2 * pearson / np.sum(np.diag(covariance) / official))
    multinomial = (np.diag(official) - np.outer(official, official)) / votes.sum()
    assert np.sum(np.diag(multinomial) / official) == pytest.approx(2 / votes.sum())
    assert test.df == 2
    assert 1 <= test.denominator_df <= 10


def test_holm_matches_statsmodels_and_keeps_missing_tests_out():
    p = [0.01, 0.04, 0.03, 0.20, 0.005]
    expected = multipletests(p, method="holm")[1]
    assert holm(p) == pytest.approx(list(expected))
    assert holm([0.01, None, 0.04]) == pytest.approx([0.02, None, 0.04])


def test_joint_test_raises_false_alarms_near_five_percent_on_clean_elections():
    results = _tests_on_samples(None, 400)
    national = np.mean([r["national"]["verdict"] == DIFFERS for r in results])
    wald = np.mean([r["national"]["wald"]["p_value"] < 0.05 for r in results])
    any_region = np.mean([_any_region_differs(r) for r in results])
    # Measured (seed 1, 200 samples of 400): national 6.0 %, Wald 6.0 %, any region 2.0 %.
    assert national <= 0.10
    assert wald <= 0.10
    assert any_region <= 0.10
    assert results[0]["national"]["verdict"] in (CONSISTENT, DIFFERS)
    assert results[0]["national"]["wald"]["df"] == 6


def test_per_figure_intervals_raise_false_alarms_far_more_often():
    """The old check (each share, each region, its own 95 % interval) on the same clean samples."""
    official, truth, codes = _election(None)
    population = official.groupby("stratum").size().to_dict()
    national = _official_shares(official, codes)
    by_region = {g: _official_shares(f, codes) for g, f in official.groupby("region_code")}
    alarms = []
    for run in range(100):
        drawn = draw_sample(official["stratum"].to_numpy(), 400, seed=1000 + run)
        seen = truth.iloc[drawn.sampled]
        result = quick_count(
            seen["stratum"].to_numpy(),
            {c: seen[c].to_numpy() for c in codes},
            population=population,
            by=seen["region_code"].to_numpy(),
        )
        outside = any(
            not (e.ci[0] <= national[c] <= e.ci[1]) for c, e in result.shares.items()
        ) or any(
            not (e.ci[0] <= by_region[g][c] <= e.ci[1])
            for g, domain in result.by.items()
            for c, e in domain.shares.items()
            if np.isfinite(e.se)
        )
        alarms.append(outside)
    assert np.mean(alarms) > 0.5


def test_joint_test_detects_rewritten_protocols():
    results = _tests_on_samples("rewrite:0.1", 800, runs=100)
    national = np.mean([r["national"]["verdict"] == DIFFERS for r in results])
    any_region = np.mean([_any_region_differs(r) for r in results])
    # Measured (200 samples of 800): national 100 %, any region 91.5 %.
    assert national >= 0.95
    assert any_region >= 0.8


def test_joint_test_detects_ballot_stuffing():
    results = _tests_on_samples("stuffing:0.3", 800, runs=100)
    assert np.mean([r["national"]["verdict"] == DIFFERS for r in results]) >= 0.95


def test_the_gap_splits_exactly_into_sampling_changes_and_unmatched():
    official, truth, codes = _election("rewrite:0.1")
    population = official.groupby("stratum").size().to_dict()
    drawn = draw_sample(official["stratum"].to_numpy(), 500, seed=11)
    seen = truth.iloc[drawn.sampled]
    protocol = official.iloc[drawn.sampled]
    rng = np.random.default_rng(0)
    reported = rng.random(len(seen)) < 0.95
    matched = rng.random(len(seen)) < 0.9
    result = gap_decomposition(
        seen["stratum"].to_numpy(),
        {c: seen[c].to_numpy() for c in codes},
        {c: protocol[c].to_numpy() for c in codes},
        population=population,
        official=_official_shares(official, codes),
        reported=reported,
        matched=matched,
    )
    assert result["available"]
    for row in result["rows"]:
        assert row["gap"] == pytest.approx(row["sampling"] + row["changes"] + row["unmatched"])
    leader = result["rows"][0]
    fraud_here = (truth.iloc[drawn.sampled]["fraud"] != "").to_numpy() & reported & matched
    assert fraud_here.any()
    assert leader["changes"] > 0.005  # rewritten protocols raise the leader's official share


def test_on_a_clean_election_the_gap_is_all_sampling():
    official, truth, codes = _election(None)
    population = official.groupby("stratum").size().to_dict()
    drawn = draw_sample(official["stratum"].to_numpy(), 400, seed=12)
    seen = truth.iloc[drawn.sampled]
    everywhere = np.ones(len(seen), dtype=bool)
    result = gap_decomposition(
        seen["stratum"].to_numpy(),
        {c: seen[c].to_numpy() for c in codes},
        {c: official.iloc[drawn.sampled][c].to_numpy() for c in codes},
        population=population,
        official=_official_shares(official, codes),
        reported=everywhere,
        matched=everywhere,
    )
    for row in result["rows"]:
        assert row["changes"] == pytest.approx(0.0, abs=1e-15)
        assert row["unmatched"] == pytest.approx(0.0, abs=1e-15)
        assert row["gap"] == pytest.approx(row["sampling"])


def _observer_runs(deterred: bool, runs: int, permutations: int = 200) -> np.ndarray:
    """p-values (leader share, turnout) and differences over random samples of 400 stations."""
    official, truth, _ = _election("stuffing:0.3" if deterred else None)
    out = []
    for run in range(runs):
        drawn = draw_sample(official["stratum"].to_numpy(), 400, seed=2000 + run)
        observed = np.zeros(len(official), dtype=bool)
        observed[drawn.sampled] = True
        published = official.copy()
        if deterred:
            # Observers present: the count is left alone, the protocol is the true one.
            for column in ("C1", "valid", "ballots_cast", "registered_voters"):
                published.loc[observed, column] = truth.loc[observed, column]
        effect = observer_effect(
            published["stratum"].to_numpy(),
            observed,
            published["C1"].to_numpy(),
            published["valid"].to_numpy(),
            published["ballots_cast"].to_numpy(),
            published["registered_voters"].to_numpy(),
            permutations=permutations,
            seed=run,
        )
        leader, turnout = effect["leader_share"], effect["turnout"]
        out.append(
            [leader["p_value"], turnout["p_value"], leader["difference"], turnout["difference"]]
        )
    return np.array(out)


def test_observer_effect_keeps_its_size_on_clean_elections():
    runs = _observer_runs(deterred=False, runs=RUNS)
    # Measured: 6.0 % (leader share) and 5.0 % (turnout) over 100 samples x 200 permutations.
    assert np.mean(runs[:, 0] < 0.05) <= 0.10
    assert np.mean(runs[:, 1] < 0.05) <= 0.10


def test_observer_effect_detects_less_stuffing_where_observers_are():
    runs = _observer_runs(deterred=True, runs=50)
    assert np.mean(runs[:, 0] < 0.05) >= 0.9
    assert np.mean(runs[:, 1] < 0.05) >= 0.9
    assert np.median(runs[:, 2]) < 0  # observed stations: lower leader share
    assert np.median(runs[:, 3]) < 0  # and lower turnout


def test_observer_effect_p_value_is_exact_on_a_tiny_case():
    """Two strata of two stations, one observed in each: 4 labelings, the observed one the most extreme."""
    stratum = np.array(["a", "a", "b", "b"])
    observed = np.array([True, False, True, False])
    ballots = np.array([90.0, 50.0, 80.0, 40.0])
    registered = np.full(4, 100.0)
    effect = observer_effect(
        stratum, observed, ballots, ballots, ballots, registered, permutations=4000, seed=1
    )
    turnout = effect["turnout"]
    assert turnout["difference"] == pytest.approx(0.40)
    # Exactly extreme: the observed labeling and its mirror, 2 of 4 labelings.
    assert turnout["p_value"] == pytest.approx(0.5, abs=0.03)


def test_observer_effect_says_when_no_stratum_has_both_kinds():
    effect = observer_effect(
        np.array(["a", "a", "b"]),
        np.array([True, True, False]),
        np.ones(3),
        np.ones(3) * 2,
        np.ones(3),
        np.ones(3) * 2,
        permutations=10,
    )
    assert effect["leader_share"]["available"] is False
    assert "both" in effect["leader_share"]["reason"]


def test_on_a_whole_country_the_p_value_comes_from_the_permutation_distributions_exact_moments(
    monkeypatch,
):
    """Above MONTE_CARLO_LIMIT the normal approximation replaces the draws; below, both agree.

    The same clean official results and observed set: Monte Carlo with
    20,000 relabellings and the approximation agree within 0.01 (measured:
    leader share 0.494 vs 0.489, turnout 0.877 vs 0.877).
    """
    import pollwatch.stats.official_compare as module

    published, _, _ = _election(None)  # clean: p-values in the middle, where they can differ
    drawn = draw_sample(published["stratum"].to_numpy(), 400, seed=7)
    observed = np.zeros(len(published), dtype=bool)
    observed[drawn.sampled] = True
    arguments = (
        published["stratum"].to_numpy(),
        observed,
        published["C1"].to_numpy(),
        published["valid"].to_numpy(),
        published["ballots_cast"].to_numpy(),
        published["registered_voters"].to_numpy(),
    )
    drawn_p = observer_effect(*arguments, permutations=20_000, seed=3)
    monkeypatch.setattr(module, "MONTE_CARLO_LIMIT", 0)
    approximated = observer_effect(*arguments, permutations=20_000, seed=3)
    for key in ("leader_share", "turnout"):
        assert approximated[key]["p_value_method"].startswith("normal approximation")
        assert drawn_p[key]["p_value_method"].startswith("Monte Carlo")
        assert approximated[key]["difference"] == drawn_p[key]["difference"]
        assert approximated[key]["p_value"] == pytest.approx(drawn_p[key]["p_value"], abs=0.01)
