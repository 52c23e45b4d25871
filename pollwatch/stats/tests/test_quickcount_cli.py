"""`pollwatch quickcount` and `pollwatch sample` on small files: JSON shape, table, and every bad-input message."""

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
def files(tmp_path):
    """A frame of 60 stations in 4 strata (2 regions) and a sample of 16 stations, 2 not yet reported."""
    rng = np.random.default_rng(3)
    frame_rows = []
    for i in range(60):
        stratum = f"S{i % 4}"
        frame_rows.append([f"st{i:03d}", stratum, "north" if i % 4 < 2 else "south", 500])
    frame = write_csv(
        tmp_path / "frame.csv", ["station", "stratum", "region", "registered"], frame_rows
    )
    sample_rows = []
    for i in range(16):
        a, b, c = rng.integers(50, 150, 3)
        sample_rows.append([f"st{i:03d}", 500, a, b, c, rng.integers(0, 9), i])
    sample_rows[14][2:6] = ["", "", "", ""]
    sample_rows[15][2:6] = ["", "", "", ""]
    header = ["station", "registered", "red", "blue", "green", "spoilt", "arrived"]
    return {"frame": frame, "sample_rows": sample_rows, "header": header, "tmp": tmp_path}


def sample_file(files, rows=None, header=None, name="sample.csv"):
    return write_csv(
        files["tmp"] / name,
        header or files["header"],
        files["sample_rows"] if rows is None else rows,
    )


def run(files, sample, *extra):
    argv = [
        "quickcount",
        sample,
        "--frame",
        files["frame"],
        "--stratum",
        "stratum",
        "--station",
        "station",
        "--registered",
        "registered",
        "--votes",
        "red,blue,green",
        *extra,
    ]
    return main(argv)


