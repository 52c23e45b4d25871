"""Password reset by e-mail: Django's views, the same answer for any address, under the throttle."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from pollwatch.testing import PERSONAS

RESET = "/password-reset/"


@pytest.fixture
def alice(db):
    return User.objects.create_user("alice", email="alice@example.org", password="old password 1")


def _link(message) -> str:
    return re.search(r"https?://testserver(\S+)", message.body).group(1)


def test_a_reset_mails_a_link_that_sets_a_new_password_once(client, alice):
    response = client.post(RESET, {"email": "ALICE@example.org"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.org"]
    link = _link(mail.outbox[0])
    form = client.get(link, follow=True)
    assert form.status_code == 200 and b"new_password1" in form.content
    password = "a brand new password 7"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert client.login(username="alice", password=password)
    client.logout()
    again = client.get(link, follow=True)
    assert b"This link is invalid" in again.content


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, alice):
    known = client.post(RESET, {"email": "alice@example.org"})
    unknown = client.post(RESET, {"email": "nobody@example.org"})
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]


def test_a_deactivated_user_gets_no_mail(client, alice):
    alice.is_active = False
    alice.save()
    assert client.post(RESET, {"email": "alice@example.org"}).status_code == 302
    assert mail.outbox == []


@override_settings(LOGIN_RATE_LIMIT=2, LOGIN_RATE_WINDOW=300)
def test_reset_requests_are_throttled(client, alice):
    for _ in range(2):
        assert client.post(RESET, {"email": "alice@example.org"}).status_code == 302
    refused = client.post(RESET, {"email": "alice@example.org"})
    assert refused.status_code == 429
    assert b"Too many attempts" in refused.content
    assert len(mail.outbox) == 2


@override_settings(LOGIN_RATE_LIMIT=2, LOGIN_RATE_WINDOW=300)
def test_guessed_reset_links_are_throttled(client, alice):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    for guess in ("aaaaaa-1", "aaaaaa-2"):
        assert b"This link is invalid" in client.get(f"{RESET}{uid}/{guess}/").content
    assert client.get(f"{RESET}{uid}/aaaaaa-3/").status_code == 429


def test_the_reset_form_needs_csrf(alice):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(RESET, {"email": "alice@example.org"}).status_code == 403
    assert mail.outbox == []


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_every_role_may_ask_for_a_reset(client, mission, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    assert client.get(RESET).status_code == 200
    assert client.post(RESET, {"email": f"{persona}@example.org"}).status_code == 302
