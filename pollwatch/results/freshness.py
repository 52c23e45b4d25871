"""Serve the last computed figures at once and recompute in the background when the data changed.

On election night result forms and checklists arrive every second, so the
figures behind a dashboard are almost always one form behind. Recomputing
them inside the request (a few hundred milliseconds to seconds over tens of
thousands of forms) would make every refresh slow. Instead each figure is
kept with the data version it was computed from: a request whose version
matches gets it straight from the cache; a request that finds an older
version gets the older figures at once, with their "as of" time, and the
process's refresher thread recomputes them for the next refresh. The very
first request computes in place.

``ANALYSIS_BACKGROUND_REFRESH=false`` (the tests) always computes in place.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

logger = logging.getLogger(__name__)

KEEP_SECONDS = 24 * 3600
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
    """The figures for ``version``, or the last ones while those are being recomputed.

    The dict returned carries ``as_of`` (when it was computed) and ``stale``
    (True while newer data is being taken into account).
    """
    entry = cache.get(key)
    if entry is not None and entry["version"] == version:
        return {**entry["value"], "as_of": entry["as_of"], "stale": False}
    if (
        entry is None
        or not settings.ANALYSIS_BACKGROUND_REFRESH
        or getattr(_in_place, "active", False)
    ):
        return _store(key, version, compute)
    if cache.add(f"{key}:refreshing", version, LOCK_SECONDS):
        _queue.put((key, version, compute))
        _start_refresher()
    return {**entry["value"], "as_of": entry["as_of"], "stale": True}


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


def _store(key: str, version: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    as_of = timezone.now()
    value = compute()
    cache.set(key, {"version": version, "value": value, "as_of": as_of}, KEEP_SECONDS)
    return {**value, "as_of": as_of, "stale": False}


def _refresh(key: str, version: str, compute: Callable[[], dict[str, Any]]) -> None:
    try:
        _store(key, version, compute)
    except Exception:  # a failed refresh keeps the old figures; the next request tries again
        logger.exception("recomputing %s failed", key)
    finally:
        cache.delete(f"{key}:refreshing")
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
