"""Observers' sign-in links from the browser (issue 13, "Observer sign-in"): cards as PDF with
QR codes, links sent by SMS or e-mail, revocation from the person's page; admins and
coordinators only, audited without the tokens."""

from __future__ import annotations

import io
import re

import pypdfium2
import pytest
from django.core import mail

from pollwatch.audit.models import AuditEvent
from pollwatch.messaging.models import Message
from pollwatch.observers.signin import qr_svg
from pollwatch.submissions.models import ObserverToken
from pollwatch.testing import PERSONAS

MANAGERS = {"admin", "coordinator"}


def _pdf_text(content: bytes) -> str:
    pdf = pypdfium2.PdfDocument(io.BytesIO(content))
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def _me(client, token: str):
    return client.get("/api/o/me", headers={"Authorization": f"Token {token}"})


def _token(link: str) -> str:
    return link.split("#t=", 1)[1]


def _login(client, mission, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])


def _person_url(mission, code="1006"):
    return f"/e/{mission.election.slug}/people/{code}/signin/"


def _bulk_url(mission):
    return f"/e/{mission.election.slug}/people/signin/"


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_admins_and_coordinators_open_the_bulk_page(client, mission, persona):
    _login(client, mission, persona)
    response = client.get(_bulk_url(mission), {"area": "R1"})
    if persona == "anonymous":
        assert response.status_code == 302 and "/login" in response["Location"]
    elif persona in MANAGERS:
        assert response.status_code == 200
        assert b"1 observer selected" in response.content  # R1 holds one observer
    else:
        assert response.status_code in (403, 404), persona


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_admins_and_coordinators_issue_a_link_from_the_person_page(client, mission, persona):
    _login(client, mission, persona)
    observer = mission.people["observer"]
    page = client.get(f"/e/{mission.election.slug}/people/{observer.code}/")
    response = client.post(_person_url(mission, observer.code), {"action": "issue"})
    if persona == "anonymous":
        assert response.status_code == 302 and "/login" in response["Location"]
    elif persona in MANAGERS:
        assert b'id="signin"' in page.content and b"Revoke all links" in page.content
        assert response.status_code == 200 and b"Shown once" in response.content
        assert response["Cache-Control"].startswith("max-age=0")
    else:
        # A supervisor sees the person (their area) but no sign-in section, and is refused.
        assert b'id="signin"' not in page.content
        assert response.status_code in (403, 404), persona
    assert ObserverToken.objects.filter(person=observer).count() == (persona in MANAGERS)


def test_a_link_shown_signs_in_and_stops_when_revoked(client, mission):
    client.force_login(mission.users["coordinator"])
    observer = mission.people["observer"]
    response = client.post(_person_url(mission, observer.code), {"action": "issue"})
    link = re.search(rb'id="signin-link">([^<]+)<', response.content).group(1).decode()
    token = _token(link)
    assert qr_svg(link).encode() in response.content  # the QR code encodes that very link
    assert _me(client, token).status_code == 200
    page = client.get(f"/e/{mission.election.slug}/people/{observer.code}/")
    assert b"1 active link" in page.content
    response = client.post(_person_url(mission, observer.code), {"action": "revoke"})
    assert response.status_code == 302
    assert _me(client, token).status_code == 401
    events = AuditEvent.objects.filter(kind__in=["signin.link_shown", "token.revoked"])
    assert events.count() == 2
    assert all(token not in str(e.payload) for e in AuditEvent.objects.all())


