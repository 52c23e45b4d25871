"""In a real browser: the observer app applies the form's logic before sending.

The shipped forms (OP, PR, ...) are installed in the test election; the app
evaluates their relevance, required answers, ranges and checks with
formlogic-0.1.js, as formspec/validate.py does on the server. Headless Debian
Chromium at a small phone's size, driven by Playwright (see
test_offline_app_browser.py).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from pollwatch.testing import BROWSER_TEST

pytestmark = BROWSER_TEST

PHONE = {"width": 360, "height": 740}
PROTOCOL = {"RV": "1000", "BI": "900", "BC": "850", "IN": "50", "VA": "800", "C1": "500"}


@pytest.fixture
def shipped_forms(mission):
    from pollwatch.checklists.loading import install_defaults

    return {form.code: form for form, _ in install_defaults(mission.election)}


def open_form(browser, live_server, token, code):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/o/#t={token}")
    # The station list is drawn from the cache first and drawn again when the server's answer
    # comes: a tap that lands on the list being replaced is lost (as a person would, tap again).
    for _attempt in range(6):
        page.click(f"#deployments button[data-form='{code}']")
        try:
            page.wait_for_selector("#fill:not([hidden])", timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    page.wait_for_selector("#fill:not([hidden])")
    return context, page


def queued(page) -> int:
    """Reports in the app's IndexedDB queue made on this phone (not those a new phone learns
    from the server), whatever their status."""
    return page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("pollwatch-observer", 1);
            open.onupgradeneeded = () => open.result.createObjectStore("queue", { keyPath: "client_uuid" });
            open.onsuccess = () => {
              const request = open.result.transaction("queue").objectStore("queue").getAll();
              request.onsuccess = () => resolve(request.result.filter((r) => !r.from_server).length);
            };
        })"""
    )


def answer_the_rest(page) -> None:
    """Answer every shown question left blank: yes, the first option, the minimum, some text."""
    for question in page.locator("#form .question:visible").all():
        code = question.get_attribute("data-code")
        choices = question.locator("input[type=radio], input[type=checkbox]")
        if choices.count():
            if not question.locator("input:checked").count():
                yes = question.locator("input[value='1']")
                (yes if yes.count() else choices).first.check()
        elif question.locator("input[type=number]").count():
            field = question.locator("input[type=number]")
            if not field.input_value():
                field.fill(field.get_attribute("min") or "1")
        elif question.locator("textarea").count():
            question.locator("textarea").fill(f"note for {code}")


@pytest.mark.django_db(transaction=True)
def test_skip_logic_hides_minutes_late_when_the_station_opened_on_time(
    live_server, report_reader, browser, mission, shipped_forms, observer_token
):
    from playwright.sync_api import expect

    from pollwatch.submissions.models import Submission

    context, page = open_form(browser, live_server, observer_token, "OP")
    minutes_late = page.locator(".question[data-code=A2]")
    # A1 unanswered: "A1 == 0" is unknown, and unknown means the question does not apply.
    expect(minutes_late).to_be_hidden()
    page.check("input[name=A1][value='0']")
    expect(minutes_late).to_be_visible()
    page.fill("input[name=A2]", "25")
    page.check("input[name=A1][value='1']")
    expect(minutes_late).to_be_hidden()

    answer_the_rest(page)
    page.click("#form button[type=submit]")
    page.wait_for_selector("#home:not([hidden])")
    expect(page.locator("#queue .status-accepted")).to_have_count(1, timeout=15000)
    submission = Submission.objects.get(form__code="OP")
    # The hidden answer was not sent, so the server had nothing to drop.
    assert submission.answers["A1"] == 1 and "A2" not in submission.answers
    assert submission.status == Submission.Status.ACCEPTED and submission.problems == []

    page.click("#deployments button[data-form='OP']")
    page.check("input[name=A1][value='0']")
    expect(minutes_late).to_be_visible()
    answer_the_rest(page)
    page.fill("input[name=A2]", "15")
    page.click("#form button[type=submit]")
    expect(page.locator("#queue .status-accepted")).to_have_count(2, timeout=15000)
    late = Submission.objects.filter(form__code="OP").exclude(pk=submission.pk).get()
    assert late.answers["A1"] == 0 and late.answers["A2"] == 15
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_wrong_sum_is_shown_in_the_observers_language_and_nothing_is_sent_until_confirmed(
    live_server, report_reader, browser, mission, shipped_forms, observer_token
):
    from playwright.sync_api import expect

    from pollwatch.submissions.models import Submission

    observer = mission.people["observer"]
    observer.language = "az"
    observer.save()
    context, page = open_form(browser, live_server, observer_token, "PR")
    for code, value in PROTOCOL.items():
        page.fill(f"input[name={code}]", value)
    page.fill("input[name=C2]", "312")  # 500 + 312 = 812, but 800 valid ballots
    page.click("#form button[type=submit]")

    wrong_sum = page.locator(".question[data-code=C2] .problem-error")
    expect(wrong_sum).to_contain_text(
        "Namizədlərin səslərinin cəmi etibarlı bülletenlərin sayına bərabər olmalıdır"
    )
    expect(wrong_sum).to_contain_text("VA = 800, C1 = 500, C2 = 312")  # in form order
    expect(page.locator(".form-problems")).to_contain_text("Düzdürsə, yenə də göndərin")
    expect(page.locator("#form button[type=submit]")).to_have_text("Yenə də göndər")
    assert "sum(" not in page.inner_text("#form")
    assert page.locator("#fill").is_visible()
    assert queued(page) == 0
    assert Submission.objects.count() == 0

    page.fill("input[name=C2]", "300")
    expect(page.locator("#form .problem")).to_have_count(0)
    page.click("#form button[type=submit]")
    page.wait_for_selector("#home:not([hidden])")
    expect(page.locator("#queue .status-accepted")).to_have_count(1, timeout=15000)
    submission = Submission.objects.get(form__code="PR")
    assert submission.answers["C2"] == 300 and submission.status == Submission.Status.ACCEPTED
    context.close()


