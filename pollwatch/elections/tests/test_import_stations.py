"""Station import: all or nothing, every bad row named with its column and reason."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from pollwatch.elections.importers import ImportFailed, create_job, import_stations, run_job
from pollwatch.elections.models import Area, ImportJob, PollingStation
from pollwatch.lib.tabular import TableError

HEADER = "code,name,region_code,region_name,region_name_az,district_code,district_name,registered_voters,latitude,longitude,newly_included,abroad,special\n"
GOOD = (
    HEADER
    + "S1,School 1,R9,Karabakh,Qarabağ,D91,Shusha,1200,39.76,46.75,1,0,\n"
    + "S2,School 2,R9,Karabakh,Qarabağ,D91,Shusha,800,39.77,46.76,1,0,military\n"
    + "S3,Hospital 3,R8,Capital,Paytaxt,D81,Centre,2500,,,0,0,hospital\n"
    + "\n"
    + "S4,Embassy,R7,Abroad,Xarici,D71,Embassies,300,,,0,1,\n"
)


def write(tmp_path, text, name="stations.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_it_imports_stations_and_builds_the_geography(mission, tmp_path):
    result = import_stations(mission.election, write(tmp_path, GOOD))
    assert result.stations == 4 and result.areas_created == 6 and result.blank_rows == 1
    karabakh = Area.objects.get(election=mission.election, code="R9")
    assert (karabakh.station_count, karabakh.registered_voters, karabakh.newly_included) == (
        2,
        2000,
        True,
    )
    assert karabakh.names == {"az": "Qarabağ"}
    shusha = Area.objects.get(election=mission.election, code="D91")
    assert (
        shusha.parent == karabakh and shusha.path == "/R9/D91/" and shusha.level_name == "district"
    )
    s2 = PollingStation.objects.get(election=mission.election, code="S2")
    assert s2.special == "military" and s2.newly_included and s2.area_path == "/R9/D91/"
    assert PollingStation.objects.get(election=mission.election, code="S4").abroad
    assert "az" in mission.election.languages.split(",")


def test_it_reads_xlsx(mission, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for line in GOOD.strip().splitlines():
        sheet.append(line.split(",") if line else [])
    path = tmp_path / "stations.xlsx"
    book.save(path)
    assert import_stations(mission.election, path).stations == 4


def assert_failed_with(mission, path, expected: list[tuple[int | None, str, str]]):
    before = PollingStation.objects.count(), Area.objects.count()
    with pytest.raises(ImportFailed) as failure:
        import_stations(mission.election, path)
    found = [(e.row, e.column, e.reason) for e in failure.value.errors]
    for row, column, fragment in expected:
        assert any(r == row and c == column and fragment in reason for r, c, reason in found), (
            (row, column, fragment),
            found,
        )
    assert (PollingStation.objects.count(), Area.objects.count()) == before
    return failure.value


def test_a_file_with_bad_rows_imports_nothing_and_names_every_row(mission, tmp_path):
    text = (
        HEADER
        + "S1,School 1,R9,Karabakh,Qarabağ,D91,Shusha,1200,,,1,0,\n"
        + ",No code,R9,Karabakh,Qarabağ,D91,Shusha,10,,,0,0,\n"
        + "S1,Duplicate,R9,Karabakh,Qarabağ,D91,Shusha,10,,,0,0,\n"
        + "S5,Negative,R9,Karabakh,Qarabağ,D91,Shusha,-4,,,0,0,\n"
        + "S6,Letters,R9,Karabakh,Qarabağ,D91,Shusha,many,,,0,0,\n"
        + "S7,Bad flag,R9,Karabakh,Qarabağ,D91,Shusha,10,,,maybe,0,\n"
        + "S8,Bad special,R9,Karabakh,Qarabağ,D91,Shusha,10,,,0,0,castle\n"
        + "S9,Bad lat,R9,Karabakh,Qarabağ,D91,Shusha,10,95,46,0,0,\n"
        + "S10,Moved district,R8,Capital,Paytaxt,D91,Shusha,10,,,0,0,\n"
        + "S11,Short row,R9\n"
        + "D1-001,Exists,R9,Karabakh,Qarabağ,D91,Shusha,10,,,0,0,\n"
    )
    failure = assert_failed_with(
        mission,
        write(tmp_path, text),
        [
            (3, "code", "missing station code"),
            (4, "code", "duplicate station code (first at row 2)"),
            (5, "registered_voters", "negative"),
            (6, "registered_voters", "not a number"),
            (7, "newly_included", "expected 1/0"),
            (8, "special", "unknown kind"),
            (9, "latitude", "outside"),
            (10, "district_code", "under 'R9' elsewhere but under 'R8' here"),
            (11, "", "expected 13 cells, found 3"),
            (12, "code", "already exists"),
        ],
    )
    assert failure.total == 10
    assert "row,column,reason,value" in failure.as_csv()


def test_missing_columns_are_named(mission, tmp_path):
    failure = assert_failed_with(
        mission,
        write(tmp_path, "code,region_code\nS1,R1\n"),
        [(1, "name", "missing column"), (1, "registered_voters", "missing column")],
    )
    assert "code, region_code" in str(failure)


def test_an_unknown_level_is_refused(mission, tmp_path):
    assert_failed_with(
        mission,
        write(tmp_path, "code,name,province_code,registered_voters\nS1,A,P1,10\n"),
        [(1, "province_code", "unknown level 'province'")],
    )


def test_wrong_encoding_is_named_with_its_row(mission, tmp_path):
    text = HEADER + "S1,Школа Шеки,R1,North,Север,D1,District D1,100,,,0,0,\n"
    path = write(tmp_path, text, encoding="cp1251")
    with pytest.raises(ImportFailed) as failure:
        import_stations(mission.election, path)
    error = failure.value.errors[0]
    assert (
        error.row == 2 and "not valid utf-8 text" in error.reason and "--encoding" in error.reason
    )
    assert import_stations(mission.election, path, encoding="cp1251").stations == 1
    assert PollingStation.objects.get(code="S1").name == "Школа Шеки"


def test_a_file_of_garbage_is_refused_cleanly(mission, tmp_path):
    import os

    path = tmp_path / "garbage.csv"
    path.write_bytes(os.urandom(2_000_000))
    with pytest.raises((ImportFailed, TableError)) as failure:
        import_stations(mission.election, path)
    assert (
        "row 1" in str(failure.value)
        or "header" in str(failure.value)
        or "not" in str(failure.value)
    )
    assert PollingStation.objects.filter(election=mission.election).count() == 6


def test_an_empty_file_is_refused(mission, tmp_path):
    with pytest.raises(TableError, match="empty"):
        import_stations(mission.election, write(tmp_path, ""))
    with pytest.raises(ImportFailed, match="no stations"):
        import_stations(mission.election, write(tmp_path, HEADER))


def test_replace_swaps_the_whole_frame(mission, tmp_path):
    import_stations(mission.election, write(tmp_path, GOOD), replace=True)
    codes = set(
        PollingStation.objects.filter(election=mission.election).values_list("code", flat=True)
    )
    assert codes == {"S1", "S2", "S3", "S4"}


def test_the_command_keeps_the_raw_file_and_writes_the_error_report(mission, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    bad = write(tmp_path, HEADER + "S1,School,R9,K,K,D91,S,-1,,,0,0,\n")
    report = tmp_path / "errors.csv"
    with pytest.raises(CommandError, match="1 problem"):
        call_command(
            "import_stations", str(bad), "--election", "test-election", "--errors-csv", str(report)
        )
    assert "negative" in report.read_text()
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.error_count == 1
    assert (settings.MEDIA_ROOT / job.stored_path).read_bytes() == bad.read_bytes()


def test_an_unknown_election_lists_the_existing_ones(mission, tmp_path):
    with pytest.raises(CommandError, match="Existing elections: test-election"):
        call_command("import_stations", str(write(tmp_path, GOOD)), "--election", "nope")


def test_a_web_upload_is_stored_queued_and_imported(client, mission, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(mission.users["admin"])
    upload = SimpleUploadedFile("new.csv", GOOD.encode(), content_type="text/csv")
    response = client.post(
        "/e/test-election/imports/", {"kind": "stations", "file": upload, "encoding": "utf-8"}
    )
    job = ImportJob.objects.get()
    assert response["Location"].endswith(f"/imports/{job.pk}/mapping/")
    assert job.status == "mapping"  # nothing is read until the columns are confirmed
    page = client.get(response["Location"]).content.decode()
    assert "Which column is which?" in page and "Every column of the file is mapped" in page
    response = client.post(response["Location"], confirm_columns(page))
    assert response.status_code == 302 and response["Location"].endswith(f"/imports/{job.pk}/")
    job.refresh_from_db()
    assert job.status == "done" and job.imported == 4
    page = client.get(response["Location"]).content.decode()
    assert "Imported 4 stations" in page


def test_run_job_reports_failure_without_writing(mission, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    job = run_job(
        create_job(mission.election, "stations", write(tmp_path, "code\n1\n"), "x.csv", {})
    )
    assert job.status == "failed" and "nothing was imported" in job.message
    assert job.errors_csv.startswith("row,column,reason,value")


def test_the_bulk_path_rebuilds_the_search_index(mission, tmp_path, monkeypatch):
    """Large imports drop and rebuild the PostgreSQL trigram index; forced here on a small file."""
    from django.db import connection

    from pollwatch.elections import importers

    monkeypatch.setattr(importers, "BULK_ROWS", 1)
    assert import_stations(mission.election, write(tmp_path, GOOD)).stations == 4
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'station_name_trgm'")
            assert cursor.fetchone() is not None
    assert (
        PollingStation.objects.filter(election=mission.election, name__icontains="hospital").count()
        == 1
    )


def test_it_keeps_the_stratum_the_sample_was_drawn_in(mission, tmp_path):
    text = (
        "code,name,region_code,region_name,district_code,district_name,registered_voters,stratum\n"
        "S1,School 1,R9,Karabakh,D91,Shusha,1200,urban-R9\n"
        "S2,School 2,R9,Karabakh,D91,Shusha,800,rural-R9\n"
    )
    import_stations(mission.election, write(tmp_path, text))
    strata = dict(
        PollingStation.objects.filter(code__in=["S1", "S2"]).values_list("code", "stratum")
    )
    assert strata == {"S1": "urban-R9", "S2": "rural-R9"}


def test_a_stratum_longer_than_64_characters_is_refused(mission, tmp_path):
    text = (
        "code,name,region_code,region_name,registered_voters,stratum\n"
        f"S1,School 1,R9,Karabakh,1200,{'x' * 65}\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_stations(mission.election, write(tmp_path, text))
    assert "row 2, column 'stratum': longer than 64 characters" in str(failure.value)


def test_names_and_area_codes_wider_than_their_column_are_refused_never_cut(mission, tmp_path):
    # A 600-character station name was cut to 300 and a 300-character region name to 200
    # without a word; an 80-character area code reached the database (PostgreSQL: an error).
    text = (
        "code,name,region_code,region_name,region_name_az,registered_voters\n"
        f"S1,{'C' * 301},R9,Karabakh,,1200\n"
        f"S2,School 2,{'B' * 65},Karabakh,,1200\n"
        f"S3,School 3,R8,{'A' * 201},,1200\n"
        f"S4,School 4,R7,Abroad,{'Ə' * 201},1200\n"
        f"S5,{'D' * 300},R6,{'E' * 200},,1200\n"
    )
    before = PollingStation.objects.count()
    with pytest.raises(ImportFailed) as failure:
        import_stations(mission.election, write(tmp_path, text))
    found = {(e.row, e.column): e.reason for e in failure.value.errors}
    assert found == {
        (2, "name"): "station name longer than 300 characters",
        (3, "region_code"): "longer than 64 characters",
        (4, "region_name"): "longer than 200 characters",
        (5, "region_name_az"): "longer than 200 characters",
    }
    assert PollingStation.objects.count() == before


def confirm_columns(page: str) -> dict:
    """The mapping form's selected values, as a browser would post them unchanged."""
    import re

    data: dict = {}
    for name, body in re.findall(r'<select name="(field_\w+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.findall(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = (
            chosen
            if " multiple" in page.split(f'name="{name}"')[1][:40]
            else (chosen[0] if chosen else "")
        )
    return data
