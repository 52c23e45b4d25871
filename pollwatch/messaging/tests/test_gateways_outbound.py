"""Outbound gateways against a real HTTP server shaped as each provider's API documents it:
the request each sends, how each answer is read, and delivery reports coming back."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs

import pytest

from pollwatch.messaging.models import DeliveryReport, Message
from pollwatch.messaging.outbox import send_one as queue_one
from pollwatch.messaging.sender import claim, send_one
from pollwatch.messaging.tests.fakegateway import Answer, FakeGateway
from pollwatch.submissions.gateways.twilio import signature


@pytest.fixture
def fake():
    server = FakeGateway().start()
    yield server
    server.stop()


@pytest.fixture
def providers(settings, fake):
    settings.PUBLIC_URL = "https://pw.example.org"
    settings.SMS_SEND_TIMEOUT = 0.5
    settings.SMS_SEND_ATTEMPTS = 3
    settings.SMS_JSON_SECRET = "json-secret"
    settings.SMS_JSON_SEND_URL = f"{fake.url}/send"
    settings.TWILIO_ACCOUNT_SID = "AC123"
    settings.TWILIO_AUTH_TOKEN = "twilio-token"
    settings.TWILIO_FROM = "+15005550006"
    settings.TWILIO_API_URL = fake.url
    settings.TELERIVET_PROJECT_ID = "PJ42"
    settings.TELERIVET_API_KEY = "tr-key"
    settings.TELERIVET_SECRET = "tr-secret"
    settings.TELERIVET_API_URL = fake.url
    return fake


def queued(settings, gateway, mission, text="Hello"):
    settings.SMS_SEND_GATEWAY = gateway
    person = mission.people["observer"]
    queue_one(mission.election, person, person.phone, text)
    (message,) = claim(10, Message.objects.get().next_attempt_at)
    return message


def basic(headers):
    kind, _, value = headers["Authorization"].partition(" ")
    assert kind == "Basic"
    return base64.b64decode(value).decode()


def test_twilio_send_posts_the_documented_form(settings, mission, providers):
    providers.default = Answer(201, {"sid": "SM0001", "status": "queued"})
    message = queued(settings, "twilio", mission)
    assert send_one(message) == "sent"
    (request,) = providers.requests
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert basic(request["headers"]) == "AC123:twilio-token"
    form = {k: v[0] for k, v in parse_qs(request["body"]).items()}
    assert form == {
        "To": mission.people["observer"].phone,
        "From": "+15005550006",
        "Body": "Hello",
        "StatusCallback": "https://pw.example.org/sms/twilio/status/",
    }
    message.refresh_from_db()
    assert message.external_id == "SM0001" and message.sent_at is not None


def test_twilio_error_answer_fails_the_message_with_its_reason(settings, mission, providers):
    providers.default = Answer(
        400,
        {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400},
    )
    message = queued(settings, "twilio", mission)
    assert send_one(message) == "failed"
    message.refresh_from_db()
    assert "21211" in message.error and "not a valid phone number" in message.error


def test_twilio_timeout_is_unconfirmed_never_resent(settings, mission, providers):
    providers.default = Answer(201, {"sid": "SM2"}, delay=1.5)
    message = queued(settings, "twilio", mission)
    assert send_one(message) == "unconfirmed"
    assert claim(10, Message.objects.get().created.replace(year=2100)) == []


def test_telerivet_send_posts_the_documented_json(settings, mission, providers):
    providers.default = Answer(200, {"id": "SMtr1", "status": "queued"})
    message = queued(settings, "telerivet", mission, "Salam")
    assert send_one(message) == "sent"
    (request,) = providers.requests
    assert request["path"] == "/v1/projects/PJ42/messages/send"
    assert basic(request["headers"]) == "tr-key:"
    assert json.loads(request["body"]) == {
        "to_number": mission.people["observer"].phone,
        "content": "Salam",
        "status_url": "https://pw.example.org/sms/telerivet/status/",
        "status_secret": "tr-secret",
    }


def test_telerivet_error_object_is_the_reason(settings, mission, providers):
    providers.default = Answer(
        400, {"error": {"code": "invalid_param", "message": "Invalid to_number"}}
    )
    message = queued(settings, "telerivet", mission)
    assert send_one(message) == "failed"
    message.refresh_from_db()
    assert "Invalid to_number" in message.error


def test_json_send_carries_the_uuid_as_idempotency_key(settings, mission, providers):
    providers.default = Answer(202, {"id": "gw-1"})
    message = queued(settings, "json", mission)
    assert send_one(message) == "sent"
    (request,) = providers.requests
    assert request["headers"]["Authorization"] == "Bearer json-secret"
    assert request["headers"]["Idempotency-Key"] == str(message.uuid)
    body = json.loads(request["body"])
    assert body["id"] == str(message.uuid) and body["to"] == message.to
    assert body["status_url"] == "https://pw.example.org/sms/json/status/"


@pytest.mark.parametrize("answer", [Answer(500), Answer(503), Answer(429), Answer(200, delay=1.5)])
def test_json_temporary_failures_are_retried_with_backoff_then_failed(
    settings, mission, providers, answer
):
    providers.default = answer
    message = queued(settings, "json", mission)
    assert send_one(message) == "queued"
    message.refresh_from_db()
    assert message.attempts == 1 and "attempt 1" in message.error
    wait = (message.next_attempt_at - message.created).total_seconds()
    assert 3.5 < wait < 7  # 5 s ± 20 %
    for _ in range(2):
        (message,) = claim(10, Message.objects.get().next_attempt_at)
        status = send_one(message)
    assert status == "failed" and "gave up after 3 attempts" in Message.objects.get().error


def test_unreachable_gateway_is_tried_again(settings, mission, providers):
    settings.SMS_JSON_SEND_URL = "http://127.0.0.1:9/send"  # nothing listens on the discard port
    message = queued(settings, "json", mission)
    assert send_one(message) == "queued"
    assert "cannot reach" in Message.objects.get().error


# Delivery reports -------------------------------------------------------------------------


def sent_message(settings, mission, gateway, external_id):
    settings.SMS_SEND_GATEWAY = gateway
    person = mission.people["observer"]
    message = queue_one(mission.election, person, person.phone, "x")
    Message.objects.filter(pk=message.pk).update(status="sent", external_id=external_id)
    return message


def test_twilio_status_callback_is_signed_and_moves_the_message(
    client, settings, mission, providers
):
    message = sent_message(settings, mission, "twilio", "SM77")
    url = "http://testserver/sms/twilio/status/"
    params = {"MessageSid": "SM77", "MessageStatus": "delivered", "AccountSid": "AC123"}
    bad = client.post(url, params, HTTP_X_TWILIO_SIGNATURE="nope")
    assert bad.status_code == 403
    good = client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature(url, params, "twilio-token"))
    assert good.status_code == 200 and good.json()["applied"] is True
    message.refresh_from_db()
    assert message.status == "delivered" and message.delivered_at is not None
    # A late "sent" never moves a delivered message back.
    params["MessageStatus"] = "sent"
    late = client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature(url, params, "twilio-token"))
    assert late.json()["applied"] is False
    message.refresh_from_db()
    assert message.status == "delivered"
    assert DeliveryReport.objects.filter(message=message).count() == 2


def test_twilio_undelivered_keeps_the_error_code(client, settings, mission, providers):
    message = sent_message(settings, mission, "twilio", "SM78")
    url = "http://testserver/sms/twilio/status/"
    params = {"MessageSid": "SM78", "MessageStatus": "undelivered", "ErrorCode": "30003"}
    client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature(url, params, "twilio-token"))
    message.refresh_from_db()
    assert message.status == "undelivered" and message.error == "Twilio error 30003"


def test_telerivet_status_notification_needs_the_secret(client, settings, mission, providers):
    message = sent_message(settings, mission, "telerivet", "SMtr9")
    url = "/sms/telerivet/status/"
    fields = {
        "event": "send_status",
        "id": "SMtr9",
        "status": "not_delivered",
        "error_message": "absent",
    }
    assert client.post(url, fields | {"secret": "wrong"}).status_code == 403
    assert client.post(url, fields | {"secret": "tr-secret"}).status_code == 200
    message.refresh_from_db()
    assert message.status == "undelivered" and message.error == "absent"


def test_json_status_report_by_our_uuid_and_bad_reports_are_kept(
    client, settings, mission, providers
):
    message = sent_message(settings, mission, "json", "")
    headers = {"HTTP_AUTHORIZATION": "Bearer json-secret", "content_type": "application/json"}
    url = "/sms/json/status/"
    ok = client.post(url, json.dumps({"id": str(message.uuid), "status": "delivered"}), **headers)
    assert ok.status_code == 200
    message.refresh_from_db()
    assert message.status == "delivered"
    bad = client.post(url, json.dumps({"status": "delivered"}), **headers)
    assert bad.status_code == 400 and "'id'" in bad.json()["error"]
    unknown = client.post(url, json.dumps({"id": "nope", "status": "delivered"}), **headers)
    assert unknown.json() == {"applied": False, "problem": "no message sent by json with id 'nope'"}
    assert DeliveryReport.objects.filter(problem__startswith="'id'").exists()
    assert client.post(url, "{}", content_type="application/json").status_code == 403


def test_report_before_the_send_answer_is_applied_after(client, settings, mission, providers):
    """Twilio may post the status callback before the send's answer is written."""
    providers.default = Answer(201, {"sid": "SM_EARLY"})
    message = queued(settings, "twilio", mission)
    url = "http://testserver/sms/twilio/status/"
    params = {"MessageSid": "SM_EARLY", "MessageStatus": "delivered"}
    client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature(url, params, "twilio-token"))
    assert send_one(message) == "sent"
    message.refresh_from_db()
    assert message.status == "delivered"
    assert DeliveryReport.objects.get().message == message


