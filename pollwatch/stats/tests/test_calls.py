"""Threshold-aware call: outright win or run-off, second place, party thresholds, coverage, repeated looks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pollwatch.stats.calls import (
    CallInputs,
    ContestRules,
    LookRule,
    inputs_from_quick_count,
    threshold_call,
)
from pollwatch.stats.calls_simulation import simulate_calls
from pollwatch.stats.differences import share_differences
from pollwatch.stats.quickcount import quick_count
from pollwatch.stats.sampling import draw_sample
from pollwatch.stats.simulate import simulate_election


def race(shares, se=0.005, difference_se=0.008, reported=1.0, coverage=1.0, regions=None):
    """CallInputs for shares {name: share} with one SE for every share and every difference."""
    differences = {
        (a, b): (shares[a] - shares[b], difference_se) for a in shares for b in shares if a != b
    }
    return CallInputs(
        shares={n: (s, se) for n, s in shares.items()},
        differences=differences,
        reported_fraction=reported,
        coverage=coverage,
        regions=regions or {},
    )


def test_it_calls_an_outright_winner_clear_of_the_threshold():
    call = threshold_call(race({"A": 0.53, "B": 0.30, "C": 0.17}))
    assert call.status == "outright winner"
    assert call.contestants == ["A"]
    [part] = call.parts
    assert part.answer == "yes"
    assert part.z == pytest.approx(0.03 / 0.005)
    assert "z = 6.00 ≥ 2.58" in part.technical


def test_it_calls_a_runoff_between_the_top_two_when_both_are_clear_of_the_third():
    call = threshold_call(race({"A": 0.44, "B": 0.33, "C": 0.23}))
    assert call.status == "run-off"
    assert call.contestants == ["A", "B"]
    assert [p.question for p in call.parts] == ["outright win", "run-off pair"]
    assert call.parts[0].answer == "no"
    assert call.parts[1].z == pytest.approx(0.10 / 0.008)


def test_it_leaves_second_place_open_when_second_and_third_are_close():
    call = threshold_call(race({"A": 0.44, "B": 0.28, "C": 0.27, "D": 0.01}))
    assert call.status == "run-off, second place undecided"
    assert call.contestants == ["A"]
    assert "one of B, C" in call.plain
    assert call.parts[-1].question == "second place"


def test_it_says_too_close_when_the_leader_is_near_the_threshold():
    call = threshold_call(race({"A": 0.505, "B": 0.30, "C": 0.195}))
    assert call.status == "too close to call"
    assert call.parts[0].answer == "undecided"
    assert call.parts[0].z == pytest.approx(1.0)


def test_without_a_runoff_nobody_above_the_threshold_is_no_outright_winner():
    call = threshold_call(race({"A": 0.44, "B": 0.33, "C": 0.23}), ContestRules(runoff=False))
    assert call.status == "no outright winner"
    assert call.contestants == []


def test_a_plurality_contest_asks_only_whether_the_leader_leads_everyone():
    rules = ContestRules(outright_threshold=None)
    assert threshold_call(race({"A": 0.44, "B": 0.33, "C": 0.23}), rules).status == "winner"
    close = threshold_call(race({"A": 0.40, "B": 0.39, "C": 0.21}), rules)
    assert close.status == "too close to call"
    assert "A leads B" in close.plain


def test_it_uses_the_stricter_z_until_95_percent_have_reported():
    # z = 3.0: enough for the final rule (2.58), not for the interim one (3.29)
    shares = {"A": 0.515, "B": 0.30, "C": 0.185}
    early = threshold_call(race(shares, reported=0.90))
    late = threshold_call(race(shares, reported=0.96))
    assert (early.status, early.z_needed) == ("too close to call", 3.29)
    assert (late.status, late.z_needed) == ("outright winner", 2.58)
    assert "interim rule" in early.look and "final rule" in late.look


def test_it_makes_no_call_before_enough_of_the_sample_has_reported():
    call = threshold_call(
        race({"A": 0.70, "B": 0.30}, reported=0.79), ContestRules(party_threshold=0.05)
    )
    assert call.status == "not enough data"
    assert "79.0% of the sampled stations" in call.plain
    assert call.parties == {"A": "undecided", "B": "undecided"}


def test_it_makes_no_call_when_too_little_of_the_frame_is_covered():
    call = threshold_call(race({"A": 0.70, "B": 0.30}, coverage=0.85))
    assert call.status == "not enough data"
    assert "cover 85.0% of the frame" in call.plain
    assert threshold_call(
        race({"A": 0.70, "B": 0.30}, coverage=0.85), looks=LookRule(min_coverage=0.8)
    ).status == ("outright winner")


def test_the_least_favourable_region_for_the_uncovered_frame_can_undo_a_call():
    shares = {"A": 0.53, "B": 0.30, "C": 0.17}
    regions = {
        "north": {"A": 0.60, "B": 0.25, "C": 0.15},
        "south": {"A": 0.35, "B": 0.45, "C": 0.20},
    }
    covered = threshold_call(race(shares, coverage=1.0, regions=regions))
    assert covered.status == "outright winner"
    # 8 % of the frame uncovered, voting like the south: 0.92·0.03 + 0.08·(−0.15) = 0.0156, z = 3.12
    call = threshold_call(race(shares, coverage=0.92, regions=regions), looks=LookRule(z_final=3.2))
    assert call.status == "too close to call"
    assert call.parts[0].z == pytest.approx((0.92 * 0.03 + 0.08 * -0.15) / 0.005)
    assert "region south's -15.00 pp" in call.parts[0].technical
    assert threshold_call(race(shares, coverage=0.92, regions=regions)).status == "outright winner"


def test_a_region_more_favourable_than_the_nation_does_not_help_the_call():
    shares = {"A": 0.515, "B": 0.30, "C": 0.185}
    regions = {"north": {"A": 0.70, "B": 0.20, "C": 0.10}}
    call = threshold_call(race(shares, coverage=0.95, regions=regions))
    assert call.parts[0].z == pytest.approx(3.0)


def test_without_regional_results_the_uncovered_frame_goes_to_the_least_favourable_extreme():
    # the uncovered 5 % all against A: 0.95·0.04 + 0.05·(0 − 0.5) = 0.013, z = 2.6
    call = threshold_call(race({"A": 0.54, "B": 0.30, "C": 0.16}, coverage=0.95))
    assert call.parts[0].z == pytest.approx((0.95 * 0.04 + 0.05 * -0.5) / 0.005)
    assert "the extreme -50.00 pp" in call.parts[0].technical


def test_it_tells_each_party_whether_it_passes_the_party_threshold():
    shares = {"A": 0.60, "B": 0.33, "C": 0.052, "D": 0.018}
    call = threshold_call(race(shares, se=0.002), ContestRules(party_threshold=0.05))
    assert call.parties == {"A": "above", "B": "above", "C": "undecided", "D": "below"}
    d = next(p for p in call.parts if p.question == "party threshold: D")
    assert d.z == pytest.approx(0.032 / 0.002)
    assert "stays below the 5% threshold" in d.plain


def test_it_refuses_a_threshold_that_is_not_a_share():
    with pytest.raises(ValueError, match="outright_threshold must be between 0 and 1"):
        ContestRules(outright_threshold=50)


def test_the_call_serialises_with_its_rules_and_parts():
    data = threshold_call(
        race({"A": 0.44, "B": 0.33, "C": 0.23}), ContestRules(party_threshold=0.05)
    ).as_dict()
    assert data["status"] == "run-off"
    assert data["rules"] == {"outright_threshold": 0.5, "runoff": True, "party_threshold": 0.05}
    assert data["parties"] == {"A": "above", "B": "above", "C": "above"}
    assert {"question", "answer", "plain", "technical", "z", "z_needed"} <= set(data["parts"][0])


def stratified(seed=4, strata=12, per_stratum=8):
    rng = np.random.default_rng(seed)
    stratum = np.repeat([f"S{h}" for h in range(strata)], per_stratum)
    valid = rng.integers(200, 800, len(stratum)).astype(float)
    lean = rng.uniform(-0.08, 0.08, strata).repeat(per_stratum)
    p = np.column_stack([0.45 + lean, 0.35 - lean, np.full(len(stratum), 0.20)])
    votes = np.array([rng.multinomial(int(v), q) for v, q in zip(valid, p, strict=True)], float)
    population = {f"S{h}": 40 for h in range(strata)}
    region = np.where(np.arange(len(stratum)) < len(stratum) // 2, "east", "west")
    return stratum, {"A": votes[:, 0], "B": votes[:, 1], "C": votes[:, 2]}, population, region


def test_difference_se_is_the_quick_counts_lead_se():
    stratum, votes, population, _ = stratified()
    lead = quick_count(stratum, votes, population=population).lead
    differences = share_differences(stratum, votes, population=population)
    assert differences[("A", "B")] == pytest.approx((lead.estimate, lead.se), rel=1e-12)
    assert differences[("B", "A")] == pytest.approx((-lead.estimate, lead.se), rel=1e-12)


def test_difference_se_follows_the_stratified_taylor_formula():
    stratum, votes, population, _ = stratified()
    y = votes["B"] - votes["C"]
    x = votes["A"] + votes["B"] + votes["C"]
    ratio = y.sum() / x.sum()  # equal N_h/n_h everywhere: weights cancel in the ratio
    variance = 0.0
    for h in np.unique(stratum):
        e = (y - ratio * x)[stratum == h]
        n, big_n = len(e), population[h]
        variance += big_n**2 * (1 - n / big_n) * e.var(ddof=1) / n
    total_x = sum(population[h] / (stratum == h).sum() * x[stratum == h].sum() for h in population)
    estimate, se = share_differences(stratum, votes, population=population)[("B", "C")]
    assert estimate == pytest.approx(ratio)
    assert se == pytest.approx(np.sqrt(variance) / total_x, rel=1e-10)


def test_inputs_come_from_the_quick_count_with_regions_that_reported():
    stratum, votes, population, region = stratified()
    reported = region == "east"
    reported[-1] = True  # one western station, so both regions reported
    result = quick_count(stratum, votes, population=population, reported=reported, by=region)
    differences = share_differences(stratum, votes, population=population, reported=reported)
    inputs = inputs_from_quick_count(result, differences)
    assert inputs.shares["A"] == (result.shares["A"].estimate, result.shares["A"].se)
    assert inputs.reported_fraction == pytest.approx(reported.mean())
    assert inputs.coverage == result.strata["coverage"]
    assert set(inputs.regions) == {"east", "west"}
    assert inputs_from_quick_count(result.as_dict(), differences) == inputs
    none_west = quick_count(
        stratum, votes, population=population, reported=region == "east", by=region
    )
    assert set(inputs_from_quick_count(none_west, differences).regions) == {"east"}


def test_repeated_looks_with_late_rural_stations_run_end_to_end():
    out = simulate_calls(elections=2, samples=3, order="late-rural", step=10)
    assert out["runs"] == 6
    assert out["looks_per_run"] == 11  # 400, 410, ..., 490, 500 of 500 sampled stations
    rule, naive = out["rules"]["rule"], out["rules"]["naive"]
    assert rule["wrong_runs"] <= naive["wrong_runs"]
    assert set(rule["per_part"]) == {"outright win", "second place", "party threshold"}


@pytest.mark.slow
@pytest.mark.parametrize("order", ["late-rural", "late-newly", "random"])
def test_wrong_decided_calls_over_a_night_of_looks_stay_under_one_percent(order):
    """1,000 runs of 21 looks (every 1 % of the sample from 80 %), each question at its threshold.

    About 4 minutes per order on one free core. Each question (outright win, second place,
    the party at the party threshold) is decided the wrong way in at most 1 % of the runs,
    and the rule does no worse than 2.58 at every look without the worst case.
    """
    out = simulate_calls(elections=50, samples=20, order=order, step=5)
    assert out["runs"] == 1000
    rule, naive = out["rules"]["rule"], out["rules"]["naive"]
    for part, wrong in rule["per_part"].items():
        assert wrong <= 10, part
    assert rule["wrong_runs"] <= naive["wrong_runs"]


@pytest.fixture
def cli_files(tmp_path):
    """A simulated election's frame and a reported sample of 400 of its 3,000 stations, as CSV."""
    election = simulate_election(stations=3000, seed=11, observers=0)
    results = election.results
    frame = results[["code", "stratum", "region_code"]]
    frame.to_csv(tmp_path / "frame.csv", index=False)
    rows = draw_sample(results["stratum"].to_numpy().astype(str), 400, seed=2).sampled
    sample = results.iloc[rows][["code", "registered_voters", "invalid", *election.candidate_codes]]
    sample.to_csv(tmp_path / "sample.csv", index=False)
    return tmp_path, election.candidate_codes


