"""In a real browser at 360, 1024 and 1366 px: every analysis chart is shown at the width it is
drawn at (its text at the shared style's sizes), never shrunk to fit its column; at 1024 and
1366 px it fits its column, on a phone its box scrolls sideways within the screen. Headless
Debian Chromium driven by Playwright (see test_publishing_gate_browser.py)."""

from __future__ import annotations

import pytest

from pollwatch.testing import BROWSER_TEST, sign_in_browser

pytestmark = BROWSER_TEST

PAGES = ("quick-count", "exit-polls", "official", "official/discrepancies", "forensics", "findings")
# Every <img class="chart">: its drawn width, the width shown, and the room its parent gives it.
MEASURE = """() => [...document.querySelectorAll('img.chart')].map(img => ({
    src: img.getAttribute('src'),
    drawn: img.naturalWidth,
    shown: img.getBoundingClientRect().width,
    room: img.closest('figure').parentElement.getBoundingClientRect().width,
    right: img.getBoundingClientRect().right,
    box_right: img.closest('figure').getBoundingClientRect().right,
    viewport: document.documentElement.clientWidth,
}))"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [360, 1024, 1366])
def test_every_chart_is_shown_unshrunk_and_fits_the_screen(
    live_server, browser, night, settings, viewport
):
    settings.SESSION_COOKIE_SECURE = False
    context = browser.new_context(viewport={"width": viewport, "height": 900})
    analyst = night.election.memberships.get(role="analyst").person.user
    sign_in_browser(context, live_server.url, analyst)
    page = context.new_page()
    found, measured = [], 0
    for name in PAGES:
        page.goto(f"{live_server.url}/e/demo/{name}/")
        page.evaluate(
            "() => document.querySelectorAll('img.chart').forEach(i => i.loading = 'eager')"
        )
        page.wait_for_function(
            "() => [...document.querySelectorAll('img.chart')].every(i => i.complete)"
        )
        for chart in page.evaluate(MEASURE):
            if not chart["drawn"]:
                continue
            measured += 1
            wider = chart["right"] > chart["viewport"] and viewport >= 1024
            if (
                chart["shown"] < chart["drawn"] - 1
                or wider
                or chart["box_right"] > chart["viewport"] + 1
            ):
                found.append(f"{name}: {chart['src'].split('?')[0]} {chart}")
    context.close()
    assert found == [], "\n".join(found)
    assert measured >= 10
