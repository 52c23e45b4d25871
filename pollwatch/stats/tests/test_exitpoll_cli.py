"""`pollwatch exitpoll` on small files: JSON keys, options, and bad-input messages."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from pollwatch.cli import main


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


@pytest.fixture
def poll(tmp_path):
    rng = np.random.default_rng(5)
    rows = []
    for s in range(12):
        for j in range(15):
            rows.append(
                [f"p{s}", "AB"[int(rng.random() < 0.4)], rng.choice(["f", "m"]), s * 100 + j]
            )
    interviews = write_csv(tmp_path / "interviews.csv", ["station", "vote", "sex", "time"], rows)
    frame = write_csv(
        tmp_path / "frame.csv", ["station", "stratum"], [[f"p{s}", f"h{s % 3}"] for s in range(30)]
    )
    counts = write_csv(
        tmp_path / "voters.csv", ["station", "voters"], [[f"p{s}", 300 + 10 * s] for s in range(12)]
    )
    margins = write_csv(
        tmp_path / "margins.csv",
        ["variable", "category", "share"],
        [["sex", "f", 0.52], ["sex", "m", 0.48]],
    )
    official = write_csv(
        tmp_path / "official.csv", ["station", "A", "B"], [[f"p{s}", 120, 180] for s in range(12)]
    )
    return {
        "interviews": interviews,
        "frame": frame,
        "counts": counts,
        "margins": margins,
        "official": official,
        "tmp": tmp_path,
        "rows": rows,
    }


def test_exitpoll_json_with_every_option(poll, capsys):
    argv = [
        "exitpoll",
        poll["interviews"],
        "--station",
        "station",
        "--choice",
        "vote",
        "--stratum",
        "stratum",
        "--frame",
        poll["frame"],
        "--voters",
        poll["counts"],
        "--rake",
        poll["margins"],
        "--official",
        poll["official"],
        "--arrival",
        "time",
        "--json",
    ]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {
        "shares",
        "lead",
        "call",
        "design_effect",
        "intracluster_correlation",
        "respondents",
        "stations",
        "raking",
        "within_precinct_error",
        "warnings",
    }
    assert set(out["shares"]) == {"A", "B"}
    assert out["respondents"] == 180 and out["stations"] == 12
    assert out["raking"]["converged"]
    assert out["within_precinct_error"]["stations"] == 12
    assert sum(s["estimate"] for s in out["shares"].values()) == pytest.approx(1.0)


def test_exitpoll_table(poll, capsys):
    assert main(["exitpoll", poll["interviews"], "--station", "station", "--choice", "vote"]) == 0
    assert "Exit poll: 180 respondents at 12 stations" in capsys.readouterr().out


def test_exitpoll_station_missing_from_frame_or_counts_is_named(poll, capsys):
    frame = write_csv(
        poll["tmp"] / "small_frame.csv", ["station", "stratum"], [[f"p{s}", "h"] for s in range(11)]
    )
    assert (
        main(
            [
                "exitpoll",
                poll["interviews"],
                "--station",
                "station",
                "--choice",
                "vote",
                "--stratum",
                "stratum",
                "--frame",
                frame,
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "'p11'" in err and "not in the frame" in err and "row 167" in err
    counts = write_csv(poll["tmp"] / "few.csv", ["station", "voters"], [["p0", 10]])
    assert (
        main(
            [
                "exitpoll",
                poll["interviews"],
                "--station",
                "station",
                "--choice",
                "vote",
                "--voters",
                counts,
            ]
        )
        == 2
    )
    assert "no voter count for polled station 'p1'" in capsys.readouterr().err


def test_exitpoll_bad_cells_are_named(poll, capsys):
    counts = write_csv(poll["tmp"] / "bad.csv", ["station", "voters"], [["p0", "many"]])
    assert (
        main(
            [
                "exitpoll",
                poll["interviews"],
                "--station",
                "station",
                "--choice",
                "vote",
                "--voters",
                counts,
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "row 2" in err and "column 'voters'" in err and "not a number" in err
    assert main(["exitpoll", poll["interviews"], "--station", "nope", "--choice", "vote"]) == 2
    assert "'nope'" in capsys.readouterr().err
    margins = write_csv(
        poll["tmp"] / "m.csv", ["variable", "category", "share"], [["sex", "f", 1.0]]
    )
    assert (
        main(
            [
                "exitpoll",
                poll["interviews"],
                "--station",
                "station",
                "--choice",
                "vote",
                "--rake",
                margins,
            ]
        )
        == 2
    )
    assert "without a margin" in capsys.readouterr().err


def test_exitpoll_inclusion_and_voters_columns(poll, capsys):
    rows = [[*r, 0.4, 300 + int(r[0][1:])] for r in poll["rows"]]
    path = write_csv(
        poll["tmp"] / "with_columns.csv", ["station", "vote", "sex", "time", "pi", "left"], rows
    )
    argv = [
        "exitpoll",
        path,
        "--station",
        "station",
        "--choice",
        "vote",
        "--inclusion",
        "pi",
        "--voters-column",
        "left",
        "--json",
    ]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["stations"] == 12
    rows[3][5] = 999
    path = write_csv(
        poll["tmp"] / "uneven.csv", ["station", "vote", "sex", "time", "pi", "left"], rows
    )
    assert main([argv[0], path, *argv[2:]]) == 2
    err = capsys.readouterr().err
    assert "row 5" in err and "column 'left'" in err and "'p0'" in err
