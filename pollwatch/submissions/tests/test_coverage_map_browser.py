"""In a real browser: the coverage map shows the regions' names, zooms with its + button and
the keyboard, and keeps its zoom when the page refreshes the coverage (htmx).
Headless Debian Chromium driven by Playwright (see test_publishing_gate_browser.py)."""

from __future__ import annotations

import pytest

from pollwatch.testing import BROWSER_TEST, place_stations, sign_in_browser

pytestmark = BROWSER_TEST


def width_of(view_box: str) -> float:
    return float(view_box.split()[2])


@pytest.mark.django_db(transaction=True)
def test_the_coverage_map_names_its_regions_and_zooms(live_server, browser, mission, settings):
    from playwright.sync_api import expect

    from pollwatch.elections.boundaries import partition_from_stations

    settings.SESSION_COOKIE_SECURE = False
    place_stations()
    assert partition_from_stations(mission.election, seed=1) == 2
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    sign_in_browser(context, live_server.url, mission.users["coordinator"])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/e/test-election/coverage/")

    svg = page.locator("figure.map-figure svg.map")
    for name in ("North", "Returned"):
        label = svg.locator(".map-labels text", has_text=name)
        expect(label).to_be_visible()
        assert label.get_attribute("visibility") == "visible"
    # The two deployed stations are drawn as points.
    expect(svg.locator(".map-point")).to_have_count(2)

    whole = svg.get_attribute("viewBox")
    page.get_by_role("button", name="Zoom in").click()
    expect(svg).not_to_have_attribute("viewBox", whole)
    zoomed = svg.get_attribute("viewBox")
    assert width_of(zoomed) == pytest.approx(width_of(whole) / 1.5, rel=0.01)
    # The names stay 12 px on screen: their font size in map units shrinks as the map grows.
    size = float(svg.locator(".map-labels").get_attribute("font-size"))
    assert size < 12 and size * 1.5 * svg.bounding_box()["width"] / width_of(
        whole
    ) == pytest.approx(12, rel=0.05)

    # A refresh of the coverage (every few seconds) keeps the reader's zoom.
    page.evaluate("htmx.ajax('GET', location.pathname, {target: '#coverage', swap: 'outerHTML'})")
    expect(page.locator("figure.map-figure[data-zoom-ready]")).to_have_count(1)
    expect(page.locator("figure.map-figure svg.map")).to_have_attribute("viewBox", zoomed)

    # From the keyboard: the map takes focus; an arrow pans, "0" goes back to the whole map.
    svg = page.locator("figure.map-figure svg.map")
    svg.focus()
    page.keyboard.press("ArrowRight")
    expect(svg).not_to_have_attribute("viewBox", zoomed)
    page.keyboard.press("0")
    expect(svg).to_have_attribute("viewBox", whole)
    page.get_by_role("button", name="Zoom in").click()
    page.get_by_role("button", name="Reset view").click()
    expect(svg).to_have_attribute("viewBox", whole)

    # The wheel scrolls the page past the map until the map is clicked (the focus is on
    # the reset button now); then it zooms.
    box = svg.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -200)
    page.wait_for_timeout(200)
    assert svg.get_attribute("viewBox") == whole
    svg.click()
    page.mouse.wheel(0, -200)
    expect(svg).not_to_have_attribute("viewBox", whole)
    assert errors == []
