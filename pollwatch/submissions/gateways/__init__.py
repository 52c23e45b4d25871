"""SMS gateways: one small module each, all with the same four names.

``NAME``; ``authenticate(request) -> bool`` (the gateway's shared secret or
signature); ``parse(request) -> InboundSMS`` (raises ``BadMessage`` with a
readable reason); ``respond(reply) -> HttpResponse`` (the reply in the form the
gateway sends back to the phone). A gateway whose secret travels in a header
sets ``SECRET_IN_HEADERS = True``: the webhook then refuses a wrong secret
before it reads the body. Adding a gateway means copying one module and
listing it in ``GATEWAYS``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from types import ModuleType


@dataclass
class InboundSMS:
    sender: str
    text: str
    external_id: str = ""
    meta: dict = field(default_factory=dict)


class BadMessage(ValueError):
    """The post cannot be read as an SMS; the message says why."""


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison; an unset secret matches nothing."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def gateways() -> dict[str, ModuleType]:
    from pollwatch.submissions.gateways import generic_json, telerivet, twilio

    return {module.NAME: module for module in (generic_json, twilio, telerivet)}