def test_a_card_holds_a_working_link_and_can_revoke_the_older_ones(client, mission):
    client.force_login(mission.users["admin"])
    observer = mission.people["observer"]
    from pollwatch.submissions.views import issue_token

    old = issue_token(observer)
    response = client.post(
        _person_url(mission, observer.code), {"action": "card", "revoke_older": "1"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert observer.code in text and "D1-001" in text and observer.full_name in text
    link = re.search(r"http://testserver/o/#t=\S+", text).group(0)
    assert _me(client, _token(link)).status_code == 200  # the card's link signs in
    assert _me(client, old).status_code == 401  # and the older one no longer does
    live = ObserverToken.objects.get(person=observer, revoked=False)
    event = AuditEvent.objects.get(kind="signin.cards_printed")
    assert event.actor == "admin" and event.payload["observers"] == 1
    assert live.token_hash not in str(event.payload)


def test_bulk_cards_for_everyone_in_their_languages(client, mission):
    observer, other = mission.people["observer"], mission.people["other_observer"]
    other.language = "ur"
    other.save()
    client.force_login(mission.users["coordinator"])
    response = client.post(_bulk_url(mission), {"codes": "", "action": "cards"})
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert observer.code in text and other.code in text
    assert "کیمرے" in text  # the Urdu instructions for the observer who reads Urdu
    assert "scan the code" in text
    assert ObserverToken.objects.filter(revoked=False).count() == 2
    for person in (observer, other):
        token_hash = ObserverToken.objects.get(person=person).token_hash
        assert token_hash not in str(AuditEvent.objects.values_list("payload", flat=True))


def test_bulk_selection_counts_before_confirming(client, mission):
    client.force_login(mission.users["admin"])
    url = _bulk_url(mission)
    assert b"2 observers selected" in client.get(url, {"codes": ""}).content
    assert b"1 observer selected" in client.get(url, {"area": "D3"}).content
    assert b"1 observer selected" in client.get(url, {"codes": "1006, 9999"}).content
    assert b"no area &#x27;ZZ&#x27;" in client.get(url, {"area": "ZZ"}).content
    from pollwatch.submissions.views import issue_token

    token = issue_token(mission.people["observer"])
    _me(client, token)
    assert b"1 observer selected" in client.get(url, {"never": "1"}).content
    assert ObserverToken.objects.count() == 1  # counting issued nothing


def test_links_by_sms_land_in_the_outbox_and_by_email_in_the_mailbox(client, mission, settings):
    settings.PUBLIC_URL = "https://observe.example.org"
    observer, other = mission.people["observer"], mission.people["other_observer"]
    observer.email = "obs@example.org"
    observer.save()
    other.phone = ""
    other.save()
    client.force_login(mission.users["coordinator"])
    response = client.post(_bulk_url(mission), {"codes": "", "action": "sms"})
    assert b"1 observer got a new link" in response.content
    assert b"Other Observer has no phone number" in response.content
    message = Message.objects.get(kind=Message.Kind.SIGNIN)
    assert message.person == observer and "https://observe.example.org/o/#t=" in message.text
    assert _me(client, _token(message.text.split()[3])).status_code == 200

    response = client.post(_bulk_url(mission), {"codes": "", "action": "email"})
    assert b"has no e-mail address" in response.content
    assert [m.to for m in mail.outbox] == [["obs@example.org"]]
    link = re.search(r"https://\S+", mail.outbox[0].body).group(0)
    assert _me(client, _token(link)).status_code == 200
    events = AuditEvent.objects.filter(kind__startswith="signin.sent_").order_by("seq")
    assert [e.payload["skipped"] for e in events] == [[other.code], [other.code]]
    assert all(_token(link) not in str(e.payload) for e in AuditEvent.objects.all())


def test_person_page_sends_by_sms_and_email(client, mission):
    observer = mission.people["observer"]
    client.force_login(mission.users["admin"])
    response = client.post(_person_url(mission, observer.code), {"action": "sms"}, follow=True)
    assert b"sent to Observer by SMS" in response.content
    assert Message.objects.filter(person=observer, kind=Message.Kind.SIGNIN).count() == 1
    response = client.post(_person_url(mission, observer.code), {"action": "email"}, follow=True)
    assert b"has no e-mail address" in response.content and not mail.outbox
    assert ObserverToken.objects.filter(person=observer).count() == 1  # no orphan token


def test_staff_get_no_observer_link(client, mission):
    client.force_login(mission.users["admin"])
    supervisor = mission.people["supervisor"]
    response = client.post(_person_url(mission, supervisor.code), {"action": "issue"})
    assert response.status_code == 403
    assert not ObserverToken.objects.exists()


@pytest.fixture
def large_print(mission, immediate_tasks, monkeypatch, settings, tmp_path):
    """A print "large" enough for the worker (the threshold lowered to 2), laid out one card a
    page and one page a chunk, so progress and the joining of chunks are exercised."""
    from pollwatch.observers import signin

    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(signin, "BACKGROUND_FROM", 2)
    monkeypatch.setattr(signin, "CARDS_PER_PAGE", 1)
    monkeypatch.setattr(signin, "CHUNK_PAGES", 1)
    return tmp_path


def test_a_large_print_runs_in_the_background_and_downloads_once(client, mission, large_print):
    from pollwatch.observers.models import CardJob

    client.force_login(mission.users["coordinator"])
    page = client.get(_bulk_url(mission), {"codes": ""})
    assert b"laid out in the background" in page.content
    response = client.post(_bulk_url(mission), {"codes": "", "action": "cards"})
    job = CardJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/cards/{job.pk}/")
    assert job.status == "done" and job.cards_done == 2 and job.percent == 100
    assert b"Download the PDF" in client.get(response["Location"]).content
    download = f"{response['Location']}download/"
    pdf = client.post(download)
    assert pdf.content.startswith(b"%PDF") and "no-store" in pdf["Cache-Control"]
    assert len(pypdfium2.PdfDocument(io.BytesIO(pdf.content))) == 2  # two chunks joined
    text = _pdf_text(pdf.content)
    for link in re.findall(r"http://testserver/o/#t=\S+", text):
        assert _me(client, _token(link)).status_code == 200
    assert "1006" in text and "1007" in text
    assert not list(large_print.glob("cards/*"))  # deleted once handed over
    assert client.post(download).status_code == 409
    event = AuditEvent.objects.get(kind="signin.cards_printed")
    assert event.actor == "coordinator" and event.payload["observers"] == 2
    assert "#t=" not in str(CardJob.objects.values_list().get())  # no token in the job row


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_admins_and_coordinators_see_and_download_a_large_print(
    client, mission, large_print, persona
):
    from pollwatch.observers import signin

    job = signin.start_card_job(
        list(signin.observers_in(mission.election).order_by("code")),
        "http://testserver",
        revoke_older=False,
        election=mission.election,
        user=mission.users["admin"],
        selection="every observer",
    )
    _login(client, mission, persona)
    url = f"/e/{mission.election.slug}/people/signin/cards/{job.pk}/"
    page, download = client.get(url), client.post(f"{url}download/")
    if persona == "anonymous":
        assert page.status_code == download.status_code == 302
    elif persona in MANAGERS:
        assert page.status_code == 200 and download.content.startswith(b"%PDF")
    else:
        assert page.status_code in (403, 404) and download.status_code in (403, 404), persona


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_admins_and_coordinators_print_or_send_in_bulk(client, mission, persona):
    _login(client, mission, persona)
    cards = client.post(_bulk_url(mission), {"codes": "", "action": "cards"})
    sms = client.post(_bulk_url(mission), {"codes": "", "action": "sms"})
    if persona == "anonymous":
        assert cards.status_code == sms.status_code == 302
    elif persona in MANAGERS:
        assert cards.content.startswith(b"%PDF") and sms.status_code == 200
    else:
        assert cards.status_code in (403, 404) and sms.status_code in (403, 404), persona
    issued = ObserverToken.objects.count()
    assert issued == (4 if persona in MANAGERS else 0)  # two cards, two SMS
    assert Message.objects.filter(kind=Message.Kind.SIGNIN).count() == issued // 2


def test_a_sign_in_token_is_letters_and_digits_so_a_printed_link_reads_as_it_is(mission):
    """A "-" ending a printed line reads as a hyphenated break (pdfium's text reader dropped it
    and joined the next line: 1 card in 60 with URL-safe tokens); "_" and "-" are misread."""
    from pollwatch.submissions.views import issue_token

    tokens = [issue_token(mission.people["observer"]) for _ in range(200)]
    assert all(re.fullmatch(r"[A-Za-z0-9]{32}", token) for token in tokens)
    assert len(set(tokens)) == 200
