"""In a real browser: the observer app queues reports while offline and sends them when back online.

Headless Chromium (Debian's package, /usr/bin/chromium) driven by Playwright;
no browser is downloaded. CI installs Chromium; elsewhere the test is skipped
when the browser is missing, and says so.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason=f"Chromium not found at {CHROMIUM}",
    ),
]


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls of
    # the test itself are still plain synchronous code (Django's documented escape).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.mark.django_db(transaction=True)
def test_reports_made_offline_are_sent_when_back_online(
    live_server, browser, mission, forms, observer_token, settings
):
    from django.conf import settings as django_settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
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
        page.fill("input[name=A2]", "7")
        page.click("#form button[type=submit]")
        page.wait_for_selector("#home:not([hidden])")
    expect(page.locator("#queue .status-queued")).to_have_count(2)
    assert "offline" in page.inner_text("#net")
    assert Submission.objects.count() == 0

    context.set_offline(False)
    expect(page.locator("#queue .status-accepted")).to_have_count(2, timeout=15000)
    assert Submission.objects.filter(station__code="D1-001", form__code="OP").count() == 2

    user = mission.users["coordinator"]
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )
    dashboard = context.new_page()
    dashboard.goto(f"{live_server.url}/e/test-election/submissions/?form=OP")
    expect(dashboard.locator("table.data tbody tr")).to_have_count(2)
    dashboard.goto(f"{live_server.url}/e/test-election/coverage/")
    assert "1 / 2" in dashboard.inner_text("#coverage")
    context.close()
