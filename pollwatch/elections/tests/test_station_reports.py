"""A station's page lists its reports, each linked to its review page, within the role's reach."""

from __future__ import annotations

import re
import uuid

import pytest

from pollwatch.observers.models import Deployment
from pollwatch.submissions.intake import submit
from pollwatch.testing import PERSONAS

URL = "/e/test-election/stations/D1-001/"


@pytest.fixture
def reports(mission, forms):
    """At D1-001: one report from each observer (the other is deployed there too); one at D1-002."""
    other = mission.people["other_observer"].memberships.get()
    Deployment.objects.create(membership=other, station=mission.stations["D1-001"])
    Deployment.objects.create(membership=other, station=mission.stations["D1-002"])
    made = {}
    for name, persona, station in [
        ("own", "observer", "D1-001"),
        ("other", "other_observer", "D1-001"),
        ("next_door", "other_observer", "D1-002"),
    ]:
        made[name] = submit(
            mission.people[persona].memberships.get(),
            forms["OP"],
            mission.stations[station],
            {"A1": 1, "A3": 1},
            client_uuid=uuid.uuid4(),
            source="web",
        ).submission.pk
    return made


def listed(page: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/e/test-election/submissions/(\d+)/"', page)}


# Who may open D1-001's page, and whose reports there each one sees.
SEES = {
    "admin": {"own", "other"},
    "coordinator": {"own", "other"},
    "analyst": {"own", "other"},
    "clerk": {"own", "other"},
    "supervisor": {"own", "other"},  # supervises R1
    "observer": {"own"},
    "other_observer": {"other"},
}


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_each_role_sees_the_reports_it_may(client, mission, reports, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.get(URL)
    if persona == "anonymous":
        assert response.status_code == 302 and "/login" in response["Location"]
    elif persona in SEES:
        assert response.status_code == 200
        assert listed(response.text) == {reports[name] for name in SEES[persona]}
        for pk in listed(response.text):
            assert client.get(f"/e/test-election/submissions/{pk}/").status_code == 200
    else:
        assert response.status_code in (403, 404)


def test_a_long_list_links_to_the_search_for_the_rest(client, mission, reports, monkeypatch):
    from pollwatch.elections import views

    monkeypatch.setattr(views, "STATION_REPORTS_SHOWN", 1)
    client.force_login(mission.users["coordinator"])
    page = client.get(URL).text
    assert listed(page) == {reports["other"]}  # the latest first
    assert 'href="/e/test-election/submissions/?station=D1-001">All 2 reports' in page


def test_a_station_without_reports_says_so(client, mission, forms):
    client.force_login(mission.users["coordinator"])
    page = client.get(URL).text
    assert "<h2>Reports</h2>" in page and "No reports visible to you." in page
