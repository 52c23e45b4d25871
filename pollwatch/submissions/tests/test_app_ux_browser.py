"""In a real browser at a cheap phone's size: the observer app as an observer uses it all day.

Forms in election-day order with a mark per station and form; "My reports" one tap
away; drafts kept on the phone; a sent report corrected; the server's problems in the
observer's words; Urdu laid out right to left; photos made smaller on the phone; the
phone's position sent when allowed. Headless Debian Chromium driven by Playwright
(see test_offline_app_browser.py).
"""

from __future__ import annotations

import base64
import json

import pytest

from pollwatch.testing import BROWSER_TEST, sign_in_browser

pytestmark = BROWSER_TEST

PHONE = {"width": 360, "height": 740}
PROTOCOL = {"RV": "1000", "BI": "900", "BC": "850", "IN": "50", "VA": "800", "C1": "500"}


@pytest.fixture
def shipped_forms(mission):
    from pollwatch.checklists.loading import install_defaults

    return {form.code: form for form, _ in install_defaults(mission.election)}


def phone(browser, live_server, token, **context_options):
    context = browser.new_context(viewport=PHONE, **context_options)
    page = context.new_page()
    page.goto(f"{live_server.url}/o/#t={token}")
    page.wait_for_selector("#deployments button[data-form]")
    return context, page


