"""In a real browser: the observer app queues reports while offline and sends them when back online.

Headless Chromium (Debian's package, /usr/bin/chromium) driven by Playwright;
no browser is downloaded. CI installs Chromium; elsewhere the test is skipped
when the browser is missing, and says so.
"""

from __future__ import annotations

import json

import pytest

from pollwatch.testing import BROWSER_TEST, sign_in_browser

pytestmark = BROWSER_TEST


@pytest.mark.django_db(transaction=True)
def test_reports_made_offline_are_sent_when_back_online(
    live_server, report_reader, browser, mission, forms, observer_token, settings
):
    from playwright.sync_api import expect

    from pollwatch.submissions.models import Submission

    settings.SESSION_COOKIE_SECURE = False
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/o/#t={observer_token}")
    page.wait_for_selector("#deployments button[data-form='OP']")

    context.set_offline(True)
    for answer in ("1", "0"):
        page.click("#deployments button[data-form='OP']")
        page.check(f"input[name=A1][value='{answer}']")
        if answer == "0":
            # In the shipped OP form A2 (minutes late) applies only when A1 is No.
            page.fill("input[name=A2]", "7")
        page.click("#form button[type=submit]")
        page.wait_for_selector("#home:not([hidden])")
    expect(page.locator("#queue .status-queued")).to_have_count(2)
    assert "offline" in page.inner_text("#net")
    assert Submission.objects.count() == 0

    context.set_offline(False)
    expect(page.locator("#queue .status-accepted")).to_have_count(2, timeout=15000)
    assert Submission.objects.filter(station__code="D1-001", form__code="OP").count() == 2
    # Each post names the form version it was filled in (accepted after an update too).
    assert {json.loads(s.inbound.raw)["form_version"] for s in Submission.objects.all()} == {1}

    sign_in_browser(context, live_server.url, mission.users["coordinator"])
    dashboard = context.new_page()
    dashboard.goto(f"{live_server.url}/e/test-election/submissions/?form=OP")
    expect(dashboard.locator("table.data tbody tr")).to_have_count(2)
    dashboard.goto(f"{live_server.url}/e/test-election/coverage/")
    assert "1 / 2" in dashboard.inner_text("#coverage")
    context.close()
