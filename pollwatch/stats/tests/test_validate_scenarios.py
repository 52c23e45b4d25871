"""`pollwatch validate --only scenarios`: the web's quick-count path on simulated elections.

The full run (200 samples per scenario, the closing note's table) is slow;
a short run checks the shape and the command.
"""

from __future__ import annotations

import json

import pytest

from pollwatch.cli import main
from pollwatch.stats.validate_scenarios import SCENARIOS, validate_scenarios


def test_every_scenario_reports_coverage_per_quantity_and_wrong_calls(capsys):
    result = validate_scenarios(elections=1, samples=3, stations=3000, sample_size=300, seed=3)
    assert set(result["scenarios"]) == set(SCENARIOS)
    for stats in result["scenarios"].values():
        assert stats["runs"] == 3
        assert set(stats["quantities"]) == {"first", "second", "third", "turnout"}
        assert stats["within"] in ("yes", "conservative", "no")
    # 15 % of districts dark: the frame coverage is below the call's 90 %, so nothing is decided
    assert result["scenarios"]["empty-strata"]["decided_calls"] == 0
    assert (
        main(
            [
                "validate",
                "--only",
                "scenarios",
                "--scenario-runs",
                "2",
                "--elections",
                "1",
                "--stations",
                "3000",
                "--sample-size",
                "300",
                "--quiet",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["scenarios"]["runs"] == 2 and out["quickcount"] is None


@pytest.mark.slow
def test_the_web_path_covers_about_95_percent_and_never_calls_wrongly_in_any_scenario():
    """200 samples per scenario (10 elections of 6,500 stations, samples of 500), seed 0.

    Measured, coverage of first / second / third / turnout:
        srs              94.0 / 95.0 / 95.5 / 95.5 %
        pps              96.0 / 97.0 / 96.0 / 96.0 %   (frame in random order)
        coarse-strata    94.5 / 95.0 / 93.5 / 95.0 %
        empty-strata     95.5 / 96.5 / 95.0 / 96.0 %   (15 % of districts dark, folded; no call)
        late-rural       98.5 / 97.5 / 98.0 / 97.0 %   (calibrated; conservative)
        late-rural-raw   96.0 / 95.5 / 95.5 / 94.5 %
        newly-included   94.0 / 94.5 / 94.0 / 94.5 %
    and no wrong "decided" call in 1,400 runs. Band: 95 % ± 3.1 pp.
    """
    result = validate_scenarios(elections=10, samples=20)
    for name, stats in result["scenarios"].items():
        assert stats["wrong_calls"] == 0, name
        for quantity, figures in stats["quantities"].items():
            assert figures["coverage"] >= 0.95 - stats["band"], (name, quantity, figures)
            assert abs(figures["bias"]) < 0.001, (name, quantity, figures)
        assert stats["within"] in ("yes", "conservative"), name
    assert result["scenarios"]["srs"]["within"] == "yes"
    assert result["scenarios"]["empty-strata"]["decided_calls"] == 0