@pytest.mark.django_db(transaction=True)
def test_every_problem_is_shown_once_and_a_confirmed_report_is_sent_never_silenced(
    live_server, report_reader, browser, mission, shipped_forms, observer_token
):
    from playwright.sync_api import expect

    from pollwatch.submissions.models import Submission

    context, page = open_form(browser, live_server, observer_token, "PR")
    for code, value in PROTOCOL.items():
        page.fill(f"input[name={code}]", value)
    page.fill("input[name=RV]", "100001")  # above the maximum 100000; C2 left blank
    page.click("#form button[type=submit]")
    expect(page.locator(".question[data-code=RV] .problem-error")).to_have_text(
        "The answer cannot be more than 100000."
    )
    expect(page.locator(".question[data-code=C2] .problem-error")).to_have_text(
        "Please answer this question."
    )
    # The browser's own bubble would block too, in the browser's language: the app validates.
    assert page.evaluate("document.getElementById('form').noValidate")
    expect(page.locator("#form button[type=submit]")).to_have_text("Send anyway")
    assert queued(page) == 0

    # The protocol may really say so: a second tap sends it, and the server keeps it as partial.
    page.click("#form button[type=submit]")
    page.wait_for_selector("#home:not([hidden])")
    expect(page.locator("#queue .status-partial")).to_have_count(1, timeout=15000)
    first = Submission.objects.get(form__code="PR")
    assert first.status == Submission.Status.PARTIAL
    assert '"RV": 100001' in first.inbound.raw or '"RV":100001' in first.inbound.raw
    context.close()

    context, page = open_form(browser, live_server, observer_token, "PR")
    for code, value in PROTOCOL.items():
        page.fill(f"input[name={code}]", value)
    # Fewer registered voters than ballots issued: a warning-level check on the server.
    page.fill("input[name=RV]", "880")
    page.fill("input[name=C2]", "300")
    expect(page.locator(".question[data-code=C2] .problem-error")).to_have_count(0)
    page.click("#form button[type=submit]")
    warning = page.locator("#form .problem-warning")
    expect(warning).to_contain_text("More ballots were issued than there are registered voters")
    expect(page.locator("#form button[type=submit]")).to_have_text("Send anyway")
    assert queued(page) == 0

    page.click("#form button[type=submit]")
    page.wait_for_selector("#home:not([hidden])")
    expect(page.locator("#queue .status-accepted")).to_have_count(1, timeout=15000)
    second = Submission.objects.filter(form__code="PR").exclude(pk=first.pk).get()
    assert second.status == Submission.Status.ACCEPTED
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_logic_works_offline_from_the_service_workers_cache(
    live_server, report_reader, browser, mission, shipped_forms, observer_token
):
    from playwright.sync_api import expect

    context, page = open_form(browser, live_server, observer_token, "OP")
    page.evaluate("navigator.serviceWorker.ready")
    assert page.evaluate(
        "caches.match('/static/pollwatch/formlogic-0.1.js').then((response) => Boolean(response))"
    )

    context.set_offline(True)
    page.reload()
    page.click("#deployments button[data-form='OP']")
    assert page.evaluate("typeof window.PollwatchLogic.compile") == "function"
    minutes_late = page.locator(".question[data-code=A2]")
    expect(minutes_late).to_be_hidden()
    page.check("input[name=A1][value='0']")
    expect(minutes_late).to_be_visible()
    context.close()
