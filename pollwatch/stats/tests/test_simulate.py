"""The simulated election: deterministic, internally consistent, fraud only in the protocols."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import phonenumbers
import pytest

from pollwatch.cli import main
from pollwatch.stats.simulate import parse_fraud, simulate_election

CANDIDATES = [f"C{i}" for i in range(1, 8)]
RESULT_COLUMNS = [
    "code",
    "region_code",
    "district_code",
    "stratum",
    "registered_voters",
    "ballots_issued",
    "ballots_cast",
    "invalid",
    "valid",
    *CANDIDATES,
]
STATION_COLUMNS = [
    "code",
    "name",
    "region_code",
    "region_name",
    "region_name_az",
    "district_code",
    "district_name",
    "district_name_az",
    "registered_voters",
    "latitude",
    "longitude",
    "newly_included",
    "abroad",
    "special",
]
FRAUD = "stuffing:0.1,rewrite:0.05,carousel:0.02"


@pytest.fixture(scope="module")
def clean():
    return simulate_election(seed=3)


@pytest.fixture(scope="module")
def rigged():
    return simulate_election(seed=3, fraud=FRAUD)


@pytest.fixture(scope="module")
def written(tmp_path_factory, rigged):
    directory = tmp_path_factory.mktemp("sim")
    rigged.write(directory)
    return directory


def read(directory, name):
    return pd.read_csv(directory / name, dtype=str, keep_default_na=False)


def test_same_seed_gives_byte_identical_files(tmp_path, written):
    simulate_election(seed=3, fraud=FRAUD).write(tmp_path)
    for name in [
        "stations.csv",
        "candidates.csv",
        "results.csv",
        "truth.csv",
        "people.csv",
        "truth.json",
    ]:
        assert (tmp_path / name).read_bytes() == (written / name).read_bytes(), name


def test_another_seed_gives_another_election(clean):
    other = simulate_election(seed=4)
    assert not other.truth["C1"].equals(clean.truth["C1"])


def test_files_have_the_agreed_columns_in_order(written):
    assert list(read(written, "stations.csv").columns) == STATION_COLUMNS
    assert list(read(written, "results.csv").columns) == RESULT_COLUMNS
    assert list(read(written, "truth.csv").columns) == [*RESULT_COLUMNS, "fraud"]
    assert list(read(written, "candidates.csv").columns) == [
        "code",
        "name",
        "party",
        "ballot_order",
        "colour",
    ]
    assert list(read(written, "people.csv").columns) == [
        "code",
        "name",
        "phone",
        "email",
        "role",
        "area_code",
        "language",
    ]


def test_country_has_the_expected_shape(written):
    stations = read(written, "stations.csv")
    assert len(stations) == 6500
    assert stations["code"].is_unique
    assert stations["code"].str.fullmatch(r"D\d{3}-\d{4}").all()
    assert 120 <= stations["district_code"].nunique() <= 130
    assert 10 <= stations["region_code"].nunique() <= 15
    assert set(stations["newly_included"]) == {"0", "1"}
    assert set(stations["abroad"]) == {"0", "1"}
    assert set(stations["special"]) == {"", "military", "hospital", "prison"}
    abroad = stations[stations["abroad"] == "1"]
    assert 10 <= len(abroad) <= 80
    assert (abroad["region_name"] == "Abroad").all()
    assert (abroad["region_name_az"] == "Xarici ölkələr").all()
    assert (abroad["latitude"] == "").all() and (abroad["longitude"] == "").all()
    home = stations[stations["abroad"] == "0"]
    lat, lon = home["latitude"].astype(float), home["longitude"].astype(float)
    assert lat.between(38.4, 41.9).all() and lon.between(44.8, 50.6).all()
    registered = stations["registered_voters"].astype(int)
    newly = stations["newly_included"] == "1"
    assert 10 <= newly.sum() <= 150
    assert registered[newly].median() < registered[~newly].median() / 2
    assert registered.between(20, 3000).all()
    assert 0.01 <= (stations["special"] != "").mean() <= 0.03
    assert stations["region_name_az"].str.contains("ə").any()


def test_true_counts_are_possible(rigged):
    truth = rigged.truth
    counts = truth[RESULT_COLUMNS[4:]].to_numpy()
    assert (counts >= 0).all()
    assert (truth["valid"] == truth[CANDIDATES].sum(axis=1)).all()
    assert (truth["ballots_cast"] == truth["valid"] + truth["invalid"]).all()
    assert (truth["ballots_cast"] <= truth["ballots_issued"]).all()
    assert (truth["ballots_issued"] <= truth["registered_voters"]).all()
    assert (truth["stratum"] == truth["district_code"]).all()


def test_official_protocols_add_up_even_when_rigged(rigged):
    results = rigged.results
    assert (results[RESULT_COLUMNS[4:]].to_numpy() >= 0).all()
    assert (results["valid"] == results[CANDIDATES].sum(axis=1)).all()
    assert (results["ballots_cast"] == results["valid"] + results["invalid"]).all()
    assert (results["ballots_cast"] <= results["registered_voters"]).all()
    # Only careless rewrites leave more ballots in the box than were issued.
    impossible = results["ballots_cast"] > results["ballots_issued"]
    assert impossible.any()
    assert (rigged.truth.loc[impossible, "fraud"] == "rewrite").all()


def test_national_figures_are_realistic(clean):
    truth = clean.summary["truth"]
    assert 0.55 <= truth["turnout"] <= 0.70
    assert 0.66 <= truth["shares"]["C1"] <= 0.74
    assert 0.01 <= truth["invalid_share"] <= 0.02
    assert max(truth["shares"][c] for c in CANDIDATES[1:]) < 0.15
    assert clean.summary["official"] == truth


def test_fraud_changes_results_but_not_truth(clean, rigged):
    pd.testing.assert_frame_equal(
        clean.truth.drop(columns="fraud"), rigged.truth.drop(columns="fraud")
    )
    pd.testing.assert_frame_equal(clean.stations, rigged.stations)
    assert (clean.truth["fraud"] == "").all()
    pd.testing.assert_frame_equal(clean.truth.drop(columns="fraud"), clean.results)
    labels = rigged.truth["fraud"]
    rigged_rows = labels != ""
    assert not rigged.results.equals(rigged.truth.drop(columns="fraud"))
    pd.testing.assert_frame_equal(
        rigged.results[~rigged_rows], rigged.truth.drop(columns="fraud")[~rigged_rows]
    )
    assert set(labels) == {"", "stuffing", "rewrite", "carousel"}
    domestic = (rigged.stations["abroad"] == 0).sum()
    assert (labels == "stuffing").sum() == round(0.1 * domestic)
    assert (labels[rigged.stations["abroad"] == 1] == "").all()


@pytest.mark.parametrize("kind", ["stuffing", "rewrite", "carousel"])
def test_each_fraud_raises_incumbent_votes_and_turnout_where_injected(rigged, kind):
    rows = rigged.truth["fraud"] == kind
    truth, official = rigged.truth[rows], rigged.results[rows]
    assert rows.sum() > 0
    assert (official["C1"] >= truth["C1"]).all()
    assert (official["C1"] > truth["C1"]).mean() > 0.9
    true_turnout = truth["ballots_cast"] / truth["registered_voters"]
    official_turnout = official["ballots_cast"] / official["registered_voters"]
    assert (official_turnout >= true_turnout - 1e-12).all()
    assert official_turnout.mean() > true_turnout.mean() + 0.01
    share = official["C1"] / official["valid"]
    assert share.mean() > (truth["C1"] / truth["valid"]).mean()
    summary = rigged.summary
    assert summary["official"]["turnout"] > summary["truth"]["turnout"]
    assert summary["official"]["shares"]["C1"] > summary["truth"]["shares"]["C1"]


def test_rewritten_protocols_show_integer_percentages(rigged):
    rows = rigged.truth["fraud"] == "rewrite"
    official = rigged.results[rows & (rigged.results["registered_voters"] >= 1000)]
    turnout = 100 * official["ballots_cast"] / official["registered_voters"]
    assert (np.abs(turnout - turnout.round()) <= 0.05).mean() > 0.9
    honest = rigged.results[~rows & (rigged.results["registered_voters"] >= 1000)]
    honest_turnout = 100 * honest["ballots_cast"] / honest["registered_voters"]
    assert (np.abs(honest_turnout - honest_turnout.round()) <= 0.05).mean() < 0.3


def test_truth_json_matches_truth_csv_and_results_csv(written):
    summary = json.loads((written / "truth.json").read_text(encoding="utf-8"))
    for name, key in [("truth.csv", "truth"), ("results.csv", "official")]:
        frame = pd.read_csv(written / name, keep_default_na=False)
        assert summary[key]["turnout"] == pytest.approx(
            frame["ballots_cast"].sum() / frame["registered_voters"].sum(), abs=1e-6
        )
        assert summary[key]["invalid_share"] == pytest.approx(
            frame["invalid"].sum() / frame["ballots_cast"].sum(), abs=1e-6
        )
        for code in CANDIDATES:
            assert summary[key]["shares"][code] == pytest.approx(
                frame[code].sum() / frame["valid"].sum(), abs=1e-6
            )
    assert summary["seed"] == 3 and summary["stations"] == 6500
    assert summary["fraud"]["stuffing"]["share"] == 0.1
    truth = read(written, "truth.csv")
    assert summary["fraud"]["rewrite"]["stations"] == (truth["fraud"] == "rewrite").sum()


def test_candidates_have_distinct_colours(written):
    candidates = read(written, "candidates.csv")
    assert list(candidates["code"]) == CANDIDATES
    assert candidates["colour"].str.fullmatch(r"#[0-9A-Fa-f]{6}").all()
    assert candidates["colour"].str.lower().is_unique
    assert list(candidates["ballot_order"]) == [str(i) for i in range(1, 8)]


def test_people_phones_parse_as_unique_azerbaijani_mobiles(written):
    people = read(written, "people.csv")
    observers = people[people["role"] == "observer"]
    supervisors = people[people["role"] == "supervisor"]
    assert len(observers) == 600 and len(supervisors) == 30
    assert people["code"].str.fullmatch(r"\d{4,5}").all() and people["code"].is_unique
    e164 = []
    for phone in people["phone"]:
        number = phonenumbers.parse(phone, "AZ")
        assert phonenumbers.is_valid_number(number), phone
        assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE, phone
        e164.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    assert all(p.startswith("+994") and len(p) == 13 for p in e164)
    assert len(set(e164)) == len(e164)
    assert people["phone"].str.contains(" ").any() and (~people["phone"].str.contains(" ")).any()
    assert people["email"].is_unique
    assert set(people["language"]) <= {"az", "ru", "en"}
    districts = set(read(written, "stations.csv")["district_code"])
    assert set(people["area_code"]) <= districts
    assert people["name"].str.contains("[əşçğüöı]", regex=True).any()


def test_fraud_spec_is_parsed_or_rejected_clearly():
    assert parse_fraud("stuffing:0.1, rewrite:5%") == {"rewrite": 0.05, "stuffing": 0.1}
    assert parse_fraud({"carousel": 0.2}) == {"carousel": 0.2}
    assert parse_fraud(None) == {} and parse_fraud("") == {}
    for bad in [
        "ballots:0.1",
        "stuffing",
        "stuffing:lots",
        "stuffing:1.5",
        "stuffing:0.6,rewrite:0.6",
    ]:
        with pytest.raises(ValueError):
            parse_fraud(bad)


def test_tiny_elections_still_work():
    for n in (1, 7, 150):
        election = simulate_election(stations=n, seed=1, fraud="stuffing:0.5", observers=3)
        assert len(election.results) == n
        assert (election.truth["valid"] == election.truth[CANDIDATES].sum(axis=1)).all()


def test_large_election_is_fast_and_consistent(tmp_path):
    election = simulate_election(
        stations=200_000, seed=1, fraud="rewrite:0.05", observers=50, progress=False
    )
    truth = election.truth
    assert len(truth) == 200_000 and truth["code"].is_unique
    assert (truth["valid"] == truth[CANDIDATES].sum(axis=1)).all()
    assert (truth["ballots_cast"] <= truth["registered_voters"]).all()
    assert truth["district_code"].nunique() == 125
    paths = election.write(tmp_path, progress=False)
    with open(paths["results.csv"], encoding="utf-8") as handle:
        assert sum(1 for _ in handle) == 200_001


def test_command_writes_the_files_and_rejects_bad_fraud(tmp_path, capsys):
    assert (
        main(
            [
                "simulate",
                "--stations",
                "300",
                "--seed",
                "2",
                "--observers",
                "20",
                "--fraud",
                "stuffing:0.1",
                "--fraud",
                "rewrite:0.05",
                "-o",
                str(tmp_path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "300 stations" in out and "stuffing" in out
    assert {p.name for p in tmp_path.iterdir()} == {
        "stations.csv",
        "candidates.csv",
        "results.csv",
        "truth.csv",
        "people.csv",
        "truth.json",
    }
    assert main(["simulate", "--fraud", "bribery:0.1", "-o", str(tmp_path / "x")]) == 2
    assert "unknown fraud kind" in capsys.readouterr().err
