"""Official-results uploads under hostile input: clear refusals, never a 500, a hang or a job left running."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pollwatch.elections.models import ImportJob
from pollwatch.lib.tests.test_tabular import bomb_rows, write_xlsx
from pollwatch.results.models import OfficialResult

HEADER = "station,registered,cast,invalid,valid,Incumbent,Challenger"
ROWS = ["D1-001,1000,905,5,900,600,300", "D1-002,1000,805,5,800,500,300"]
MAPPING = {
    "field_station": "station",
    "field_registered": "registered",
    "field_ballots_cast": "cast",
    "field_invalid": "invalid",
    "field_valid": "valid",
    "field_C1": "Incumbent",
    "field_C2": "Challenger",
}


@pytest.fixture
def analyst(client, mission, settings, tmp_path, immediate_tasks):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(mission.users["analyst"])
    return client


def post_file(client, mission, name: str, body: bytes, **data):
    return client.post(
        reverse("official-upload", args=[mission.election.slug]),
        {"file": SimpleUploadedFile(name, body), **data},
    )


@pytest.mark.parametrize("encoding", ["hex", "rot13", "nonsense"])
def test_an_unknown_encoding_is_a_form_error_not_a_500(analyst, mission, encoding):
    response = post_file(
        analyst, mission, "o.csv", ("\n".join([HEADER, *ROWS]) + "\n").encode(), encoding=encoding
    )
    page = analyst.get(response["Location"])
    assert response.status_code == 302 and page.status_code == 200
    assert f"Unknown encoding {encoding}" in page.content.decode()
    assert not ImportJob.objects.exists()


def test_a_csv_with_200000_columns_is_refused_by_the_column_limit(analyst, mission):
    wide = ",".join(["station", *("x" for _ in range(200_000))]) + "\nD1-001\n"
    response = post_file(analyst, mission, "wide.csv", wide.encode())
    page = analyst.get(response["Location"], follow=True)
    assert page.status_code == 200
    job = ImportJob.objects.get()
    assert job.status == "failed" and "200,001 columns" in job.message
    assert "MAX_IMPORT_COLUMNS" in page.content.decode()
    assert job.errors_csv.splitlines()[1].startswith("1,")


def test_a_zip_bomb_xlsx_is_refused_with_a_clear_message(analyst, mission, tmp_path):
    body = write_xlsx(tmp_path / "bomb.xlsx", bomb_rows(64)).read_bytes()
    response = post_file(analyst, mission, "results.xlsx", body)
    page = analyst.get(response["Location"], follow=True)
    job = ImportJob.objects.get()
    assert job.status == "failed" and "zip bomb" in job.message
    assert "zip bomb" in page.content.decode()
    assert not OfficialResult.objects.exists()


def test_official_results_with_cr_only_line_endings_import(analyst, mission):
    body = ("\r".join([HEADER, *ROWS]) + "\r").encode()
    mapping_url = post_file(analyst, mission, "mac.csv", body)["Location"]
    page = analyst.get(mapping_url)
    assert '<option value="Challenger" selected>' in page.content.decode()
    analyst.post(mapping_url, MAPPING)
    job = ImportJob.objects.get()
    assert job.status == "done", job.message
    assert OfficialResult.objects.count() == 2


def test_an_unexpected_error_during_the_import_ends_the_job_failed(analyst, mission, monkeypatch):
    from pollwatch.stats import official as core

    def broken(*args, **kwargs):
        raise MemoryError("out of memory while parsing")

    monkeypatch.setattr(core, "parse_results", broken)
    mapping_url = post_file(
        analyst, mission, "o.csv", ("\n".join([HEADER, *ROWS]) + "\n").encode()
    )["Location"]
    analyst.post(mapping_url, MAPPING)
    job = ImportJob.objects.get()
    assert job.status == "failed" and "MemoryError" in job.message
    assert job.finished is not None and not OfficialResult.objects.exists()


def test_the_official_import_audit_event_names_the_job(analyst, mission):
    from pollwatch.audit.models import AuditEvent

    mapping_url = post_file(
        analyst, mission, "o.csv", ("\n".join([HEADER, *ROWS]) + "\n").encode()
    )["Location"]
    analyst.post(mapping_url, MAPPING)
    job = ImportJob.objects.get()
    event = AuditEvent.objects.get(kind="official_results.imported")
    assert event.payload["job"] == job.pk and event.payload["sha256"] == job.sha256
    assert event.payload["stations"] == 2 and event.actor == "analyst"
