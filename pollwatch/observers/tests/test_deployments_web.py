"""Deployments in the browser: assign, move, remove, bulk from a file, printable lists; each role."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from pollwatch.audit.models import AuditEvent
from pollwatch.elections.importers import ImportFailed
from pollwatch.observers.deploy import DeploymentError, assign, import_deployments
from pollwatch.observers.models import Deployment
from pollwatch.testing import BROWSER_TEST, PERSONAS, assert_reach, sign_in_browser

SLUG = "test-election"
DEPLOYERS = {"admin", "coordinator"}


def stations_of(mission, persona):
    membership = mission.people[persona].memberships.get()
    return sorted(
        (d.station.code, d.reserve) for d in Deployment.objects.filter(membership=membership)
    )


def post_as(client, mission, persona, url, data):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    return client.post(url, data)


# ---- who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_admins_and_coordinators_assign(client, mission, persona):
    url = reverse("deployment-assign", args=[SLUG])
    response = post_as(client, mission, persona, url, {"observer": "1006", "station": "D1-002"})
    moved = stations_of(mission, "observer") == [("D1-002", False)]
    if persona in DEPLOYERS:
        assert response.status_code == 302 and moved
    else:
        assert not moved
        if persona == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        else:  # supervisors too: the access rules give them no write on people
            assert response.status_code in (403, 404), persona


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_admins_and_coordinators_remove(client, mission, persona):
    deployment = Deployment.objects.get(station__code="D1-001")
    url = reverse("deployment-remove", args=[SLUG, deployment.pk])
    response = post_as(client, mission, persona, url, {})
    gone = not Deployment.objects.filter(pk=deployment.pk).exists()
    assert gone == (persona in DEPLOYERS), (persona, response.status_code)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_import_page_reach(client, mission, persona):
    assert_reach(client, mission, persona, reverse("deployment-import", args=[SLUG]), DEPLOYERS)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_print_page_reach(client, mission, persona):
    allowed = {"admin", "coordinator", "clerk", "supervisor"}
    assert_reach(client, mission, persona, reverse("deployment-print", args=[SLUG]), allowed)


def test_supervisor_prints_only_their_region(client, mission):
    client.force_login(mission.users["supervisor"])
    page = client.get(reverse("deployment-print", args=[SLUG])).content.decode()
    assert "D1-001" in page and "+994501000006" in page
    assert "D3-001" not in page and "Returned" not in page


def test_the_print_styles_are_allowed_by_the_pages_nonce(client, mission):
    """The site's policy refuses inline styles; the printable list's own are let in by a nonce."""
    client.force_login(mission.users["coordinator"])
    response = client.get(reverse("deployment-print", args=[SLUG]))
    nonce = re.search(r'<style nonce="([^"]+)">', response.content.decode())
    assert nonce, "the print styles carry no nonce"
    assert f"style-src 'self' 'nonce-{nonce[1]}'" in response["Content-Security-Policy"]


def test_forms_shown_only_to_deployers(client, mission):
    for persona, shown in [("coordinator", True), ("supervisor", False), ("clerk", False)]:
        client.force_login(mission.users[persona])
        station = client.get(reverse("station", args=[SLUG, "D1-001"])).content.decode()
        person = client.get(reverse("person", args=[SLUG, "1006"])).content.decode()
        listing = client.get(reverse("deployments", args=[SLUG])).content.decode()
        assert ('id="assign-observer"' in station) == shown, persona
        assert ('id="deploy-person"' in person) == shown, persona
        assert ('id="assign"' in listing) == shown, persona
        assert "Edit in the admin" not in station


# ---- assign and move ----------------------------------------------------------------------


def test_assigning_again_moves_the_primary_and_audits_before_and_after(client, mission):
    client.force_login(mission.users["coordinator"])
    url = reverse("deployment-assign", args=[SLUG])
    next_url = reverse("station", args=[SLUG, "D2-001"])
    response = client.post(url, {"observer": "1006", "station": "D2-001", "next": next_url})
    assert response["Location"] == next_url
    assert stations_of(mission, "observer") == [("D2-001", False)]
    event = AuditEvent.objects.filter(kind="deployment.move").get()
    assert event.actor == "coordinator"
    assert event.payload["before"] == {"station": "D1-001"}
    assert event.payload["after"] == {"station": "D2-001"}


def test_a_reserve_is_added_beside_the_primary(client, mission):
    client.force_login(mission.users["admin"])
    url = reverse("deployment-assign", args=[SLUG])
    client.post(url, {"observer": "1006", "station": "D1-002", "reserve": "1"})
    assert stations_of(mission, "observer") == [("D1-001", False), ("D1-002", True)]
    # Making the reserve station the primary one drops the old primary: never two primaries.
    client.post(url, {"observer": "1006", "station": "D1-002"})
    assert stations_of(mission, "observer") == [("D1-002", False)]


def test_unknown_observer_or_station_is_named_and_nothing_changes(client, mission):
    client.force_login(mission.users["coordinator"])
    url = reverse("deployment-assign", args=[SLUG])
    response = client.post(url, {"observer": "9999", "station": "D1-002"}, follow=True)
    assert "no observer with code &#x27;9999&#x27;" in response.content.decode()
    response = client.post(url, {"observer": "1006", "station": "X-1"}, follow=True)
    assert "station: no station with code &#x27;X-1&#x27;" in response.content.decode()
    # A supervisor is not an observer: they cannot be deployed.
    client.post(url, {"observer": "1005", "station": "D1-002"})
    assert stations_of(mission, "observer") == [("D1-001", False)]
    assert not Deployment.objects.filter(station__code="D1-002").exists()


def test_next_must_stay_on_the_site(client, mission):
    client.force_login(mission.users["coordinator"])
    response = client.post(
        reverse("deployment-assign", args=[SLUG]),
        {"observer": "1006", "station": "D1-002", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("deployments", args=[SLUG])


def test_window_must_be_ordered(mission):
    import datetime

    from django.utils import timezone

    start = timezone.now()
    membership = mission.people["observer"].memberships.get()
    with pytest.raises(DeploymentError, match="ends_at"):
        assign(
            membership,
            mission.stations["D1-002"],
            starts_at=start,
            ends_at=start - datetime.timedelta(hours=1),
        )


def test_search_by_code_name_and_area(client, mission):
    client.force_login(mission.users["coordinator"])
    url = reverse("deployments", args=[SLUG])
    by_code = client.get(url, {"q": "1007"}).content.decode()
    assert "D3-001" in by_code and "D1-001" not in by_code
    by_station = client.get(url, {"q": "School D1"}).content.decode()
    assert "D1-001" in by_station and "D3-001" not in by_station
    by_area = client.get(url, {"area": "R2"}).content.decode()
    assert "D3-001" in by_area and "D1-001" not in by_area
    assert client.get(url, {"area": "NOPE"}).status_code == 404


# ---- from a file ---------------------------------------------------------------------------


def test_import_file_all_or_nothing_with_rows_named(mission, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Observer code,Station code,Reserve,Starts at,Ends at\n"
        "1006,D1-002,0,,\n"
        "9999,D1-001,0,,\n"
        "1007,NOPE,maybe,2026-12-06 08:00,2026-12-06 07:00\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as failed:
        import_deployments(mission.election, bad)
    named = {(e.row, e.column) for e in failed.value.errors}
    assert named == {(3, "observer"), (4, "station"), (4, "reserve"), (4, "ends_at")}
    assert stations_of(mission, "observer") == [("D1-001", False)]  # nothing half-written

    good = tmp_path / "good.csv"
    good.write_text(
        "observer,station,reserve,starts_at,ends_at\n"
        "1006,D1-002,,2026-12-06 07:00,2026-12-06 20:00\n"
        "1006,D2-001,1,,\n"
        "1007,D3-001,0,,\n",
        encoding="utf-8",
    )
    result = import_deployments(mission.election, good)
    assert (result.assigned, result.moved, result.unchanged) == (1, 1, 1)
    assert stations_of(mission, "observer") == [("D1-002", False), ("D2-001", True)]
    assert AuditEvent.objects.filter(kind="import.deployments").count() == 1


def upload(client, name: str, content: bytes, **extra):
    """The upload step: the page with the guessed mapping, the first rows and the signed token."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("deployment-import", args=[SLUG])
    response = client.post(url, {"file": SimpleUploadedFile(name, content), **extra})
    page = response.content.decode()
    token = re.search(r'name="stored" value="([^"]+)"', page)
    return response, page, token.group(1) if token else None


