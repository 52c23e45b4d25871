"""In a real browser: a statement whose quick count cannot call the result is published only
through the override, and the published page says so."""

from __future__ import annotations

import pytest

from pollwatch.testing import BROWSER_TEST, protocol, send, sign_in_browser

pytestmark = BROWSER_TEST

REASON = "The commission declared a winner at 22:00; the public needs our view now."


@pytest.mark.django_db(transaction=True)
def test_an_undecided_statement_is_published_only_with_a_stated_reason(
    live_server, browser, mission, results_forms, settings, tmp_path
):
    from playwright.sync_api import expect

    from pollwatch.reports.models import Statement

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SESSION_COOKIE_SECURE = False
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    statement = Statement.objects.create(election=mission.election, title="Preliminary")
    context = browser.new_context()
    sign_in_browser(context, live_server.url, mission.users["analyst"])
    page = context.new_page()
    page.goto(f"{live_server.url}/e/{mission.election.slug}/statements/{statement.pk}/")
    page.get_by_role("link", name="Publish…").click()

    blockers = page.locator("#blockers")
    expect(blockers).to_contain_text("The quick count cannot call the result yet")
    # Without a reason the browser does not even send the form; the statement stays a draft.
    page.get_by_role("button", name="Publish anyway").click()
    expect(page.locator("textarea[name=reason]")).to_be_visible()
    statement.refresh_from_db()
    assert statement.status == "draft"

    page.locator("textarea[name=reason]").fill(REASON)
    page.get_by_role("button", name="Publish anyway").click()
    notice = page.locator(".override-notice")
    expect(notice).to_contain_text("Published before the quick count could call the result.")
    expect(notice).to_contain_text(f"The mission's reason: {REASON}")
    expect(page.get_by_role("heading", name="Methods")).to_be_visible()
    statement.refresh_from_db()
    assert statement.status == "published" and statement.override_reason == REASON
    context.close()
