"""Quotas of the observer API, per sign-in token: posts per window and bytes per day.

One leaked token must not be able to fill the disk or crowd out other
observers. A refusal is answered at once (429 with ``Retry-After``, or 413 for
a body over the size limit, which no retry can fix) and leaves a trace in the
raw table: the body's size, sha256 and first 4 KB, never more. Traces of
refusals are themselves limited per token (``TRACES_PER_WINDOW``), so a flood
costs a few rows, not one per request. The buckets are the database's
(``TokenBucket``), so every web worker shares them.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from pollwatch.accounts.boundary import KEPT_PREFIX_BYTES, Body
from pollwatch.accounts.models import Charge, TokenBucket
from pollwatch.observers.models import Person
from pollwatch.submissions.intake import store_inbound
from pollwatch.submissions.models import Inbound

DAY = 86_400
TRACES_PER_WINDOW = 20


SMALL_POST = 64 * 1024
"""A post this small (a report without a photo) is read before its quotas are charged, so that
both are charged in one transaction; a larger one is refused by its rate before it is read."""


TOO_MANY_POSTS = "too many reports"
TOO_MANY_BYTES = "this sign-in sent too much data today"


def posts_wait(token_hash: str) -> tuple[int, str]:
    """Count one post for the token: (0, "") when allowed, else (seconds to wait, why)."""
    return _wait(token_hash, posts=True, size=None)


def bytes_wait(token_hash: str, size: int) -> tuple[int, str]:
    """Count ``size`` bytes for the token today: (0, "") when allowed, else (seconds, why)."""
    return _wait(token_hash, posts=False, size=size)


def post_and_bytes_wait(token_hash: str, size: int) -> tuple[int, str]:
    """Count one post and its ``size`` bytes at once, in one transaction."""
    return _wait(token_hash, posts=True, size=size)


def _wait(token_hash: str, *, posts: bool, size: int | None) -> tuple[int, str]:
    limit, window = settings.OBSERVER_API_RATE_LIMIT, settings.OBSERVER_API_RATE_WINDOW
    budget = settings.OBSERVER_API_DAILY_BYTES
    post_key, bytes_key = f"observer-posts:{token_hash}", f"observer-bytes:{token_hash}"
    charges = {}
    if posts:
        charges[post_key] = Charge(limit, window)
    if size is not None:
        charges[bytes_key] = Charge(budget, DAY, cost=max(size, 1))
    refused = TokenBucket.take_each(charges)
    if refused is None:
        return 0, ""
    if refused == post_key:
        return max(1, math.ceil(window / limit)), TOO_MANY_POSTS
    return max(1, math.ceil(DAY * min(1.0, max(size or 1, 1) / budget))), TOO_MANY_BYTES


def refuse(
    request: HttpRequest,
    person: Person,
    token_hash: str,
    status: int,
    retry_after: int,
    message: str,
    meta: dict,
    body: Body | None = None,
) -> JsonResponse:
    """The refusal (with ``Retry-After`` when waiting helps), and a bounded trace in the raw table."""
    trace_refusal(person, token_hash, status, message, meta, body)
    response = JsonResponse(
        {
            "status": "rejected",
            "error": message,
            "problems": [{"code": "", "message": message}],
            "retry_after": retry_after or None,
        },
        status=status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def trace_refusal(
    person: Person,
    token_hash: str,
    status: int,
    message: str,
    meta: dict,
    body: Body | None = None,
    *,
    gateway: str = "pwa",
) -> None:
    """Keep a refused post's trace (size, sha256, first 4 KB), at most TRACES_PER_WINDOW per token."""
    if TokenBucket.take(
        {f"observer-refusal-traces:{token_hash}": TRACES_PER_WINDOW},
        settings.OBSERVER_API_RATE_WINDOW,
    ):
        _keep_trace(person, status, message, meta, body, gateway)


def _keep_trace(
    person: Person, status: int, message: str, meta: dict, body: Body | None, gateway: str
) -> None:
    trace_meta = {**meta, "refused": status}
    if body is not None:
        trace_meta |= {"bytes": body.size, "sha256": body.sha256, "kept_bytes": KEPT_PREFIX_BYTES}
    store_inbound(
        Inbound.Channel.WEB,
        gateway,
        body.text[:KEPT_PREFIX_BYTES] if body is not None else "",
        sender=person.code,
        meta=trace_meta,
        sha256=body.sha256 if body is not None else "",
        refused=message,
        person=person,
    )
