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
from pollwatch.accounts.models import TokenBucket
from pollwatch.observers.models import Person
from pollwatch.submissions.intake import store_inbound
from pollwatch.submissions.models import Inbound

DAY = 86_400
TRACES_PER_WINDOW = 20


def posts_wait(token_hash: str) -> int:
    """Count one post for the token: 0 when allowed, else the seconds until one is."""
    limit, window = settings.OBSERVER_API_RATE_LIMIT, settings.OBSERVER_API_RATE_WINDOW
    if TokenBucket.take({f"observer-posts:{token_hash}": limit}, window):
        return 0
    return max(1, math.ceil(window / limit))


def bytes_wait(token_hash: str, size: int) -> int:
    """Count ``size`` bytes for the token today: 0 when allowed, else the seconds until they would be."""
    budget = settings.OBSERVER_API_DAILY_BYTES
    cost = max(size, 1) / budget
    if TokenBucket.take({f"observer-bytes:{token_hash}": 1}, DAY, cost=cost):
        return 0
    return max(1, math.ceil(DAY * min(1.0, cost)))


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
    if TokenBucket.take(
        {f"observer-refusal-traces:{token_hash}": TRACES_PER_WINDOW},
        settings.OBSERVER_API_RATE_WINDOW,
    ):
        _keep_trace(person, status, message, meta, body)
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


def _keep_trace(person: Person, status: int, message: str, meta: dict, body: Body | None) -> None:
    trace_meta = {**meta, "refused": status}
    if body is not None:
        trace_meta |= {"bytes": body.size, "sha256": body.sha256, "kept_bytes": KEPT_PREFIX_BYTES}
    inbound = store_inbound(
        Inbound.Channel.WEB,
        "pwa",
        body.text[:KEPT_PREFIX_BYTES] if body is not None else "",
        sender=person.code,
        meta=trace_meta,
        sha256=body.sha256 if body is not None else "",
    )
    Inbound.objects.filter(pk=inbound.pk).update(
        status=Inbound.Status.REJECTED, problem=message, person=person
    )
