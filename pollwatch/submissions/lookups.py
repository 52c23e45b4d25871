"""What every observer post looks up, remembered by each process: the token's person and the
person's deployments.

On election day nearly every request is a post, and looking these up in the database for each
would cost more than storing the post itself. Each process keeps them for LOOKUP_TTL seconds at
most, and forgets sooner what has changed: a change (a token revoked, a deployment or membership
saved or deleted) is written as a :class:`LookupChange` row, which every process reads at most
CHECK_EVERY seconds later — so a revoked token stops working on every web host within about a
second, and the process that made the change forgets at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

LOOKUP_TTL = 600.0
CHECK_EVERY = 1.0
WINDOW = timedelta(minutes=5)  # a change committed this late after it was made is still read
KEEP_CHANGES = timedelta(hours=1)

_lock = threading.Lock()
_seen: set[int] | None = None  # the LookupChange rows of the last WINDOW this process has read
_checked = 0.0
_forgetters: list[Any] = []


def on_change(forget: Any) -> Any:
    """Register ``forget(person_ids)`` (None: everyone) to be called when look-ups change."""
    _forgetters.append(forget)
    return forget


def _forget(person_ids: set[int] | None) -> None:
    for forget in _forgetters:
        forget(person_ids)


def changed(person_ids: Iterable[int | None]) -> None:
    """Record that these people's look-ups changed (None in it: everyone's): forgotten in this
    process now (and again when the transaction commits), in the others within CHECK_EVERY."""
    from pollwatch.submissions.models import LookupChange

    ids = set(person_ids)
    everyone = None in ids
    LookupChange.objects.bulk_create(
        [LookupChange(person_id=None)]
        if everyone
        else [LookupChange(person_id=pk) for pk in sorted(pk for pk in ids if pk is not None)]
    )
    # Changes every process has long read are dropped (they are rare: a few rows at most).
    LookupChange.objects.filter(at__lt=timezone.now() - KEEP_CHANGES).delete()
    forgotten = None if everyone else {pk for pk in ids if pk is not None}
    _forget(forgotten)
    transaction.on_commit(lambda: _forget(forgotten))


def fresh() -> None:
    """Forget what changes made since the last look stale; reads the changes at most once every
    CHECK_EVERY seconds (one small query), so every request may call it."""
    global _seen, _checked
    now = time.monotonic()
    if now - _checked < CHECK_EVERY:
        return
    with _lock:
        if now - _checked < CHECK_EVERY:
            return
        _checked = now
        _read_changes()


def _read_changes() -> None:
    """Forget the people named by changes not read before.

    Changes are read by time, over the last WINDOW, not by "after the last id seen": ids are
    handed out when a row is inserted, not when it commits, so a change committed late can
    carry a lower id than one already read."""
    global _seen
    from pollwatch.submissions.models import LookupChange

    rows = dict(
        LookupChange.objects.filter(at__gte=timezone.now() - WINDOW).values_list("pk", "person_id")
    )
    if _seen is None:  # a new process has nothing remembered yet
        _seen = set(rows)
        return
    new = {pk: person for pk, person in rows.items() if pk not in _seen}
    _seen = set(rows)
    if new:
        people = set(new.values())
        _forget(None if None in people else people)  # type: ignore[arg-type]


def reset() -> None:
    """Forget everything and read the changes afresh (a test's database was rolled back)."""
    global _seen, _checked
    with _lock:
        _seen, _checked = None, 0.0
    _forget(None)
