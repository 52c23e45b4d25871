"""Submissions are searched by station, observer, area, source and time, within each role's reach."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest

from pollwatch.observers.models import Deployment
from pollwatch.submissions.intake import submit
from pollwatch.submissions.models import Submission

URL = "/e/test-election/submissions/"


@pytest.fixture
def reports(mission, forms, settings):
    """Three reports: the observer's from D1-001 by web, the other observer's from D3-001 by SMS
    and from D2-001 by web (R1: D1, D2; R2: D3), received at known times (UTC)."""
    settings.TIME_ZONE = "UTC"
    other = mission.people["other_observer"].memberships.get()
    Deployment.objects.create(membership=other, station=mission.stations["D2-001"])
    made = {}
    for name, persona, form, station, source, received in [
        ("d1_web", "observer", "OP", "D1-001", "web", datetime(2026, 12, 6, 8, 0, tzinfo=UTC)),
        (
            "d3_sms",
            "other_observer",
            "IN",
            "D3-001",
            "sms",
            datetime(2026, 12, 6, 12, 0, tzinfo=UTC),
        ),
        (
            "d2_web",
            "other_observer",
            "OP",
            "D2-001",
            "web",
            datetime(2026, 12, 7, 9, 0, tzinfo=UTC),
        ),
    ]:
        answers = {"A1": 1, "A3": 1} if form == "OP" else {"T": "1"}
        result = submit(
            mission.people[persona].memberships.get(),
            forms[form],
            mission.stations[station],
            answers,
            client_uuid=uuid.uuid4(),
            source=source,
        )
        Submission.objects.filter(pk=result.submission.pk).update(created=received)
        made[name] = result.submission.pk
    return made


def found(client, query, status=200):
    """The names of the fixture's reports listed for ``query``, as the signed-in user."""
    response = client.get(URL + query)
    assert response.status_code == status, response.content[:500]
    pks = {
        int(pk) for pk in re.findall(r'href="/e/test-election/submissions/(\d+)/"', response.text)
    }
    return pks


def names(reports, *wanted):
    return {reports[name] for name in wanted}


@pytest.fixture
def admin(client, mission):
    client.force_login(mission.users["admin"])
    return client


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?station=D1-001", ["d1_web"]),
        ("?station=D1-", ["d1_web"]),
        ("?station=d3", ["d3_sms"]),
        ("?station=D", ["d1_web", "d3_sms", "d2_web"]),
        ("?station=D9", []),
    ],
)
def test_by_station_code_or_its_start(admin, reports, query, expected):
    assert found(admin, query) == names(reports, *expected)


def test_a_whole_station_code_is_that_station_alone(admin, mission, forms, reports):
    from pollwatch.elections.models import PollingStation

    longer = PollingStation.objects.create(
        election=mission.election,
        code="D1-0011",
        name="Annex",
        area=mission.districts["D1"],
        area_path="/R1/D1/",
        registered_voters=10,
    )
    other = mission.people["other_observer"].memberships.get()
    Deployment.objects.create(membership=other, station=longer)
    annex = submit(
        other, forms["IN"], longer, {"T": "2"}, client_uuid=uuid.uuid4(), source="web"
    ).submission
    assert found(admin, "?station=D1-001") == names(reports, "d1_web")
    assert found(admin, "?station=D1-00") == names(reports, "d1_web") | {annex.pk}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?observer=1006", ["d1_web"]),  # the observer's code
        ("?observer=other", ["d3_sms", "d2_web"]),  # part of a name, any case
        ("?observer=Observer", ["d1_web", "d3_sms", "d2_web"]),
        ("?observer=100", []),  # a code is matched whole
    ],
)
def test_by_observer_code_or_name(admin, reports, query, expected):
    assert found(admin, query) == names(reports, *expected)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?area=R1", ["d1_web", "d2_web"]),  # a region holds its districts' stations
        ("?area=D2", ["d2_web"]),
        ("?area=R2", ["d3_sms"]),
    ],
)
def test_by_area_and_everything_below_it(admin, reports, query, expected):
    assert found(admin, query) == names(reports, *expected)


