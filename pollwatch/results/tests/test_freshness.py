"""Dashboards serve the last figures at once and recompute them in the background."""

from __future__ import annotations

import threading
import time

from django.test import override_settings


def test_the_first_request_computes_then_the_same_version_comes_from_the_cache():
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


def test_new_data_is_served_stale_at_once_and_fresh_after_the_background_refresh():
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


def test_in_place_mode_always_computes_the_current_version():
    from pollwatch.results.freshness import fresh

    with override_settings(ANALYSIS_BACKGROUND_REFRESH=False):
        fresh("test:inplace", "v1", lambda: {"value": 1})
        assert fresh("test:inplace", "v2", lambda: {"value": 2}) == {
            "value": 2,
            "as_of": fresh("test:inplace", "v2", lambda: {"value": 3})["as_of"],
            "stale": False,
        }
