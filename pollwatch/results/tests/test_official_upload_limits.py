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


def test_the_mapping_screen_reads_the_file_once(analyst, mission, settings):
    """Every view of the mapping screen used to read the workbook again (memory and time each)."""
    from pathlib import Path

    response = post_file(analyst, mission, "o.csv", ("\n".join([HEADER, *ROWS]) + "\n").encode())
    mapping_url = response["Location"]
    assert analyst.get(mapping_url).status_code == 200
    job = ImportJob.objects.get()
    Path(settings.MEDIA_ROOT, job.stored_path).write_bytes(b"")  # gone: only the kept head remains
    page = analyst.get(mapping_url)
    assert page.status_code == 200 and "Incumbent" in page.content.decode()


def test_a_workbook_whose_texts_are_too_large_to_hold_is_refused(tmp_path):
    """Each text within the cell limit, the file within the unzipped-size limit, but all the
    shared texts together more than openpyxl should hold at once (it holds them all)."""
    import zipfile

    from pollwatch.lib.tabular import Limits, TableError, read_rows

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    kinds = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    path = tmp_path / "strings.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{kinds}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{kinds}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kinds}.sharedStrings+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{main}"><sheetData><row r="1">'
            '<c r="A1" t="inlineStr"><is><t>station</t></is></c></row>'
            '<row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData></worksheet>',
        )
        texts = "".join(f"<si><t>{i}-{'y' * 5000}</t></si>" for i in range(50))
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{main}">{texts}</sst>')
    header, rows = read_rows(path, "utf-8", Limits(), first_rows=5)
    assert header == ["station"]  # within the default limits it reads
    with pytest.raises(TableError, match="characters all told"):
        read_rows(path, "utf-8", Limits(shared_text_chars=100_000), first_rows=5)
