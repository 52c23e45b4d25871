"""The inbox and a person's thread: within reach, unknown senders for coordinators, replies."""

from __future__ import annotations

import pytest

from pollwatch.audit.models import AuditEvent
from pollwatch.messaging.models import Message
from pollwatch.submissions.models import Inbound
from pollwatch.testing import PERSONAS

ALL = [p for p in PERSONAS if p != "other_observer"]


@pytest.fixture
def received(mission):
    observer, other = mission.people["observer"], mission.people["other_observer"]
    return {
        "observer": Inbound.objects.create(
            channel="sms",
            gateway="json",
            sender=observer.phone,
            raw="OP 1006 A1 1",
            sha256="a",
            person=observer,
            election=mission.election,
            status="accepted",
        ),
        "other": Inbound.objects.create(
            channel="sms",
            gateway="json",
            sender=other.phone,
            raw="OP 1007 A1 7",
            sha256="b",
            person=other,
            election=mission.election,
            status="rejected",
            problem="A1: not an option",
        ),
        "stranger": Inbound.objects.create(
            channel="sms",
            gateway="json",
            sender="+994559999999",
            raw="hello I cannot find the form",
            sha256="c",
            status="rejected",
        ),
    }


def listed(response):
    return {
        name
        for name in ("OP 1006 A1 1", "OP 1007 A1 7", "hello I cannot find")
        if name in response.text
    }


@pytest.mark.parametrize("persona", ALL)
def test_inbox_by_role(client, mission, received, persona):
    client.force_login(mission.users[persona])
    response = client.get("/e/test-election/messages/inbox/")
    if persona in {"admin", "coordinator", "clerk"}:
        assert response.status_code == 200
        assert listed(response) == {"OP 1006 A1 1", "OP 1007 A1 7", "hello I cannot find"}
    elif persona == "supervisor":
        assert response.status_code == 200
        assert listed(response) == {"OP 1006 A1 1"}  # R1's observer; no strangers
    else:
        assert response.status_code == (404 if persona == "outsider" else 403)


def test_needs_a_reply_until_a_person_answers(client, mission, received, outbox):
    client.force_login(mission.users["coordinator"])
    page = client.get("/e/test-election/messages/inbox/?show=needs_reply")
    assert listed(page) == {"OP 1007 A1 7", "hello I cannot find"}
    assert "needs a reply (2)" in page.text
    response = client.post(
        f"/e/test-election/messages/inbox/{received['stranger'].pk}/reply/",
        {"text": "Type OP then your code", "next": "/e/test-election/messages/inbox/"},
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.to == "+994559999999" and message.in_reply_to == received["stranger"]
    assert AuditEvent.objects.filter(kind="message.queued").count() == 1
    page = client.get("/e/test-election/messages/inbox/?show=needs_reply")
    assert listed(page) == {"OP 1007 A1 7"}


def test_reply_refuses_an_empty_text_and_messages_out_of_reach(client, mission, received):
    client.force_login(mission.users["coordinator"])
    url = f"/e/test-election/messages/inbox/{received['stranger'].pk}/reply/"
    assert client.post(url, {"text": " "}).status_code == 400
    too_long = client.post(url, {"text": "x" * 1601})
    assert too_long.status_code == 400 and "at most 1,600" in too_long.text
    assert "reply to +994559999999: text" in too_long.text  # the inbox, with the field named
    client.force_login(mission.users["supervisor"])
    assert client.post(url, {"text": "hi"}).status_code == 404
    other = f"/e/test-election/messages/inbox/{received['other'].pk}/reply/"
    assert client.post(other, {"text": "hi"}).status_code == 404
    assert Message.objects.count() == 0


def test_search_the_inbox(client, mission, received):
    client.force_login(mission.users["coordinator"])
    assert listed(client.get("/e/test-election/messages/inbox/?q=cannot")) == {
        "hello I cannot find"
    }
    assert listed(client.get("/e/test-election/messages/inbox/?q=1007")) == {"OP 1007 A1 7"}
    assert listed(client.get("/e/test-election/messages/inbox/?show=unknown")) == {
        "hello I cannot find"
    }


@pytest.mark.parametrize("persona", ALL)
def test_thread_by_role(client, mission, received, persona):
    client.force_login(mission.users[persona])
    response = client.get("/e/test-election/people/1006/thread/")  # the observer in D1 (R1)
    if persona in {"admin", "coordinator", "supervisor", "clerk"}:
        assert response.status_code == 200 and "OP 1006 A1 1" in response.text
    else:
        assert response.status_code == (404 if persona == "outsider" else 403)
    other = client.get("/e/test-election/people/1007/thread/")  # in R2
    expected = (
        200
        if persona in {"admin", "coordinator", "clerk"}
        else 404
        if persona in {"supervisor", "outsider"}
        else 403
    )
    assert other.status_code == expected


def test_thread_shows_both_ways_and_writes(client, mission, received, outbox):
    client.force_login(mission.users["coordinator"])
    response = client.post("/e/test-election/people/1006/thread/", {"text": "Thanks!"})
    assert response.status_code == 302
    page = client.get("/e/test-election/people/1006/thread/").text
    assert page.index("Thanks!") < page.index("OP 1006 A1 1")  # newest first
    assert client.post("/e/test-election/people/1006/thread/", {"text": ""}).status_code == 400
    long = client.post("/e/test-election/people/1006/thread/", {"text": "x" * 5000})
    assert long.status_code == 400 and "5,000 characters; at most 1,600" in long.text
    assert Message.objects.filter(text__startswith="xxx").count() == 0


def test_sms_replies_are_kept_in_the_thread(client, mission, settings, tmp_path):
    settings.SMS_JSON_SECRET = "s"
    settings.SMS_OUTBOX = str(tmp_path / "o.jsonl")
    observer = mission.people["observer"]
    observer.phone = "+994501234567"
    observer.save()
    client.post(
        "/sms/json/",
        '{"from": "+994501234567", "text": "hello"}',
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer s",
    )
    reply = Message.objects.get()
    assert reply.kind == "reply" and reply.status == "sent" and reply.person == observer
    assert reply.in_reply_to.raw == "hello"


def test_anonymous_is_sent_to_login(client, mission):
    for url in ["/e/test-election/people/1006/thread/", "/e/test-election/messages/broadcasts/1/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_an_unknown_senders_chat_is_logged_as_the_reply_reads(
    client, mission, forms, settings, tmp_path
):
    """'hello I cannot find the form' was logged "observer not found" while the reply spoke of
    the form: the log now names what the reply names, and that the number is nobody's."""
    settings.SMS_JSON_SECRET = "s"
    settings.SMS_OUTBOX = str(tmp_path / "o.jsonl")
    client.post(
        "/sms/json/",
        '{"from": "+994559999998", "text": "hello I cannot find the form"}',
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer s",
    )
    inbound = Inbound.objects.get(sender="+994559999998")
    assert "unknown form" in inbound.problem and "hello" in inbound.problem
    assert "+994559999998 is no observer's number" in inbound.problem
    assert "observer not found" not in inbound.problem
    assert "hello" in inbound.reply.lower() or "form" in inbound.reply.lower()


def test_a_direct_message_too_long_is_refused(client, mission, received):
    client.force_login(mission.users["coordinator"])
    response = client.post("/e/test-election/people/1006/thread/", {"text": "y" * 5000})
    assert response.status_code == 400 and "5,000 characters" in response.text
    assert Message.objects.count() == 0