def run_quickcount(tmp_path, codes, *extra):
    from pollwatch.cli import main

    return main(
        [
            "quickcount", str(tmp_path / "sample.csv"), "--frame", str(tmp_path / "frame.csv"),
            "--stratum", "stratum", "--station", "code", "--registered", "registered_voters",
            "--invalid", "invalid", "--votes", ",".join(codes), "--by", "region_code", "--json",
            *extra,
        ]
    )  # fmt: skip


def test_the_cli_adds_the_threshold_call_and_keeps_every_key(cli_files, capsys):
    tmp_path, codes = cli_files
    assert run_quickcount(tmp_path, codes, "--threshold", "0.5", "--party-threshold", "0.05") == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("shares", "turnout", "invalid", "lead", "call", "stations", "strata", "by"):
        assert key in out
    call = out["threshold_call"]
    assert call["status"] == "outright winner"
    assert call["contestants"] == ["C1"]
    assert call["rules"] == {"outright_threshold": 0.5, "runoff": True, "party_threshold": 0.05}
    assert set(call["parties"]) == set(codes)
    assert call["z_needed"] == 2.58  # every sampled station reported: the final rule


def test_the_cli_takes_a_plurality_contest_and_refuses_a_percentage(cli_files, capsys):
    tmp_path, codes = cli_files
    assert run_quickcount(tmp_path, codes, "--threshold", "0") == 0
    assert json.loads(capsys.readouterr().out)["threshold_call"]["status"] == "winner"
    assert run_quickcount(tmp_path, codes, "--threshold", "50") == 2
    assert "outright_threshold must be between 0 and 1" in capsys.readouterr().err
