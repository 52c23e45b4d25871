"""Importing official results through the mapping screen, and checking them against our own figures."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pollwatch.testing import protocol, send

HEADER = "station,registered,cast,invalid,valid,Incumbent,Challenger\n"
GOOD = [
    "D1-001,1000,905,5,900,600,300",
    "D1-002,1000,805,5,800,500,300",
    "D2-001,1000,705,5,700,400,300",
    "D2-002,1000,605,5,600,300,300",
    "D3-001,1000,905,5,900,500,400",
    "D3-002,1000,505,5,500,250,250",
]


@pytest.fixture
def analyst(client, mission, settings, tmp_path, immediate_tasks):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(mission.users["analyst"])
    return client


def upload(client, mission, lines: list[str], header: str = HEADER):
    body = (header + "\n".join(lines) + "\n").encode()
    response = client.post(
        reverse("official-upload", args=[mission.election.slug]),
        {"file": SimpleUploadedFile("official.csv", body)},
    )
    assert response.status_code == 302, response.content[:300]
    return response["Location"]


def mapping_post(mapping: dict[str, str], confirm: bool = False) -> dict[str, str]:
    data = {f"field_{key}": column for key, column in mapping.items()}
    if confirm:
        data["confirm"] = "on"
    return data


GUESSED = {
    "station": "station",
    "registered": "registered",
    "ballots_cast": "cast",
    "invalid": "invalid",
    "valid": "valid",
    "C1": "Incumbent",
    "C2": "Challenger",
}


def test_the_mapping_screen_guesses_columns_and_shows_the_first_rows(analyst, mission):
    page = analyst.get(upload(analyst, mission, GOOD))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<option value="Incumbent" selected>' in html
    assert "D2-002" in html  # the first rows are shown


def test_swapped_columns_are_flagged_before_anything_is_imported(analyst, mission):
    from pollwatch.results.models import OfficialResult

    url = upload(analyst, mission, GOOD)
    swapped = {**GUESSED, "registered": "cast", "ballots_cast": "registered"}
    page = analyst.post(url, mapping_post(swapped))
    html = page.content.decode()
    assert page.status_code == 200
    assert "swapped" in html and "import anyway" in html
    assert not OfficialResult.objects.exists()


def test_totals_that_do_not_add_up_are_flagged(analyst, mission):
    url = upload(analyst, mission, GOOD)
    page = analyst.post(url, mapping_post({k: v for k, v in GUESSED.items() if k != "C2"}))
    # C2 is required: the form refuses, and says which field.
    assert page.status_code == 200
    assert "This field is required" in page.content.decode()
    # One protocol in six where the candidates' votes exceed the valid ballots: shown on the
    # mapping screen before the analyst imports.
    url = upload(analyst, mission, [line.replace(",600,300", ",650,300") for line in GOOD])
    page = analyst.get(url).content.decode()
    warnings = page.split("First rows")[0]
    assert "Warning:" in warnings and "(e.g. row " in warnings  # which rows, to look them up
    assert "valid" in warnings


def test_valid_rows_are_imported_and_bad_rows_reported_with_row_and_column(analyst, mission):
    from pollwatch.elections.models import ImportJob
    from pollwatch.results.models import OfficialResult, OfficialSummary

    lines = [*GOOD[:4], "D3-001,1000,905,5,900,five hundred,400", "XX-999,1000,505,5,500,250,250"]
    url = upload(analyst, mission, lines)
    response = analyst.post(url, mapping_post(GUESSED))
    assert response.status_code == 302
    job = ImportJob.objects.get(kind=ImportJob.Kind.RESULTS)
    assert job.status == "done", job.message
    assert job.imported == 4 and job.error_count == 2
    assert job.errors_csv.splitlines()[1:] == [
        "6,Incumbent,not a number (a count is a whole number such as 1234 or 1 234),five hundred",
        "7,station,no polling station with this code in the election,XX-999",
    ]
    assert OfficialResult.objects.count() == 4
    summary = OfficialSummary.objects.get(election=mission.election)
    assert summary.totals["national"]["votes"] == {"C1": 1800, "C2": 1200}
    # The raw file is kept, with its hash.
    assert job.sha256 and job.stored_path


def test_a_new_release_replaces_only_the_stations_it_covers(analyst, mission):
    from pollwatch.results.models import OfficialResult

    analyst.post(upload(analyst, mission, GOOD), mapping_post(GUESSED))
    analyst.post(upload(analyst, mission, ["D1-001,1000,905,5,900,700,200"]), mapping_post(GUESSED))
    assert OfficialResult.objects.count() == 6
    assert OfficialResult.objects.get(station__code="D1-001").votes == {"C1": 700, "C2": 200}


def test_discrepancies_with_observers_copies_are_ranked_by_size(analyst, mission, results_forms):

    analyst.post(upload(analyst, mission, GOOD), mapping_post(GUESSED))
    # Our observer at D1-001 copied 500/400 where the commission published 600/300.
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(500, 400))
    send(mission, results_forms["PR"], "other_observer", "D3-001", protocol(500, 400))
    from pollwatch.results.official import discrepancy_report

    report = discrepancy_report(mission.election)
    assert report["compared"] == 2
    assert report["summary"]["differ"] == 1 and report["summary"]["match"] == 1
    assert report["rows"][0]["station"] == "D1-001"
    assert report["rows"][0]["differences"]["C1"] == 100
    assert report["summary"]["net_gain"]["C1"] == 100
    page = analyst.get(reverse("discrepancies", args=[mission.election.slug]))
    assert b"D1-001" in page.content and b"+100" in page.content


def test_the_official_figure_is_judged_against_our_interval(analyst, mission, results_forms):
    from pollwatch.results.official import comparison

    analyst.post(upload(analyst, mission, GOOD), mapping_post(GUESSED))
    for persona, station, counts in (
        ("observer", "D1-001", protocol(600, 300)),
        ("other_observer", "D3-001", protocol(500, 400)),
    ):
        send(mission, results_forms["PR"], persona, station, counts)
    data = comparison(mission.election)
    rows = {r["code"]: r for r in data["national"]}
    assert rows["C1"]["official"] == 2550 / 4400
    assert rows["C1"]["verdict"] in {"inside", "above", "below"}
    assert rows["C1"]["sentence"]
    page = analyst.get(reverse("official", args=[mission.election.slug]))
    assert page.status_code == 200 and b"Official" in page.content


def test_an_unreadable_file_fails_with_a_message_not_a_500(analyst, mission):
    from pollwatch.elections.models import ImportJob

    response = analyst.post(
        reverse("official-upload", args=[mission.election.slug]),
        {"file": SimpleUploadedFile("official.csv", b"\xff\xfe\x00garbage\x00\n\x81\x82")},
    )
    page = analyst.get(response["Location"], follow=True)
    assert page.status_code == 200
    job = ImportJob.objects.get(kind=ImportJob.Kind.RESULTS)
    assert job.status == "failed" and "cannot be read" in job.message
    assert "cannot be read" in page.content.decode()


def test_an_xlsx_file_is_mapped_and_imported_like_a_csv(analyst, mission):
    import io

    from openpyxl import Workbook

    from pollwatch.audit.models import AuditEvent
    from pollwatch.results.models import OfficialResult

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    for line in GOOD:
        cells = line.split(",")
        sheet.append([cells[0], *(int(c) for c in cells[1:])])
    buffer = io.BytesIO()
    book.save(buffer)
    response = analyst.post(
        reverse("official-upload", args=[mission.election.slug]),
        {"file": SimpleUploadedFile("official.xlsx", buffer.getvalue())},
    )
    page = analyst.get(response["Location"])
    assert '<option value="Challenger" selected>' in page.content.decode()
    analyst.post(response["Location"], mapping_post(GUESSED))
    assert OfficialResult.objects.count() == 6
    event = AuditEvent.objects.get(kind="official_results.imported")
    assert event.payload["stations"] == 6 and event.payload["mapping"]["C2"] == "Challenger"


def test_partial_official_results_get_no_verdict(analyst, mission, results_forms):
    from pollwatch.results.official import comparison

    analyst.post(upload(analyst, mission, GOOD[:3]), mapping_post(GUESSED))
    for persona, station, counts in (
        ("observer", "D1-001", protocol(600, 300)),
        ("other_observer", "D3-001", protocol(500, 400)),
    ):
        send(mission, results_forms["PR"], persona, station, counts)
    data = comparison(mission.election)
    assert not data["complete"] and data["official_coverage"] == 0.5
    assert all(r["verdict"] is None for r in data["national"])
    assert "cover 50.0 %" in data["national"][0]["sentence"]
    page = analyst.get(reverse("official", args=[mission.election.slug])).content.decode()
    assert "no verdict until they are complete" in page


def test_forensics_leave_out_stations_without_registered_voters(analyst, mission):
    from pollwatch.results.models import ForensicsRun, OfficialResult
    from pollwatch.results.tasks import compute_forensics

    analyst.post(upload(analyst, mission, GOOD), mapping_post(GUESSED))
    OfficialResult.objects.filter(station__code="D3-002").update(registered=None)
    run = compute_forensics(ForensicsRun.objects.create(election=mission.election, replicates=50))
    # 5 stations with registered voters are fewer than the tests need: a clear failure, not a
    # false "impossible turnout" for the one without.
    assert run.status == "failed"
    assert "registered voters" in run.message and "at least 8" in run.message


def test_a_failed_forensic_run_is_marked_failed_not_left_running(mission):
    from pollwatch.results.models import ForensicsRun
    from pollwatch.results.tasks import compute_forensics

    run = compute_forensics(ForensicsRun.objects.create(election=mission.election))
    assert run.status == "failed" and run.message


def test_import_progress_is_saved_between_copies_not_during_one(mission, monkeypatch):
    """On PostgreSQL a progress query inside a COPY would wait for the COPY, which waits for it."""
    import json

    from pollwatch.elections.models import ImportJob
    from pollwatch.results import importers
    from pollwatch.results.models import OfficialResult

    monkeypatch.setattr(importers, "BATCH", 2)
    records = [
        (
            mission.election.pk,
            station.pk,
            None,
            row,
            1000,
            None,
            905,
            5,
            900,
            json.dumps({"C1": 600, "C2": 300}),
            "[]",
        )
        for row, station in enumerate(mission.stations.values(), start=2)
    ]
    seen = []
    importers._insert(records, lambda done: seen.append((done, ImportJob.objects.count())))
    assert [done for done, _ in seen] == [0, 2, 4, 6]
    assert OfficialResult.objects.count() == 6
    assert OfficialResult.objects.get(station__code="D1-001").votes == {"C1": 600, "C2": 300}