def test_by_source(admin, reports):
    assert found(admin, "?source=sms") == names(reports, "d3_sms")
    assert found(admin, "?source=web") == names(reports, "d1_web", "d2_web")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?since=2026-12-06T10:00", ["d3_sms", "d2_web"]),  # as a datetime-local field sends it
        ("?since=2026-12-06T11:00%2B04:00", ["d1_web", "d3_sms", "d2_web"]),  # 07:00 UTC
        ("?until=2026-12-06T12:00", ["d1_web"]),  # until is exclusive
        ("?until=2026-12-06", ["d1_web", "d3_sms"]),  # a bare date: to the end of that day
        ("?since=2026-12-07", ["d2_web"]),
        ("?since=2026-12-06&until=2026-12-06", ["d1_web", "d3_sms"]),
    ],
)
def test_by_time_received(admin, reports, query, expected):
    assert found(admin, query) == names(reports, *expected)


def test_with_the_form_and_status_filters(admin, reports):
    assert found(admin, "?form=OP&area=R1") == names(reports, "d1_web", "d2_web")
    assert found(admin, "?form=IN&source=web") == set()
    assert found(admin, "?status=accepted&station=D3") == names(reports, "d3_sms")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?area=R9", "there is no area with the code &#x27;R9&#x27;"),
        ("?source=fax", "&#x27;fax&#x27; is not one of web, sms"),
        ("?since=yesterday", "Since: &#x27;yesterday&#x27; is not a date"),
        ("?until=2026-02-30", "Until: &#x27;2026-02-30&#x27; is not a date"),
        ("?since=9999-12-31", "Since: &#x27;9999-12-31&#x27; is not a date"),
        ("?until=0001-01-01T00:00%2B14:00", "Until: &#x27;0001-01-01T00:00+14:00&#x27;"),
        ("?since=2026-12-07&until=2026-12-06", "Since must be before until."),
        ("?status=lost", "Status: &#x27;lost&#x27; is not a status."),
        ("?form=ZZ", "Form: there is no form &#x27;ZZ&#x27;."),
    ],
)
def test_a_bad_filter_is_named_and_lists_nothing(admin, reports, query, message):
    response = admin.get(URL + query)
    assert response.status_code == 400
    assert message in response.text and 'role="alert"' in response.text
    assert found(admin, query, status=400) == set()


def test_with_htmx_a_bad_filter_still_shows_its_message(admin, reports):
    response = admin.get(URL + "?area=R9", headers={"HX-Request": "true"})
    assert response.status_code == 200  # htmx swaps in only 2xx answers
    assert "no area with the code" in response.text and "<h1>" not in response.text


def test_the_form_keeps_what_was_searched(admin, reports):
    page = admin.get(URL + "?station=D1-&observer=1006&area=R1&source=web&since=2026-12-06T07:00")
    assert 'name="station" value="D1-"' in page.text
    assert 'name="observer" value="1006"' in page.text
    assert 'name="area" value="R1"' in page.text
    assert '<option value="web" selected>' in page.text
    assert 'name="since" value="2026-12-06T07:00"' in page.text


def test_a_supervisor_searches_only_their_region(client, mission, reports):
    client.force_login(mission.users["supervisor"])  # supervises R1
    assert found(client, "") == names(reports, "d1_web", "d2_web")
    assert found(client, "?area=R2") == set()
    assert found(client, "?station=D3") == set()
    assert found(client, "?observer=other") == names(reports, "d2_web")
    assert found(client, "?source=sms") == set()


def test_an_observer_searches_only_their_own_reports(client, mission, reports):
    client.force_login(mission.users["other_observer"])
    assert found(client, "") == names(reports, "d3_sms", "d2_web")
    assert found(client, "?observer=1006") == set()
    assert found(client, "?station=D1") == set()
    client.force_login(mission.users["observer"])
    assert found(client, "?area=R1") == names(reports, "d1_web")


def test_people_without_reach_find_nothing(client, mission, reports):
    client.force_login(mission.users["media_monitor"])
    assert found(client, "?station=D") == set()
    client.force_login(mission.users["outsider"])
    assert client.get(URL + "?station=D").status_code == 404
    client.logout()
    assert client.get(URL + "?station=D").status_code == 302
