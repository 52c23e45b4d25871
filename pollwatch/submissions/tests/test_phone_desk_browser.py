"""In a real browser: a data clerk takes a phoned-in result and the analyst sees it in the quick count."""

from __future__ import annotations

import pytest

from pollwatch.testing import BROWSER_TEST, protocol, sign_in_browser

pytestmark = BROWSER_TEST


@pytest.mark.django_db(transaction=True)
def test_a_clerk_enters_a_phoned_in_result_and_it_appears_in_the_quick_count(
    live_server, browser, mission, results_forms, settings
):
    from playwright.sync_api import expect

    from pollwatch.submissions.models import Submission

    settings.SESSION_COOKIE_SECURE = False
    clerk = browser.new_context()
    sign_in_browser(clerk, live_server.url, mission.users["clerk"])
    page = clerk.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)
    page.goto(f"{live_server.url}/e/test-election/")
    page.get_by_role("link", name="Phone desk").click()
    page.get_by_label("Observer code").fill("1006")
    page.get_by_label("I called the observer back").check()
    page.get_by_role("button", name="Confirm caller").click()
    expect(page.locator("h1")).to_contain_text("Phoned-in report")
    page.get_by_label("Form").select_option("PR")
    page.get_by_role("button", name="Open the form").click()
    answers = protocol(600, 300)
    answers["C1"] = 610  # misheard: the candidates no longer add up to the valid ballots
    for code, value in answers.items():
        page.locator(f"#a-{code}").fill(str(value))
    page.get_by_role("button", name="Save report").click()
    expect(page.locator("[role=alert]").first).to_contain_text("Not saved yet")
    expect(page.locator("#a-C1")).to_have_value("610")  # nothing typed is lost
    page.locator("#a-C1").fill("600")
    page.get_by_role("button", name="Save report").click()
    expect(page.locator("h1")).to_contain_text("parallel vote tabulation")
    expect(page.locator("body")).to_contain_text("via phone")
    assert Submission.objects.get().source == "phone"
    assert not refused, refused
    clerk.close()

    analyst = browser.new_context()
    sign_in_browser(analyst, live_server.url, mission.users["analyst"])
    page = analyst.new_page()
    page.goto(f"{live_server.url}/e/test-election/quick-count/")
    expect(page.locator("#quick-count dl.figures")).to_contain_text("1 / ")
    expect(page.locator("#quick-count table.data").first).to_contain_text("Incumbent")
    expect(page.locator("#quick-count table.data").first).to_contain_text("66.7")
    analyst.close()