def test_console_has_no_status_webhook(client):
    assert client.post("/sms/console/status/", {}).status_code == 404
    assert client.post("/sms/nothing/status/", {}).status_code == 404


def test_a_nul_byte_in_a_delivery_report_is_kept_escaped(client, settings, mission, providers):
    """PostgreSQL cannot store NUL: a report carrying one (raw, or %00 in a form) is kept with the
    byte written as an escape, and answered, never a 500."""
    headers = {"HTTP_AUTHORIZATION": "Bearer json-secret", "content_type": "application/json"}
    bad_json = client.post("/sms/json/status/", b'{"id": "a\x00b", "status": "deliv', **headers)
    assert bad_json.status_code == 400
    wrong_secret = client.post("/sms/telerivet/status/", {"secret": "no", "id": "\x00"})
    assert wrong_secret.status_code == 403
    fields = {
        "secret": "tr-secret",
        "id": "SM\x00",
        "status": "deliv\x00ered",
        "error_message": "\x00",
    }
    form = client.post("/sms/telerivet/status/", fields)
    assert form.status_code == 200 and form.json()["applied"] is False
    reports = DeliveryReport.objects.order_by("pk")
    assert reports.count() == 3
    for report in reports:
        for value in (report.raw, report.external_id, report.status, report.error, report.problem):
            assert "\x00" not in value
    assert reports.last().external_id == "SM\\x00"