def in_outbox(page) -> int:
    """Reports in the app's outbox (IndexedDB "pollwatch-observer"), whatever their status."""
    return page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("pollwatch-observer", 1);
            open.onupgradeneeded = () => open.result.createObjectStore("queue", { keyPath: "client_uuid" });
            open.onsuccess = () => {
              const request = open.result.transaction("queue").objectStore("queue").getAll();
              request.onsuccess = () => {
                open.result.close();
                resolve(request.result.filter((r) => !r.from_server).length);
              };
            };
        })"""
    )


def box(page, selector: str) -> dict:
    """The first match's box, read in the page in one step once the fonts are in. The home
    screen is drawn again when the app's first sync ends, just after it first shows: an
    element found by a locator can be replaced before its box is read (None)."""
    found = page.evaluate(
        """async (selector) => {
            await document.fonts.ready;
            const element = document.querySelector(selector);
            if (!element || !element.getClientRects().length) return null;
            const { x, y, width, height } = element.getBoundingClientRect();
            return { x, y, width, height };
        }""",
        selector,
    )
    assert found is not None, selector
    return found


@pytest.mark.django_db(transaction=True)
def test_forms_come_in_election_day_order_marked_per_station_with_my_reports_at_the_top(
    live_server, report_reader, browser, mission, shipped_forms, observer_token
):
    from playwright.sync_api import expect

    from pollwatch.submissions.models import Submission

    context, page = phone(browser, live_server, observer_token)
    buttons = page.locator("#deployments li[data-station='D1-001'] button[data-form]")
    # Opening, voting (checklist, then the exit poll), closing, counting (checklist, then the
    # result protocol), and the incident form, good at any time, last: not alphabetical.
    assert buttons.evaluate_all("(all) => all.map((b) => b.dataset.form)") == [
        "OP", "VT", "EP", "CL", "CT", "PR", "IC"
    ]  # fmt: skip
    assert page.locator("#deployments h3.phase").all_text_contents() == [
        "Opening", "Voting", "Closing", "Counting", "At any time"
    ]  # fmt: skip
    expect(page.locator("#deployments .mark")).to_have_count(0)
    # "My reports" is on the first screen, above the first form, not below fourteen buttons.
    reports_tab = box(page, "#tab-reports")
    assert reports_tab["y"] + reports_tab["height"] <= box(page, "#deployments button")["y"]
    assert reports_tab["y"] + reports_tab["height"] <= PHONE["height"]

    context.set_offline(True)
    page.click("#deployments button[data-form='OP']")
    page.check("input[name=A1][value='1']")
    for question in page.locator("#form .question:visible").all():
        yes = question.locator("input[value='1']")
        if yes.count() and not question.locator("input:checked").count():
            yes.first.check()
    page.click("#form button[type=submit]")
    page.wait_for_selector("#home:not([hidden])")
    op = page.locator("#deployments button[data-form='OP']")
    expect(op.locator(".mark-queued")).to_have_text("waiting to be sent")
    expect(page.locator("#reports-count")).to_contain_text("1 · 1 waiting")
    assert Submission.objects.count() == 0

    context.set_offline(False)
    page.click("#tab-reports")
    page.click("#sync")
    expect(op.locator(".mark-done")).to_have_text("done", timeout=15000)
    expect(page.locator("#queue .status-accepted")).to_have_count(1)
    assert page.locator("#deployments button[data-form='VT'] .mark").count() == 0
    assert Submission.objects.get().form.code == "OP"
    page.click("#tab-forms")
    expect(page.locator("#deployments")).to_be_visible()
    context.close()

    # A new (or wiped) phone of the same observer shows what was sent, done.
    fresh_context, fresh = phone(browser, live_server, observer_token)
    fresh_op = fresh.locator("#deployments button[data-form='OP']")
    expect(fresh_op.locator(".mark-done")).to_have_text("done", timeout=15000)
    fresh.click("#tab-reports")
    expect(fresh.locator("#queue .status-accepted")).to_have_count(1)
    fresh_context.close()


@pytest.mark.django_db(transaction=True)
def test_the_last_answers_before_a_reload_are_in_the_draft(
    live_server, report_reader, browser, mission, shipped_forms, observer_token
):
    """Leaving the page saves at once: answers typed just before a reload are not lost."""
    from playwright.sync_api import expect

    context, page = phone(browser, live_server, observer_token)
    page.click("#deployments button[data-form='PR']")
    page.fill("input[name=RV]", "1500")
    page.fill("input[name=VA]", "812")
    page.reload()  # at once: well inside the 0.7 s the typing timer waits
    page.wait_for_selector("#deployments button[data-form='PR']")
    page.click("#deployments button[data-form='PR']")
    expect(page.locator("#form-note .draft-restored")).to_contain_text("Your draft from")
    expect(page.locator("input[name=VA]")).to_have_value("812")
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_draft_is_kept_on_the_phone_across_a_reload_never_sent_and_can_be_discarded(
    live_server, report_reader, browser, mission, shipped_forms, observer_token
):
    from playwright.sync_api import expect

    from pollwatch.submissions.models import Inbound

    context, page = phone(browser, live_server, observer_token)
    page.click("#deployments button[data-form='PR']")
    for code, value in PROTOCOL.items():
        page.fill(f"input[name={code}]", value)
    expect(page.locator(".draft-state")).to_have_text("Draft saved on this phone")

    page.reload()
    page.wait_for_selector("#deployments button[data-form='PR']")
    pr = page.locator("#deployments button[data-form='PR']")
    expect(pr.locator(".mark-draft")).to_have_text("draft")
    page.click("#tab-reports")
    expect(page.locator("#drafts li.draft")).to_have_count(1)
    page.click("#tab-forms")
    pr.click()
    expect(page.locator("#form-note .draft-restored")).to_contain_text("Your draft from")
    for code, value in PROTOCOL.items():
        expect(page.locator(f"input[name={code}]")).to_have_value(value)
    # A draft is the phone's alone until Send: nothing queued, nothing reached the server.
    assert in_outbox(page) == 0
    assert Inbound.objects.count() == 0

    page.click("#form-note .discard")
    expect(page.locator("input[name=RV]")).to_have_value("")
    expect(page.locator("#form-note .draft-restored")).to_have_count(0)
    page.click("#back")
    expect(pr.locator(".mark-draft")).to_have_count(0)
    page.reload()
    page.wait_for_selector("#deployments button[data-form='PR']")
    expect(page.locator("#deployments .mark-draft")).to_have_count(0)
    assert Inbound.objects.count() == 0
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_sent_report_is_opened_corrected_and_the_coordinator_sees_two_revisions(
    live_server, report_reader, browser, mission, forms, observer_token
):
    from playwright.sync_api import expect

    from pollwatch.submissions.models import Submission

    context, page = phone(browser, live_server, observer_token)
    page.click("#deployments button[data-form='OP']")
    page.check("input[name=A1][value='1']")
    page.fill("input[name=A2]", "25")  # above the maximum 20: the app warns, the observer insists
    page.click("#form button[type=submit]")
    page.click("#form button[type=submit]")
    page.wait_for_selector("#home:not([hidden])")
    page.click("#tab-reports")
    report = page.locator("#queue li.report")
    expect(report.locator(".status-partial")).to_have_count(1, timeout=15000)
    # The server's "A2: 25 is above the maximum 20", as the app says it: the label and a sentence.
    expect(report.locator(".problems li")).to_have_text(
        "Staff present: The answer cannot be more than 20."
    )
    original = Submission.objects.get()
    assert original.status == "partial" and "A2" not in original.answers

    report.locator("button.report-open").click()
    expect(page.locator("#form-note .correcting")).to_contain_text("Correcting the report sent at")
    expect(page.locator("input[name=A1][value='1']")).to_be_checked()
    expect(page.locator("input[name=A2]")).to_have_value("25")
    expect(page.locator(".question[data-code=A2] .problem-error")).to_have_text(
        "The answer cannot be more than 20."
    )
    page.fill("input[name=A2]", "12")
    expect(page.locator("#form button[type=submit]")).to_have_text("Send the correction")
    page.click("#form button[type=submit]")
    page.wait_for_selector("#home:not([hidden])")
    expect(page.locator("#reports-pane")).to_be_visible()
    expect(page.locator("#queue li.report")).to_have_count(2)
    correction = page.locator("#queue li.report").first
    expect(correction.locator(".status-accepted")).to_have_count(1, timeout=15000)
    expect(correction).to_contain_text("correction")
    expect(page.locator("#queue li.report").nth(1)).to_contain_text("corrected later")
    expect(page.locator("#deployments button[data-form='OP'] .mark-done")).to_have_count(1)

    submission = Submission.objects.get()  # still one report, now in its second revision
    assert submission.pk == original.pk and submission.answers == {"A1": 1, "A2": 12}
    assert submission.status == "accepted" and submission.revision == 2

    sign_in_browser(context, live_server.url, mission.users["coordinator"])
    coordinator = context.new_page()
    coordinator.goto(f"{live_server.url}/e/test-election/submissions/{submission.pk}/")
    history = coordinator.locator("h2:text('History') + ol li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("r1")
    expect(history.nth(1)).to_contain_text("r2")
    expect(history.nth(1)).to_contain_text("corrected by the observer")
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_failed_check_comes_back_in_the_forms_own_words_in_the_observers_language(
    live_server, report_reader, browser, mission, shipped_forms, observer_token
):
    from playwright.sync_api import expect

    observer = mission.people["observer"]
    observer.language = "az"
    observer.save()
    context, page = phone(browser, live_server, observer_token)
    page.click("#deployments button[data-form='PR']")
    for code, value in PROTOCOL.items():
        page.fill(f"input[name={code}]", value)
    page.fill("input[name=C2]", "312")  # 500 + 312 is not the 800 valid ballots
    page.click("#form button[type=submit]")
    page.click("#form button[type=submit]")  # the protocol says so: send anyway
    page.wait_for_selector("#home:not([hidden])")
    page.click("#tab-reports")
    problems = page.locator("#queue li.report .problems")
    expect(problems).to_contain_text(
        "Namizədlərin səslərinin cəmi etibarlı bülletenlərin sayına bərabər olmalıdır",
        timeout=15000,
    )
    expect(problems).to_contain_text("VA = 800")
    text = problems.inner_text()
    assert "CHECK" not in text and "sum(" not in text and "==" not in text
    context.close()


@pytest.mark.django_db(transaction=True)
def test_urdu_reads_right_to_left_with_the_arrow_mirrored_the_marker_isolated_and_large_targets(
    live_server, report_reader, browser, mission, forms, observer_token
):
    from playwright.sync_api import expect

    from pollwatch.observers.models import Deployment

    observer = mission.people["observer"]
    observer.language = "ur"
    observer.save()
    Deployment.objects.filter(membership__person=observer).update(reserve=True)
    station = mission.stations["D1-001"]
    station.name = "گرلز اسکول 12"  # an Urdu name ending in digits, after a Latin code
    station.save()
    context, page = phone(browser, live_server, observer_token)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    code = box(page, ".station-title .station-code")
    name = box(page, ".station-title .station-name")
    reserve = box(page, ".station-title .reserve")
    # One line read from the right: the code, the name, then the marker, each wholly apart.
    for part in (name, reserve):
        assert abs(part["y"] - code["y"]) < code["height"] / 2
    assert name["x"] + name["width"] <= code["x"] + 0.5
    assert reserve["x"] + reserve["width"] <= name["x"] + 0.5
    assert page.inner_text(".station-title .reserve") == "(ریزرو)"
    # The form buttons start at the right.
    first = box(page, "#deployments button[data-form]")
    assert first["x"] + first["width"] > PHONE["width"] - 40

    page.click("#deployments button[data-form='OP']")
    page.wait_for_selector("#fill:not([hidden])")
    arrow = box(page, "#back .back-arrow")
    words = box(page, "#back-text")
    assert page.inner_text("#back-text") == "واپس"
    # The arrow leads (at the right) and points the way back, right: "←" drawn mirrored.
    assert arrow["x"] >= words["x"] + words["width"] - 0.5
    assert page.evaluate(
        "getComputedStyle(document.querySelector('#back .back-arrow')).transform"
    ).startswith("matrix(-1, 0, 0, 1")

    # Large targets: every choice and button at least 44 px high, the whole label tappable.
    for selector in ("#form label.choice", "#form button", "#back", "#gps"):
        for element in page.locator(selector).all():
            if element.is_visible():
                height = element.bounding_box()["height"]
                assert height >= 44 or selector == "#gps", (selector, height)
    choice = page.locator(".question[data-code=A1] label.choice").nth(1)
    assert choice.bounding_box()["width"] >= 100
    choice.locator("span").click()  # the words, not the small circle
    expect(page.locator("input[name=A1][value='0']")).to_be_checked()
    gps_label = box(page, "label.gps-choice")
    assert gps_label["height"] >= 44
    context.close()


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's start-of-frame segment."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    at = 2
    while at < len(data):
        marker = data[at + 1]
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height = int.from_bytes(data[at + 5 : at + 7], "big")
            width = int.from_bytes(data[at + 7 : at + 9], "big")
            return width, height
        at += 2 + length
    raise AssertionError("no frame header")


MAKE_JPEG = """async ([width, height]) => {
  const canvas = document.createElement("canvas");
  canvas.width = width; canvas.height = height;
  const g = canvas.getContext("2d");
  const gradient = g.createLinearGradient(0, 0, width, height);
  gradient.addColorStop(0, "#123456"); gradient.addColorStop(1, "#fedcba");
  g.fillStyle = gradient; g.fillRect(0, 0, width, height);
  g.fillStyle = "#000"; g.font = "120px sans-serif"; g.fillText("protocol", 40, height / 2);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.95));
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(text);
}"""


@pytest.mark.django_db(transaction=True)
def test_a_photo_larger_than_1600_px_is_made_smaller_on_the_phone_and_a_small_one_kept(
    live_server, report_reader, browser, mission, forms, observer_token, settings, tmp_path
):
    from pathlib import Path

    from playwright.sync_api import expect

    from pollwatch.submissions.models import Submission

    settings.MEDIA_ROOT = str(tmp_path)
    context, page = phone(browser, live_server, observer_token)
    large = base64.b64decode(page.evaluate(MAKE_JPEG, [3200, 2400]))
    small = base64.b64decode(page.evaluate(MAKE_JPEG, [800, 600]))
    assert jpeg_size(large) == (3200, 2400)

    for photo in (large, small):
        page.click("#deployments button[data-form='IN']")
        # The new form, not the last one: it stays in the hidden form screen, its T still
        # checked (check() returns at once) and its file input taking files while hidden.
        page.wait_for_selector("#fill:not([hidden])")
        page.check("input[name=T][value='1']")
        page.set_input_files(
            "input[name=P]", {"name": "protocol.jpg", "mimeType": "image/jpeg", "buffer": photo}
        )
        expect(page.locator(".question[data-code=P] .photo-state")).to_have_text("Photo attached")
        page.click("#form button[type=submit]")
        page.wait_for_selector("#home:not([hidden])")
    expect(page.locator("#queue .status-accepted")).to_have_count(2, timeout=15000)

    stored = {}
    for submission in Submission.objects.filter(form__code="IN"):
        digest = submission.answers["P"].removeprefix("sha256:")
        stored[submission.inbound.pk] = Path(tmp_path, "photos", digest[:2], f"{digest}.jpg")
    first, second = (stored[key].read_bytes() for key in sorted(stored))
    width, height = jpeg_size(first)
    assert (width, height) == (1600, 1200)
    assert len(first) < len(large)
    assert second == small  # under 1600 px: the original, byte for byte
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_phones_position_goes_with_the_report_when_the_observer_allows_it(
    live_server, report_reader, browser, mission, forms, observer_token
):
    from playwright.sync_api import expect

    from pollwatch.submissions.models import Submission

    context, page = phone(
        browser,
        live_server,
        observer_token,
        geolocation={"latitude": 40.409264, "longitude": 49.867092, "accuracy": 14},
        permissions=["geolocation"],
    )
    page.click("#deployments button[data-form='OP']")
    page.check("#gps")
    expect(page.locator(".gps-state")).to_have_text("Location found (within 14 m).")
    page.check("input[name=A1][value='1']")
    page.click("#form button[type=submit]")
    page.wait_for_selector("#home:not([hidden])")
    expect(page.locator("#queue .status-accepted")).to_have_count(1, timeout=15000)
    body = json.loads(Submission.objects.get().inbound.raw)
    assert body["location"] == {"lat": 40.409264, "lon": 49.867092, "accuracy": 14}

    # The choice is remembered; unticked, no position is sent.
    page.click("#deployments button[data-form='OP']")
    page.wait_for_selector("#fill:not([hidden])")  # the new form's box, not the last form's
    expect(page.locator("#gps")).to_be_checked()
    page.uncheck("#gps")
    page.check("input[name=A1][value='0']")
    page.click("#form button[type=submit]")
    expect(page.locator("#queue .status-accepted")).to_have_count(2, timeout=15000)
    later = Submission.objects.exclude(answers__A1=1).get()
    assert "location" not in json.loads(later.inbound.raw)
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_report_the_server_checks_later_shows_received_then_its_result(
    live_server, report_reader, browser, mission, forms, observer_token
):
    """The intake's asynchronous answer (202 "received", then GET ?uuid= for the result), played
    by Playwright in front of the real page, so the waiting state can be seen and timed."""
    from playwright.sync_api import expect

    context, page = phone(browser, live_server, observer_token)
    posted = []
    checked = {"status": "received", "problems": []}

    def submissions(route):
        request = route.request
        if request.method == "POST":
            body = json.loads(request.post_data)
            posted.append(body)
            uuid = body["client_uuid"]
            route.fulfill(
                status=202,
                content_type="application/json",
                body=json.dumps(
                    {
                        "status": "received",
                        "client_uuid": uuid,
                        "status_url": f"/api/o/submissions?uuid={uuid}",
                    }
                ),
            )
        else:
            uuids = [part.split("=", 1)[1] for part in request.url.split("?", 1)[1].split("&")]
            answer = [{"client_uuid": uuid, **checked} for uuid in uuids]
            route.fulfill(content_type="application/json", body=json.dumps({"submissions": answer}))

    page.route("**/api/o/submissions*", submissions)
    page.click("#deployments button[data-form='OP']")
    page.check("input[name=A1][value='1']")
    page.click("#form button[type=submit]")
    op = page.locator("#deployments button[data-form='OP']")
    expect(op.locator(".mark-received")).to_have_text("sent, being checked", timeout=15000)
    expect(page.locator("#queue .status-received")).to_have_count(1)
    assert len(posted) == 1

    checked.update(
        status="partial", problems=[{"code": "A2", "message": "A2: an answer is required"}]
    )
    page.click("#tab-reports")
    page.click("#sync")
    expect(page.locator("#queue .status-partial")).to_have_count(1, timeout=15000)
    expect(page.locator("#queue .problems li")).to_have_text(
        "Staff present: Please answer this question."
    )
    expect(op.locator(".mark-done")).to_have_count(1)
    assert len(posted) == 1  # polled, not sent again
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_report_sent_while_the_last_one_is_on_its_way_goes_right_after_it(
    live_server, report_reader, browser, mission, forms, observer_token
):
    """The round that sends the first report read the outbox before the second was in it:
    the second goes in the round after, not 30 s later with the timer."""
    from playwright.sync_api import expect

    context, page = phone(browser, live_server, observer_token)
    held = []

    def hold_the_first_post(route):
        if route.request.method == "POST" and not held:
            held.append(route)  # answered below, once the second report is saved
        else:
            route.continue_()

    page.route("**/api/o/submissions*", hold_the_first_post)
    for count, (form, field) in enumerate(
        (("OP", "input[name=A1][value='1']"), ("IN", "input[name=T][value='1']")), start=1
    ):
        page.click(f"#deployments button[data-form='{form}']")
        page.wait_for_selector("#fill:not([hidden])")
        page.check(field)
        page.click("#form button[type=submit]")
        # Listed on the home screen: the app has asked for a round after saving it.
        expect(page.locator("#queue li.report")).to_have_count(count)
    assert len(held) == 1  # the first round is still on its way
    held[0].continue_()
    expect(page.locator("#queue .status-accepted")).to_have_count(2, timeout=10000)
    context.close()


def test_the_station_list_is_not_replaced_by_a_sync_that_changes_nothing(
    live_server, report_reader, browser, mission, shipped_forms, observer_token
):
    """The list is drawn again after every sync and poll; a tap landing on a list being replaced
    is lost. Drawn again with nothing changed, the buttons stay the same elements, and a kept
    button still opens its form."""
    context, page = phone(browser, live_server, observer_token)
    page.wait_for_function("() => !syncing")  # the first sync has ended and drawn the list
    page.evaluate(
        "() => { window.kept = document.querySelector(\"#deployments button[data-form='OP']\"); }"
    )
    page.evaluate("() => sync()")
    page.wait_for_function("() => !syncing")
    page.evaluate("() => renderHome()")
    assert page.evaluate("() => window.kept.isConnected")
    page.evaluate("() => window.kept.click()")
    page.wait_for_selector("#fill:not([hidden])")
    context.close()
