"""Every view × every persona and anonymous: who gets the page, who gets refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pollwatch.testing import PERSONAS, assert_reach

# view name, URL args, personas allowed (200); everyone else with a login gets 403 or 404.
VIEWS = [
    ("election-home", ["test-election"], set(PERSONAS) - {"outsider"}),
    ("area-children", ["test-election", "R1"], set(PERSONAS) - {"outsider"}),
    (
        "stations",
        ["test-election"],
        {"admin", "coordinator", "analyst", "clerk", "supervisor", "observer", "other_observer"},
    ),
    (
        "station",
        ["test-election", "D1-001"],
        {"admin", "coordinator", "analyst", "clerk", "supervisor", "observer"},
    ),
    (
        "station",
        ["test-election", "D3-001"],
        {"admin", "coordinator", "analyst", "clerk", "other_observer"},
    ),
    (
        "station",
        ["test-election", "D2-002"],
        {"admin", "coordinator", "analyst", "clerk", "supervisor"},
    ),
    ("people", ["test-election"], {"admin", "coordinator", "clerk", "supervisor"}),
    ("person", ["test-election", "1006"], {"admin", "coordinator", "clerk", "supervisor"}),
    ("person", ["test-election", "1007"], {"admin", "coordinator", "clerk"}),
    (
        "deployments",
        ["test-election"],
        {"admin", "coordinator", "clerk", "supervisor", "observer", "other_observer"},
    ),
    ("imports", ["test-election"], {"admin"}),
]


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize(
    ("name", "args", "allowed"), VIEWS, ids=[f"{v[0]}:{'/'.join(v[1][1:])}" for v in VIEWS]
)
def test_each_role_gets_only_what_it_may(client, mission, persona, name, args, allowed):
    url = reverse(name, args=args)
    assert_reach(client, mission, persona, url, allowed)


def test_observer_sees_only_own_deployments(client, mission):
    client.force_login(mission.users["observer"])
    page = client.get(reverse("deployments", args=["test-election"])).content.decode()
    assert "D1-001" in page
    assert "D3-001" not in page


def test_observer_station_list_holds_only_deployed_stations(client, mission):
    client.force_login(mission.users["observer"])
    page = client.get(reverse("stations", args=["test-election"])).content.decode()
    assert "D1-001" in page
    assert "D1-002" not in page and "D2-001" not in page


def test_supervisor_sees_people_of_their_area_only(client, mission):
    client.force_login(mission.users["supervisor"])
    page = client.get(reverse("people", args=["test-election"])).content.decode()
    assert "Observer" in page and "1006" in page
    assert "1007" not in page


def expected_for_admin_only(persona: str) -> int:
    return 200 if persona == "admin" else 404 if persona == "outsider" else 403


@pytest.mark.parametrize("name", ["import", "import-errors"])
def test_an_import_and_its_error_report_are_admin_only(client, mission, tmp_path, settings, name):
    from pollwatch.elections.importers import create_job, run_job

    settings.MEDIA_ROOT = tmp_path / "media"
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,registered_voters,region_code\nX1,School,-5,R1\n")
    job = run_job(create_job(mission.election, "stations", bad, "bad.csv", {}))
    url = reverse(name, args=["test-election", job.pk])
    for persona in PERSONAS:
        client.force_login(mission.users[persona])
        response = client.get(url)
        assert response.status_code == expected_for_admin_only(persona), persona
        if persona == "admin":
            assert b"negative" in response.content
    client.logout()
    assert client.get(url).status_code == 302


def test_posting_an_import_is_admin_only(client, mission):
    for persona in PERSONAS:
        client.force_login(mission.users[persona])
        response = client.post("/e/test-election/imports/", {"kind": "stations"})
        assert response.status_code == expected_for_admin_only(persona), persona


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_the_start_page_sends_each_user_to_their_election(client, mission, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.get("/")
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    elif persona == "outsider":
        assert response.status_code == 200 and b"no role in any election" in response.content
    else:
        assert response.status_code == 302 and response["Location"] == "/e/test-election/"


def test_admin_site_is_for_staff_only(client, mission):
    client.force_login(mission.users["coordinator"])
    assert client.get("/admin/").status_code == 302
    client.force_login(mission.users["admin"])
    # staff without model permissions sees the index but no models
    assert client.get("/admin/").status_code == 200
