"""In a real browser: a coder adds a subject the machine missed, and the outlet report shows it."""

from __future__ import annotations

import pytest

from pollwatch.testing import BROWSER_TEST, sign_in_browser

pytestmark = BROWSER_TEST

MISSED = (
    "Karimov opened a new hospital in Ganja.\n\n"
    "The election commission chairman promised an honest count, and observers welcomed it."
)


@pytest.mark.django_db(transaction=True)
def test_a_coder_adds_a_missed_subject_and_the_outlet_report_shows_it(
    live_server, browser, media, settings
):
    from playwright.sync_api import expect

    from pollwatch.media.tests.conftest import add_text

    item = add_text(media, MISSED, outlet="tv")
    assert set(item.codings.values_list("subject__key", flat=True)) == {"karimov"}
    settings.SESSION_COOKIE_SECURE = False
    context = browser.new_context()
    sign_in_browser(context, live_server.url, media.mission.users["media_monitor"])
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)

    page.goto(f"{live_server.url}/e/test-election/media/report/")
    state_tv = page.locator("section", has=page.locator("h2", has_text="State TV"))
    expect(state_tv.locator("table.data")).not_to_contain_text("Central Election Commission")

    page.goto(f"{live_server.url}/e/test-election/media/items/{item.pk}/")
    form = page.locator("form#add-subject")
    form.get_by_label("Subject").select_option(label="Central Election Commission")
    form.get_by_label("Tone").select_option(label="positive")
    form.get_by_label("Quoted words of the mention").fill("election commission chairman")
    form.get_by_role("button", name="Add subject").click()
    expect(page.locator("#corrections")).to_contain_text("added: the machine missed it")
    expect(page.locator("#corrections")).to_contain_text("election commission chairman")

    page.goto(f"{live_server.url}/e/test-election/media/report/")
    row = state_tv.locator("tr", has_text="Central Election Commission")
    expect(row).to_have_count(1)
    # Items 1, positive 1, confirmed 1 (the coder's code).
    expect(row.locator('td[data-label="Positive"]')).to_have_text("1")
    expect(row.locator('td[data-label="Confirmed"]')).to_have_text("1")
    assert not refused, refused
    context.close()
