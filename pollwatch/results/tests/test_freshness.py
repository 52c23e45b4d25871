"""Dashboards serve the newest stored figures at once and recompute them in the background."""

from __future__ import annotations

import threading
import time

from django.test import override_settings


def test_the_first_request_computes_then_the_same_version_comes_from_the_store(db):
    from pollwatch.results.freshness import fresh

    calls = []

    def compute():
        calls.append(1)
        return {"value": len(calls)}

    with override_settings(ANALYSIS_BACKGROUND_REFRESH=True):
        first = fresh("test:figures", "v1", compute)
        again = fresh("test:figures", "v1", compute)
    assert first["value"] == again["value"] == 1 and len(calls) == 1
    assert first["stale"] is False and first["as_of"] == again["as_of"]


def test_new_data_is_served_stale_at_once_and_fresh_after_the_background_refresh(
    transactional_db,
):
    from pollwatch.results.freshness import fresh

    release = threading.Event()
    versions = {"v1": 1, "v2": 2}

    def compute_for(version):
        def compute():
            if version == "v2":
                release.wait(5)  # a slow recomputation
            return {"value": versions[version]}

        return compute

    with override_settings(ANALYSIS_BACKGROUND_REFRESH=True):
        fresh("test:slow", "v1", compute_for("v1"))
        started = time.perf_counter()
        stale = fresh("test:slow", "v2", compute_for("v2"))
        assert time.perf_counter() - started < 0.5
        assert stale == {**stale, "value": 1, "stale": True}
        # A second request meanwhile starts no second recomputation and still gets the old figures.
        assert fresh("test:slow", "v2", compute_for("v2"))["value"] == 1
        release.set()
        for _ in range(100):
            current = fresh("test:slow", "v2", compute_for("v2"))
            if not current["stale"]:
                break
            time.sleep(0.05)
    assert current["value"] == 2 and current["stale"] is False


def test_in_place_mode_always_computes_the_current_version(db):
    from pollwatch.results.freshness import fresh

    with override_settings(ANALYSIS_BACKGROUND_REFRESH=False):
        fresh("test:inplace", "v1", lambda: {"value": 1})
        assert fresh("test:inplace", "v2", lambda: {"value": 2}) == {
            "value": 2,
            "as_of": fresh("test:inplace", "v2", lambda: {"value": 3})["as_of"],
            "stale": False,
        }


def _another_worker():
    """What a second web worker starts with: no per-process cache of its own."""
    from django.core.cache import cache

    cache.clear()


def test_two_workers_never_show_figures_going_backwards(transactional_db):
    from pollwatch.results.freshness import fresh

    with override_settings(ANALYSIS_BACKGROUND_REFRESH=False):
        fresh("test:workers", "v1", lambda: {"forms": 446})
        shown = fresh("test:workers", "v2", lambda: {"forms": 461})
    _another_worker()
    with override_settings(ANALYSIS_BACKGROUND_REFRESH=True):
        # A worker that last saw v1 and now finds v3: it serves the newest stored figures.
        served = fresh("test:workers", "v3", lambda: {"forms": 470})
        assert served["forms"] == 461 and served["as_of"] == shown["as_of"] and served["stale"]
        for _ in range(100):
            _another_worker()
            current = fresh("test:workers", "v3", lambda: {"forms": 470})
            assert current["as_of"] >= served["as_of"]
            if not current["stale"]:
                break
            time.sleep(0.05)
    assert current["forms"] == 470


def test_a_slow_computation_finishing_last_does_not_replace_newer_figures(db):
    from pollwatch.results.freshness import fresh

    newer = {}

    def slow_v2():
        # Meanwhile another worker starts later on newer data and finishes first.
        _another_worker()
        newer.update(fresh("test:race", "v3", lambda: {"forms": 470}))
        return {"forms": 461}

    with override_settings(ANALYSIS_BACKGROUND_REFRESH=False):
        fresh("test:race", "v1", lambda: {"forms": 446})
        late = fresh("test:race", "v2", slow_v2)
        _another_worker()
        after = fresh("test:race", "v3", lambda: {"forms": 0})
    assert late["forms"] == 470 and late["as_of"] == newer["as_of"]
    assert after == {**newer, "stale": False}


def test_a_stale_version_is_recomputed_once_however_many_workers_ask(transactional_db):
    from pollwatch.results.freshness import fresh

    release = threading.Event()
    calls = []

    def compute_v2():
        calls.append("v2")
        release.wait(5)
        return {"value": 2}

    with override_settings(ANALYSIS_BACKGROUND_REFRESH=True):
        fresh("test:once", "v1", lambda: {"value": 1})
        for _ in range(5):
            _another_worker()
            assert fresh("test:once", "v2", compute_v2)["value"] == 1
        release.set()
        for _ in range(100):
            current = fresh("test:once", "v2", compute_v2)
            if not current["stale"]:
                break
            time.sleep(0.05)
    assert current["value"] == 2 and calls == ["v2"]


def test_a_failed_recomputation_is_tried_again_by_the_next_request(transactional_db):
    from pollwatch.results.freshness import fresh

    attempts = []

    def failing_then_working():
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database went away")
        return {"value": 2}

    with override_settings(ANALYSIS_BACKGROUND_REFRESH=True):
        fresh("test:retry", "v1", lambda: {"value": 1})
        fresh("test:retry", "v2", failing_then_working)
        for _ in range(100):
            current = fresh("test:retry", "v2", failing_then_working)
            if not current["stale"]:
                break
            time.sleep(0.05)
    assert current["value"] == 2 and len(attempts) == 2
