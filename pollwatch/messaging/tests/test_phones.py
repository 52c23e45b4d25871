"""Phones: STOP and START by SMS, a number verified by a code texted back, the primary number."""

from __future__ import annotations

import re

import pytest

from pollwatch.audit.models import AuditEvent
from pollwatch.messaging.models import Message, OptOut, PhoneCheck
from pollwatch.messaging.phones import CHECK_FAILURES, verified_at
from pollwatch.submissions.models import Inbound

THREAD = "/e/test-election/people/1006/thread/"


@pytest.fixture
def sms(client, settings, tmp_path):
    settings.SMS_JSON_SECRET = "s"
    settings.SMS_OUTBOX = str(tmp_path / "o.jsonl")

    def send(sender: str, text: str):
        response = client.post(
            "/sms/json/",
            {"from": sender, "text": text},
            content_type="application/json",
            HTTP_AUTHORIZATION="Bearer s",
        )
        assert response.status_code == 200
        return response.json()["reply"]

    return send


@pytest.fixture
def observer(mission):
    person = mission.people["observer"]
    person.phone = "+994501234567"
    person.other_phones = ["+994551112233"]
    person.save()
    return person


def test_stop_and_start_by_sms(mission, observer, sms, client, outbox):
    assert "no more messages" in sms(observer.phone, " stop ")
    assert OptOut.objects.filter(phone=observer.phone).exists()
    inbound = Inbound.objects.get(raw=" stop ")
    assert inbound.person == observer and inbound.status == "accepted"
    client.force_login(mission.users["coordinator"])
    response = client.post(THREAD, {"action": "write", "text": "hello"})
    assert response.status_code == 400 and "opted out" in response.text
    assert "opted out" in client.get(THREAD).text
    assert "again" in sms(observer.phone, "START")
    assert not OptOut.objects.exists()
    assert client.post(THREAD, {"action": "write", "text": "hello"}).status_code == 302
    assert {e.kind for e in AuditEvent.objects.filter(kind__startswith="phone.")} == {
        "phone.opted_out",
        "phone.opted_in",
    }


def test_a_phone_is_verified_by_the_code_texted_back(mission, observer, sms, client, outbox):
    client.force_login(mission.users["coordinator"])
    assert "not verified" in client.get(THREAD).text
    assert client.post(THREAD, {"action": "verify"}).status_code == 302
    message = Message.objects.get(kind="verify")
    assert message.to == observer.phone
    code = re.search(r"VERIFY (\d{6})", message.text).group(1)
    assert PhoneCheck.objects.get().code_hash != code  # only its hash is kept
    wrong = "000000" if code != "000000" else "111111"
    assert "not the one" in sms(observer.phone, f"VERIFY {wrong}")
    assert "not the one" in sms("+994559990000", f"VERIFY {code}")  # another phone
    assert verified_at(observer) is None
    assert "verified" in sms(observer.phone, f"verify {code}")
    assert verified_at(observer) is not None
    assert "verified" in client.get(THREAD).text
    assert AuditEvent.objects.filter(kind="phone.verified").exists()


def test_a_check_closes_after_too_many_wrong_codes(mission, observer, sms, client, outbox):
    client.force_login(mission.users["coordinator"])
    client.post(THREAD, {"action": "verify"})
    code = re.search(r"VERIFY (\d{6})", Message.objects.get().text).group(1)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(CHECK_FAILURES):
        sms(observer.phone, f"VERIFY {wrong}")
    assert "not the one" in sms(observer.phone, f"VERIFY {code}")
    assert verified_at(observer) is None


def test_make_primary_swaps_numbers(mission, observer, client):
    client.force_login(mission.users["coordinator"])
    response = client.post(THREAD, {"action": "primary", "phone": "+994551112233"})
    assert response.status_code == 302
    observer.refresh_from_db()
    assert observer.phone == "+994551112233" and observer.other_phones == ["+994501234567"]
    bad = client.post(THREAD, {"action": "primary", "phone": "+10000000000"})
    assert bad.status_code == 400 and "not one of" in bad.text


