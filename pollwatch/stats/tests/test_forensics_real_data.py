"""Published forensic figures reproduced on real elections (data in ../shared/data, see its README)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pollwatch.cli import main
from pollwatch.stats import forensics
from pollwatch.stats.forensics_integer import (
    inclusion_mask,
    null_counts_by_loop,
    null_integer_counts,
)
from pollwatch.stats.table import read_table

# EFToolkit README, test "Turnout" by prefecture, as quoted in the data README.
ALBANIA_2013 = [
    # prefecture, 2BL, P05s, C05s, Skew, Kurt, stations
    ("BERAT", 4.244, 0.197, 0.217, 0.261, 3.474, 300),
    ("DIBER", 4.167, 0.221, 0.225, 1.685, 4.954, 258),
    ("DURRES", 4.572, 0.173, 0.194, 1.354, 3.211, 444),
    ("ELBASAN", 4.345, 0.217, 0.196, 1.500, 4.086, 516),
    ("FIER", 4.373, 0.208, 0.181, 1.582, 4.572, 558),
    ("GJIROKASTER", 4.549, 0.287, 0.228, 0.720, 2.166, 237),
]

RUSSIA_REGISTERED = "Число избирателей, включенных в список избирателей"
RUSSIA_ISSUED = [
    "Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно",
    "Число избирательных бюллетеней, выданных в помещении для голосования в день голосования",
    "Число избирательных бюллетеней, выданных вне помещения для голосования в день голосования",
]
RUSSIA_VALID = "Число действительных избирательных бюллетеней"
RUSSIA_INVALID = "Число недействительных избирательных бюллетеней"
RUSSIA_LEADER = "Путин Владимир Владимирович"


@pytest.fixture(scope="module")
def albania(shared_data) -> dict:
    frame = pd.read_csv(shared_data / "albania-2013" / "Albania2013.csv")
    parties = [c for c in frame.columns if c.startswith("C0")]
    leader = frame[parties].sum().idxmax()
    return forensics.run_forensics(
        frame["Precincts"].astype(str),
        frame["Registered"],
        frame["Ballots"],
        frame[parties].sum(axis=1),
        frame[leader],
        by=frame["Prefectures"],
        replicates=50,
        seed=1,
    )


@pytest.mark.parametrize(
    ("prefecture", "second_digit_mean", "p05s", "c05s", "skew", "kurt", "stations"), ALBANIA_2013
)
def test_albania_2013_prefecture_table_is_reproduced(
    albania, prefecture, second_digit_mean, p05s, c05s, skew, kurt, stations
):
    group = albania["by"][prefecture]
    assert round(group["second_digit"]["statistic"], 3) == second_digit_mean
    assert round(group["zero_five_percentages"]["statistic"], 3) == p05s
    assert round(group["zero_five_counts"]["statistic"], 3) == c05s
    assert round(group["skewness"]["statistic"], 3) == skew
    assert round(group["kurtosis"]["statistic"], 3) == kurt
    assert group["summary"]["stations"] == stations


def test_albania_2013_through_the_cli_reads_na_cells_and_groups(shared_data, capsys):
    path = shared_data / "albania-2013" / "Albania2013.csv"
    parties = [
        c for c in path.read_text(encoding="utf-8").splitlines()[0].split(",") if c.startswith("C0")
    ]
    code = main(
        [
            "forensics",
            str(path),
            "--station",
            "Precincts",
            "--registered",
            "Registered",
            "--ballots",
            "Ballots",
            "--valid",
            ",".join(parties),
            "--leader",
            "C035",
            "--by",
            "Prefectures",
            "--replicates",
            "20",
            "--json",
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["summary"]["stations"] == 5508
    berat = result["by"]["BERAT"]
    assert [
        round(berat[key]["statistic"], 3)
        for key in (
            "second_digit",
            "zero_five_percentages",
            "zero_five_counts",
            "skewness",
            "kurtosis",
        )
    ] == [4.244, 0.197, 0.217, 0.261, 3.474]


@pytest.fixture(scope="module")
def russia(shared_data) -> dict[str, np.ndarray]:
    frame = read_table(shared_data / "russia-2018" / "2018.csv.zip")

    def counts(name: str) -> np.ndarray:
        return pd.to_numeric(frame[name]).to_numpy(dtype=np.float64)

    return {
        "station": frame["uik"].to_numpy(dtype=object),
        "registered": counts(RUSSIA_REGISTERED),
        "ballots": sum(counts(name) for name in RUSSIA_ISSUED),
        "valid": counts(RUSSIA_VALID),
        "invalid": counts(RUSSIA_INVALID),
        "leader": counts(RUSSIA_LEADER),
    }


@pytest.mark.slow
def test_russia_2018_turnout_leader_share_and_integer_excess(shared_data, capsys):
    """Through the CLI: 67.54 % turnout, 76.69 % leader, excess 1708.8 ± MC error (±10 at 1,000 replicates).

    With the ≤ 0.05 rule of Kobak et al.: 19,271 integer stations of 91,152, exact null
    mean 17,562.4, so the exact excess is 1708.6 (1708.4 under the old < 0.05 rule);
    1,000 Bernoulli replicates (seed 1) give 1707.4.
    """
    path = shared_data / "russia-2018" / "2018.csv.zip"
    code = main(
        [
            "forensics",
            str(path),
            "--station",
            "uik",
            "--registered",
            RUSSIA_REGISTERED,
            "--ballots",
            ",".join(RUSSIA_ISSUED),
            "--valid",
            RUSSIA_VALID,
            "--invalid",
            RUSSIA_INVALID,
            "--leader",
            RUSSIA_LEADER,
            "--seed",
            "1",
            "--json",
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["summary"]["stations"] == 97699
    assert round(100 * result["summary"]["turnout"], 2) == 67.54
    assert round(100 * result["summary"]["leader_share"], 2) == 76.69
    integer = result["integer_percentages"]
    assert integer["replicates"] == 1000
    assert integer["excess_stations"] == pytest.approx(1708.8, abs=10)
    assert integer["observed_integer_stations"] == 19271
    assert integer["observed_integer_stations"] - integer["null_mean_exact"] == pytest.approx(
        1708.8, abs=1
    )
    assert 100 < integer["null_sd"] < 140
    # Textbook signs of the 2018 count: round turnouts, a >1 Sobyanin–Sukhovolsky slope.
    assert result["zero_five_percentages"]["p_value"] < 1e-6
    assert result["sobyanin_sukhovolsky"]["statistic"] > 1
    assert result["impossible_values"]["count_by_rule"] == {
        "ballots in box above ballots issued": 6
    }


@pytest.mark.slow
def test_russia_2018_integer_excess_by_binomial_draws(russia):
    """The literal binomial-draw null gives the same excess (1,000 replicates, ±10)."""
    received = russia["valid"] + russia["invalid"]
    result = forensics.integer_percentages(
        russia["registered"],
        russia["ballots"],
        received,
        russia["leader"],
        replicates=1000,
        seed=2,
        method="binomial",
    )
    assert result["stations_included"] == 91152
    assert result["excess_stations"] == pytest.approx(1708.8, abs=10)


@pytest.mark.slow
def test_russia_vectorised_null_matches_a_per_station_loop_on_a_subset(russia):
    received = russia["valid"] + russia["invalid"]
    keep = np.flatnonzero(
        inclusion_mask(russia["registered"], russia["ballots"], received, russia["leader"])
    )
    subset = keep[:: len(keep) // 400][:400]
    arrays = (
        russia["registered"][subset],
        russia["ballots"][subset],
        received[subset],
        russia["leader"][subset],
    )
    loop = null_counts_by_loop(*arrays, replicates=400, seed=3)
    vectorised = null_integer_counts(*arrays, replicates=4000, seed=4, method="binomial")
    bernoulli = null_integer_counts(*arrays, replicates=4000, seed=5, method="bernoulli")
    for draws in (vectorised, bernoulli):
        error = np.sqrt(loop.var(ddof=1) / loop.size + draws.var(ddof=1) / draws.size)
        assert abs(loop.mean() - draws.mean()) < 4 * error
