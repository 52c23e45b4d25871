"""Station and people imports under hostile or broken input: refused clearly, never half-written,
never left "running", and every import that writes is audited."""

from __future__ import annotations

import pytest

from pollwatch.audit.models import AuditEvent
from pollwatch.elections import importers
from pollwatch.elections.importers import ImportFailed, create_job, import_stations, run_job
from pollwatch.elections.models import Area, ImportJob, PollingStation
from pollwatch.observers.importers import import_people
from pollwatch.observers.models import Person

STATIONS = (
    "code,name,region_code,district_code,registered_voters\r"
    "S1,School 1,R9,D91,1200\r"
    'S2,"Hall, east",R9,D91,800\r'
    "S3,Clinic,R8,D81,300\r"
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def write(folder, text: str, name: str = "stations.csv"):
    path = folder / name
    path.write_bytes(text.encode())
    return path


def frame(mission) -> tuple[int, int]:
    return (
        PollingStation.objects.filter(election=mission.election).count(),
        Area.objects.filter(election=mission.election).count(),
    )


def test_a_stations_file_with_cr_only_line_endings_imports(mission, media):
    job = run_job(create_job(mission.election, "stations", write(media, STATIONS), "mac.csv", {}))
    assert job.status == "done" and job.imported == 3, job.message
    assert PollingStation.objects.get(election=mission.election, code="S2").name == "Hall, east"


def test_a_people_file_with_cr_only_line_endings_imports(mission, media):
    text = "code,name,phone,role\r7001,Aysel,050 123 45 67,observer\r7002,Rauf,,analyst\r"
    assert import_people(mission.election, write(media, text, "people.csv")).people == 2


def test_a_job_whose_reader_raises_an_unexpected_error_ends_failed_with_a_message(
    mission, media, monkeypatch, caplog
):
    def broken_reader(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(importers, "read_rows", broken_reader)
    before = frame(mission)
    job = run_job(create_job(mission.election, "stations", write(media, STATIONS), "x.csv", {}))
    job.refresh_from_db()
    assert job.status == "failed" and job.finished is not None
    assert "unexpected error (RuntimeError: disk on fire)" in job.message
    assert "Nothing was imported" in job.message and job.error_count == 1
    assert "disk on fire" in job.errors_csv
    assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)
    assert frame(mission) == before


def test_a_failure_while_writing_leaves_nothing_half_written(mission, media, monkeypatch):
    def broken_totals(election):
        raise ValueError("totals broke after the rows were written")

    monkeypatch.setattr(importers, "refresh_area_totals", broken_totals)
    before = frame(mission)
    job = run_job(create_job(mission.election, "stations", write(media, STATIONS), "x.csv", {}))
    assert job.status == "failed" and "totals broke" in job.message
    assert frame(mission) == before
    assert not AuditEvent.objects.filter(kind="stations.imported").exists()


def test_the_import_task_marks_any_failure_failed(mission, media, monkeypatch, immediate_tasks):
    from pollwatch.elections.tasks import run_import
    from pollwatch.observers import importers as people_importers

    def broken_reader(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(people_importers, "read_rows", broken_reader)
    job = create_job(
        mission.election, "people", write(media, "name,role\nA,observer\n"), "p.csv", {}
    )
    run_import.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "KeyError" in job.message


def test_a_station_import_writes_an_audit_event_with_counts_file_hash_and_job(mission, media):
    job = create_job(mission.election, "stations", write(media, STATIONS), "mac.csv", {})
    job.created_by = mission.users["admin"]
    job.save()
    run_job(job)
    event = AuditEvent.objects.get(kind="stations.imported")
    assert event.election_id == mission.election.pk and event.actor == job.created_by.username
    assert event.object_id == str(job.pk)
    mapping = event.payload.pop("mapping")
    assert mapping["code"] == "code" and mapping["registered_voters"] == "registered_voters"
    assert event.payload == {
        "file": "mac.csv",
        "sha256": job.sha256,
        "job": job.pk,
        "stations": 3,
        "areas_created": 4,
        "replace": False,
        "unmapped": [],
        "kept_as_extra": [],
    }


def test_a_direct_station_import_is_audited_with_the_file_hash(mission, media):
    import hashlib

    path = write(media, STATIONS)
    import_stations(mission.election, path)
    event = AuditEvent.objects.get(kind="stations.imported")
    assert event.payload["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert event.payload["job"] is None and event.payload["stations"] == 3


def test_a_people_import_writes_an_audit_event(mission, media):
    text = "code,name,phone,role\n7001,Aysel,050 123 45 67,observer\n"
    job = run_job(create_job(mission.election, "people", write(media, text, "p.csv"), "p.csv", {}))
    assert job.status == "done"
    event = AuditEvent.objects.get(kind="people.imported")
    assert event.payload["people"] == 1 and event.payload["job"] == job.pk
    assert event.payload["sha256"] == job.sha256


def test_a_refused_import_writes_no_audit_event(mission, media):
    people_before = Person.objects.count()
    text = "code,name,phone,role\n7001,Aysel,not a phone,observer\n"
    job = run_job(create_job(mission.election, "people", write(media, text, "p.csv"), "p.csv", {}))
    assert job.status == "failed" and Person.objects.count() == people_before
    assert not AuditEvent.objects.filter(kind="people.imported").exists()


def test_a_stations_file_over_the_row_limit_is_refused_naming_the_row(mission, media, settings):
    settings.MAX_IMPORT_ROWS = 2
    before = frame(mission)
    with pytest.raises(ImportFailed) as failure:
        import_stations(mission.election, write(media, STATIONS))
    error = failure.value.errors[0]
    assert error.row == 4 and "MAX_IMPORT_ROWS" in error.reason
    assert frame(mission) == before


def test_a_stations_file_over_the_column_limit_is_refused(mission, media, settings):
    settings.MAX_IMPORT_COLUMNS = 4
    job = run_job(create_job(mission.election, "stations", write(media, STATIONS), "x.csv", {}))
    assert job.status == "failed" and "5 columns" in job.message
    assert "MAX_IMPORT_COLUMNS" in job.message


@pytest.mark.parametrize("encoding", ["hex", "rot13"])
def test_a_stored_job_with_an_unknown_encoding_fails_with_a_message(mission, media, encoding):
    job = create_job(
        mission.election, "stations", write(media, STATIONS), "x.csv", {"encoding": encoding}
    )
    job = run_job(job)
    assert job.status == "failed" and f"unknown encoding '{encoding}'" in job.message


@pytest.mark.parametrize("encoding", ["hex", "rot13", "bogus"])
def test_the_imports_page_refuses_an_unknown_encoding_with_a_form_error(
    client, mission, media, encoding
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(mission.users["admin"])
    response = client.post(
        "/e/test-election/imports/",
        {
            "kind": "stations",
            "file": SimpleUploadedFile("s.csv", STATIONS.encode()),
            "encoding": encoding,
        },
    )
    assert response.status_code == 200
    assert f"Unknown encoding {encoding}" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_imports_page_accepts_a_listed_encoding(client, mission, media, immediate_tasks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(mission.users["admin"])
    body = STATIONS.replace("Clinic", "Школа").encode("cp1251")
    response = client.post(
        "/e/test-election/imports/",
        {"kind": "stations", "file": SimpleUploadedFile("s.csv", body), "encoding": "cp1251"},
    )
    assert response.status_code == 302
    from pollwatch.elections.tests.test_import_stations import confirm_columns

    page = client.get(response["Location"]).content.decode()
    assert "Школа" in page
    client.post(response["Location"], confirm_columns(page))
    assert ImportJob.objects.get().status == "done"
    assert PollingStation.objects.get(election=mission.election, code="S3").name == "Школа"
