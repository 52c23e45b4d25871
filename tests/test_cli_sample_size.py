"""`pollwatch sample --size-for-margin / --size-for-lead`: the sizing calculator on the command line."""

from __future__ import annotations

import pytest

from pollwatch.cli import main

CLUSTERED = ["--voters-per-station", "500", "--turnout", "0.6", "--icc", "0.05"]


def test_size_for_lead_prints_the_worst_case_and_the_power_it_gives(capsys):
    assert main(["sample", "--size-for-lead", "0.02", *CLUSTERED]) == 0
    out = capsys.readouterr().out
    assert "stations needed: 511" in out
    assert "lead variance per voter: 1.0000 (worst case 0.5, 0.5)" in out
    assert "voter-level SRS size for the lead: 9604 voters" in out
    assert "design effect: 15.95" in out
    assert "probability about 50% (raise it with --power)" in out
    assert "non-response" not in out


def test_size_for_lead_with_shares_and_response_rate_shows_the_inflation(capsys):
    argv = ["sample", "--size-for-lead", "0.02", *CLUSTERED, "--shares", "0.45,0.40"]
    assert main([*argv, "--response-rate", "0.9"]) == 0
    out = capsys.readouterr().out
    assert "stations needed: 482" in out
    assert "lead variance per voter: 0.8475 (shares 0.45, 0.4)" in out
    assert "non-response: 433 reporting stations / response rate 0.9 = 482 to sample" in out


def test_size_for_lead_with_power_and_frame(capsys):
    argv = ["sample", "--size-for-lead", "0.02", *CLUSTERED, "--shares", "0.45,0.40"]
    assert main([*argv, "--power", "0.8", "--frame-stations", "130777"]) == 0
    out = capsys.readouterr().out
    # (1.96 + 0.8416)² · 0.8475 / 0.02² · 15.95 / 300 = 884.15; FPC over 130777 → 878.2
    assert "stations needed: 879" in out
    assert "finite-population correction for 130777 stations applied" in out
    assert "probability about 80%" in out


def test_size_for_margin_is_unchanged_and_takes_a_response_rate(capsys):
    argv = ["sample", "--size-for-margin", "0.01", *CLUSTERED, "--frame-stations", "130777"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "stations needed: 509" in out
    assert "non-response" not in out
    assert main([*argv, "--response-rate", "0.8"]) == 0
    out = capsys.readouterr().out
    assert "stations needed: 637" in out  # ceil(509 / 0.8)
    assert "non-response: 509 reporting stations / response rate 0.8 = 637 to sample" in out


def test_size_for_lead_counts_the_frame_rows_for_the_fpc(tmp_path, capsys):
    frame = tmp_path / "frame.csv"
    frame.write_text("station,district\n" + "".join(f"s{i},d{i % 3}\n" for i in range(1000)))
    assert main(["sample", str(frame), "--size-for-lead", "0.02", *CLUSTERED]) == 0
    out = capsys.readouterr().out
    # 510.594 / (1 + 510.594/1000) = 338.009
    assert "stations needed: 339" in out
    assert "finite-population correction for 1000 stations applied" in out


def test_the_two_sizing_options_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["sample", "--size-for-lead", "0.02", "--size-for-margin", "0.01", *CLUSTERED])
    assert exit_.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--size-for-lead", "0.02", "--shares", "x"], "--shares takes the top two"),
        (["--size-for-lead", "0.02", "--shares", "0.4,0.3,0.2"], "--shares takes the top two"),
        (["--size-for-lead", "0.02", "--shares", "0.7,0.5"], "shares must be"),
        (["--size-for-lead", "0.02", "--response-rate", "0"], "--response-rate must be"),
        (["--size-for-margin", "0.01", "--response-rate", "1.5"], "--response-rate must be"),
        (["--size-for-lead", "0.02", "--power", "0.2"], "power must be"),
        (["--size-for-lead", "0.02", "--confidence", "95"], "--confidence must be"),
        (["--size-for-lead", "0"], "lead must be"),
        (["--size-for-margin", "0.01", "--shares", "0.5,0.4"], "go with --size-for-lead"),
        (
            ["--size-for-lead", "0.02", "--frame-stations", "100", "--response-rate", "0.5"],
            "more than the frame",
        ),
    ],
)
def test_bad_values_exit_2_with_a_message(extra, message, capsys):
    assert main(["sample", *extra, *CLUSTERED]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.err.startswith("pollwatch sample: ")
    assert captured.out == ""


def test_size_for_lead_needs_voters_per_station(capsys):
    assert main(["sample", "--size-for-lead", "0.02", "--icc", "0.05"]) == 2
    assert "--size-for-lead needs --voters-per-station" in capsys.readouterr().err


def test_sizing_options_without_a_sizing_rule_are_refused(tmp_path, capsys):
    frame = tmp_path / "frame.csv"
    frame.write_text("station,district\na,x\nb,x\nc,y\nd,y\n")
    argv = ["sample", str(frame), "--stratum", "district", "--size", "2", "--seed", "1"]
    assert main([*argv, "--response-rate", "0.9"]) == 2
    assert "go with --size-for-margin or --size-for-lead" in capsys.readouterr().err