@pytest.mark.parametrize("action", ["verify", "primary"])
def test_only_admins_and_coordinators_manage_phones(mission, observer, client, action):
    for persona in ["supervisor", "clerk"]:
        client.force_login(mission.users[persona])
        response = client.post(THREAD, {"action": action, "phone": "+994551112233"})
        assert response.status_code == 403
    assert not PhoneCheck.objects.exists()
    observer.refresh_from_db()
    assert observer.phone == "+994501234567"


def test_calls_are_in_the_thread(mission, observer, client):
    from pollwatch.submissions.clerk import log_call

    log_call(
        mission.election,
        observer,
        mission.users["clerk"],
        direction="out",
        outcome="no_answer",
        note="rang twice",
    )
    client.force_login(mission.users["supervisor"])
    page = client.get(THREAD).text
    assert "rang twice" in page and "no answer" in page


def test_a_signin_link_by_sms_works_and_its_token_is_never_shown(mission, observer, client, outbox):
    from pollwatch.messaging.sender import Pace, send_due

    client.force_login(mission.users["coordinator"])
    assert client.post(THREAD, {"action": "signin"}).status_code == 302
    message = Message.objects.get(kind="signin")
    token = re.search(r"#t=([A-Za-z0-9_\-]+)", message.text).group(1)
    page = client.get(THREAD).text
    assert token not in page and "#t=…" in page
    assert token not in str(AuditEvent.objects.get(kind="message.queued").payload)
    send_due(Pace(0))
    (line,) = outbox.read()
    assert f"#t={token}" in line["text"]  # the phone got it
    message.refresh_from_db()
    assert token not in message.text  # the database no longer holds it
    client.logout()
    me = client.get("/api/o/me", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200


def test_observer_links_send_queues_one_link_each(mission, observer, outbox, capsys):
    from django.core.management import call_command

    mission.people["other_observer"].phone = ""
    mission.people["other_observer"].save()
    call_command("observer_links", "--election", "test-election", "--send")
    out = capsys.readouterr().out
    assert f"{observer.code},Observer,{observer.phone},queued" in out
    assert "has no phone number" in out
    assert Message.objects.filter(kind="signin").count() == 1


def test_the_code_typed_in_the_app_verifies_the_phone(mission, observer, client, outbox):
    from pollwatch.submissions.views import issue_token

    token = issue_token(observer)
    app = {"HTTP_AUTHORIZATION": f"Token {token}", "content_type": "application/json"}
    url = "/api/o/verify-phone"
    assert (
        client.post(url, '{"code": "123456"}', content_type="application/json").status_code == 401
    )
    assert client.post(url, '{"code": "123456"}', **app).status_code == 409  # no code sent yet
    assert (
        client.get("/api/o/me", HTTP_AUTHORIZATION=f"Token {token}").json()["phone_check"] is False
    )
    staff = client.__class__()
    staff.force_login(mission.users["coordinator"])
    staff.post(THREAD, {"action": "verify"})
    assert (
        client.get("/api/o/me", HTTP_AUTHORIZATION=f"Token {token}").json()["phone_check"] is True
    )
    code = re.search(r"VERIFY (\d{6})", Message.objects.get().text).group(1)
    for bad in ["{}", "[]", '{"code": 123456}', '{"code": "12345"}', '{"code": "abcdef"}', "nope"]:
        response = client.post(url, bad, **app)
        assert response.status_code == 400 and "six digits" in response.json()["error"]
    wrong = "000000" if code != "000000" else "111111"
    assert client.post(url, f'{{"code": "{wrong}"}}', **app).status_code == 400
    assert client.post(url, f'{{"code": "{code}"}}', **app).json() == {"verified": True}
    assert verified_at(observer) is not None
    assert (
        client.get("/api/o/me", HTTP_AUTHORIZATION=f"Token {token}").json()["phone_check"] is False
    )
