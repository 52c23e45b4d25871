"""In Chromium at 1366 px: a coordinator switches to Arabic and the page mirrors itself."""

from __future__ import annotations

import os

from pollwatch.testing import BROWSER_TEST, sign_in_browser

pytestmark = BROWSER_TEST


def test_a_coordinator_switches_to_arabic_and_the_layout_goes_right_to_left(
    live_server, browser, mission, settings, tmp_path
):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    sign_in_browser(context, live_server.url, mission.users["coordinator"])
    page = context.new_page()
    page.goto(f"{live_server.url}/e/test-election/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.get_by_label("Language").select_option("ar")
    page.get_by_role("button", name="Change").click()
    page.wait_for_selector("html[dir=rtl]")
    assert page.url == f"{live_server.url}/e/test-election/"
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.get_by_role("heading", name="الجغرافيا").is_visible()

    shot = os.environ.get("SCREENSHOT_DIR", str(tmp_path))
    page.screenshot(path=f"{shot}/home-ar.png", full_page=True)
    # Mirrored: the brand starts the bar at the right edge; the menu reads right to left.
    brand = page.locator("header .brand").bounding_box()
    assert brand["x"] + brand["width"] > 1366 - 40
    links = page.locator("header nav a")
    assert links.first.bounding_box()["x"] > links.nth(1).bounding_box()["x"]
    # Numbers stay right-aligned at the cell's end, i.e. on the left in Arabic.
    first = page.locator("table.tree tbody tr").first
    name_cell, number_cell = first.locator("td").first, first.locator("td.num").first
    assert number_cell.bounding_box()["x"] < name_cell.bounding_box()["x"]
    # Nothing pushed off the side of the page.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_phone_number_keeps_its_plus_in_front_in_arabic(live_server, browser, mission, settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    sign_in_browser(context, live_server.url, mission.users["coordinator"])
    page = context.new_page()
    page.goto(f"{live_server.url}/e/test-election/")
    page.get_by_label("Language").select_option("ar")
    page.get_by_role("button", name="Change").click()
    page.wait_for_selector("html[dir=rtl]")
    page.goto(f"{live_server.url}/e/test-election/people/")
    phone = page.locator("a[href^='tel:']").first
    assert phone.inner_text().startswith("+994")
    # Where the "+" and the first digit are drawn: the "+" must be on the left.
    plus_x, digit_x = phone.evaluate(
        """(link) => [0, 1].map((i) => {
            const range = document.createRange();
            range.setStart(link.firstChild, i);
            range.setEnd(link.firstChild, i + 1);
            return range.getBoundingClientRect().x;
        })"""
    )
    assert plus_x < digit_x
    context.close()
