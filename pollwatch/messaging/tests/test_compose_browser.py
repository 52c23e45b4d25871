"""In a real browser: a coordinator picks the silent observers of one region, previews, sends
a reminder, and the console outbox holds one message per observer, each in their language.
Headless Debian Chromium driven by Playwright (see test_publishing_gate_browser.py)."""

from __future__ import annotations

import pytest

from pollwatch.testing import BROWSER_TEST, sign_in_browser

pytestmark = BROWSER_TEST


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_reminds_the_silent_observers_of_a_region(
    live_server, browser, mission, settings, outbox
):
    from playwright.sync_api import expect

    from pollwatch.messaging.models import Message
    from pollwatch.messaging.sender import Pace, send_due
    from pollwatch.observers.models import Deployment, Membership, Person
    from pollwatch.submissions.models import Inbound

    settings.SESSION_COOKIE_SECURE = False
    mission.election.languages = "en,az"
    mission.election.save()
    # R1 (North): the fixture's observer (az) in D1, two more in D2 (en, az), one of whom has
    # just texted in, so is not silent. R2: the other observer, silent but not in the region.
    mission.people["observer"].language = "az"
    mission.people["observer"].save()
    extra = {}
    for code, name, language in [("2001", "Leyla Aliyeva", "en"), ("2002", "Murad Hasanov", "az")]:
        person = Person.objects.create(
            mission=mission.mission,
            code=code,
            full_name=name,
            phone=f"+9945577{code}",
            language=language,
        )
        membership = Membership.objects.create(
            person=person, election=mission.election, role="observer"
        )
        Deployment.objects.create(membership=membership, station=mission.stations["D2-001"])
        extra[code] = person
    Inbound.objects.create(
        channel="sms",
        gateway="json",
        sender=extra["2002"].phone,
        raw="OP 2002 A1 1",
        sha256="x",
        person=extra["2002"],
        election=mission.election,
        status="accepted",
    )

    context = browser.new_context()
    sign_in_browser(context, live_server.url, mission.users["coordinator"])
    page = context.new_page()
    page.goto(f"{live_server.url}/e/test-election/")
    page.get_by_role("link", name="Messages").click()
    page.get_by_role("link", name="Write to a group").click()
    page.get_by_label("Region or area").select_option(label="North (R1)")
    page.get_by_label("Silent for at least").fill("30")
    page.locator("textarea[name=text_en]").fill("{first_name}, please send your opening form.")
    page.locator("textarea[name=text_az]").fill("{first_name}, açılış formunu göndərin.")
    preview = page.locator("#preview .preview")
    expect(preview).to_have_attribute("data-count", "2")
    expect(preview).to_contain_text("1 in az, 1 in en")
    expect(preview).to_contain_text("Observer, açılış formunu göndərin.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("h1")).to_contain_text("Message to observers in North")
    expect(page.locator("main")).to_contain_text("2 messages queued")

    assert send_due(Pace(0)) == 2
    lines = sorted((line["to"], line["language"], line["text"]) for line in outbox.read())
    assert lines == sorted(
        [
            (mission.people["observer"].phone, "az", "Observer, açılış formunu göndərin."),
            (extra["2001"].phone, "en", "Leyla, please send your opening form."),
        ]
    )
    page.reload()
    expect(page.locator(".counts")).to_contain_text("Delivered: 2")
    assert set(Message.objects.values_list("status", flat=True)) == {"delivered"}
    context.close()
