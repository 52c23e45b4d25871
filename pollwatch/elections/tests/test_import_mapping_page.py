"""The web import shows the guessed (or remembered) mapping and the first rows, and imports only once confirmed."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pollwatch.elections.importers import create_job
from pollwatch.elections.models import ImportJob
from pollwatch.elections.tests.test_import_stations import confirm_columns
from pollwatch.observers.models import Person
from pollwatch.observers.tests.test_import_from_apollo_and_nemo import APOLLO_PARTICIPANTS
from pollwatch.testing import PERSONAS


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def waiting_job(mission, media, text=APOLLO_PARTICIPANTS, kind="people"):
    path = media / "p.csv"
    path.write_text(text, encoding="utf-8")
    job = create_job(mission.election, kind, path, "p.csv", {}, user=mission.users["admin"])
    job.status = ImportJob.Status.MAPPING
    job.save()
    return job


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_the_mapping_page_is_for_admins_only(client, mission, media, persona):
    job = waiting_job(mission, media)
    url = f"/e/test-election/imports/{job.pk}/mapping/"
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    get, post = client.get(url), client.post(url, {"field_name": "Full Name"})
    if persona == "anonymous":
        assert get.status_code == post.status_code == 302
        assert get["Location"].startswith("/login/")
    else:
        expected = 200 if persona == "admin" else 404 if persona == "outsider" else 403
        assert get.status_code == expected, persona
        assert post.status_code in ({200, 302} if persona == "admin" else {expected}), persona
    if persona != "admin":
        job.refresh_from_db()
        assert job.status == "mapping" and not Person.objects.filter(code="403794").exists()


def test_an_apollo_export_shows_its_mapping_leftovers_and_first_rows(
    client, mission, media, immediate_tasks
):
    client.force_login(mission.users["admin"])
    response = client.post(
        "/e/test-election/imports/",
        {
            "kind": "people",
            "file": SimpleUploadedFile("participants.csv", APOLLO_PARTICIPANTS.encode()),
            "encoding": "utf-8",
        },
    )
    assert response["Location"].endswith("/mapping/")
    page = client.get(response["Location"]).content.decode()
    assert '<option value="Participant ID" selected>' in page
    assert (
        "Columns mapped to no field:</strong> Partner, Location ID, Supervisor ID, Gender, Password"
        in page
    )
    assert "Aysel Mammadova" in page  # the first rows
    # Apollo exports passwords in clear: never kept, and not shown on the page either.
    assert "s3cret" not in page and "hunter2" not in page
    data = confirm_columns(page) | {"keep_extra": "on", "default_role": "observer"}
    assert data["field_other_phones"] == ["Phone #2", "Phone #3"]
    response = client.post(response["Location"], data)
    job = ImportJob.objects.get()
    assert job.status == "done", job.message
    assert "Kept as extra attributes: Partner, Location ID, Supervisor ID, Gender." in job.message
    assert "Columns not imported (mapped to nothing): Password." in job.message
    assert Person.objects.get(code="403794").extra["Location ID"] == "D1-001"


def test_the_user_can_change_the_mapping_and_it_is_remembered(
    client, mission, media, immediate_tasks
):
    text = "Kod,Ad,Telefon,Vəzifə\n7001,Nigar,+994506660006,observer\n"
    job = waiting_job(mission, media, text)
    client.force_login(mission.users["admin"])
    url = f"/e/test-election/imports/{job.pk}/mapping/"
    page = client.get(url).content.decode()
    assert "Columns mapped to no field:</strong> Kod, Ad, Telefon, Vəzifə" in page
    client.post(
        url,
        {
            "field_code": "Kod",
            "field_name": "Ad",
            "field_phone": "Telefon",
            "field_role": "Vəzifə",
            "default_role": "observer",
        },
    )
    job.refresh_from_db()
    assert job.status == "done", job.message
    assert Person.objects.get(code="7001").full_name == "Nigar"
    again = waiting_job(
        mission, media, "Kod,Ad,Telefon,Vəzifə\n7002,Elvin,+994507770007,observer\n"
    )
    page = client.get(f"/e/test-election/imports/{again.pk}/mapping/").content.decode()
    assert "the mapping you confirmed last time" in page
    assert '<option value="Kod" selected>' in page


def test_an_unreadable_file_fails_on_the_mapping_page_with_its_reason(client, mission, media):
    job = waiting_job(mission, media, 'name\r\n"broken')
    (media / "media" / job.stored_path).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00")
    client.force_login(mission.users["admin"])
    response = client.get(f"/e/test-election/imports/{job.pk}/mapping/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "failed" and "save it as .xlsx or CSV" in job.message
