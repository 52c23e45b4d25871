"""Telerivet-style webhooks: form posts with secret, from_number, content, id.

Authenticated by the ``secret`` field (``TELERIVET_SECRET``). The reply goes
back as JSON ``{"messages": [{"content": …}]}``, which the phone gateway sends.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from pollwatch.submissions.gateways import (
    BadMessage,
    InboundSMS,
    Refused,
    Sent,
    StatusReport,
    TryAgain,
    post,
    same_secret,
    status_url,
)

NAME = "telerivet"


def authenticate(request: HttpRequest) -> bool:
    return same_secret(request.POST.get("secret", ""), settings.TELERIVET_SECRET)


def parse(request: HttpRequest) -> InboundSMS:
    if request.POST.get("event", "incoming_message") != "incoming_message":
        raise BadMessage(f"not an incoming message: event {request.POST.get('event')!r}")
    sender, text = request.POST.get("from_number", ""), request.POST.get("content")
    if not sender.strip():
        raise BadMessage("'from_number' (the sender's number) is missing")
    if text is None:
        raise BadMessage("'content' (the message) is missing")
    return InboundSMS(sender, text, request.POST.get("id", ""))


def respond(reply: str, sms: InboundSMS | None = None) -> HttpResponse:
    return JsonResponse({"messages": [{"content": reply}] if reply else []})


IDEMPOTENT = False  # Telerivet's send has no idempotency key: a timed-out send is unconfirmed


def send(message: Any) -> Sent:
    """POST {to_number, content, status_url, status_secret} as JSON to
    ``/v1/projects/{project_id}/messages/send`` with the API key as the basic-auth user.
    Telerivet answers the Message object (its ``id``); an error answers
    ``{"error": {"code", "message"}}``. Delivery reports come to ``status_url`` carrying
    ``status_secret`` (``TELERIVET_SECRET``)."""
    project, key = settings.TELERIVET_PROJECT_ID, settings.TELERIVET_API_KEY
    if not (project and key):
        raise TryAgain(
            "TELERIVET_PROJECT_ID and TELERIVET_API_KEY must be set to send by Telerivet"
        )
    body: dict[str, str] = {"to_number": message.to, "content": message.text}
    callback = status_url(NAME)
    if callback and settings.TELERIVET_SECRET:
        body |= {"status_url": callback, "status_secret": settings.TELERIVET_SECRET}
    url = f"{settings.TELERIVET_API_URL.rstrip('/')}/v1/projects/{project}/messages/send"
    status, payload, text = post(
        url, idempotent=IDEMPOTENT, timeout=settings.SMS_SEND_TIMEOUT, json=body, auth=(key, "")
    )
    answer = payload if isinstance(payload, dict) else {}
    if status in (401, 403):
        raise TryAgain(f"Telerivet refused the API key ({status}): {text[:200]}")
    if not 200 <= status < 300 or not answer.get("id"):
        error = answer["error"] if isinstance(answer.get("error"), dict) else {}
        raise Refused(f"Telerivet answered {status}: {error.get('message', text[:300])}")
    return Sent(str(answer["id"])[:100])


def read_status(request: HttpRequest) -> StatusReport:
    """A status notification: event=send_status, id, status (queued, sent, delivered,
    not_delivered, failed, failed_queued, cancelled) and error_message."""
    if request.POST.get("event", "send_status") != "send_status":
        raise BadMessage(f"not a status report: event {request.POST.get('event')!r}")
    given, status = request.POST.get("id", ""), request.POST.get("status", "")
    if not given:
        raise BadMessage("'id' is missing")
    if not status:
        raise BadMessage("'status' is missing")
    return StatusReport(given[:100], status[:40], request.POST.get("error_message", "")[:1000])
