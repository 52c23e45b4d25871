"""Any line ending, a byte-order mark and old .xls workbooks are read; a crash or a killed worker never leaves a job "running"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pollwatch.elections import importers
from pollwatch.elections.importers import create_job, fail_stale_jobs, run_job
from pollwatch.elections.models import ImportJob, PollingStation
from pollwatch.lib.tabular import TableError, read_rows

LINES = [
    "code,name,region_code,region_name,registered_voters",
    "S1,School 1,R1,North,1200",
    '"S2","School ""Two""",R1,North,800',
]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.mark.parametrize(
    "ending,bom",
    [("\n", b""), ("\r\n", b""), ("\r", b""), ("\r", b"\xef\xbb\xbf"), ("\r\n", b"\xef\xbb\xbf")],
    ids=["LF", "CRLF", "CR", "CR+BOM", "CRLF+BOM"],
)
def test_every_line_ending_and_a_bom_import(mission, media, ending, bom):
    path = media / "s.csv"
    path.write_bytes(bom + ending.join(LINES).encode() + ending.encode())
    job = run_job(create_job(mission.election, "stations", path, "s.csv", {}))
    assert job.status == "done", job.message
    assert PollingStation.objects.get(election=mission.election, code="S2").name == 'School "Two"'


def test_a_cr_only_file_with_a_broken_quote_names_the_row(mission, media):
    path = media / "s.csv"
    path.write_bytes(b'code,name,region_code,registered_voters\rS1,"Sch"ool,R1,5\r')
    job = run_job(create_job(mission.election, "stations", path, "s.csv", {}))
    assert job.status == "failed" and job.errors_csv.splitlines()[1].startswith("2,")
    assert "malformed CSV" in job.errors_csv


def test_an_xls_workbook_is_read_with_xlrd(shared_data):
    example = shared_data / "xlsform-examples" / "example_xls__calculate.xls"
    header, rows = read_rows(example)
    assert header[:2] == ["type", "name"]
    assert all(isinstance(cell, str) for _, cells in rows for cell in cells)


def test_an_xls_named_csv_gets_a_clear_message(tmp_path, shared_data):
    example = shared_data / "xlsform-examples" / "example_xls__calculate.xls"
    disguised = tmp_path / "people.csv"
    disguised.write_bytes(example.read_bytes())
    with pytest.raises(
        TableError, match=r"Excel 97-2003 workbook \(.xls\).*save it as .xlsx or CSV"
    ):
        _, rows = read_rows(disguised)
        list(rows)


def test_a_broken_xls_says_save_as_xlsx_or_csv(tmp_path):
    broken = tmp_path / "broken.xls"
    broken.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(TableError, match="save it as .xlsx or CSV"):
        read_rows(broken)


def test_a_crash_inside_an_import_leaves_the_job_failed_with_a_message(mission, media, monkeypatch):
    path = media / "s.csv"
    path.write_text("\n".join(LINES) + "\n")

    def explode(*args, **kwargs):
        raise ZeroDivisionError("boom in row handling")

    monkeypatch.setattr(importers, "_create_areas", explode)
    job = run_job(create_job(mission.election, "stations", path, "s.csv", {}))
    job.refresh_from_db()
    assert job.status == "failed"
    assert "ZeroDivisionError: boom in row handling" in job.message
    assert not PollingStation.objects.filter(election=mission.election, code="S1").exists()


def test_a_job_whose_worker_died_is_marked_failed(mission, media, settings):
    settings.IMPORT_STALE_MINUTES = 30
    path = media / "s.csv"
    path.write_text("\n".join(LINES) + "\n")
    dead = create_job(mission.election, "stations", path, "s.csv", {})
    alive = create_job(mission.election, "stations", path, "s.csv", {})
    long_ago = timezone.now() - timedelta(minutes=31)
    ImportJob.objects.filter(pk=dead.pk).update(status="running", heartbeat=long_ago)
    ImportJob.objects.filter(pk=alive.pk).update(status="running", heartbeat=timezone.now())
    assert fail_stale_jobs(mission.election) == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == "failed" and "no progress for 30 minutes" in dead.message
    assert alive.status == "running"


def test_the_import_page_shows_a_dead_job_as_failed(client, mission, media):
    path = media / "s.csv"
    path.write_text("\n".join(LINES) + "\n")
    job = create_job(mission.election, "stations", path, "s.csv", {})
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", heartbeat=timezone.now() - timedelta(days=1)
    )
    client.force_login(mission.users["admin"])
    page = client.get(f"/e/test-election/imports/{job.pk}/").content.decode()
    assert "stopped without finishing" in page
