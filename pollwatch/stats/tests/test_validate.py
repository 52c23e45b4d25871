"""Validation by simulation: coverage of the quick count and exit poll, false alarms and power of forensics.

Sizes are small so the whole file runs in a few seconds; the tolerances are
binomial (200 runs at 95 %: SE 1.5 pp, so ±4 pp is about 2.6 SE).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from pollwatch.cli import main
from pollwatch.stats.forensics import TESTS
from pollwatch.stats.validate import (
    flags,
    simulate_interviews,
    validate_exitpoll,
    validate_forensics,
    validate_quickcount,
)

# 3,000 stations is the smallest simulated country in which every district
# has at least two stations, so a proportional sample can give each two.
STATIONS = 3000


def test_quickcount_intervals_cover_the_full_count_about_95_percent_of_the_time():
    result = validate_quickcount(
        elections=1,
        samples=200,
        stations=STATIONS,
        sample_size=300,
        methods=("linearized", "bootstrap"),
        replicates=100,
        seed=1,
    )
    assert result["runs"] == 200
    # measured (seed 1), first / second / third / turnout: linearized 94.5 / 97.0 / 95.0 / 95.0 %,
    # bootstrap 94.0 / 98.5 / 94.5 / 94.5 %; |bias| at most 0.07 SE
    for method, per_quantity in result["methods"].items():
        assert set(per_quantity) == {"first", "second", "third", "turnout"}
        for quantity, stats in per_quantity.items():
            assert stats["runs"] == 200 and stats["undefined"] == 0
            assert abs(stats["coverage"] - 0.95) <= 0.04, (method, quantity, stats)
            # the estimator is unbiased up to the ratio bias: far below the SE
            assert abs(stats["bias"]) < 0.5 * stats["mean_se"], (method, quantity, stats)
    assert result["methods"]["linearized"]["first"]["candidates"] == ["C1"]


def test_exitpoll_intervals_cover_the_true_shares_about_95_percent_of_the_time():
    result = validate_exitpoll(
        elections=1, samples=200, stations=STATIONS, poll_stations=120, seed=1
    )
    assert result["runs"] == 200
    # measured (seed 1): 94.5, 95.0 and 93.5 % for first, second and third; mean design effect 3.3
    for quantity, stats in result["shares"].items():
        assert abs(stats["coverage"] - 0.95) <= 0.04, (quantity, stats)
    assert 1.5 < result["mean_design_effect"] < 6


def test_nonresponse_bias_breaks_exitpoll_coverage_of_the_leader():
    result = validate_exitpoll(
        elections=1, samples=40, stations=STATIONS, poll_stations=120, nonresponse_bias=0.2, seed=1
    )
    leader = result["shares"]["first"]
    # the leader's voters answering 20 % less pull ~70 % down to ~65 %: the ±2.4 pp intervals
    # miss (measured, seed 1: bias -4.6 pp, coverage 5 %)
    assert leader["bias"] < -0.02
    assert leader["coverage"] < 0.5


def test_interviews_follow_station_shares_and_the_nonresponse_tilt():
    rng = np.random.default_rng(0)
    votes = np.array([[700, 200, 100], [0, 0, 0], [500, 500, 0]])
    station, choice = simulate_interviews(rng, votes, np.array([10_000, 50, 10_000]), leader=0)
    assert np.bincount(station, minlength=3).tolist() == [10_000, 0, 10_000]
    assert not np.any((station == 2) & (choice == 2))
    assert abs(np.mean(choice[station == 0] == 0) - 0.7) < 0.02
    station, choice = simulate_interviews(
        rng, votes[:1], np.array([20_000]), leader=0, nonresponse_bias=0.5
    )
    # 700·0.5 / (350 + 300) = 0.538
    assert abs(np.mean(choice == 0) - 350 / 650) < 0.015


def test_integer_test_flags_every_election_with_heavy_rewriting():
    result = validate_forensics(
        elections=3, stations=STATIONS, fraud="rewrite:0.2", replicates=100, seed=2
    )
    integer = result["tests"]["integer_percentages"]
    assert integer["fraud_runs"] == 3 and integer["detections"] == 3
    assert integer["power"] == 1.0
    assert result["tests"]["impossible_values"]["power"] == 1.0
    assert set(result["tests"]) == set(TESTS)


def test_integer_test_rarely_flags_clean_elections():
    result = validate_forensics(
        elections=10, stations=STATIONS, fraud="rewrite:0.2", replicates=100, seed=3
    )
    integer = result["tests"]["integer_percentages"]
    # measured (seed 3): 0 of 10 clean, 10 of 10 rigged. At a true 5 % rate, 4 or more of 10 has probability 0.001,
    # so this loose bound only catches a badly miscalibrated null.
    assert integer["clean_runs"] == 10
    assert integer["false_alarms"] <= 3
    assert result["tests"]["impossible_values"]["false_alarms"] == 0


def test_flags_reads_p_values_intervals_and_counts():
    assert flags({"statistic": 1.0, "expected": 0.0, "p_value": 0.01}) is True
    assert flags({"statistic": 1.0, "expected": 0.0, "p_value": 0.2}) is False
    assert flags({"statistic": 3.0, "expected": 0.0, "p_value": None, "null_sd": 1.0}) is True
    assert flags({"statistic": -1.5, "expected": 0.0, "se": 1.0}) is False
    assert flags({"statistic": 1, "expected": 0, "p_value": None, "se": None}) is True
    assert flags({"statistic": 0, "expected": 0, "p_value": None, "se": None}) is False
    assert flags({"statistic": None, "expected": 0.0, "p_value": None}) is None


def test_validation_is_deterministic_given_the_seed():
    def run(seed):
        return validate_quickcount(
            elections=2,
            samples=3,
            stations=STATIONS,
            sample_size=300,
            methods=("linearized",),
            seed=seed,
        )

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_cli_json_has_the_documented_keys(capsys):
    code = main(
        [
            "validate",
            "--elections",
            "1",
            "--samples",
            "3",
            "--stations",
            str(STATIONS),
            "--sample-size",
            "300",
            "--replicates",
            "20",
            "--scenario-runs",
            "1",
            "--quiet",
            "--json",
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"quickcount", "exitpoll", "forensics", "scenarios", "settings"}
    assert set(result["quickcount"]["methods"]) == {"linearized", "bootstrap"}
    assert set(result["quickcount"]["methods"]["bootstrap"]["turnout"]) >= {
        "runs",
        "coverage",
        "se",
        "bias",
        "mean_se",
        "sd_error",
        "undefined",
    }
    assert set(result["exitpoll"]["shares"]) == {"first", "second", "third"}
    assert set(result["forensics"]["tests"]) == set(TESTS)
    assert set(result["forensics"]["tests"]["integer_percentages"]) == {
        "false_alarm_rate",
        "false_alarm_se",
        "power",
        "power_se",
        "false_alarms",
        "detections",
        "clean_runs",
        "fraud_runs",
        "rule",
    }
    assert result["settings"]["fraud"] == {"rewrite": 0.05, "stuffing": 0.1}
    assert result["settings"]["checks"] == ["quickcount", "exitpoll", "forensics", "scenarios"]
    assert result["scenarios"]["runs"] == 1


def test_cli_runs_only_the_requested_checks_and_prints_tables(capsys):
    code = main(
        [
            "validate",
            "--elections",
            "1",
            "--samples",
            "2",
            "--stations",
            str(STATIONS),
            "--sample-size",
            "300",
            "--only",
            "exitpoll",
            "--quiet",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "Exit poll" in out and "Quick count" not in out and "Forensics" not in out


@pytest.mark.parametrize("argument", [["--sample-size", "100"], ["--fraud", "bogus:0.1"]])
def test_cli_rejects_impossible_settings(capsys, argument):
    code = main(
        [
            "validate",
            "--elections",
            "1",
            "--samples",
            "1",
            "--stations",
            str(STATIONS),
            "--quiet",
            *argument,
        ]
    )
    assert code == 2
    assert "pollwatch validate:" in capsys.readouterr().err
