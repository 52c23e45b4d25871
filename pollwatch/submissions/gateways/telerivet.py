"""Telerivet-style webhooks: form posts with secret, from_number, content, id.

Authenticated by the ``secret`` field (``TELERIVET_SECRET``). The reply goes
back as JSON ``{"messages": [{"content": …}]}``, which the phone gateway sends.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from pollwatch.submissions.gateways import BadMessage, InboundSMS, same_secret

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
