"""Protocol photos for staff: thumbnails, the viewer, galleries per station and area, the ZIP export.

Each page follows the photo's own rule (never public, never the observer role, supervisors in
their areas); the export is for admins, coordinators and analysts and is audited.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import subprocess
import zipfile
from types import SimpleNamespace

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from PIL import Image

from pollwatch.audit.models import AuditEvent
from pollwatch.submissions import intake
from pollwatch.submissions.intake import store_photos
from pollwatch.testing import PERSONAS, assert_reach, send

SLUG = "test-election"
PHOTO_VIEWERS = {"admin", "coordinator", "analyst", "clerk", "supervisor"}
EXPORTERS = {"admin", "coordinator", "analyst"}


def image_bytes(kind: str = "PNG", colour: str = "red", size=(800, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, kind)
    return buffer.getvalue()


def data_url(content: bytes, media_type: str = "image/png") -> str:
    import base64

    return f"data:{media_type};base64," + base64.b64encode(content).decode()


def report_with_photo(mission, form, persona, station, content, media_type="image/png"):
    answers = {"T": "1", "P": data_url(content, media_type)}
    assert store_photos(form, answers) == []
    return send(mission, form, persona, station, answers).submission


@pytest.fixture
def photos(mission, forms, settings, tmp_path):
    """A PNG from D1-001 (region R1, the observer) and a newer JPEG from D3-001 (R2)."""
    settings.MEDIA_ROOT = tmp_path
    north_image = image_bytes("PNG", "red")
    south_image = image_bytes("JPEG", "blue")
    north = report_with_photo(mission, forms["IN"], "observer", "D1-001", north_image)
    south = report_with_photo(
        mission, forms["IN"], "other_observer", "D3-001", south_image, "image/jpeg"
    )
    return SimpleNamespace(
        north=north, south=south, north_image=north_image, south_image=south_image, root=tmp_path
    )


def thumb_url(submission, code="P"):
    return reverse("submission-photo-thumb", args=[SLUG, submission.pk, code])


def viewer_url(submission, code="P"):
    return reverse("photo-viewer", args=[SLUG, submission.pk, code])


GALLERY = reverse("photos", args=[SLUG])
STATION_GALLERY = reverse("station-photos", args=[SLUG, "D1-001"])
EXPORT = reverse("photos-export", args=[SLUG])


def read_zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def manifest(archive: zipfile.ZipFile) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize("page", ["thumbnail", "viewer", "gallery", "station gallery", "export"])
def test_each_role_reaches_the_photo_pages_only_if_it_may(client, mission, photos, persona, page):
    url, allowed = {
        "thumbnail": (thumb_url(photos.north), PHOTO_VIEWERS),
        "viewer": (viewer_url(photos.north), PHOTO_VIEWERS),
        "gallery": (GALLERY, PHOTO_VIEWERS),
        "station gallery": (STATION_GALLERY, PHOTO_VIEWERS),
        "export": (EXPORT, EXPORTERS),
    }[page]
    assert_reach(client, mission, persona, url, allowed)


@pytest.mark.parametrize("persona", ["observer", "other_observer"])
def test_an_observer_reaches_no_photo_of_anyone_not_even_their_own(
    client, mission, photos, persona
):
    client.force_login(mission.users[persona])
    for submission in (photos.north, photos.south):
        assert client.get(thumb_url(submission)).status_code == 404
        assert client.get(viewer_url(submission)).status_code == 404
        assert client.get(thumb_url(submission) + "?r=1").status_code == 404
    assert client.get(GALLERY).status_code == 403
    assert client.get(EXPORT).status_code == 403
    own = "D1-001" if persona == "observer" else "D3-001"
    other = "D3-001" if persona == "observer" else "D1-001"
    assert client.get(reverse("station-photos", args=[SLUG, own])).status_code == 403
    assert client.get(reverse("station-photos", args=[SLUG, other])).status_code == 404


def test_a_supervisor_sees_only_photos_of_their_area(client, mission, photos):
    client.force_login(mission.users["supervisor"])
    assert client.get(thumb_url(photos.south)).status_code == 404
    assert client.get(viewer_url(photos.south)).status_code == 404
    assert client.get(reverse("station-photos", args=[SLUG, "D3-001"])).status_code == 404
    page = client.get(GALLERY).content.decode()
    assert thumb_url(photos.north) in page and thumb_url(photos.south) not in page
    assert thumb_url(photos.south) not in client.get(GALLERY + "?area=R2").content.decode()
    assert "Download these photos" not in page  # the export is not theirs
    # Their viewer never offers a neighbour outside their area.
    viewer = client.get(viewer_url(photos.north)).content.decode()
    assert 'rel="next"' not in viewer and 'rel="prev"' not in viewer


def test_a_thumbnail_is_a_small_jpeg_cached_beside_the_photo(client, mission, photos):
    client.force_login(mission.users["coordinator"])
    response = client.get(thumb_url(photos.north))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.format == "JPEG" and max(image.size) == 320 and image.size == (320, 240)
    digest = hashlib.sha256(photos.north_image).hexdigest()
    cached = photos.root / "photos" / digest[:2] / "thumbs" / f"{digest}-320.jpg"
    assert cached.is_file()
    # Made once: a second request reads the kept file, and the browser may revalidate.
    cached.write_bytes(cached.read_bytes())
    before = cached.stat().st_mtime_ns
    again = client.get(thumb_url(photos.north))
    b"".join(again.streaming_content)
    assert cached.stat().st_mtime_ns == before
    assert client.get(thumb_url(photos.north), HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304


def test_a_thumbnail_is_turned_upright_and_carries_no_metadata(client, mission, forms, photos):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 400), "green").save(buffer, "JPEG", exif=exif)
    rotated = report_with_photo(
        mission, forms["IN"], "observer", "D1-002", buffer.getvalue(), "image/jpeg"
    )
    client.force_login(mission.users["admin"])
    image = Image.open(io.BytesIO(b"".join(client.get(thumb_url(rotated)).streaming_content)))
    assert image.size == (160, 320)
    assert not image.getexif()


def test_a_damaged_image_gets_a_placeholder_not_an_error(client, mission, forms, photos):
    damaged = b"\x89PNG\r\n\x1a\n" + b"not really an image" * 50
    report = report_with_photo(mission, forms["IN"], "observer", "D1-002", damaged)
    client.force_login(mission.users["coordinator"])
    for _ in range(2):  # the second time from the remembered failure
        response = client.get(thumb_url(report))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        assert b"No preview" in response.content
        assert "private" in response["Cache-Control"]
    digest = hashlib.sha256(damaged).hexdigest()
    assert (photos.root / "photos" / digest[:2] / "thumbs" / f"{digest}-320.unreadable").exists()
    assert client.get(viewer_url(report)).status_code == 200
    assert b"".join(client.get(reverse("submission-photo", args=[SLUG, report.pk, "P"]))) == (
        damaged
    )


def test_an_image_of_absurdly_many_pixels_gets_a_placeholder(client, mission, forms, photos):
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")  # 100 megapixels in a few kilobytes
    bomb = report_with_photo(mission, forms["IN"], "observer", "D1-002", buffer.getvalue())
    client.force_login(mission.users["admin"])
    response = client.get(thumb_url(bomb))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"


def test_a_thumbnail_of_a_photo_missing_from_disk_is_a_404(client, mission, photos):
    digest = hashlib.sha256(photos.north_image).hexdigest()
    (photos.root / "photos" / digest[:2] / f"{digest}.png").unlink()
    client.force_login(mission.users["admin"])
    assert client.get(thumb_url(photos.north)).status_code == 404


@pytest.mark.parametrize("code", ["T", "X", "..", "%2e%2e", "P%2F..%2F..%2Fetc"])
def test_only_a_stored_photo_answer_has_a_thumbnail_or_a_viewer(client, mission, photos, code):
    client.force_login(mission.users["admin"])
    base = f"/e/{SLUG}/submissions/{photos.north.pk}/photos/{code}"
    assert client.get(base + "/thumb").status_code == 404
    assert client.get(base + "/view").status_code == 404
    assert client.get(thumb_url(photos.north) + "?r=x").status_code == 404


def test_the_viewer_shows_who_where_when_and_moves_through_the_gallery(client, mission, photos):
    client.force_login(mission.users["coordinator"])
    page = client.get(viewer_url(photos.south)).content.decode()
    assert "D3-001 · School D3-001" in page
    assert "Incident" in page and "Other Observer (1007)" in page
    assert f'src="{reverse("submission-photo", args=[SLUG, photos.south.pk, "P"])}"' in page
    # Newest first: the southern report came last, so the northern one is next.
    assert f'rel="next" href="{viewer_url(photos.north)}?"' in page
    assert 'rel="prev"' not in page
    page = client.get(viewer_url(photos.north)).content.decode()
    assert f'rel="prev" href="{viewer_url(photos.south)}?"' in page
    # Within a filtered gallery, the neighbours stay inside the filter.
    page = client.get(viewer_url(photos.north) + "?area=R1").content.decode()
    assert 'rel="prev"' not in page and 'rel="next"' not in page


def test_the_gallery_filters_by_area_form_station_and_time(client, mission, photos):
    client.force_login(mission.users["analyst"])
    both = client.get(GALLERY).content.decode()
    assert thumb_url(photos.north) in both and thumb_url(photos.south) in both
    north = client.get(GALLERY + "?area=R1").content.decode()
    assert thumb_url(photos.north) in north and thumb_url(photos.south) not in north
    assert thumb_url(photos.south) in client.get(GALLERY + "?station=D3-001").content.decode()
    assert "No photos" in client.get(GALLERY + "?form=OP").content.decode()
    assert "No photos" in client.get(GALLERY + "?since=2999-01-01").content.decode()
    station = client.get(STATION_GALLERY).content.decode()
    assert thumb_url(photos.north) in station and thumb_url(photos.south) not in station
    # The viewer keeps the filter, so next/previous stay within it.
    assert f"{viewer_url(photos.north)}?area=R1" in north


def test_a_filter_that_cannot_be_read_is_named(client, mission, photos):
    client.force_login(mission.users["admin"])
    response = client.get(GALLERY + "?area=NOPE")
    assert response.status_code == 400
    assert "Area: there is no area with the code" in response.content.decode()
    response = client.get(EXPORT + "?since=yesterday")
    assert response.status_code == 400 and b"Since:" in response.content


def test_the_gallery_is_paged(client, mission, forms, photos):
    for number in range(25):
        report_with_photo(
            mission, forms["IN"], "observer", "D1-002", image_bytes("PNG", (number, 0, 0), (40, 30))
        )
    client.force_login(mission.users["admin"])
    first = client.get(GALLERY).content.decode()
    assert "27 reports with photos" in first and "page 1 of 2" in first
    second = client.get(GALLERY + "?page=2").content.decode()
    assert thumb_url(photos.north) in second and thumb_url(photos.north) not in first
    assert (
        client.get(GALLERY + "?page=2", HTTP_HX_REQUEST="true")
        .content.decode()
        .count('class="thumb"')
        == 3
    )


def test_a_replaced_photo_is_shown_only_when_asked(client, mission, forms, photos):
    new_image = image_bytes("PNG", "yellow")
    answers = {"T": "1", "P": data_url(new_image)}
    store_photos(forms["IN"], answers)
    intake.edit(photos.north, answers, reason="clearer photo", actor=mission.users["coordinator"])
    client.force_login(mission.users["coordinator"])
    now = client.get(STATION_GALLERY).content.decode()
    assert now.count('class="thumb"') == 1 and "replaced, r" not in now
    everything = client.get(STATION_GALLERY + "?revisions=all").content.decode()
    assert everything.count('class="thumb"') == 2 and "replaced, r1" in everything
    assert f"{thumb_url(photos.north)}?r=1" in everything
    photo = reverse("submission-photo", args=[SLUG, photos.north.pk, "P"])
    assert b"".join(client.get(photo).streaming_content) == new_image
    assert b"".join(client.get(photo + "?r=1").streaming_content) == photos.north_image
    assert client.get(thumb_url(photos.north) + "?r=1").status_code == 200
    assert client.get(viewer_url(photos.north) + "?r=1&revisions=all").status_code == 200
    assert client.get(thumb_url(photos.north) + "?r=9").status_code == 404


def test_the_export_holds_each_photo_and_a_manifest(client, mission, photos):
    client.force_login(mission.users["analyst"])
    response = client.get(EXPORT)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="test-election-photos-')
    assert "no-store" in response["Cache-Control"]
    archive = read_zip(response)
    assert archive.testzip() is None
    north_name = f"R1/D1-001/IN-{photos.north.pk}-P.png"
    south_name = f"R2/D3-001/IN-{photos.south.pk}-P.jpg"
    assert sorted(archive.namelist()) == sorted([north_name, south_name, "manifest.csv"])
    assert archive.read(north_name) == photos.north_image
    assert archive.read(south_name) == photos.south_image
    rows = {row["file_name"]: row for row in manifest(archive)}
    assert rows[north_name]["station"] == "D1-001"
    assert rows[north_name]["region"] == "R1"
    assert rows[north_name]["form"] == "IN"
    assert rows[north_name]["submission"] == str(photos.north.pk)
    assert rows[north_name]["observer_code"] == mission.people["observer"].code
    assert rows[north_name]["sha256"] == hashlib.sha256(photos.north_image).hexdigest()
    assert rows[north_name]["received_at"].startswith(str(photos.north.created.year))
    assert rows[south_name]["observer_code"] == mission.people["other_observer"].code
    event = AuditEvent.objects.get(kind="photos.exported")
    assert event.actor == "analyst" and event.payload == {"filters": {}, "count": 2}


def test_the_export_follows_the_filters_and_audits_them(client, mission, photos):
    client.force_login(mission.users["coordinator"])
    archive = read_zip(client.get(EXPORT + "?area=R2&form=IN"))
    assert [row["station"] for row in manifest(archive)] == ["D3-001"]
    event = AuditEvent.objects.get(kind="photos.exported")
    assert event.payload == {"filters": {"area": "R2", "form": "IN"}, "count": 1}
    assert event.election_id == mission.election.pk


@pytest.mark.skipif(not shutil.which("unzip"), reason="Info-ZIP unzip not installed")
def test_the_streamed_archive_passes_unzip(client, mission, photos, tmp_path):
    client.force_login(mission.users["admin"])
    path = tmp_path / "photos.zip"
    path.write_bytes(b"".join(client.get(EXPORT).streaming_content))
    checked = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No errors detected" in checked.stdout


def test_a_photo_missing_from_disk_is_named_in_the_manifest(client, mission, photos):
    digest = hashlib.sha256(photos.south_image).hexdigest()
    (photos.root / "photos" / digest[:2] / f"{digest}.jpg").unlink()
    client.force_login(mission.users["admin"])
    archive = read_zip(client.get(EXPORT))
    south = next(row for row in manifest(archive) if row["station"] == "D3-001")
    assert south["file_name"] == "" and "not kept" in south["note"]
    assert len(archive.namelist()) == 2


def test_a_big_export_is_streamed_in_small_pieces(client, mission, forms, photos, settings):
    settings.MAX_PHOTO_BYTES = 2**20
    sent = {}
    for number in range(40):
        content = b"\x89PNG\r\n\x1a\n" + hashlib.sha256(str(number).encode()).digest() * 8000
        sent[report_with_photo(mission, forms["IN"], "observer", "D1-002", content).pk] = content
    client.force_login(mission.users["admin"])
    response = client.get(EXPORT + "?station=D1-002")
    assert isinstance(response, StreamingHttpResponse)
    pieces = list(response.streaming_content)
    assert sum(map(len, pieces)) > 40 * 256_000
    assert max(map(len, pieces)) < 200_000  # never the whole archive, nor a whole photo
    archive = zipfile.ZipFile(io.BytesIO(b"".join(pieces)))
    assert archive.testzip() is None
    for pk, content in sent.items():
        assert archive.read(f"R1/D1-002/IN-{pk}-P.png") == content
    assert len(manifest(archive)) == 40


def test_the_links_to_the_galleries_are_shown_to_those_who_may_open_them(client, mission, photos):
    station = reverse("station", args=[SLUG, "D1-001"])
    client.force_login(mission.users["supervisor"])
    assert STATION_GALLERY in client.get(station).content.decode()
    assert f'href="{GALLERY}"' in client.get(station).content.decode()
    client.force_login(mission.users["observer"])
    page = client.get(station).content.decode()
    assert STATION_GALLERY not in page and f'href="{GALLERY}"' not in page
