"""`pollwatch quickcount --calibrate` and region folding, from files, through the web's figure path."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pollwatch.cli import main


@pytest.fixture
def files(tmp_path):
    """Two districts in one region plus a dark district; half of each district rural.

    Rural stations vote A 30 %, urban A 70 %: the truth is 50 %. Most rural
    stations have not reported.
    """
    rows = []
    for district, region in (("D1", "R1"), ("D2", "R1"), ("D3", "R1")):
        for i in range(10):
            rural = "yes" if i >= 5 else "no"
            rows.append(
                {
                    "station": f"{district}-{i}",
                    "district": district,
                    "region": region,
                    "rural": rural,
                    "registered": 1000 if rural == "no" else 400,
                }
            )
    frame = pd.DataFrame(rows)
    frame.to_csv(tmp_path / "frame.csv", index=False)
    sample = frame[frame.station.str[-1].isin(list("01256"))].copy()
    sample["A"] = [str(70 if r == "no" else 30) for r in sample.rural]
    sample["B"] = [str(30 if r == "no" else 70) for r in sample.rural]
    late = sample.station.isin(["D1-6", "D2-5", "D2-6"]) | (sample.district == "D3")
    sample.loc[late, ["A", "B"]] = ""
    sample.drop(columns=["district", "region", "rural"]).to_csv(
        tmp_path / "sample.csv", index=False
    )
    return tmp_path


def _run(files, *extra, capsys):
    code = main(
        [
            "quickcount",
            str(files / "sample.csv"),
            "--frame",
            str(files / "frame.csv"),
            "--stratum",
            "district",
            "--station",
            "station",
            "--registered",
            "registered",
            "--votes",
            "A,B",
            "--json",
            *extra,
        ]
    )
    captured = capsys.readouterr()
    return code, captured


def test_calibrating_to_a_frame_column_stands_late_rural_stations_for_their_share(files, capsys):
    code, captured = _run(files, "--by", "region", capsys=capsys)
    assert code == 0, captured.err
    raw = json.loads(captured.out)
    code, captured = _run(files, "--by", "region", "--calibrate", "rural", capsys=capsys)
    assert code == 0, captured.err
    calibrated = json.loads(captured.out)
    # reported: 3 urban + 1 rural in D1, 3 urban + 0 rural in D2 -> A 60 % raw
    assert raw["shares"]["A"]["estimate"] > 0.58
    assert calibrated["shares"]["A"]["estimate"] == pytest.approx(0.50)
    assert calibrated["calibration"]["variables"] == ["rural"]
    # D2's empty rural cell borrows D1's rural stations; D3 (nothing in) from the most similar district
    folded = dict(map(tuple, calibrated["strata"]["folded"]))
    assert folded["D2 · yes"] == "D1 · yes"
    # the call counts D3 as uncovered: 2 of 3 districts
    assert calibrated["coverage"]["frame"] == pytest.approx(2 / 3)
    assert calibrated["threshold_call"]["status"] == "not enough data"
    rows = {(r["variable"], r["category"]): r for r in calibrated["early_late"]["rows"]}
    assert rows[("rural", "yes")]["second"] > rows[("rural", "yes")]["first"]


def test_a_calibration_column_missing_from_the_frame_is_named(files, capsys):
    code, captured = _run(files, "--calibrate", "urbanity", capsys=capsys)
    assert code == 2
    assert "urbanity" in captured.err


def test_without_regions_a_dark_district_is_left_out_and_said_so(files, capsys):
    code, captured = _run(files, capsys=capsys)
    assert code == 0
    result = json.loads(captured.out)
    assert result["strata"]["folded"] == []
    assert any("D3" in w and "left out" in w for w in result["warnings"])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (",", "no calibration column named"),
        ("rural,rural", "named twice: rural"),
        ("urbanity", "urbanity"),
    ],
)
def test_a_calibration_option_that_names_no_usable_column_is_an_error(files, capsys, spec, message):
    code, captured = _run(files, "--calibrate", spec, capsys=capsys)
    assert code == 2
    assert message in captured.err


def test_calibration_values_that_are_too_long_or_hold_the_joining_character_are_named(
    files, capsys
):
    frame = pd.read_csv(files / "frame.csv", dtype=str)
    frame["label"] = "ok"
    frame.loc[3, "label"] = "x" * 61
    frame.loc[7, "label"] = "a|b"
    frame.to_csv(files / "frame.csv", index=False)
    code, captured = _run(files, "--calibrate", "label", capsys=capsys)
    assert code == 2
    assert "row 5, column 'label': longer than 60 characters" in captured.err
    assert "row 9, column 'label': a category may not contain \"|\"" in captured.err


def test_calibrating_by_a_column_with_one_category_per_stratum_says_it_changes_nothing(
    files, capsys
):
    code, captured = _run(files, "--calibrate", "district", capsys=capsys)
    assert code == 0
    result = json.loads(captured.out)
    assert any("changes nothing" in w for w in result["warnings"])
    assert result["calibration"]["cell_sizes"] == "frame counts (post-stratification)"
