"""Calibration recorded with the sample design: `pollwatch import-sample --calibrate COL`.

Mission geography: strata A (D1, D2: four stations) and B (D3: two), every
station sampled with weight 2; half the stations are rural, and the rural
stations vote for the challenger. The rural station D2-002 has not reported.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from pollwatch.results.tests.test_sample_design import write_design
from pollwatch.testing import protocol, send

HEADER = ["code", "stratum", "sample_role", "weight", "rural"]
ROWS = [
    ["D1-001", "A", "sampled", "2", "no"],
    ["D1-002", "A", "sampled", "2", "yes"],
    ["D2-001", "A", "sampled", "2", "no"],
    ["D2-002", "A", "sampled", "2", "yes"],
    ["D3-001", "B", "sampled", "2", "no"],
    ["D3-002", "B", "sampled", "2", "yes"],
]


def _report(mission, results_forms):
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "observer", "D1-002", protocol(300, 600))
    send(mission, results_forms["PR"], "observer", "D2-001", protocol(600, 300))
    send(mission, results_forms["PR"], "other_observer", "D3-001", protocol(500, 400))
    send(mission, results_forms["PR"], "other_observer", "D3-002", protocol(200, 700))


def test_a_calibrated_design_stands_the_missing_rural_station_for_by_a_rural_one(
    client, mission, results_forms, tmp_path
):
    from pollwatch.results.estimates import quick_count_for

    path = write_design(tmp_path / "s.csv", ROWS, HEADER)
    call_command("import_sample", str(path), election=mission.election.slug, calibrate="rural")
    _report(mission, results_forms)
    data = quick_count_for(mission.election)
    # stratum A: urban cell 2 × 600, rural cell D1-002 stands for both rural stations
    # C1 = (2·2·600 + 4·300 + 2·500 + 2·200) / (5 × ... valid) = 5000 / 10800
    assert data["shares"]["C1"]["estimate"] == pytest.approx(5000 / 10800)
    assert data["calibration"]["variables"] == ["rural"]
    assert data["sample_design"]["calibrate_by"] == ["rural"]
    rows = {(r["variable"], r["category"]): r for r in data["early_late"]["rows"]}
    assert rows[("rural", "yes")]["first"] == pytest.approx(2 / 5)
    assert rows[("rural", "yes")]["second"] == pytest.approx(1.0)
    client.force_login(mission.users["analyst"])
    page = client.get(reverse("quick-count", args=[mission.election.slug])).content.decode()
    assert "Are the missing stations like those in?" in page
    assert "category by category of rural" in page


def test_the_same_design_without_calibration_lets_urban_stations_speak_for_rural_ones(
    mission, results_forms, tmp_path
):
    from pollwatch.results.estimates import quick_count_for

    call_command(
        "import_sample",
        str(write_design(tmp_path / "s.csv", ROWS, HEADER)),
        election=mission.election.slug,
    )
    _report(mission, results_forms)
    data = quick_count_for(mission.election)
    assert data["shares"]["C1"]["estimate"] == pytest.approx(5400 / 10800)
    assert "calibration" not in data


def test_a_calibration_column_missing_or_empty_is_refused_naming_it(mission, tmp_path):
    from pollwatch.results.models import SampleDesign

    path = write_design(tmp_path / "s.csv", ROWS, HEADER)
    with pytest.raises(CommandError, match="urbanity"):
        call_command(
            "import_sample", str(path), election=mission.election.slug, calibrate="urbanity"
        )
    rows = [row[:] for row in ROWS]
    rows[2][4] = ""
    path = write_design(tmp_path / "t.csv", rows, HEADER)
    with pytest.raises(CommandError, match="row 4, column .rural.: empty calibration category"):
        call_command("import_sample", str(path), election=mission.election.slug, calibrate="rural")
    assert not SampleDesign.objects.filter(election=mission.election, source="imported").exists()


def test_a_calibrate_option_naming_no_column_or_one_twice_is_refused(mission, tmp_path):
    path = write_design(tmp_path / "s.csv", ROWS, HEADER)
    with pytest.raises(CommandError, match="--calibrate names no column"):
        call_command("import_sample", str(path), election=mission.election.slug, calibrate=",")
    with pytest.raises(CommandError, match="named twice: rural"):
        call_command(
            "import_sample", str(path), election=mission.election.slug, calibrate="rural,rural"
        )


def test_the_reported_share_is_floored_so_it_never_reaches_a_threshold_it_has_not():
    from pollwatch.results.presenters import reported_percent

    assert reported_percent(479, 600) == "79.8"  # rounding would say 80 beside a call needing 80 %
    assert reported_percent(480, 600) == "80"
    assert reported_percent(599, 600) == "99.8"
    assert reported_percent(600, 600) == "100"
    assert reported_percent(0, 0) == "0"
