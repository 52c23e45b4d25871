"""At a phone's width (360 px) the staff pages of election day fit the screen: a long option in a
filter or a form (a station's or a form's full name) must not push the page sideways.
Headless Debian Chromium driven by Playwright (see test_compose_browser.py)."""

from __future__ import annotations

import pytest

from pollwatch.testing import BROWSER_TEST, sign_in_browser

pytestmark = BROWSER_TEST

LONG = "Secondary School No. 194 named after the poet Mikayil Mushfig, main building"


@pytest.mark.django_db(transaction=True)
def test_pages_fit_a_narrow_screen(live_server, browser, mission, forms, settings):
    settings.SESSION_COOKIE_SECURE = False
    for station in mission.stations.values():
        station.name = LONG
        station.save()
    for form in forms.values():
        form.name = f"{form.name}: {LONG}"
        form.save()
    mission.people["observer"].email = "a.very.long.address.of.an.observer@observers.example.org"
    mission.people["observer"].save()
    observer = mission.people["observer"].code
    context = browser.new_context(viewport={"width": 360, "height": 800})
    sign_in_browser(context, live_server.url, mission.users["coordinator"])
    page = context.new_page()
    # The phone desk remembers a caller confirmed by a call back.
    page.goto(f"{live_server.url}/e/test-election/phone/")
    page.locator("input[name=code]").fill(observer)
    page.locator("input[name=called_back]").check()
    page.get_by_role("button", name="Confirm caller").click()
    for path in [
        "messages/compose/",
        "messages/",
        f"phone/{observer}/",
        f"people/{observer}/",
    ]:
        page.goto(f"{live_server.url}/e/test-election/{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
