"""SMS gateways: one small module each, all with the same names.

Inbound: ``NAME``; ``authenticate(request) -> bool`` (the gateway's shared
secret or signature); ``parse(request) -> InboundSMS`` (raises ``BadMessage``
with a readable reason); ``respond(reply) -> HttpResponse`` (the reply in the
form the gateway sends back to the phone). A gateway whose secret travels in a
header sets ``SECRET_IN_HEADERS = True``: the webhook then refuses a wrong
secret before it reads the body.

Outbound (pollwatch/messaging): ``send(message) -> Sent`` hands one message to
the gateway's API and raises ``TryAgain`` (nothing was sent: a 5xx, a 429, no
connection), ``Refused`` (the gateway will never send it: a bad number) or
``Unknown`` (no answer after the request went out); ``read_status(request) ->
StatusReport`` reads a delivery report (raises ``BadMessage``);
``IDEMPOTENT = True`` where the gateway de-duplicates by the message's UUID,
so a timed-out send may be tried again. Adding a gateway means copying one
module and listing it in ``gateways()``.
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


@dataclass
class Sent:
    """The gateway took the message: its id for the message, and whether it is already delivered."""

    external_id: str
    delivered: bool = False


class TryAgain(Exception):
    """Nothing was sent (a 5xx, a 429, no connection): the sender tries again later."""


class Refused(Exception):
    """The gateway will never send this message (a bad number, a refused sender)."""


class Unknown(Exception):
    """The request went out but no answer came: the gateway may or may not send the message."""


@dataclass
class StatusReport:
    """A delivery report: the gateway's id, its own word for the status, and any error."""

    external_id: str
    status: str
    error: str = ""


def post(
    url: str, *, idempotent: bool, timeout: float, **kwargs: object
) -> tuple[int, object, str]:
    """POST to a gateway's API: (HTTP status, the JSON answer or None, the text).

    A 429 or 5xx raises ``TryAgain``. A timeout before connecting, or a refused
    connection, raises ``TryAgain`` (nothing went out); a timeout after the request
    went out raises ``TryAgain`` for an idempotent gateway and ``Unknown`` otherwise.
    """
    import requests

    uncertain = TryAgain if idempotent else Unknown
    try:
        response = requests.post(url, timeout=(min(timeout, 5.0), timeout), **kwargs)  # type: ignore[arg-type]
    except requests.ConnectTimeout as exc:
        raise TryAgain(f"cannot reach {url}: {exc}") from exc
    except requests.ConnectionError as exc:
        if _never_connected(exc):
            raise TryAgain(f"cannot reach {url}: {exc}") from exc
        raise uncertain(f"the connection to {url} broke: {exc}") from exc
    except requests.RequestException as exc:  # a read timeout among them
        raise uncertain(f"no answer from {url}: {exc}") from exc
    text = response.text[:2000]
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if response.status_code == 429 or response.status_code >= 500:
        raise TryAgain(f"the gateway answered {response.status_code}: {text[:300]}")
    return response.status_code, payload, text


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison; an unset secret matches nothing."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def gateways() -> dict[str, ModuleType]:
    """The gateways that receive SMS (each has a webhook)."""
    from pollwatch.submissions.gateways import generic_json, telerivet, twilio

    return {module.NAME: module for module in (generic_json, twilio, telerivet)}


def senders() -> dict[str, ModuleType]:
    """The gateways that send SMS: the receiving ones and the console outbox."""
    from pollwatch.submissions.gateways import console

    return {**gateways(), console.NAME: console}


def status_url(gateway: str) -> str:
    """Where a gateway posts its delivery reports ('' without ``PUBLIC_URL``: none are asked for)."""
    from django.conf import settings

    base = settings.PUBLIC_URL.rstrip("/")
    return f"{base}/sms/{gateway}/status/" if base else ""


def _never_connected(exc: Exception) -> bool:
    from urllib3.exceptions import NewConnectionError

    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)