def test_json_has_every_documented_key(files, capsys):
    code = run(
        files,
        sample_file(files),
        "--invalid",
        "spoilt",
        "--by",
        "region",
        "--arrival",
        "arrived",
        "--json",
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {
        "shares",
        "turnout",
        "invalid",
        "lead",
        "call",
        "stations",
        "strata",
        "warnings",
        "by",
    }
    assert set(out["shares"]) == {"red", "blue", "green"}
    assert set(out["shares"]["red"]) == {"estimate", "se", "ci"}
    assert set(out["lead"]) == {"first", "second", "estimate", "se", "ci"}
    assert out["call"]["status"] in {"decided", "too close", "not enough data"}
    assert out["call"]["reason"]
    assert out["stations"] == 14 and out["sampled_stations"] == 16
    assert set(out["by"]) == {"north", "south"}
    assert sum(s["estimate"] for s in out["shares"].values()) == pytest.approx(1.0)
    for estimate in [*out["shares"].values(), out["turnout"], out["invalid"]]:
        assert 0 <= estimate["ci"][0] <= estimate["estimate"] <= estimate["ci"][1] <= 1


def test_bootstrap_and_convergence_options(files, capsys):
    code = run(
        files,
        sample_file(files),
        "--method",
        "bootstrap",
        "--replicates",
        "200",
        "--seed",
        "1",
        "--convergence",
        "5",
        "--json",
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "bootstrap"
    assert [p["stations"] for p in out["convergence"]] == [5, 10, 14]


def test_readable_table_without_json(files, capsys):
    assert run(files, sample_file(files), "--invalid", "spoilt") == 0
    text = capsys.readouterr().out
    assert "Quick count: 14 of 16 sampled stations reported" in text
    assert "turnout" in text and "Call:" in text


def test_frame_strata_without_sampled_stations_are_a_warning(files, capsys, tmp_path):
    rows = [r for r in files["sample_rows"] if int(r[0][2:]) % 4 != 3]
    assert run(files, sample_file(files, rows), "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["strata"]["missing"] == ["S3"]
    assert any("no reporting station" in w for w in out["warnings"])


def expect_error(files, capsys, sample, *fragments, extra=()):
    assert run(files, sample, *extra) == 2
    err = capsys.readouterr().err
    for fragment in fragments:
        assert fragment in err, err
    return err


def test_missing_column_is_named(files, capsys):
    expect_error(
        files,
        capsys,
        sample_file(files),
        "'purple'",
        "missing column",
        extra=("--votes", "red,purple"),
    )


def test_non_numeric_cell_names_row_and_column(files, capsys):
    rows = [list(r) for r in files["sample_rows"]]
    rows[3][3] = "12x"
    expect_error(files, capsys, sample_file(files, rows), "row 5", "column 'blue'", "not a number")


def test_negative_count_names_row_and_column(files, capsys):
    rows = [list(r) for r in files["sample_rows"]]
    rows[0][2] = "-4"
    expect_error(files, capsys, sample_file(files, rows), "row 2", "column 'red'", "negative")


def test_votes_above_registered_voters_name_the_station(files, capsys):
    rows = [list(r) for r in files["sample_rows"]]
    rows[2][1] = "100"
    expect_error(
        files,
        capsys,
        sample_file(files, rows),
        "row 4",
        "st002",
        "registered voters",
        "red,blue,green",
    )
    assert run(files, sample_file(files, rows), "--allow-over-registered", "--json") == 0


def test_station_absent_from_frame_is_named(files, capsys):
    rows = [list(r) for r in files["sample_rows"]]
    rows[5][0] = "ghost"
    expect_error(files, capsys, sample_file(files, rows), "row 7", "'ghost'", "not in the frame")


def test_duplicate_station_in_sample_is_named(files, capsys):
    rows = [list(r) for r in files["sample_rows"]]
    rows[6][0] = rows[1][0]
    expect_error(files, capsys, sample_file(files, rows), "row 8", "'st001'", "more than once")


def test_empty_stratum_in_frame_is_named(files, capsys, tmp_path):
    frame = write_csv(
        tmp_path / "frame2.csv", ["station", "stratum"], [["st000", "S0"], ["st001", ""]]
    )
    files = {**files, "frame": frame}
    expect_error(
        files,
        capsys,
        sample_file(files, files["sample_rows"][:2]),
        "row 3",
        "column 'stratum'",
        "empty cell",
    )


def test_partly_empty_result_row_is_an_error(files, capsys):
    rows = [list(r) for r in files["sample_rows"]]
    rows[4][3] = ""
    expect_error(files, capsys, sample_file(files, rows), "row 6", "column 'blue'", "st004")


def test_sample_stratum_disagreeing_with_frame_is_named(files, capsys):
    header = [*files["header"], "stratum"]
    rows = [[*r, f"S{int(r[0][2:]) % 4}"] for r in files["sample_rows"]]
    rows[1][-1] = "S9"
    expect_error(files, capsys, sample_file(files, rows, header), "row 3", "'S9'", "in the frame")


def test_sample_command_writes_roles_ranks_and_weights(tmp_path, capsys):
    frame = write_csv(
        tmp_path / "frame.csv",
        ["station", "stratum", "registered"],
        [[f"s{i}", f"h{i % 3}", 100 + i] for i in range(90)],
    )
    out = str(tmp_path / "sample.csv")
    argv = [
        "sample",
        frame,
        "--stratum",
        "stratum",
        "--size",
        "12",
        "--seed",
        "9",
        "--reserve",
        "2",
        "-o",
        out,
    ]
    assert main(argv) == 0
    with open(out, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {"sample_role", "reserve_rank", "weight"} <= set(rows[0])
    sampled = [r for r in rows if r["sample_role"] == "sampled"]
    reserves = [r for r in rows if r["sample_role"] == "reserve"]
    assert len(sampled) == 12 and len(reserves) == 6
    assert {float(r["weight"]) for r in sampled} == {7.5}
    assert not {r["station"] for r in sampled} & {r["station"] for r in reserves}
    assert sorted(r["reserve_rank"] for r in reserves) == ["1", "1", "1", "2", "2", "2"]
    again = str(tmp_path / "again.csv")
    assert main([*argv[:-1], again]) == 0
    assert open(out, encoding="utf-8").read() == open(again, encoding="utf-8").read()
    assert (
        main(
            [
                "sample",
                frame,
                "--stratum",
                "stratum",
                "--size",
                "12",
                "--seed",
                "9",
                "--method",
                "pps",
                "--size-column",
                "registered",
                "-o",
                out,
            ]
        )
        == 0
    )


def test_sample_size_calculator(capsys):
    assert (
        main(
            [
                "sample",
                "--size-for-margin",
                "0.01",
                "--voters-per-station",
                "500",
                "--turnout",
                "0.6",
                "--icc",
                "0.05",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "stations needed:" in out and "design effect: 15.95" in out


def test_sample_command_bad_input_exits_2(tmp_path, capsys):
    frame = write_csv(tmp_path / "frame.csv", ["station", "stratum"], [["a", "x"], ["b", "x"]])
    assert main(["sample", frame, "--stratum", "nope", "--size", "2", "--seed", "1"]) == 2
    assert "'nope'" in capsys.readouterr().err
    assert main(["sample", frame, "--stratum", "stratum", "--size", "5", "--seed", "1"]) == 2
    assert "larger than the frame" in capsys.readouterr().err


def test_duplicate_station_in_frame_is_named(files, capsys, tmp_path):
    frame = write_csv(
        tmp_path / "dup.csv",
        ["station", "stratum"],
        [["st000", "S0"], ["st001", "S0"], ["st000", "S1"]],
    )
    files = {**files, "frame": frame}
    expect_error(
        files,
        capsys,
        sample_file(files, files["sample_rows"][:2]),
        "row 4",
        "'st000'",
        "more than once",
    )


def test_empty_registered_cell_of_a_reporting_station_is_named(files, capsys):
    rows = [list(r) for r in files["sample_rows"]]
    rows[7][1] = ""
    expect_error(files, capsys, sample_file(files, rows), "row 9", "column 'registered'", "st007")


def test_registered_voters_can_come_from_the_frame(files, capsys):
    rows = [[r[0], *r[2:]] for r in files["sample_rows"]]
    header = [h for h in files["header"] if h != "registered"]
    assert run(files, sample_file(files, rows, header), "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert 0 < out["turnout"]["estimate"] < 1


def test_reserve_rows_from_pollwatch_sample_are_skipped(files, capsys):
    header = [*files["header"], "sample_role"]
    rows = [[*r, "sampled"] for r in files["sample_rows"]]
    rows[0][-1] = "reserve"
    assert run(files, sample_file(files, rows, header), "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["sampled_stations"] == 15
    assert any("reserve rows" in w for w in out["warnings"])


def _pps_sample_with_results(tmp_path):
    """`pollwatch sample --method pps` on a frame whose big stations vote differently, results filled in."""
    rng = np.random.default_rng(8)
    registered = np.round(rng.lognormal(6.5, 0.6, 300)).astype(int)
    red = np.round(0.6 * registered * np.clip(0.35 + 0.08 * (np.log(registered) - 6.5), 0, 1))
    rows = [
        [f"s{i}", f"h{i % 3}", int(registered[i]), int(red[i]), int(0.6 * registered[i] - red[i])]
        for i in range(300)
    ]
    frame = write_csv(
        tmp_path / "frame.csv", ["station", "stratum", "registered", "red", "blue"], rows
    )
    drawn = str(tmp_path / "sample.csv")
    argv = ["sample", frame, "--stratum", "stratum", "--size", "30", "--seed", "4"]
    assert main([*argv, "--method", "pps", "--size-column", "registered", "-o", drawn]) == 0
    return frame, drawn


def test_weight_takes_pps_weights_from_pollwatch_sample(tmp_path, capsys):
    frame, drawn = _pps_sample_with_results(tmp_path)
    base = ["quickcount", drawn, "--frame", frame, "--stratum", "stratum", "--station", "station"]
    base += ["--registered", "registered", "--votes", "red,blue", "--json"]
    assert main([*base, "--weight", "weight"]) == 0
    weighted = json.loads(capsys.readouterr().out)
    assert main(base) == 0
    plain = json.loads(capsys.readouterr().out)
    assert weighted["design"]["weights"] == "recorded (1/π)"
    assert weighted["design"]["strata_with_replacement_variance"] == 3
    assert plain["design"]["weights"] == "N_h/n_h"
    # Big stations are over-represented by PPS: unweighted, their candidate is overestimated.
    with open(frame, encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    truth = sum(float(r["red"]) for r in table) / sum(
        float(r["red"]) + float(r["blue"]) for r in table
    )
    assert abs(weighted["shares"]["red"]["estimate"] - truth) < abs(
        plain["shares"]["red"]["estimate"] - truth
    )


def test_a_sampled_row_without_a_weight_is_named(tmp_path, capsys):
    frame, drawn = _pps_sample_with_results(tmp_path)
    with open(drawn, encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[2][rows[0].index("weight")] = ""
    broken = write_csv(tmp_path / "broken.csv", rows[0], rows[1:])
    argv = ["quickcount", broken, "--frame", frame, "--stratum", "stratum", "--station"]
    argv += ["station", "--registered", "registered", "--votes", "red,blue", "--weight", "weight"]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert "row 3" in error and "weight" in error and "replaces" in error
