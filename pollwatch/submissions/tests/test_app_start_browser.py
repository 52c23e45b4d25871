"""In a real browser: the observer app opens from its cache, offline too, and picks up updates.

Headless Debian Chromium at a small phone's size, driven by Playwright (see
test_offline_app_browser.py).
"""

from __future__ import annotations

import pytest

from pollwatch.testing import BROWSER_TEST

pytestmark = BROWSER_TEST

PHONE = {"width": 360, "height": 740}
STATION = "#deployments li .station-title"


def visit_online(browser, live_server, token):
    """One online visit: signed in, stations shown, the service worker controlling the page."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/o/#t={token}")
    page.wait_for_selector(STATION)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    return context, page


@pytest.mark.django_db(transaction=True)
def test_the_app_opens_offline_from_its_cache_after_one_online_visit(
    live_server, report_reader, browser, mission, forms, observer_token
):
    from playwright.sync_api import expect

    context, page = visit_online(browser, live_server, observer_token)
    seen = []
    context.on("request", lambda request: seen.append(request.url))
    context.set_offline(True)
    offline = context.new_page()
    offline.goto(f"{live_server.url}/o/")
    expect(offline.locator(STATION)).to_have_text("D1-001 · " + mission.stations["D1-001"].name)
    assert "offline" in offline.inner_text("#net")
    # The forms work from the cache as well: formlogic-0.1.js and the kept specs.
    offline.click("#deployments button[data-form='OP']")
    expect(offline.locator("#fill")).to_be_visible()
    expect(offline.locator(".question[data-code=A1]")).to_be_visible()
    assert f"{live_server.url}/o/" in seen  # the page really was asked for, and answered offline
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_kept_stations_show_while_the_server_has_not_answered(
    live_server, report_reader, browser, mission, forms, observer_token
):
    from playwright.sync_api import expect

    context, page = visit_online(browser, live_server, observer_token)
    held = []
    # /api/o/me never answers: the home screen must not wait for it.
    context.route("**/api/o/me", lambda route: held.append(route))
    again = context.new_page()
    again.goto(f"{live_server.url}/o/")
    expect(again.locator(STATION)).to_have_count(1)
    for _ in range(50):  # the refresh starts right after the kept `me` is shown
        if held:
            break
        again.wait_for_timeout(100)
    assert held, "the app did not ask the server for a fresh `me`"
    expect(again.locator(STATION)).to_have_count(1)
    for route in held:
        route.abort()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_changed_me_replaces_the_kept_one_on_screen(
    live_server, report_reader, browser, mission, forms, observer_token
):
    from playwright.sync_api import expect

    from pollwatch.observers.models import Deployment

    context, page = visit_online(browser, live_server, observer_token)
    kept_tag = page.evaluate("() => JSON.parse(localStorage.getItem('pollwatch-me')).etag")
    Deployment.objects.create(
        membership=mission.people["observer"].memberships.get(),
        station=mission.stations["D1-002"],
    )
    page.reload()
    expect(page.locator(STATION)).to_have_count(2)
    new_tag = page.evaluate("() => JSON.parse(localStorage.getItem('pollwatch-me')).etag")
    assert new_tag and new_tag != kept_tag
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_revoked_token_signs_the_app_out_on_the_background_refresh(
    live_server, report_reader, browser, mission, forms, observer_token
):
    from playwright.sync_api import expect

    from pollwatch.submissions.models import ObserverToken
    from pollwatch.submissions.views import _tokens

    context, page = visit_online(browser, live_server, observer_token)
    ObserverToken.objects.update(revoked=True)
    _tokens.clear()
    page.reload()
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#home")).to_be_hidden()
    assert page.evaluate(
        "() => [localStorage.getItem('pollwatch-token'), localStorage.getItem('pollwatch-me')]"
    ) == [None, None]
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_new_version_is_offered_and_applied_on_reload(
    live_server, report_reader, browser, mission, forms, observer_token, monkeypatch
):
    from playwright.sync_api import expect

    from pollwatch.submissions import views

    old = views.shell_version()
    context, page = visit_online(browser, live_server, observer_token)
    assert page.evaluate("() => caches.keys()") == [f"pollwatch-observer-{old}"]
    monkeypatch.setattr(views, "shell_version", lambda: "a-new-deploy")
    # What the browser does by itself on a later navigation: fetch sw.js again.
    page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.update())")
    prompt = page.locator("#update")
    expect(prompt).to_be_visible(timeout=15000)
    expect(prompt).to_contain_text("A new version of the app is ready.")
    # The page keeps running on the old version until the observer chooses.
    assert "pollwatch-observer-a-new-deploy" in page.evaluate("() => caches.keys()")
    with page.expect_navigation():
        prompt.locator("button").click()
    expect(page.locator(STATION)).to_have_count(1)
    page.wait_for_function(
        "() => caches.keys().then((keys) => keys.join() === 'pollwatch-observer-a-new-deploy')"
    )
    expect(page.locator("#update")).to_be_hidden()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_update_prompt_speaks_the_observers_language(
    live_server, report_reader, browser, mission, forms, observer_token, monkeypatch
):
    from playwright.sync_api import expect

    from pollwatch.submissions import views

    person = mission.people["observer"]
    person.language = "ru"
    person.save()
    context, page = visit_online(browser, live_server, observer_token)
    monkeypatch.setattr(views, "shell_version", lambda: "another-deploy")
    page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.update())")
    expect(page.locator("#update")).to_contain_text("Готова новая версия", timeout=15000)
    expect(page.locator("#update button")).to_have_text("Перезагрузить")
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_connection_badge_speaks_the_observers_language_from_the_start(
    live_server, report_reader, browser, mission, forms, observer_token
):
    from playwright.sync_api import expect

    person = mission.people["observer"]
    person.language = "ru"
    person.save()
    context, page = visit_online(browser, live_server, observer_token)
    expect(page.locator("#net")).to_have_text("в сети")
    # Opened again offline, from the kept `me`: no online/offline event comes to redraw it.
    context.set_offline(True)
    offline = context.new_page()
    offline.goto(f"{live_server.url}/o/")
    expect(offline.locator(STATION)).to_have_count(1)
    expect(offline.locator("#net")).to_have_text("нет сети — отчёты ждут здесь")
    context.close()
