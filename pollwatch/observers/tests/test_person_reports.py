"""A person's page lists their reports and incidents, and a station's page its incidents,
within the role's reach (issue 12: "the station page lists its reports, incidents, photos and
calls; an observer's page the same")."""

from __future__ import annotations

import uuid

import pytest

from pollwatch.submissions.intake import submit
from pollwatch.testing import PERSONAS


@pytest.fixture
def sent(mission, forms):
    """The observer in D1 sent OP with an alarming answer (an incident); the other one in D3 OP."""
    own = submit(
        mission.people["observer"].memberships.get(),
        forms["OP"],
        mission.stations["D1-001"],
        {"A1": 1, "A3": 0},
        client_uuid=uuid.uuid4(),
        source="web",
    ).submission
    other = submit(
        mission.people["other_observer"].memberships.get(),
        forms["OP"],
        mission.stations["D3-001"],
        {"A1": 1, "A3": 1},
        client_uuid=uuid.uuid4(),
        source="sms",
    ).submission
    return {"own": own, "other": other}


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_person_page_lists_their_reports_and_incidents(client, mission, sent, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.get("/e/test-election/people/1006/")  # the observer in D1 (R1)
    sees_people = {"admin", "coordinator", "supervisor", "clerk"}
    if persona == "anonymous":
        assert response.status_code == 302
        return
    if persona not in sees_people:
        assert response.status_code in (403, 404)
        return
    assert response.status_code == 200
    page = response.text
    assert f"/e/test-election/submissions/{sent['own'].pk}/" in page
    assert f"/e/test-election/submissions/{sent['other'].pk}/" not in page
    assert f"/e/test-election/incidents/{sent['own'].incident.pk}/" in page
    assert "Ballot box shown empty?" in page  # the incident's readable title
    assert "/e/test-election/people/1006/thread/" in page


def test_a_supervisor_cannot_open_a_person_outside_their_area(client, mission, sent):
    client.force_login(mission.users["supervisor"])
    assert client.get("/e/test-election/people/1007/").status_code == 404


@pytest.mark.parametrize("persona", ["admin", "coordinator", "supervisor", "observer", "analyst"])
def test_station_page_lists_its_incidents(client, mission, sent, persona):
    client.force_login(mission.users[persona])
    response = client.get("/e/test-election/stations/D1-001/")
    assert response.status_code == 200
    assert f"/e/test-election/incidents/{sent['own'].incident.pk}/" in response.text
