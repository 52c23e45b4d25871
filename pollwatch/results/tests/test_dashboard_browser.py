"""In a real browser, under the strict CSP: the quick-count dashboard loads its charts and refreshes itself."""

from __future__ import annotations

import pytest

from pollwatch.testing import BROWSER_TEST, protocol, send, sign_in_browser

pytestmark = BROWSER_TEST


@pytest.mark.django_db(transaction=True)
def test_the_quick_count_page_shows_its_charts_and_refreshes_live(
    live_server, browser, mission, results_forms, settings
):
    from playwright.sync_api import expect

    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    settings.SESSION_COOKIE_SECURE = False
    context = browser.new_context()
    sign_in_browser(context, live_server.url, mission.users["analyst"])
    page = context.new_page()
    refused: list[str] = []
    charts: dict[str, tuple[int, str]] = {}
    page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)
    page.on(
        "response",
        lambda r: (
            charts.__setitem__(r.url, (r.status, r.headers.get("content-type", "")))
            if "/charts/" in r.url
            else None
        ),
    )
    page.goto(f"{live_server.url}/e/test-election/quick-count/")
    expect(page.locator("#quick-count table.data").first).to_contain_text("Incumbent")
    expect(page.locator("img.chart")).to_have_count(3)
    page.wait_for_load_state("networkidle")
    assert len(charts) == 3 and all(
        status == 200 and kind.startswith("image/svg+xml") for status, kind in charts.values()
    ), charts
    # A second observer's form arrives; the page takes it in on its next refresh (every 10 s).
    send(mission, results_forms["PR"], "other_observer", "D3-001", protocol(500, 400))
    expect(page.locator("#quick-count dl.figures")).to_contain_text("2 / 2", timeout=15000)
    assert not refused, refused
    context.close()
