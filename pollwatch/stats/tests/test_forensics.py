"""Forensics on simulated and hand-made results: the Monte Carlo, false alarms, bad input, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from pollwatch.cli import main
from pollwatch.stats import forensics
from pollwatch.stats.forensics_integer import (
    _interval_probability,
    integer_hit_probabilities,
    integer_percentages,
    is_integer_percentage,
    null_counts_by_loop,
    null_integer_counts,
)


def clean_election(stations: int, seed: int) -> dict[str, np.ndarray]:
    """Binomial turnout and leader votes around station-level beta noise, no manipulation.

    Registered voters are log-uniform over 100..10,000 so that counts span
    two decades, as Benford's law for second digits needs.
    """
    rng = np.random.default_rng(seed)
    registered = np.rint(10 ** rng.uniform(2, 4, stations)).astype(np.int64)
    turnout = rng.beta(30, 20, stations)  # mean 0.6, station spread ~0.07
    share = rng.beta(22, 18, stations)  # mean 0.55
    ballots = rng.binomial(registered, turnout)
    invalid = rng.binomial(ballots, 0.02)
    valid = ballots - invalid
    leader = rng.binomial(valid, share)
    return {
        "registered": registered,
        "ballots": ballots,
        "valid": valid,
        "invalid": invalid,
        "leader": leader,
        "station": np.array([f"S{i}" for i in range(stations)], dtype=object),
    }


def test_integer_percentage_rule_is_exact():
    # 50.04 % and 49.96 % are integer, 50.05 % and 49.95 % (ties) too, as in Kobak et al.'s
    # ``<= 0.05``; 50.06 % and 1/3 are not. 21/2000 is 1.05 % although in floating
    # point 100 * 21 / 2000 - 1 is a hair above 0.05.
    assert 100 * 21 / 2000 - 1 > 0.05
    assert is_integer_percentage(
        np.array([5004, 5005, 4995, 4996, 5006, 1, 21]),
        np.array([10000, 10000, 10000, 10000, 10000, 3, 2000]),
    ).tolist() == [True, True, True, True, False, False, True]


# Subnormal probabilities overflow scipy's binom.pmf (the brute force), not the method.
@settings(max_examples=60, deadline=None)
@given(
    total=st.integers(1, 3000),
    probability=st.floats(0.0, 1.0).filter(lambda p: p == 0 or p > 1e-100),
)
def test_exact_hit_probability_equals_the_sum_over_every_count(total, probability):
    counts = np.arange(total + 1)
    hits = is_integer_percentage(counts, np.full(total + 1, total))
    brute_force = scipy_stats.binom.pmf(counts[hits], total, probability).sum()
    assert _interval_probability(np.array([total]), np.array([probability]))[0] == pytest.approx(
        brute_force, abs=1e-9
    )


def test_vectorised_null_matches_the_per_station_loop():
    rng = np.random.default_rng(7)
    stations = 300
    registered = rng.integers(100, 3000, stations).astype(float)
    ballots = np.rint(registered * rng.uniform(0.3, 0.9, stations))
    received = ballots
    leader = np.rint(received * rng.uniform(0.3, 0.9, stations))
    loop = null_counts_by_loop(registered, ballots, received, leader, replicates=300, seed=1)
    binomial = null_integer_counts(
        registered, ballots, received, leader, replicates=2000, seed=2, method="binomial"
    )
    bernoulli = null_integer_counts(
        registered, ballots, received, leader, replicates=2000, seed=3, method="bernoulli"
    )
    exact = integer_hit_probabilities(registered, ballots / registered, received, leader / received)
    exact_mean, exact_sd = exact.sum(), np.sqrt((exact * (1 - exact)).sum())
    for draws in (loop, binomial, bernoulli):
        error = exact_sd / np.sqrt(draws.size)
        assert abs(draws.mean() - exact_mean) < 4 * error
        assert draws.std(ddof=1) == pytest.approx(exact_sd, rel=0.15)


def test_null_is_deterministic_given_the_seed():
    election = clean_election(2000, seed=3)
    args = (election["registered"], election["ballots"], election["valid"], election["leader"])
    first = null_integer_counts(*args, replicates=50, seed=11, method="binomial")
    again = null_integer_counts(*args, replicates=50, seed=11, method="binomial")
    assert np.array_equal(first, again)
    other = null_integer_counts(*args, replicates=50, seed=12, method="binomial")
    assert not np.array_equal(first, other)


def test_clean_election_raises_no_false_alarm():
    election = clean_election(20000, seed=5)
    integer = integer_percentages(
        election["registered"],
        election["ballots"],
        election["valid"],
        election["leader"],
        replicates=500,
        seed=1,
    )
    assert abs(integer["excess_stations"]) < 3 * integer["null_sd"]
    digits = forensics.second_digit(election["ballots"])
    assert digits["statistic"] == pytest.approx(4.187, abs=max(4 * digits["se"], 0.05))
    assert forensics.zero_five_counts(election["ballots"])["p_value"] > 0.001
    assert forensics.last_digit(election["ballots"])["p_value"] > 0.001


def test_rounded_results_show_an_integer_excess():
    election = clean_election(20000, seed=6)
    registered, ballots = election["registered"], election["ballots"].copy()
    written = np.arange(0, 20000, 10)  # every tenth station reports a round turnout
    ballots[written] = np.rint(
        registered[written] * np.round(ballots[written] / registered[written], 2)
    )
    result = integer_percentages(
        registered,
        ballots,
        ballots,
        np.minimum(election["leader"], ballots),
        replicates=300,
        seed=1,
    )
    assert result["excess_stations"] > 10 * result["null_sd"]


def test_fingerprint_finds_extreme_fraud_and_not_in_a_clean_election():
    # Extreme fraud is what the fit recovers well; f_i also absorbs a fair blob that is not
    # normal (beta here), so the clean election is judged by f_e (see test_forensics_fingerprint).
    election = clean_election(5000, seed=8)
    registered, ballots, leader = election["registered"], election["ballots"], election["leader"]
    clean = forensics.fingerprint(
        registered, ballots / registered, leader / election["valid"], seed=1
    )
    assert clean["extreme_fraud"] <= 0.01
    rigged_ballots, rigged_leader = ballots.copy(), leader.copy()
    rigged = np.arange(0, 5000, 10)  # 10 % of stations: almost everyone "voted" for the leader
    rigged_leader[rigged] += (registered[rigged] - ballots[rigged]) * 95 // 100 + (
        ballots[rigged] - leader[rigged]
    )
    rigged_leader[rigged] = np.minimum(rigged_leader[rigged], registered[rigged])
    rigged_ballots[rigged] = np.maximum(rigged_leader[rigged], ballots[rigged])
    fit = forensics.fingerprint(
        registered, rigged_ballots / registered, rigged_leader / rigged_ballots, seed=1
    )
    assert fit["extreme_fraud"] == pytest.approx(0.10, abs=0.02)
    assert fit["statistic"] > fit["expected"] + 3 * fit["null_sd"]
    assert np.sum(fit["counts"]) == 5000


def test_moments_are_the_biased_moment_estimators():
    turnout = np.array([0.1, 0.2, 0.2, 0.3, 0.9, 0.5, 0.4, 0.35, 0.6, 0.45] * 3)
    centred = turnout - turnout.mean()
    m2, m3, m4 = (np.mean(centred**k) for k in (2, 3, 4))
    assert forensics.skewness(turnout)["statistic"] == pytest.approx(m3 / m2**1.5)
    assert forensics.kurtosis(turnout)["statistic"] == pytest.approx(m4 / m2**2)


def test_impossible_values_name_station_and_rule():
    result = forensics.impossible_values(
        ["A", "B", "C", "D"],
        registered=np.array([100, 100, 100, 100]),
        ballots=np.array([120, 50, 50, 50]),
        valid=np.array([100, 60, 40, 40]),
        leader=np.array([50, 20, 45, 10]),
        invalid=np.array([0, 0, 0, 20]),
        rows=[2, 3, 4, 5],
    )
    by_station = {entry["station"]: entry for entry in result["stations"]}
    assert result["statistic"] == 4
    assert "turnout above 100 % (ballots > registered)" in by_station["A"]["rules"]
    assert "valid above ballots" in by_station["B"]["rules"]
    assert "leader above valid" in by_station["C"]["rules"]
    assert "ballots in box above ballots issued" in by_station["D"]["rules"]
    assert by_station["D"]["row"] == 5


def test_every_test_reports_statistic_expected_uncertainty_and_reading():
    election = clean_election(3000, seed=9)
    result = forensics.run_forensics(
        election["station"],
        election["registered"],
        election["ballots"],
        election["valid"],
        election["leader"],
        invalid=election["invalid"],
        replicates=100,
        seed=1,
        by=np.where(np.arange(3000) < 1500, "north", "south"),
    )
    for group in (result, result["by"]["north"], result["by"]["south"]):
        for key in forensics.TESTS:
            test = group[key]
            assert test["statistic"] is not None, key
            assert "expected" in test and test["reading"], key
            assert (
                any(test.get(k) is not None for k in ("se", "null_sd", "p_value"))
                or key == "impossible_values"
            ), key
    assert result["summary"]["stations"] == 3000
    assert result["by"]["north"]["summary"]["stations"] == 1500


def test_run_forensics_is_deterministic_given_the_seed():
    election = clean_election(1000, seed=10)
    args = (
        election["station"],
        election["registered"],
        election["ballots"],
        election["valid"],
        election["leader"],
    )
    assert forensics.run_forensics(*args, replicates=50, seed=4) == forensics.run_forensics(
        *args, replicates=50, seed=4
    )


def write_results(path, rows: list[str]) -> str:
    path.write_text(
        "code,region,registered,ballots,valid,invalid,a,b\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    return str(path)


CLI_COLUMNS = [
    "--station",
    "code",
    "--registered",
    "registered",
    "--ballots",
    "ballots",
    "--valid",
    "valid",
    "--invalid",
    "invalid",
    "--leader",
    "a",
    "--candidates",
    "a,b",
]


def election_rows(stations: int = 400) -> list[str]:
    election = clean_election(stations, seed=12)
    rows = []
    for i in range(stations):
        leader, valid = int(election["leader"][i]), int(election["valid"][i])
        rows.append(
            f"S{i},{'north' if i % 2 else 'south'},{election['registered'][i]},{election['ballots'][i]},"
            f"{valid},{election['invalid'][i]},{leader},{valid - leader}"
        )
    return rows


def test_cli_json_has_every_test_with_a_statistic(tmp_path, capsys):
    path = write_results(tmp_path / "results.csv", [*election_rows(), ",north,,,,,,"])
    code = main(
        [
            "forensics",
            path,
            *CLI_COLUMNS,
            "--by",
            "region",
            "--replicates",
            "50",
            "--seed",
            "3",
            "--json",
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert set(forensics.TESTS) | {"summary", "by"} == set(result)
    for group in (result, *result["by"].values()):
        for key in forensics.TESTS:
            assert "statistic" in group[key], key
    assert (
        result["integer_percentages"]["excess_stations"]
        == result["integer_percentages"]["statistic"]
    )
    assert result["integer_percentages"]["null_sd"] > 0
    assert result["summary"]["dropped_rows"] == 1
    assert set(result["by"]) == {"north", "south"}


def test_cli_table_lists_tests_and_flagged_stations(tmp_path, capsys):
    rows = election_rows(100)
    rows.append("BAD1,north,100,150,140,5,100,40")  # turnout above 100 %
    path = write_results(tmp_path / "results.csv", rows)
    assert main(["forensics", path, *CLI_COLUMNS, "--replicates", "20"]) == 0
    output = capsys.readouterr().out
    for key in forensics.TESTS:
        assert key in output
    assert "station BAD1 (row 102): turnout above 100 %" in output


@pytest.mark.parametrize(
    ("bad_row", "words"),
    [
        ("X9,north,100,50,45,5,thirty,15", ["row 3", "'a'", "not a number", "X9"]),
        ("X9,north,100,50,45,5,-3,15", ["row 3", "'a'", "negative", "X9"]),
        ("X9,north,100,50,45,5,300,15", ["row 3", "'a'", "above the 100 registered", "X9"]),
        ("X9,north,,50,45,5,30,15", ["row 3", "'registered'", "missing value", "X9"]),
    ],
)
def test_cli_rejects_bad_cells_naming_row_station_and_column(tmp_path, capsys, bad_row, words):
    path = write_results(tmp_path / "results.csv", ["S1,north,100,50,45,5,30,15", bad_row])
    assert main(["forensics", path, *CLI_COLUMNS]) == 2
    error = capsys.readouterr().err
    for word in words:
        assert word in error


def test_cli_rejects_a_missing_column(tmp_path, capsys):
    path = write_results(tmp_path / "results.csv", ["S1,north,100,50,45,5,30,15"])
    assert main(["forensics", path, *CLI_COLUMNS[:-2], "--candidates", "a,zz"]) == 2
    assert "column 'zz': missing column" in capsys.readouterr().err


def test_cli_reads_column_names_that_contain_commas(tmp_path, capsys):
    path = tmp_path / "results.csv"
    lines = ['code,"voters, registered",ballots,valid,a']
    lines += [f"S{i},{500 + i},{300 + i % 50},{290 + i % 50},{150 + i % 40}" for i in range(50)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(
        [
            "forensics",
            str(path),
            "--station",
            "code",
            "--registered",
            "voters, registered",
            "--ballots",
            "ballots",
            "--valid",
            "valid",
            "--leader",
            "a",
            "--replicates",
            "10",
            "--json",
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["summary"]["registered"] == sum(
        500 + i for i in range(50)
    )
