"""The call log: logged from a person's page, their message log or a station's page; never seen by observers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pollwatch.audit.models import AuditEvent
from pollwatch.submissions.clerk import log_call
from pollwatch.submissions.models import Call
from pollwatch.testing import PERSONAS

NOTE = "promised to send the count by nine"


@pytest.fixture
def calls(mission):
    """One call with each observer, about their station, logged by the clerk."""
    return {
        persona: log_call(
            mission.election,
            mission.people[persona],
            mission.users["clerk"],
            direction="out",
            outcome="reached",
            station=mission.stations[station],
            note=f"{NOTE} ({persona})",
        )
        for persona, station in (("observer", "D1-001"), ("other_observer", "D3-001"))
    }


# Who sees the call log on each page (the pages' own reach is test_access_by_role's).
SEES_CALLS = {"admin", "coordinator", "clerk", "supervisor"}


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize(
    "url",
    [
        "/e/test-election/people/1006/",
        "/e/test-election/people/1006/messages/",
        "/e/test-election/stations/D1-001/",
    ],
)
def test_each_role_sees_the_call_log_only_if_it_may(client, mission, calls, persona, url):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.get(url)
    if persona == "anonymous":
        assert response.status_code == 302
        return
    shown = response.status_code == 200 and f"{NOTE} (observer)" in response.text
    assert shown == (persona in SEES_CALLS), (persona, response.status_code)
    assert f"{NOTE} (other_observer)" not in response.text  # another person's, another station's


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_each_role_logs_a_call_only_if_it_may(client, mission, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.post(
        reverse("person-call", args=["test-election", "1006"]),
        {"direction": "out", "outcome": "no_answer", "note": "rang twice"},
    )
    assert response.status_code in (302, 403, 404)
    logged = Call.objects.filter(note="rang twice").exists()
    assert logged == (persona in SEES_CALLS), persona
    if persona == "anonymous":
        assert response["Location"].startswith("/login/")


def test_an_observer_never_reaches_another_observers_calls(client, mission, calls):
    client.force_login(mission.users["observer"])
    for url in (
        "/e/test-election/people/1007/",
        "/e/test-election/people/1007/messages/",
        "/e/test-election/stations/D3-001/",
    ):
        response = client.get(url)
        assert response.status_code == 404 and NOTE not in response.text
    response = client.post(
        "/e/test-election/people/1007/calls/", {"direction": "in", "outcome": "reached"}
    )
    assert response.status_code == 404
    response = client.post(
        "/e/test-election/stations/D3-001/calls/",
        {"person": calls["other_observer"].person_id, "direction": "in", "outcome": "reached"},
    )
    assert response.status_code == 404
    # Not even their own calls: the notes are the staff's.
    assert NOTE not in client.get("/e/test-election/stations/D1-001/").text
    assert Call.objects.count() == 2


def test_a_call_logged_from_the_station_page_is_audited_and_listed(client, mission):
    client.force_login(mission.users["clerk"])
    person = mission.people["observer"]
    response = client.post(
        "/e/test-election/stations/D1-001/calls/",
        {
            "person": person.pk,
            "direction": "in",
            "outcome": "wrong_number",
            "note": "a voter, not our observer",
            "next": "/e/test-election/stations/D1-001/",
        },
    )
    assert (
        response.status_code == 302 and response["Location"] == "/e/test-election/stations/D1-001/"
    )
    call = Call.objects.get()
    assert call.station == mission.stations["D1-001"] and call.by == mission.users["clerk"]
    event = AuditEvent.objects.get(kind="call.logged")
    assert event.actor == "clerk" and event.payload["outcome"] == "wrong_number"
    assert "a voter, not our observer" in client.get("/e/test-election/stations/D1-001/").text


def test_the_station_page_logs_calls_only_with_people_deployed_there(client, mission):
    client.force_login(mission.users["clerk"])
    response = client.post(
        "/e/test-election/stations/D1-001/calls/",
        {"person": mission.people["other_observer"].pk, "direction": "in", "outcome": "reached"},
    )
    assert response.status_code == 302 and not Call.objects.exists()


def test_a_call_without_an_outcome_is_not_logged_and_says_why(client, mission):
    client.force_login(mission.users["clerk"])
    response = client.post("/e/test-election/people/1006/calls/", {"direction": "out"}, follow=True)
    assert "Choose the outcome of the call." in response.text
    assert not Call.objects.exists()


def test_an_outside_next_address_is_not_followed(client, mission):
    client.force_login(mission.users["clerk"])
    response = client.post(
        "/e/test-election/people/1006/calls/",
        {"direction": "out", "outcome": "busy", "next": "https://evil.example/e/test-election/"},
    )
    assert response["Location"] == "/e/test-election/people/1006/"


def test_coverage_links_a_silent_observer_to_their_call_log_for_those_who_may_call(client, mission):
    link = "/e/test-election/people/1006/#calls"
    client.force_login(mission.users["clerk"])
    assert link in client.get("/e/test-election/coverage/").text
    client.force_login(mission.users["analyst"])
    assert link not in client.get("/e/test-election/coverage/").text