def chosen(page: str, field: str) -> str:
    """The column the mapping page has selected for ``field``."""
    select = re.search(rf'<select name="field_{field}".*?</select>', page, re.S).group(0)
    found = re.search(r'<option value="([^"]*)" selected', select)
    return found.group(1) if found else ""


def test_upload_keeps_the_file_and_shows_row_errors(client, mission, settings, tmp_path):
    from pathlib import Path

    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(mission.users["coordinator"])
    url = reverse("deployment-import", args=[SLUG])
    response, page, token = upload(client, "deploy.csv", b"observer,station\n1006,D9-999\n")
    assert response.status_code == 200 and token
    assert list(Path(tmp_path, "imports").rglob("*deploy.csv"))  # the raw file is kept
    assert stations_of(mission, "observer") == [("D1-001", False)]  # nothing deployed yet
    mapping = {"stored": token, "field_observer": "observer", "field_station": "station"}
    page = client.post(url, mapping).content.decode()
    assert 'id="row-errors"' in page and "D9-999" in page and "<td>2</td>" in page
    response, page, token = upload(client, "deploy.csv", b"observer,station\n1006,D2-002\n")
    response = client.post(url, {**mapping, "stored": token})
    assert response.status_code == 302
    assert stations_of(mission, "observer") == [("D2-002", False)]


