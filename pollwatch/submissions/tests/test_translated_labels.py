"""Calls, a received report's status and form phases in other languages (issue 13)."""

from __future__ import annotations

from pollwatch.submissions.clerk import log_call
from pollwatch.submissions.models import Inbound

PERSON = "/e/test-election/people/1006/"


def test_a_calls_direction_and_outcome_are_shown_in_russian(client, mission):
    log_call(
        mission.election,
        mission.people["observer"],
        mission.users["clerk"],
        direction="out",
        outcome="no_answer",
        station=mission.stations["D1-001"],
        note="",
    )
    client.force_login(mission.users["coordinator"])
    html = client.get(PERSON, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<td data-label="Направление">мы позвонили</td>' in html
    # The CSS class and the form's values stay as stored.
    assert '<span class="badge outcome-no_answer">нет ответа</span>' in html
    assert '<option value="reached">Дозвонились</option>' in html
    assert '<option value="in">нам позвонили</option>' in html
    english = client.get(PERSON, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span class="badge outcome-no_answer">no answer</span>' in english
    assert '<option value="in">they called us</option>' in english


def test_a_received_reports_status_is_shown_in_french(client, mission):
    observer = mission.people["observer"]
    Inbound.objects.create(
        channel="sms",
        gateway="json",
        sender=observer.phone,
        raw="OP 1006 A1 1",
        sha256="a",
        person=observer,
        election=mission.election,
        status="partial",
    )
    client.force_login(mission.users["coordinator"])
    url = f"{PERSON}messages/"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<span class="badge status-partial">accepté en partie</span>' in html
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span class="badge status-partial">accepted in part</span>' in english


def test_the_coverage_pages_phases_are_shown_in_arabic(client, mission, forms):
    client.force_login(mission.users["coordinator"])
    url = "/e/test-election/coverage/"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<option value="opening">الافتتاح</option>' in html  # the value filters as before
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="opening">opening</option>' in english
    incidents = client.get("/e/test-election/incidents/", HTTP_ACCEPT_LANGUAGE="ar")
    assert ">الافتتاح</option>" in incidents.content.decode()
