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
