"""The recorded sample design: imported from `pollwatch sample`, or inferred and flagged until confirmed."""

from __future__ import annotations

import csv
import importlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from pollwatch.testing import protocol, send

HEADER = ["code", "stratum", "sample_role", "reserve_rank", "weight", "replaces"]


def write_design(path, rows, header=HEADER):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


PPS_ROWS = [
    ["D1-001", "A", "sampled", "", "2", ""],
    ["D2-001", "A", "sampled", "", "6", ""],
    ["D3-001", "B", "sampled", "", "2", ""],
    ["D3-002", "B", "reserve", "1", "", ""],
]


def test_without_a_recorded_design_the_page_says_it_is_inferred_and_strata_unknown(
    client, mission, results_forms
):
    from pollwatch.results.estimates import quick_count_for

    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    data = quick_count_for(mission.election)
    assert data["sample_design"]["source"] == "inferred"
    assert data["sample_design"]["strata_known"] is False
    assert not data["sample_design"]["confirmed"]
    assert any(w.startswith("Strata unknown") for w in data["warnings"])
    client.force_login(mission.users["analyst"])
    page = client.get(reverse("quick-count", args=[mission.election.slug])).content.decode()
    assert "<strong>inferred</strong>" in page and "Not confirmed by a person" in page


def test_a_strata_level_makes_the_strata_known(mission, results_forms):
    from pollwatch.results.estimates import quick_count_for

    mission.election.sample_strata_level = 1
    mission.election.save()
    data = quick_count_for(mission.election)
    assert data["sample_design"]["strata_known"] is True
    assert not any(w.startswith("Strata unknown") for w in data["warnings"])


def test_an_imported_pps_design_weights_each_station_by_one_over_pi(
    client, mission, results_forms, tmp_path
):
    from pollwatch.results.estimates import quick_count_for

    call_command(
        "import_sample",
        str(write_design(tmp_path / "s.csv", PPS_ROWS)),
        election=mission.election.slug,
    )
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "observer", "D2-001", protocol(500, 400))
    send(mission, results_forms["PR"], "other_observer", "D3-001", protocol(450, 450))
    data = quick_count_for(mission.election)
    assert data["sample_design"]["source"] == "imported"
    assert data["sample_design"]["method"] == "pps"
    assert data["design"]["weights"] == "recorded (1/π)"
    expected = (2 * 600 + 6 * 500 + 2 * 450) / (2 * 900 + 6 * 900 + 2 * 900)
    assert data["shares"]["C1"]["estimate"] == pytest.approx(expected)
    assert data["sampled_stations"] == 3
    assert not any(w.startswith("Strata unknown") for w in data["warnings"])
    client.force_login(mission.users["analyst"])
    page = client.get(reverse("quick-count", args=[mission.election.slug])).content.decode()
    assert "imported from <code>s.csv</code>" in page and "weights 1/π" in page


def test_a_reserve_that_replaces_a_station_takes_its_weight(mission, results_forms, tmp_path):
    from pollwatch.results.design import import_sample
    from pollwatch.results.estimates import quick_count_for

    rows = [*PPS_ROWS[:3], ["D3-002", "B", "reserve", "1", "", "D3-001"]]
    import_sample(mission.election, write_design(tmp_path / "s.csv", rows))
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "observer", "D2-001", protocol(500, 400))
    send(mission, results_forms["PR"], "other_observer", "D3-002", protocol(300, 600))
    data = quick_count_for(mission.election)
    expected = (2 * 600 + 6 * 500 + 2 * 300) / (2 * 900 + 6 * 900 + 2 * 900)
    assert data["shares"]["C1"]["estimate"] == pytest.approx(expected)
    assert data["stations"] == 3 == data["sampled_stations"]


def test_forms_from_stations_outside_the_design_never_enlarge_the_sample(
    mission, results_forms, tmp_path
):
    from pollwatch.results.design import import_sample
    from pollwatch.results.estimates import quick_count_for

    import_sample(mission.election, write_design(tmp_path / "s.csv", PPS_ROWS))
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "observer", "D1-002", protocol(100, 800))
    data = quick_count_for(mission.election)
    assert data["stations"] == 1 and data["sampled_stations"] == 3
    assert any("outside the recorded sample (observed only)" in w for w in data["warnings"])


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["X-999", "A", "sampled", "", "2", ""], "row 6, column 'code': station 'X-999'"),
        (["D1-002", "A", "sampled", "", "", ""], "row 6, column 'weight'"),
        (["D1-002", "A", "sampled", "", "0.5", ""], "row 6, column 'weight'"),
        (["D1-001", "A", "sampled", "", "2", ""], "also on row 2"),
        (["D1-002", "A", "spare", "", "2", ""], "role 'spare'"),
        (["D1-002", "A", "reserve", "", "", "D3-001"], "is in stratum 'B'"),
    ],
)
def test_a_bad_design_file_is_refused_naming_the_row_and_nothing_is_recorded(
    mission, tmp_path, row, message
):
    from pollwatch.results.models import SampleDesign

    path = write_design(tmp_path / "s.csv", [*PPS_ROWS, row])
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        call_command("import_sample", str(path), election=mission.election.slug)
    assert not SampleDesign.objects.filter(election=mission.election).exists()


def test_an_unusable_recorded_design_stops_the_estimate_with_the_reason(
    mission, results_forms, tmp_path
):
    from pollwatch.results.design import import_sample
    from pollwatch.results.estimates import quick_count_for

    design = import_sample(mission.election, write_design(tmp_path / "s.csv", PPS_ROWS))
    design.strata = {"A": 8}  # stratum B lost its frame size
    design.save()
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    data = quick_count_for(mission.election)
    assert data["available"] is False
    assert "stratum 'B'" in data["reason"] and "cannot be used" in data["reason"]


def test_confirming_the_inferred_design_is_recorded_audited_and_shown(
    client, mission, results_forms
):
    from pollwatch.audit.models import AuditEvent

    call_command("confirm_sample", election=mission.election.slug, user="coordinator")
    assert AuditEvent.objects.filter(kind="sample_design.confirmed").exists()
    client.force_login(mission.users["analyst"])
    page = client.get(reverse("quick-count", args=[mission.election.slug])).content.decode()
    assert "Confirmed by coordinator" in page and "Not confirmed" not in page


def test_the_migration_records_the_inferred_design_of_elections_with_deployments(
    mission, results_forms
):
    from django.apps import apps

    from pollwatch.results.models import SampleDesign

    migration = importlib.import_module("pollwatch.results.migrations.0003_record_inferred_designs")
    migration.record(apps, None)
    design = SampleDesign.objects.get(election=mission.election)
    assert (design.source, design.method, design.confirmed) == ("inferred", "srs", False)
    assert design.strata_rule.startswith("unknown")