def test_the_guessed_mapping_is_shown_with_the_first_rows_and_can_be_fixed(
    client, mission, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(mission.users["admin"])
    url = reverse("deployment-import", args=[SLUG])
    # "Participant ID" is guessed as the observer; "PS" and "Backup" are not guessed.
    content = b"Participant ID,PS,Backup,Notes\n1006,D2-002,0,east door\n1007,D1-002,1,\n"
    response, page, token = upload(client, "apollo.csv", content)
    assert chosen(page, "observer") == "Participant ID"
    assert chosen(page, "station") == "" and chosen(page, "reserve") == ""
    assert 'id="first-rows"' in page and "east door" in page and "D1-002" in page
    assert "Columns mapped to no field:</strong> PS, Backup, Notes" in page
    # Confirming the guess is refused: the station code is required.
    refused = client.post(url, {"stored": token, "field_observer": "Participant ID"})
    assert refused.status_code == 400 and stations_of(mission, "observer") == [("D1-001", False)]
    # One column cannot be two fields.
    twice = client.post(
        url,
        {"stored": token, "field_observer": "Participant ID", "field_station": "Participant ID"},
    )
    assert twice.status_code == 400 and "already mapped" in twice.content.decode()
    fixed = {
        "stored": token,
        "field_observer": "Participant ID",
        "field_station": "PS",
        "field_reserve": "Backup",
    }
    assert client.post(url, fixed).status_code == 302
    assert stations_of(mission, "observer") == [("D2-002", False)]
    assert ("D1-002", True) in stations_of(mission, "other_observer")
    assert AuditEvent.objects.filter(kind="import.deployments").count() == 1


def test_a_forged_or_missing_upload_token_is_refused(client, mission, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(mission.users["coordinator"])
    url = reverse("deployment-import", args=[SLUG])
    forged = client.post(
        url, {"stored": "imports/aa/x.csv", "field_observer": "a", "field_station": "b"}
    )
    assert forged.status_code == 400 and "expired or was altered" in forged.content.decode()
    empty = client.post(url, {})
    assert empty.status_code == 400 and "Choose a file" in empty.content.decode()
    _, page, _ = upload(client, "bad.csv", b"observer,station\n1006,D2-002\n", encoding="nope")
    assert "bad.csv" in page and 'name="stored"' not in page


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_deployers_upload_and_confirm(client, mission, settings, tmp_path, persona):
    settings.MEDIA_ROOT = str(tmp_path)
    from django.core import signing

    from pollwatch.elections.importers import store_raw_file
    from pollwatch.observers.views import UPLOAD_SALT

    source = tmp_path / "d.csv"
    source.write_bytes(b"observer,station\n1006,D2-002\n")
    relative, _, _ = store_raw_file(source, "d.csv")
    token = signing.dumps(
        {"path": relative, "name": "d.csv", "encoding": "utf-8"}, salt=UPLOAD_SALT
    )
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    url = reverse("deployment-import", args=[SLUG])
    response = client.post(
        url, {"stored": token, "field_observer": "observer", "field_station": "station"}
    )
    deployed = stations_of(mission, "observer") == [("D2-002", False)]
    assert deployed == (persona in DEPLOYERS), persona
    if persona == "anonymous":
        assert response.status_code == 302 and "/login/" in response["Location"]
    elif persona not in DEPLOYERS:
        assert response.status_code in (403, 404)


def test_pdf_renders_one_region_per_page(client, mission):
    station = mission.stations["D1-001"]
    station.extra = {"Address": "12 Nizami street"}
    station.save()
    client.force_login(mission.users["admin"])
    response = client.get(reverse("deployment-print", args=[SLUG]), {"format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    html = client.get(reverse("deployment-print", args=[SLUG])).content.decode()
    assert html.count('<section class="region">') == 2
    assert "break-after: page" in html
    assert "12 Nizami street" in html and "+994501000006" in html and "1006" in html


# ---- in a browser --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@BROWSER_TEST[0]
@BROWSER_TEST[1]
def test_a_coordinator_assigns_an_observer_from_the_station_page(
    live_server, browser, mission, settings
):
    from playwright.sync_api import expect

    settings.SESSION_COOKIE_SECURE = False
    context = browser.new_context()
    sign_in_browser(context, live_server.url, mission.users["coordinator"])
    page = context.new_page()
    page.goto(f"{live_server.url}/e/{SLUG}/stations/D2-001/")
    page.locator("#assign-observer input[name=observer]").fill("1007")
    page.get_by_role("button", name="Assign here").click()
    expect(page.locator("p.message")).to_contain_text("moved from D3-001 to D2-001")
    expect(page.locator("main, body").first).to_contain_text("Other Observer")
    assert stations_of(mission, "other_observer") == [("D2-001", False)]
    context.close()


def test_import_deployments_command(mission, tmp_path, settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.MEDIA_ROOT = str(tmp_path / "media")
    bad = tmp_path / "bad.csv"
    bad.write_text("observer,station\n1006,NOPE\n", encoding="utf-8")
    report = tmp_path / "errors.csv"
    with pytest.raises(CommandError, match="NOPE"):
        call_command("import_deployments", str(bad), election=SLUG, errors_csv=report)
    assert "station" in report.read_text()
    good = tmp_path / "good.csv"
    good.write_text("observer,station\n1006,D1-002\n", encoding="utf-8")
    call_command("import_deployments", str(good), election=SLUG)
    assert stations_of(mission, "observer") == [("D1-002", False)]
