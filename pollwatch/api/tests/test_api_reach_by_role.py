"""Every API endpoint for every persona and anonymous callers, by token and by session.

The reach is the web pages': no role in the election is 404, a role without
reach is 403, anonymous is 401; and a list holds only what the role reaches.
"""

from __future__ import annotations

import pytest

from pollwatch.api.tests.conftest import bearer
from pollwatch.testing import PERSONAS

MEMBERS = set(PERSONAS) - {"outsider"}
FIELD = {"admin", "coordinator", "analyst", "clerk", "supervisor", "observer", "other_observer"}
ANALYSIS = {"admin", "coordinator", "analyst"}
BASE = "/api/v1/elections/test-election"
ENDPOINTS = [
    ("election", BASE, MEMBERS),
    ("stations", f"{BASE}/stations", FIELD),
    ("submissions", f"{BASE}/submissions", FIELD),
    ("incidents", f"{BASE}/incidents", FIELD),
    ("quick-count", f"{BASE}/estimates/quick-count", ANALYSIS),
    ("exit-poll", f"{BASE}/estimates/exit-poll", ANALYSIS),
    ("official-results", f"{BASE}/official-results", ANALYSIS),
    ("published-polls", f"{BASE}/published-polls", ANALYSIS),
    ("forensics", f"{BASE}/forensics", ANALYSIS),
]


def get(client, mission, tokens, persona: str, how: str, url: str):
    if persona == "anonymous":
        return client.get(url)
    if how == "session":
        client.force_login(mission.users[persona])
        return client.get(url)
    return client.get(url, headers=bearer(tokens[persona]))


def expected_status(persona: str, allowed: set[str]) -> int:
    if persona == "anonymous":
        return 401
    if persona in allowed:
        return 200
    return 404 if persona == "outsider" else 403


@pytest.mark.parametrize("how", ["token", "session"])
@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize(("name", "url", "allowed"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_each_role_gets_only_what_it_may(
    client, mission, forensics_run, tokens, persona, how, name, url, allowed
):
    response = get(client, mission, tokens, persona, how, url)
    assert response.status_code == expected_status(persona, allowed), (persona, response.content)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    if response.status_code != 200:
        assert response.json()["detail"]


@pytest.mark.parametrize("how", ["token", "session"])
@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_the_election_list_holds_the_elections_with_a_role(client, mission, tokens, persona, how):
    response = get(client, mission, tokens, persona, how, "/api/v1/elections")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    slugs = [e["slug"] for e in response.json()]
    assert slugs == ([] if persona == "outsider" else ["test-election"])


def test_the_election_says_what_the_role_reaches(client, mission, tokens):
    media = client.get(BASE, headers=bearer(tokens["media_monitor"])).json()
    assert media["roles"] == ["media_monitor"]
    assert media["reach"] == {"stations": False, "reports": False, "analysis": False}
    observer = client.get(BASE, headers=bearer(tokens["observer"])).json()
    assert observer["reach"] == {"stations": True, "reports": True, "analysis": False}
    analyst = client.get(BASE, headers=bearer(tokens["analyst"])).json()
    assert analyst["reach"] == {"stations": True, "reports": True, "analysis": True}


STATIONS_IN_REACH = {
    "analyst": ["D1-001", "D1-002", "D2-001", "D2-002", "D3-001", "D3-002"],
    "supervisor": ["D1-001", "D1-002", "D2-001", "D2-002"],
    "observer": ["D1-001"],
    "other_observer": ["D3-001"],
}


@pytest.mark.parametrize("persona", STATIONS_IN_REACH)
def test_stations_are_those_the_role_reaches(client, mission, tokens, persona):
    response = client.get(f"{BASE}/stations", headers=bearer(tokens[persona]))
    assert [s["code"] for s in response.json()["items"]] == STATIONS_IN_REACH[persona]


REPORT_STATIONS = {
    "coordinator": {"D1-001", "D3-001"},
    "supervisor": {"D1-001"},
    "observer": {"D1-001"},
    "other_observer": {"D3-001"},
}


@pytest.mark.parametrize("persona", REPORT_STATIONS)
@pytest.mark.parametrize("kind", ["submissions", "incidents"])
def test_reports_are_those_the_role_reaches(client, election_night, tokens, persona, kind):
    response = client.get(f"{BASE}/{kind}", headers=bearer(tokens[persona]))
    items = response.json()["items"]
    assert items, "the election night has reports from both observers"
    assert {item["station_code"] for item in items} == REPORT_STATIONS[persona]


def test_forensics_without_a_finished_run_is_not_found(client, mission, tokens):
    response = client.get(f"{BASE}/forensics", headers=bearer(tokens["analyst"]))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_the_latest_finished_forensics_run_is_returned(client, mission, forensics_run, tokens):
    from pollwatch.api.tests.conftest import FORENSICS_RESULT

    body = client.get(f"{BASE}/forensics", headers=bearer(tokens["analyst"])).json()
    assert body["status"] == "done" and body["result"] == FORENSICS_RESULT


def test_the_estimates_are_the_dashboards(client, election_night, tokens):
    from pollwatch.results.estimates import exit_poll_for, quick_count_for

    quick = client.get(f"{BASE}/estimates/quick-count", headers=bearer(tokens["analyst"])).json()
    expected = quick_count_for(election_night.election)
    assert quick["available"] is True
    assert quick["shares"]["C1"]["estimate"] == pytest.approx(expected["shares"]["C1"]["estimate"])
    assert set(quick["by"]) == {"R1", "R2"}
    poll = client.get(f"{BASE}/estimates/exit-poll", headers=bearer(tokens["analyst"])).json()
    assert poll["respondents"] == exit_poll_for(election_night.election)["respondents"] == 99


def test_an_election_of_which_nothing_is_known_is_not_found(client, mission, tokens):
    for slug in ["no-such-election", "bad%00slug", "%C3%A9lection"]:
        response = client.get(f"/api/v1/elections/{slug}/stations", headers=bearer(tokens["admin"]))
        assert response.status_code == 404, slug


def test_the_api_is_read_only(client, mission, tokens):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(f"{BASE}/stations", headers=bearer(tokens["admin"]))
        assert response.status_code == 405, method
