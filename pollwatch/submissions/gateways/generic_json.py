"""A generic JSON webhook: POST {"from": "+994…", "text": "OP 1234 A1 1", "id": "…"}.

Authenticated by ``Authorization: Bearer <SMS_JSON_SECRET>`` (or the header
``X-Pollwatch-Secret``). Answers {"to": sender, "reply": text}; the gateway
sends the reply.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from pollwatch.lib.boundary import UnstorableInput, decode_body, load_json
from pollwatch.submissions.gateways import (
    BadMessage,
    InboundSMS,
    Refused,
    Sent,
    StatusReport,
    post,
    same_secret,
    status_url,
)

NAME = "json"
SECRET_IN_HEADERS = True  # the webhook checks it before reading the body


def authenticate(request: HttpRequest) -> bool:
    header = request.headers.get("Authorization", "")
    given = (
        header[len("Bearer ") :]
        if header.startswith("Bearer ")
        else request.headers.get("X-Pollwatch-Secret", "")
    )
    return same_secret(given, settings.SMS_JSON_SECRET)


def parse(request: HttpRequest) -> InboundSMS:
    body = decode_body(request.body)
    if body.problem:
        raise BadMessage(body.problem)
    try:
        # A lone surrogate in the text is the gateway's encoding fault, not the observer's:
        # the message is kept, with the character escaped where it stood.
        payload = load_json(body.text, escape_text=True)
    except UnstorableInput as exc:
        raise BadMessage(str(exc)) from exc
    if not isinstance(payload, dict):
        raise BadMessage("the body must be a JSON object with 'from' and 'text'")
    sender, text = payload.get("from"), payload.get("text")
    if not isinstance(sender, str) or not sender.strip():
        raise BadMessage("'from' (the sender's number) is missing")
    if not isinstance(text, str):
        raise BadMessage("'text' (the message) is missing")
    return InboundSMS(sender, text, str(payload.get("id", ""))[:100])


def respond(reply: str, sms: InboundSMS | None = None) -> HttpResponse:
    return JsonResponse({"to": sms.sender if sms else "", "reply": reply})


IDEMPOTENT = True  # the gateway is asked to drop a second post with the same "id"


def send(message: Any) -> Sent:
    """POST {"to", "text", "id", "status_url"} to ``SMS_JSON_SEND_URL`` with the shared secret.

    The answer is any 2xx; its JSON "id", when given, is the gateway's id for the message
    (else pollwatch's UUID is). ``id`` doubles as the ``Idempotency-Key`` header: a gateway
    must send a message once however often the same id is posted.
    """
    if not settings.SMS_JSON_SEND_URL:
        raise Refused("SMS_JSON_SEND_URL is not set: the JSON gateway cannot send")
    body = {
        "to": message.to,
        "text": message.text,
        "id": str(message.uuid),
        "status_url": status_url(NAME),
    }
    status, payload, text = post(
        settings.SMS_JSON_SEND_URL,
        idempotent=True,
        timeout=settings.SMS_SEND_TIMEOUT,
        json=body,
        headers={
            "Authorization": f"Bearer {settings.SMS_JSON_SECRET}",
            "Idempotency-Key": str(message.uuid),
        },
    )
    if not 200 <= status < 300:
        raise Refused(f"the gateway answered {status}: {text[:300]}")
    given = payload.get("id") if isinstance(payload, dict) else None
    return Sent(str(given)[:100] if given else str(message.uuid))


def read_status(request: HttpRequest) -> StatusReport:
    """A delivery report: POST {"id", "status", "error"} with the same secret as inbound posts."""
    body = decode_body(request.body)
    if body.problem:
        raise BadMessage(body.problem)
    try:
        payload = load_json(body.text, escape_text=True)
    except UnstorableInput as exc:
        raise BadMessage(str(exc)) from exc
    if not isinstance(payload, dict):
        raise BadMessage("the body must be a JSON object with 'id' and 'status'")
    given, status = payload.get("id"), payload.get("status")
    if not isinstance(given, str) or not given:
        raise BadMessage("'id' (the message's id) is missing")
    if not isinstance(status, str) or not status:
        raise BadMessage("'status' is missing")
    return StatusReport(given[:100], status[:40], str(payload.get("error") or "")[:1000])
