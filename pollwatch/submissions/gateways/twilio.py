"""Twilio-style form posts (From, Body, MessageSid), signed with X-Twilio-Signature.

The signature is HMAC-SHA1, keyed with ``TWILIO_AUTH_TOKEN``, over the full
webhook URL followed by every POST parameter name and value in sorted order,
base64-encoded (Twilio's documented scheme). The reply is TwiML.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from pollwatch.submissions.gateways import (
    BadMessage,
    InboundSMS,
    Refused,
    Sent,
    StatusReport,
    TryAgain,
    post,
    status_url,
)

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


IDEMPOTENT = False  # Twilio's Messages API has no idempotency key: a timed-out send is unconfirmed


def send(message: Any) -> Sent:
    """Create a Message resource: POST To, From (or MessagingServiceSid), Body and StatusCallback
    as a form to ``/2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP basic auth
    (AccountSid, AuthToken). Twilio answers 201 with the message's ``sid``; an error answers
    4xx with ``code`` and ``message``."""
    sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
    if not (sid and token):
        raise TryAgain("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set to send by Twilio")
    form = {"To": message.to, "Body": message.text}
    if settings.TWILIO_MESSAGING_SERVICE_SID:
        form["MessagingServiceSid"] = settings.TWILIO_MESSAGING_SERVICE_SID
    elif settings.TWILIO_FROM:
        form["From"] = settings.TWILIO_FROM
    else:
        raise TryAgain("set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID to send by Twilio")
    callback = status_url(NAME)
    if callback:
        form["StatusCallback"] = callback
    url = f"{settings.TWILIO_API_URL.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
    status, payload, text = post(
        url, idempotent=IDEMPOTENT, timeout=settings.SMS_SEND_TIMEOUT, data=form, auth=(sid, token)
    )
    answer = payload if isinstance(payload, dict) else {}
    if status in (401, 403):
        raise TryAgain(f"Twilio refused the account's credentials ({status}): {text[:200]}")
    if not 200 <= status < 300 or not answer.get("sid"):
        code, why = answer.get("code", ""), answer.get("message", text[:300])
        raise Refused(f"Twilio answered {status} (error {code}): {why}")
    return Sent(str(answer["sid"])[:100])


def read_status(request: HttpRequest) -> StatusReport:
    """A status callback: MessageSid, MessageStatus (queued, sent, delivered, undelivered,
    failed …) and ErrorCode, signed like every Twilio webhook."""
    sid, status = request.POST.get("MessageSid", ""), request.POST.get("MessageStatus", "")
    if not sid:
        raise BadMessage("'MessageSid' is missing")
    if not status:
        raise BadMessage("'MessageStatus' is missing")
    code = request.POST.get("ErrorCode", "")
    return StatusReport(sid[:100], status[:40], f"Twilio error {code}" if code else "")
