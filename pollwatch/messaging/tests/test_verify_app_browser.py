"""In a real browser at a phone's size: the coordinator sends a code, the observer app asks for
it, the observer types it, and the coordinator's page shows the number verified. Headless
Debian Chromium driven by Playwright (see test_offline_app_browser.py)."""

from __future__ import annotations

import re

import pytest

from pollwatch.testing import BROWSER_TEST, sign_in_browser

pytestmark = BROWSER_TEST


@pytest.mark.django_db(transaction=True)
def test_an_observer_confirms_the_phone_with_the_code_in_the_app(
    live_server, browser, mission, settings, outbox
):
    from playwright.sync_api import expect

    from pollwatch.messaging.models import Message
    from pollwatch.submissions.views import issue_token

    settings.SESSION_COOKIE_SECURE = False
    observer = mission.people["observer"]
    observer.phone = "+994501234567"
    observer.language = "az"
    observer.save()
    staff = browser.new_context()
    sign_in_browser(staff, live_server.url, mission.users["coordinator"])
    desk = staff.new_page()
    thread = f"{live_server.url}/e/test-election/people/{observer.code}/thread/"
    desk.goto(thread)
    desk.get_by_role("button", name="Send a code to verify it").click()
    code = re.search(r"VERIFY (\d{6})", Message.objects.get(kind="verify").text).group(1)

    phone = browser.new_context(viewport={"width": 360, "height": 740})
    app = phone.new_page()
    app.goto(f"{live_server.url}/o/#t={issue_token(observer)}")
    form = app.locator("#verify")
    expect(form).to_be_visible()
    expect(form).to_contain_text("Koordinatorunuz")  # in the observer's language
    form.locator("input[name=code]").fill("000000" if code != "000000" else "111111")
    form.get_by_role("button").click()
    expect(app.locator("#verify-result")).to_contain_text("göndərdiyimiz kod deyil")
    form.locator("input[name=code]").fill(code)
    form.get_by_role("button").click()
    expect(form).to_be_hidden()
    desk.goto(thread)
    expect(desk.locator(".phones")).to_contain_text("verified")
    staff.close()
    phone.close()
