"""In a real browser: a coordinator filters incidents by region, assigns one and writes a note,
and the list shows status changes (their own and another's) without a reload, keeping ticks.
Headless Debian Chromium driven by Playwright (see test_publishing_gate_browser.py)."""

from __future__ import annotations

import pytest

from pollwatch.testing import BROWSER_TEST, send, sign_in_browser

pytestmark = BROWSER_TEST


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_triages_an_incident_from_the_list(
    live_server, browser, mission, forms, settings, monkeypatch
):
    from playwright.sync_api import expect

    from pollwatch.submissions import incidents as views
    from pollwatch.submissions.models import Incident

    settings.SESSION_COOKIE_SECURE = False
    monkeypatch.setattr(views, "REFRESH_SECONDS", 1)
    north = send(mission, forms["OP"], "observer", "D1-001", {"A1": 1, "A3": 0})
    send(mission, forms["IN"], "other_observer", "D3-001", {"T": "2", "D": "bags of ballots"})
    incident = north.submission.incident
    context = browser.new_context()
    sign_in_browser(context, live_server.url, mission.users["coordinator"])
    page = context.new_page()
    page.goto(f"{live_server.url}/e/test-election/incidents/")
    rows = page.locator("#incidents tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#incidents")).to_contain_text("Type: Ballot stuffing — 'bags of ballots'")

    page.get_by_label("Area").select_option("R1")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ballot box shown empty? No")
    assert "area=R1" in page.url

    rows.first.get_by_role("link", name="Ballot box shown empty? No").click()
    page.get_by_label("Assignee").select_option("supervisor")
    page.get_by_label("Note").fill("Called the observer: the box was shown after opening.")
    page.get_by_role("button", name="Save").click()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Assigned to Supervisor")
    expect(timeline).to_contain_text("Called the observer: the box was shown after opening.")
    expect(page.locator("dd.assignee")).to_have_text("Supervisor")

    page.goto(f"{live_server.url}/e/test-election/incidents/?area=R1")
    row = page.locator(f"#incident-{incident.pk}")
    expect(row.locator("td.assignee")).to_have_text("Supervisor")
    row.locator("input.pick").check()
    page.evaluate("window.notReloaded = true")
    row.get_by_label("new status").select_option("confirmed")
    row.get_by_role("button", name="Set").click()
    expect(row.locator(".badge.status")).to_have_text("Confirmed")

    # Another coordinator resolves it: the refresh shows it, keeps the filter and the tick.
    Incident.objects.filter(pk=incident.pk).update(status="resolved")
    expect(row.locator(".badge.status")).to_have_text("Resolved", timeout=5000)
    expect(rows).to_have_count(1)
    expect(row.locator("input.pick")).to_be_checked()
    assert page.evaluate("window.notReloaded") is True
    assert "area=R1" in page.url
    context.close()
