"""A generic JSON webhook: POST {"from": "+994…", "text": "OP 1234 A1 1", "id": "…"}.

Authenticated by ``Authorization: Bearer <SMS_JSON_SECRET>`` (or the header
``X-Pollwatch-Secret``). Answers {"to": sender, "reply": text}; the gateway
sends the reply.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from pollwatch.lib.boundary import UnstorableInput, decode_body, load_json
from pollwatch.submissions.gateways import BadMessage, InboundSMS, same_secret

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
