"""Serve the newest stored figures at once and recompute them when the data changed.

On election night result forms and checklists arrive every second, so the
figures behind a dashboard are almost always one form behind. Recomputing
them inside the request (a few hundred milliseconds to seconds over tens of
thousands of forms) would make every refresh slow. Instead each figure is
stored in the database (``FigureCache``, one row per figure) with the data
version it was computed from, so every web worker serves the same figures:
a request whose version matches gets them straight from the store; a
request that finds an older version gets the stored figures at once, with
their "as of" time, and the one worker that claims the new version
recomputes it in its refresher thread for the next refresh. The very first
request computes in place.

Figures never go backwards: there is one stored row per figure, every
worker serves that row, and a computation only replaces it when it started
later than the one stored (a slow recomputation of an older version that
finishes last is dropped). Per-process caches made one worker show 461 forms
"as of 14:12:09" and the next 446 "as of 14:10:54".

``ANALYSIS_BACKGROUND_REFRESH=false`` (the tests) and ``in_place()`` always
compute the current version inside the request, and store it the same way.
"""

from __future__ import annotations

import datetime
import logging
import pickle
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from pollwatch.results.models import FigureCache

logger = logging.getLogger(__name__)

# A claim older than this is taken to belong to a worker that died while recomputing.
LOCK_SECONDS = 120
_in_place = threading.local()


@contextmanager
def in_place() -> Iterator[None]:
    """Within this block figures are always current: computed now if the data changed (publishing)."""
    previous = getattr(_in_place, "active", False)
    _in_place.active = True
    try:
        yield
    finally:
        _in_place.active = previous


def fresh(key: str, version: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The figures for ``version``, or the newest stored ones while those are being recomputed.

    The dict returned carries ``as_of`` (when the computation started) and
    ``stale`` (True while newer data is being taken into account).
    """
    stored = _stored(key)
    if stored is not None and stored.version == version:
        return _served(stored, version)
    if (
        stored is None
        or not settings.ANALYSIS_BACKGROUND_REFRESH
        or getattr(_in_place, "active", False)
    ):
        return _compute_in_place(key, version, compute)
    if _claim(key, version):
        _queue.put((key, version, compute))
        _start_refresher()
    return _served(stored, version)


class _Stored:
    def __init__(
        self, version: str, computed_at: datetime.datetime, value: bytes | memoryview
    ) -> None:
        self.version = version
        self.computed_at = computed_at
        self.value: dict[str, Any] = pickle.loads(bytes(value))


def _stored(key: str) -> _Stored | None:
    row = (
        FigureCache.objects.filter(name=key).values_list("version", "computed_at", "value").first()
    )
    return _Stored(*row) if row else None


def _served(stored: _Stored, version: str) -> dict[str, Any]:
    return {**stored.value, "as_of": stored.computed_at, "stale": stored.version != version}


def _compute_in_place(
    key: str, version: str, compute: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    as_of = timezone.now()
    value = compute()
    if _store(key, version, as_of, value):
        return {**value, "as_of": as_of, "stale": False}
    # Another worker stored figures computed later than ours (and may have shown them): serve
    # those, so no one sees figures older than figures already shown.
    stored = _stored(key)
    assert stored is not None  # a store only loses to a row that exists
    return _served(stored, version)


def _store(key: str, version: str, as_of: datetime.datetime, value: dict[str, Any]) -> bool:
    """Replace the stored figures unless they were computed later than ``as_of``; True if stored."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    replaced = FigureCache.objects.filter(name=key, computed_at__lt=as_of).update(
        version=version, computed_at=as_of, value=data
    )
    if replaced:
        return True
    try:
        with transaction.atomic():
            FigureCache.objects.create(name=key, version=version, computed_at=as_of, value=data)
    except IntegrityError:  # the row exists and is at least as new as ours
        return False
    return True


def _claim(key: str, version: str) -> bool:
    """True for exactly one caller per version: that one recomputes it.

    One conditional UPDATE, atomic on SQLite and PostgreSQL (which re-checks
    the condition on the row it waited for), so two workers cannot both win.
    """
    now = timezone.now()
    claimable = (
        ~Q(claimed_version=version)
        | Q(claimed_at__isnull=True)
        | Q(claimed_at__lt=now - datetime.timedelta(seconds=LOCK_SECONDS))
    )
    won = (
        FigureCache.objects.filter(claimable, name=key)
        .exclude(version=version)
        .update(claimed_version=version, claimed_at=now)
    )
    return won == 1


def _release(key: str, version: str) -> None:
    FigureCache.objects.filter(name=key, claimed_version=version).update(claimed_at=None)


# One refresher thread per process, taking the work in turn: several threads at once
# would each hold Python's lock a share of the time and slow the requests being served.
_queue: queue.Queue[tuple[str, str, Callable[[], dict[str, Any]]]] = queue.Queue()
_refresher: threading.Thread | None = None
_refresher_lock = threading.Lock()


def _start_refresher() -> None:
    global _refresher
    with _refresher_lock:
        if _refresher is None or not _refresher.is_alive():
            _refresher = threading.Thread(target=_refresh_forever, name="refresher", daemon=True)
            _refresher.start()


def _refresh_forever() -> None:
    while True:
        key, version, compute = _queue.get()
        _refresh(key, version, compute)


def _refresh(key: str, version: str, compute: Callable[[], dict[str, Any]]) -> None:
    try:
        as_of = timezone.now()
        _store(key, version, as_of, compute())
    except Exception:  # a failed refresh keeps the old figures; the next request tries again
        logger.exception("recomputing %s failed", key)
        try:
            _release(key, version)
        except Exception:  # the claim then lapses after LOCK_SECONDS
            logger.exception("releasing the claim on %s failed", key)
    finally:
        connections.close_all()


def warm_up() -> None:
    """Compute the figures of elections being observed now, so a new web worker's first dashboard is quick."""
    from pollwatch.elections.models import Election
    from pollwatch.results.estimates import exit_poll_for, quick_count_for
    from pollwatch.results.findings import findings_for
    from pollwatch.results.official import discrepancy_report

    try:
        for election in Election.objects.filter(
            status__in=[Election.Status.ELECTION_DAY, Election.Status.COUNTING]
        ):
            for figures in (quick_count_for, exit_poll_for, findings_for, discrepancy_report):
                figures(election)
    except Exception:  # a worker starting before migrations, or a broken row: the pages will say
        logger.exception("warming up the analysis figures failed")
    finally:
        connections.close_all()
