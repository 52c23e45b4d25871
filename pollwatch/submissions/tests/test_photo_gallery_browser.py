"""In a real browser: a coordinator opens a station's photos, clicks a thumbnail and sees the
photo full size, then steps to the next one. Headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import pytest

from pollwatch.submissions.tests.test_photo_gallery import image_bytes, report_with_photo
from pollwatch.testing import BROWSER_TEST, sign_in_browser

pytestmark = BROWSER_TEST
# A function, not an expression: the page's CSP forbids eval, which Playwright uses for those.
LOADED = "() => document.querySelector('figure.photo-full img')?.naturalWidth > 0"


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_opens_a_station_gallery_and_a_photo(
    live_server, browser, mission, forms, settings, tmp_path
):
    from playwright.sync_api import expect

    settings.SESSION_COOKIE_SECURE = False
    settings.MEDIA_ROOT = tmp_path
    older = report_with_photo(
        mission, forms["IN"], "observer", "D1-001", image_bytes("PNG", "red", (1200, 900))
    )
    newer = report_with_photo(
        mission,
        forms["IN"],
        "observer",
        "D1-001",
        image_bytes("JPEG", "blue", (900, 1200)),
        "image/jpeg",
    )
    context = browser.new_context()
    sign_in_browser(context, live_server.url, mission.users["coordinator"])
    page = context.new_page()
    page.goto(f"{live_server.url}/e/test-election/stations/D1-001/")
    page.get_by_role("link", name="Photos from this station").click()
    expect(page.get_by_role("heading", name="Photos of D1-001")).to_be_visible()
    thumbs = page.locator("ul.gallery img")
    expect(thumbs).to_have_count(2)
    # The thumbnails are real, small images made by the server.
    page.wait_for_function(
        "() => [...document.querySelectorAll('ul.gallery img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert thumbs.first.evaluate("i => Math.max(i.naturalWidth, i.naturalHeight)") == 320

    page.locator("ul.gallery a.thumb").first.click()
    page.wait_for_url(f"**/submissions/{newer.pk}/photos/P/view?*")
    full = page.locator("figure.photo-full img")
    expect(full).to_be_visible()
    page.wait_for_function(LOADED)
    assert full.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [900, 1200]
    expect(page.locator("dl.photo-facts")).to_contain_text("D1-001")
    expect(page.locator("dl.photo-facts")).to_contain_text("Observer (1006)")

    page.get_by_role("link", name="next →").click()
    page.wait_for_url(f"**/submissions/{older.pk}/photos/P/view?*")
    page.wait_for_function(LOADED)
    assert full.evaluate("i => i.naturalWidth") == 1200
    expect(page.get_by_role("link", name="← previous")).to_be_visible()
    context.close()
