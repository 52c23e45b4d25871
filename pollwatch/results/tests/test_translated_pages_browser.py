"""In Chromium at 1366 px, in Arabic: the coverage and quick-count pages go right to left,
nothing is pushed off the side of the page, and no English is left on them (as drawn, after
their scripts ran)."""

from __future__ import annotations

import os

import pytest

from pollwatch.results.tests.test_translated_pages import (
    ALLOWED_LATIN,
    entered_by_the_mission,
    latin_words,
)
from pollwatch.testing import BROWSER_TEST, protocol, send, sign_in_browser

pytestmark = BROWSER_TEST


@pytest.mark.django_db(transaction=True)
def test_coverage_and_quick_count_in_arabic_fit_the_page(
    live_server, browser, mission, results_forms, settings, tmp_path
):
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "other_observer", "D3-001", protocol(500, 400))
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ar")
    sign_in_browser(context, live_server.url, mission.users["coordinator"])
    page = context.new_page()
    shot = os.environ.get("SCREENSHOT_DIR", str(tmp_path))
    for path, heading in (("coverage", "التغطية"), ("quick-count", "العدّ السريع")):
        page.goto(f"{live_server.url}/e/test-election/{path}/")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.get_by_role("heading", level=1).inner_text() == heading
        page.screenshot(path=f"{shot}/{path}-ar.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
            f"/{path}/ overflows the page in Arabic"
        )
        left = (
            latin_words(page.content()) - entered_by_the_mission(mission.election) - ALLOWED_LATIN
        )
        assert not left, f"English on /{path}/ in Arabic: {sorted(left)}"
