"""Twilio-style form posts (From, Body, MessageSid), signed with X-Twilio-Signature.

The signature is HMAC-SHA1, keyed with ``TWILIO_AUTH_TOKEN``, over the full
webhook URL followed by every POST parameter name and value in sorted order,
base64-encoded (Twilio's documented scheme). The reply is TwiML.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from pollwatch.submissions.gateways import BadMessage, InboundSMS

NAME = "twilio"


def signature(url: str, params: dict[str, str], token: str) -> str:
    text = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(
        hmac.new(token.encode(), text.encode("utf-8"), hashlib.sha1).digest()
    ).decode()


def authenticate(request: HttpRequest) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    given = request.headers.get("X-Twilio-Signature", "")
    if not token or not given:
        return False
    params = {key: request.POST.get(key, "") for key in request.POST}
    expected = signature(request.build_absolute_uri(), params, token)
    return hmac.compare_digest(given.encode(), expected.encode())


def parse(request: HttpRequest) -> InboundSMS:
    sender, text = request.POST.get("From", ""), request.POST.get("Body")
    if not sender.strip():
        raise BadMessage("'From' (the sender's number) is missing")
    if text is None:
        raise BadMessage("'Body' (the message) is missing")
    return InboundSMS(
        sender, text, request.POST.get("MessageSid", ""), {"to": request.POST.get("To", "")}
    )


def respond(reply: str, sms: InboundSMS | None = None) -> HttpResponse:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(reply)}</Message></Response>'
    return HttpResponse(body, content_type="application/xml; charset=utf-8")
