"""The phone desk: a data clerk confirms who is calling, then types the report into the app's form."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from pollwatch.audit.models import AuditEvent
from pollwatch.observers.models import CallerPin
from pollwatch.submissions.models import Call, Inbound, Submission
from pollwatch.testing import PERSONAS, assert_reach, protocol

DESK = {"admin", "coordinator", "clerk"}
CALLER = reverse("phone-caller", args=["test-election"])
REPORT = reverse("phone-report", args=["test-election", "1006"])


def confirm_by_callback(client, code="1006"):
    return client.post(CALLER, {"code": code, "called_back": "1"})


def pr_post(answers: dict, **extra) -> dict:
    return {
        "station": "D1-001",
        "form": "PR",
        "client_uuid": str(uuid.uuid4()),
        **{k: str(v) for k, v in answers.items()},
        **extra,
    }


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_the_phone_desk_is_for_clerks_coordinators_and_admins(client, mission, persona):
    assert_reach(client, mission, persona, CALLER, DESK)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_the_report_page_needs_the_desk_and_a_confirmed_caller(
    client, mission, results_forms, persona
):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.get(REPORT)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    elif persona in DESK:
        assert response.status_code == 302 and response["Location"] == CALLER
        assert confirm_by_callback(client)["Location"] == REPORT
        assert client.get(REPORT + "?station=D1-001&form=PR").status_code == 200
    else:
        assert response.status_code in (403, 404)
        assert confirm_by_callback(client).status_code in (403, 404)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_coordinators_and_admins_set_a_caller_pin(client, mission, persona):
    url = reverse("caller-pin", args=["test-election", "1006"])
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.post(url)
    if persona == "anonymous":
        assert response.status_code == 302
    elif persona in {"admin", "coordinator"}:
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    else:
        assert response.status_code in (403, 404)
    assert CallerPin.objects.exists() == (persona in {"admin", "coordinator"})


def set_pin(client, mission) -> str:
    client.force_login(mission.users["coordinator"])
    page = client.post(reverse("caller-pin", args=["test-election", "1006"])).content.decode()
    pin = page.split('id="caller-pin">')[1].split("<")[0]
    assert len(pin) == 6 and pin.isdigit()
    return pin


def test_the_pin_is_kept_hashed_shown_once_and_audited(client, mission):
    pin = set_pin(client, mission)
    stored = CallerPin.objects.get(person=mission.people["observer"])
    assert pin not in stored.pin_hash and stored.pin_hash.startswith("argon2")
    event = AuditEvent.objects.get(kind="person.caller_pin_set")
    assert pin not in str(event.payload)
    # A new PIN replaces the old one.
    newer = set_pin(client, mission)
    client.force_login(mission.users["clerk"])
    if newer != pin:
        assert client.post(CALLER, {"code": "1006", "pin": pin}).status_code == 400
    assert client.post(CALLER, {"code": "1006", "pin": newer})["Location"] == REPORT


def test_a_wrong_pin_is_refused_beside_the_field_and_audited(client, mission):
    pin = set_pin(client, mission)
    client.force_login(mission.users["clerk"])
    wrong = "000000" if pin != "000000" else "111111"
    response = client.post(CALLER, {"code": "1006", "pin": wrong})
    assert response.status_code == 400
    assert 'id="pin-error"' in response.text and "not this observer" in response.text
    assert AuditEvent.objects.filter(kind="caller.pin_refused").count() == 1
    assert client.get(REPORT).status_code == 302  # not confirmed


def test_wrong_pins_are_throttled_even_before_the_right_one(client, mission, settings):
    settings.LOGIN_RATE_LIMIT = 3
    pin = set_pin(client, mission)
    client.force_login(mission.users["clerk"])
    wrong = "000000" if pin != "000000" else "111111"
    for _ in range(3):
        assert client.post(CALLER, {"code": "1006", "pin": wrong}).status_code == 400
    response = client.post(CALLER, {"code": "1006", "pin": pin})
    assert response.status_code == 429 and "Too many wrong PINs" in response.text
    # A call back on the registered phone still works.
    assert confirm_by_callback(client)["Location"] == REPORT


def test_an_observer_without_a_pin_or_an_unknown_code_is_named(client, mission):
    client.force_login(mission.users["clerk"])
    response = client.post(CALLER, {"code": "1006", "pin": "123456"})
    assert response.status_code == 400 and "no caller PIN yet" in response.text
    for code in ("9999", "1002"):  # nobody, and a coordinator (not an observer)
        response = client.post(CALLER, {"code": code, "pin": "123456"})
        assert response.status_code == 400 and 'id="code-error"' in response.text


def test_a_phoned_in_result_counts_in_the_quick_count(client, mission, results_forms):
    from pollwatch.results.estimates import quick_count_for

    client.force_login(mission.users["clerk"])
    confirm_by_callback(client)
    page = client.get(REPORT + "?station=D1-001&form=PR")
    assert 'name="C1"' in page.text and 'name="client_uuid"' in page.text
    response = client.post(REPORT, pr_post(protocol(600, 300)))
    submission = Submission.objects.get()
    assert response["Location"] == reverse("submission", args=["test-election", submission.pk])
    assert submission.source == "phone" and submission.status == "accepted"
    assert submission.observer.person == mission.people["observer"]
    first = submission.revisions.get()
    assert first.actor == mission.users["clerk"] and "taken by clerk" in first.reason
    inbound = submission.inbound
    assert inbound.channel == Inbound.Channel.PHONE and inbound.status == "accepted"
    assert inbound.meta["clerk"] == "clerk" and inbound.meta["caller_confirmed_by"] == "callback"
    received = AuditEvent.objects.get(kind="submission.received")
    assert received.payload["taken_by"] == "clerk"
    call = Call.objects.get()
    assert call.outcome == "report_taken" and call.direction == "out"
    assert call.submission == submission and call.by == mission.users["clerk"]
    data = quick_count_for(mission.election)
    assert data["received"] == 1
    assert data["shares"]["C1"]["estimate"] == pytest.approx(600 / 900)


def test_problems_are_shown_beside_their_question_and_nothing_is_lost(
    client, mission, results_forms
):
    client.force_login(mission.users["clerk"])
    confirm_by_callback(client)
    answers = protocol(600, 300)
    answers["C1"] = "six hundred"
    answers["VA"] = 901
    body = pr_post(answers, note="read from the protocol")
    response = client.post(REPORT, body)
    assert response.status_code == 400
    assert Submission.objects.count() == 0
    page = response.text
    assert 'id="e-C1"' in page and "six hundred" in page  # the problem beside C1, and its value
    assert 'value="901"' in page and "read from the protocol" in page
    assert "Checks across answers" in page
    held = Inbound.objects.get()
    assert held.channel == "phone" and held.status == "rejected" and "six hundred" in held.raw
    # The caller confirms the figures are what the protocol says: stored with its problems.
    body["C1"] = "600"
    response = client.post(REPORT, {**body, "save_anyway": "1"})
    submission = Submission.objects.get()
    assert submission.status == "partial" and submission.answers["_comment"]
    assert Inbound.objects.count() == 2


def test_saving_twice_stores_one_report(client, mission, results_forms):
    client.force_login(mission.users["clerk"])
    confirm_by_callback(client)
    body = pr_post(protocol(600, 300))
    first = client.post(REPORT, body)
    second = client.post(REPORT, body)
    assert first["Location"] == second["Location"]
    assert Submission.objects.count() == 1 and Call.objects.count() == 1


def test_a_clerk_cannot_report_at_a_station_the_observer_is_not_deployed_to(
    client, mission, results_forms
):
    client.force_login(mission.users["clerk"])
    confirm_by_callback(client)
    response = client.post(REPORT, pr_post(protocol(600, 300), station="D3-001"))
    # Only the observer's own deployment (D1-001) is offered; another station is refused.
    assert response.status_code == 400 and "Choose one of the observer" in response.text
    assert not Submission.objects.exists()
