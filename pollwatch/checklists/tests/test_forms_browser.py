"""In a real browser: a coordinator uploads a form, previews it in the observer app in each of
its languages (nothing is sent), and publishes it. Headless Debian Chromium via Playwright."""

from __future__ import annotations

import pytest

from pollwatch.testing import BROWSER_TEST, sign_in_browser

pytestmark = BROWSER_TEST

FORM = """
code: OP
version: 2
kind: checklist
phase: opening
languages: [en, ru]
name: {en: Opening, ru: Открытие}
groups:
  - code: G
    label: {en: Opening, ru: Открытие}
    questions:
      - {code: A1, kind: yes_no, required: true, label: {en: "Did it open on time?", ru: "Открылся вовремя?"}}
      - {code: A4, kind: integer, minimum: 0, relevant: "A1 == 0", label: {en: Minutes late, ru: Опоздание в минутах}}
"""


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_uploads_previews_and_publishes_a_form(
    live_server, browser, mission, forms, settings, tmp_path
):
    from playwright.sync_api import expect

    from pollwatch.checklists.models import Form

    settings.SESSION_COOKIE_SECURE = False
    path = tmp_path / "opening.yaml"
    path.write_text(FORM, encoding="utf-8")
    context = browser.new_context()
    sign_in_browser(context, live_server.url, mission.users["coordinator"])
    page = context.new_page()
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{live_server.url}/e/test-election/")
    page.get_by_role("link", name="Forms").click()
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("p.message")).to_contain_text("saved as a draft")
    assert Form.objects.get(code="OP", version=2).state == "draft"

    page.locator("tr[data-version='2'] a.preview-link", has_text="ru").click()
    expect(page.locator("#form-title")).to_have_text("Открытие")
    expect(page.locator("#form")).to_contain_text("Открылся вовремя?")
    # The app's own logic runs: the lateness question shows only when the answer is "no".
    late = page.locator("#form").get_by_text("Опоздание в минутах")
    expect(late).to_be_hidden()
    page.locator("input[name=A1][value='0']").check()
    expect(late).to_be_visible()
    page.locator("#form button[type=submit]").click()
    expect(page.locator("#fill")).to_be_visible()  # checked, not sent: the form stays
    assert not [url for url in asked if "/api/o/" in url]  # no sign-in, no sending
    assert page.evaluate("localStorage.getItem('pollwatch-token')") is None
    page.get_by_role("link", name="en").click()
    expect(page.locator("#form")).to_contain_text("Did it open on time?")

    page.get_by_role("link", name="back to the form").click()
    page.locator("tr[data-version='2']").get_by_role("button", name="Publish").click()
    expect(page.locator("p.message")).to_contain_text("is live")
    states = dict(Form.objects.filter(code="OP").values_list("version", "state"))
    assert states == {1: "superseded", 2: "live"}
    context.close()


CHECKED_FORM = """
code: OP
version: 2
kind: checklist
phase: opening
languages: [en, az]
name: {en: Opening, az: Açılış}
groups:
  - code: G
    label: {en: Opening, az: Açılış}
    questions:
      - {code: A1, kind: yes_no, label: {en: "Did it open on time?", az: "Vaxtında açıldı?"}}
      - code: A4
        kind: integer
        relevant: "A1 == 0"
        label: {en: Minutes late, az: Gecikmə dəqiqələri}
        hint: {en: "Late by ${A1}?", az: "Saatla müqayisə et (${A1})"}
checks:
  - expression: "A4 <= 120"
    message: {en: At most two hours late, az: Ən çoxu iki saat gecikmə}
"""


@pytest.mark.django_db(transaction=True)
def test_the_preview_runs_a_check_with_a_message_and_shows_hints(
    live_server, browser, mission, forms, settings, tmp_path
):
    # A check's message is read in the observer's language; a preview has no observer,
    # which threw on every change and stopped the relevance and the checks.
    from playwright.sync_api import expect

    settings.SESSION_COOKIE_SECURE = False
    path = tmp_path / "opening.yaml"
    path.write_text(CHECKED_FORM, encoding="utf-8")
    context = browser.new_context()
    sign_in_browser(context, live_server.url, mission.users["coordinator"])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/e/test-election/forms/")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Upload").click()
    page.locator("tr[data-version='2'] a.preview-link", has_text="az").click()
    late = page.locator("#form").get_by_text("Gecikmə dəqiqələri")
    page.locator("input[name=A1][value='0']").check()
    expect(late).to_be_visible()
    # The hint shows under the label, its ${CODE} filled in with the answer.
    expect(page.locator("#form .question[data-code=A4] .q-hint")).to_have_text(
        "Saatla müqayisə et (0)"
    )
    page.locator("#form input[name=A4]").fill("300")
    page.locator("#form button[type=submit]").click()
    expect(page.locator("#form")).to_contain_text("Ən çoxu iki saat gecikmə")
    assert errors == []
    context.close()
