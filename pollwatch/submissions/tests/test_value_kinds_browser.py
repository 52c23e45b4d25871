"""In a real browser: decimal, date, time and location answers in the observer app reach the server
in their stored form (issue 17). Headless Debian Chromium at a small phone's size (see
test_form_logic_browser.py)."""

from __future__ import annotations

import pytest

from pollwatch.testing import BROWSER_TEST

from .test_form_logic_browser import PHONE
from .test_value_kinds_intake import kinds_form  # noqa: F401 - a fixture

pytestmark = BROWSER_TEST


@pytest.mark.django_db(transaction=True)
def test_decimal_date_time_and_location_are_sent_canonically(
    live_server,
    report_reader,
    browser,
    mission,
    kinds_form,  # noqa: F811
    observer_token,
):
    from playwright.sync_api import expect

    from pollwatch.submissions.models import Submission

    context = browser.new_context(
        viewport=PHONE,
        geolocation={"latitude": 40.4092617, "longitude": 49.8670924, "accuracy": 8},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/o/#t={observer_token}")
    page.click("#deployments button[data-form='KV']")
    page.wait_for_selector("#fill:not([hidden])")

    assert page.get_attribute("input[name=WT]", "inputmode") == "decimal"
    page.fill("input[name=WT]", "101")
    page.fill("input[name=DY]", "2026-12-06")
    page.fill("input[name=OT]", "07:05")
    page.click(".question[data-code=GP] button.geo-use")
    expect(page.locator("input[name=GP__lat]")).to_have_value("40.409262")
    expect(page.locator(".question[data-code=GP] .geo-state")).to_contain_text("8")
    page.click("#form button[type=submit]")
    # Above the maximum: the app says so in the observer's language and sends nothing yet.
    expect(page.locator(".question[data-code=WT]")).to_contain_text("100")
    page.fill("input[name=WT]", "61,5")  # a comma-decimal keyboard
    page.click("#form button[type=submit]")
    page.wait_for_selector("#home:not([hidden])")
    expect(page.locator("#queue .status-accepted")).to_have_count(1, timeout=15000)
    submission = Submission.objects.get(form__code="KV")
    assert submission.answers == {
        "WT": 61.5,
        "DY": "2026-12-06",
        "OT": "07:05",
        "GP": "40.409262 49.867092 0 8",
    }
    assert submission.problems == []
    context.close()
