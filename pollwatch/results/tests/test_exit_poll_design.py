"""The web exit poll reads its planned stations from the recorded design and weights by the voters who came."""

from __future__ import annotations

import csv

import pytest

from pollwatch.stats.table import InputError
from pollwatch.testing import protocol, send

HEADER = ["code", "stratum", "sample_role", "weight", "exit_poll"]
PLANNED = ["D1-001", "D1-002", "D2-001", "D2-002", "D3-001", "D3-002"]


def write_design(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def plan(mission, tmp_path, planned=PLANNED):
    """Every listed station sampled with weight 2 in stratum A and planned for the exit poll."""
    from pollwatch.results.design import import_sample

    rows = [[code, "A", "sampled", "2", "yes"] for code in planned]
    return import_sample(mission.election, write_design(tmp_path / "s.csv", rows))


def tally(mission, forms, station, c1, c2):
    send(mission, forms["EP"], "observer", station, {"C1": c1, "C2": c2, "RF": 0})


def test_without_planned_stations_there_is_no_call_and_the_reason_says_so(mission, results_forms):
    from pollwatch.results.estimates import exit_poll_for

    tally(mission, results_forms, "D1-001", 90, 10)
    tally(mission, results_forms, "D3-001", 85, 15)
    data = exit_poll_for(mission.election)
    assert data["available"] and data["planned_stations"] == 0
    assert data["call"]["status"] == "not enough data"
    assert data["call"]["reason"].startswith("planned exit-poll stations not recorded")
    assert data["call"]["reported_fraction"] is None


def test_a_handful_of_planned_stations_cannot_make_a_call(mission, results_forms, tmp_path):
    from pollwatch.results.estimates import exit_poll_for

    plan(mission, tmp_path)
    tally(mission, results_forms, "D1-001", 95, 5)
    tally(mission, results_forms, "D2-001", 94, 6)
    data = exit_poll_for(mission.election)
    assert data["planned_stations"] == 6
    assert data["call"]["reported_fraction"] == pytest.approx(2 / 6)
    assert data["call"]["status"] == "not enough data"
    assert "33.3% of sampled stations reported" in data["call"]["reason"]


def test_when_every_planned_station_reported_a_clear_lead_is_called(
    mission, results_forms, tmp_path
):
    from pollwatch.results.estimates import exit_poll_for

    plan(mission, tmp_path)
    for k, code in enumerate(PLANNED):
        tally(mission, results_forms, code, 90 + k, 10 - k)
    data = exit_poll_for(mission.election)
    assert data["call"]["reported_fraction"] == 1.0
    assert data["call"]["status"] == "decided"


def test_tallies_from_stations_not_planned_for_the_exit_poll_are_left_out(
    mission, results_forms, tmp_path
):
    from pollwatch.results.estimates import exit_poll_for

    plan(mission, tmp_path, planned=PLANNED[:4])
    tally(mission, results_forms, "D1-001", 60, 40)
    tally(mission, results_forms, "D3-001", 0, 100)
    data = exit_poll_for(mission.election)
    assert data["stations"] == 1 and data["shares"]["C1"]["estimate"] == pytest.approx(0.6)
    assert any("outside the planned exit-poll stations" in w for w in data["warnings"])


def test_each_station_stands_for_the_voters_who_came_not_its_registered_voters(
    mission, results_forms, tmp_path
):
    from pollwatch.elections.models import PollingStation
    from pollwatch.results.estimates import exit_poll_for
    from pollwatch.results.models import OfficialResult

    plan(mission, tmp_path)
    tally(mission, results_forms, "D1-001", 80, 20)
    tally(mission, results_forms, "D2-001", 20, 80)
    tally(mission, results_forms, "D3-001", 50, 50)
    # Registered voters are about equal (~1000): weighting by them would give about 0.5.
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(595, 300))  # 900 came
    OfficialResult.objects.create(
        election=mission.election,
        station=PollingStation.objects.get(election=mission.election, code="D2-001"),
        ballots_cast=300,
        votes={"C1": 100, "C2": 195},
    )
    # D3-001 has neither: registered × the quick count's turnout (900 of RV 1000 at D1-001).
    registered = PollingStation.objects.get(election=mission.election, code="D3-001")
    came_d3 = registered.registered_voters * 0.9
    data = exit_poll_for(mission.election)
    assert data["voters_source"] == {
        "observers' result form": 1,
        "official results": 1,
        "registered × turnout": 1,
    }
    expected = (900 * 0.8 + 300 * 0.2 + came_d3 * 0.5) / (900 + 300 + came_d3)
    assert data["shares"]["C1"]["estimate"] == pytest.approx(expected)
    assert data["shares"]["C1"]["estimate"] > 0.55
    assert any("registered voters × the quick count" in w for w in data["warnings"])


def test_an_exit_poll_cell_that_is_not_yes_or_no_is_refused_with_its_row(mission, tmp_path):
    from pollwatch.results.design import import_sample

    rows = [["D1-001", "A", "sampled", "2", "yes"], ["D1-002", "A", "sampled", "2", "maybe"]]
    with pytest.raises(InputError, match=r"row 3, column 'exit_poll'"):
        import_sample(mission.election, write_design(tmp_path / "s.csv", rows))


def test_the_exit_poll_column_marks_planned_stations_and_is_optional(mission, tmp_path):
    from pollwatch.results.models import SampledStation

    design = plan(mission, tmp_path, planned=PLANNED[:2])
    assert set(
        SampledStation.objects.filter(design=design, exit_poll=True).values_list(
            "station__code", flat=True
        )
    ) == set(PLANNED[:2])


def test_importing_the_design_after_the_tallies_refreshes_the_exit_poll(
    mission, results_forms, tmp_path
):
    from pollwatch.results.estimates import exit_poll_for

    tally(mission, results_forms, "D1-001", 80, 20)
    assert exit_poll_for(mission.election)["planned_stations"] == 0
    plan(mission, tmp_path)
    assert exit_poll_for(mission.election)["planned_stations"] == 6
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(595, 300))
    assert exit_poll_for(mission.election)["voters_source"] == {"observers' result form": 1}
