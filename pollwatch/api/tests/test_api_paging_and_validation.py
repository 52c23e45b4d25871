"""Lists come in pages (offset or keyset); bad query parameters are 422 with the reason, never 500."""

from __future__ import annotations

import pytest

from pollwatch.api.tests.conftest import PROTOCOLS, bearer

BASE = "/api/v1/elections/test-election"
ALL_STATIONS = sorted(PROTOCOLS)


def follow(client, token: str, url: str) -> tuple[list[dict], int]:
    """Every item of a list, following ``next``; returns (items, pages)."""
    items: list[dict] = []
    pages = 0
    while url:
        body = client.get(url, headers=bearer(token)).json()
        items += body["items"]
        pages += 1
        url = body["next"]
    return items, pages


def test_stations_page_through_by_keyset(client, mission, tokens):
    items, pages = follow(client, tokens["analyst"], f"{BASE}/stations?limit=4")
    assert [s["code"] for s in items] == ALL_STATIONS and pages == 2


def test_the_last_page_has_no_next(client, mission, tokens):
    body = client.get(f"{BASE}/stations?limit=6", headers=bearer(tokens["analyst"])).json()
    assert len(body["items"]) == 6 and body["next"] is None


def test_stations_page_by_offset(client, mission, tokens):
    body = client.get(f"{BASE}/stations?limit=2&offset=3", headers=bearer(tokens["analyst"])).json()
    assert [s["code"] for s in body["items"]] == ALL_STATIONS[3:5]
    assert body["offset"] == 3 and body["next"].endswith("after=D3-001")
    rest, _ = follow(client, tokens["analyst"], body["next"])
    assert [s["code"] for s in rest] == ALL_STATIONS[5:]


def test_stations_start_after_a_code(client, mission, tokens):
    body = client.get(f"{BASE}/stations?after=D2-001", headers=bearer(tokens["analyst"])).json()
    assert [s["code"] for s in body["items"]] == ["D2-002", "D3-001", "D3-002"]


@pytest.mark.parametrize(
    ("area", "codes"),
    [("R1", ALL_STATIONS[:4]), ("D3", ALL_STATIONS[4:]), ("D2", ALL_STATIONS[2:4])],
)
def test_stations_filter_by_area_at_any_level(client, mission, tokens, area, codes):
    items, _ = follow(client, tokens["analyst"], f"{BASE}/stations?area={area}&limit=1")
    assert [s["code"] for s in items] == codes


def test_the_area_filter_keeps_to_the_reach(client, mission, tokens):
    body = client.get(f"{BASE}/stations?area=R1", headers=bearer(tokens["observer"])).json()
    assert [s["code"] for s in body["items"]] == ["D1-001"]


def test_an_unknown_area_is_not_found(client, mission, tokens):
    response = client.get(f"{BASE}/stations?area=R9", headers=bearer(tokens["analyst"]))
    assert response.status_code == 404


def test_the_next_link_keeps_the_filters(client, mission, tokens):
    body = client.get(f"{BASE}/stations?area=R1&limit=1", headers=bearer(tokens["analyst"])).json()
    assert "area=R1" in body["next"] and "limit=1" in body["next"]


def test_submissions_page_through_by_id(client, election_night, tokens):
    items, pages = follow(client, tokens["analyst"], f"{BASE}/submissions?limit=3")
    ids = [s["id"] for s in items]
    assert ids == sorted(ids) and len(ids) == 8 and pages == 3


def test_submissions_filter_by_status_form_and_station(client, election_night, tokens):
    token = tokens["analyst"]
    by_form = client.get(f"{BASE}/submissions?form=PR", headers=bearer(token)).json()["items"]
    assert {s["form_code"] for s in by_form} == {"PR"} and len(by_form) == 2
    by_station = client.get(f"{BASE}/submissions?station=D3-001", headers=bearer(token)).json()
    assert {s["station_code"] for s in by_station["items"]} == {"D3-001"}
    rejected = client.get(f"{BASE}/submissions?status=rejected", headers=bearer(token)).json()
    assert rejected["items"] == []


def test_incidents_filter_by_severity_and_status(client, election_night, tokens):
    token = tokens["analyst"]
    medium = client.get(f"{BASE}/incidents?severity=2&status=new", headers=bearer(token)).json()
    assert len(medium["items"]) == 2
    high = client.get(f"{BASE}/incidents?severity=3", headers=bearer(token)).json()
    assert high["items"] == []


def test_official_results_page_by_station_code(client, election_night, tokens):
    items, pages = follow(client, tokens["analyst"], f"{BASE}/official-results?limit=5")
    assert [r["station_code"] for r in items] == ALL_STATIONS and pages == 2
    assert items[0]["votes"] == {"C1": 400, "C2": 200}
    region = client.get(f"{BASE}/official-results?area=R2", headers=bearer(tokens["analyst"]))
    assert [r["station_code"] for r in region.json()["items"]] == ALL_STATIONS[4:]


BAD_QUERIES = [
    ("stations?limit=0", "limit", "greater than or equal to 1"),
    ("stations?limit=1001", "limit", "less than or equal to 1000"),
    ("stations?limit=ten", "limit", "valid integer"),
    ("stations?offset=-1", "offset", "greater than or equal to 0"),
    ("stations?offset=99999999999999999999999", "offset", "less than or equal to"),
    ("stations?after=", "after", "at least 1 character"),
    ("stations?after=D1%00", "after", "NUL character"),  # the site-wide boundary check
    ("stations?area=" + "R" * 65, "area", "at most 64 characters"),
    ("submissions?status=lost", "status", "Input should be"),
    ("submissions?after=-5", "after", "greater than or equal to 0"),
    ("submissions?after=1.5", "after", "valid integer"),
    ("incidents?severity=9", "severity", "less than or equal to 4"),
    ("official-results?limit=100000", "limit", "less than or equal to 1000"),
]


@pytest.mark.parametrize(
    ("query", "field", "message"), BAD_QUERIES, ids=[q[0] for q in BAD_QUERIES]
)
def test_bad_query_parameters_are_unprocessable(client, mission, tokens, query, field, message):
    response = client.get(f"{BASE}/{query}", headers=bearer(tokens["analyst"]))
    assert response.status_code == 422
    [issue] = response.json()["detail"]
    assert issue["loc"] == ["query", field] and message in issue["msg"]


def test_the_largest_page_is_allowed(client, mission, tokens):
    response = client.get(f"{BASE}/stations?limit=1000", headers=bearer(tokens["analyst"]))
    assert response.status_code == 200


def test_the_query_schema_names_the_models_statuses():
    from typing import get_args

    from pollwatch.api.schemas import IncidentStatus, SubmissionStatus
    from pollwatch.submissions.models import Incident, Submission

    assert set(get_args(SubmissionStatus)) == set(Submission.Status.values)
    assert set(get_args(IncidentStatus)) == set(Incident.Status.values)
