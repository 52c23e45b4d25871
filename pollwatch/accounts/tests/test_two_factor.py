"""TOTP two-factor login: enrolment, the code step, recovery codes, required roles, the admin."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from pollwatch.testing import PERSONAS

PASSWORD = "correct horse battery"
ENROL = "/account/two-factor/"


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    """The code the user's app shows now (``offset`` steps away), computed as the app does."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, offset):06d}"


def clear_of_a_step_change(device: TOTPDevice, margin: float = 8.0) -> None:
    """Wait, if need be, until the next time step is more than ``margin`` seconds away.

    A code made in one 30-s step and checked in the next matches with a drift of −1, which the
    device then keeps: a later test's code for the step after (``offset=1``) falls outside the
    window and is refused. Starting early in a step keeps a test's codes in the steps it meant."""
    left = device.step - (time.time() - device.t0) % device.step
    if left < margin:
        time.sleep(left + 0.1)


def enrol(client, user) -> list[str]:
    """Set up two-factor login for the signed-in ``user``; returns the recovery codes."""
    page = client.get(ENROL)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    clear_of_a_step_change(device)
    response = client.post(ENROL, {"code": code_for(device)})
    assert response.status_code == 200
    return re.findall(r"<li><code>(\w+)</code></li>", response.content.decode())


@pytest.fixture
def enrolled(client, mission):
    """The coordinator, with a password and two-factor login set up; the client logged out."""
    user = mission.users["coordinator"]
    user.set_password(PASSWORD)
    user.save()
    client.force_login(user)
    codes = enrol(client, user)
    client.logout()
    return user, codes


def password_step(client):
    response = client.post(reverse("login"), {"username": "coordinator", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("login-code")
    return response


def test_enrolment_shows_the_uri_a_qr_code_and_ten_recovery_codes_once(client, mission):
    user = mission.users["analyst"]
    client.force_login(user)
    page = client.get(ENROL).content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert "otpauth://totp/" in page and "secret=" in page
    assert "<svg" in page and "<script" not in page.split("<main>")[1]
    wrong = client.post(ENROL, {"code": code_for(device, offset=-20)})
    assert wrong.status_code == 400 and b"not right" in wrong.content
    codes = enrol(client, user)
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    again = client.get(ENROL).content.decode()
    assert "Two-factor login is on" in again and codes[0] not in again
    # Turning it on is audited (as turning it off is), without the secret or the codes.
    from pollwatch.audit.models import AuditEvent

    event = AuditEvent.objects.get(kind="two_factor.turned_on")
    assert event.actor == "analyst" and event.payload["recovery_codes"] == 10
    assert not any(code in str(event.payload) for code in codes)
    assert device.key not in str(event.payload)


def test_login_asks_for_the_code_after_the_password(client, enrolled):
    user, _ = enrolled
    password_step(client)
    # Not logged in yet: pages send to the login.
    assert client.get("/e/test-election/").status_code == 302
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    wrong = client.post(reverse("login-code"), {"code": code_for(device, offset=-20)})
    assert wrong.status_code == 400
    assert client.get("/e/test-election/").status_code == 302
    # django-otp refuses a code already used; the next step's is accepted (clock drift).
    right = client.post(reverse("login-code"), {"code": code_for(device, offset=1)})
    assert right.status_code == 302
    assert client.get("/e/test-election/").status_code == 200


def test_the_code_step_needs_the_password_step(client, enrolled):
    user, _ = enrolled
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    response = client.post(reverse("login-code"), {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get("/e/test-election/").status_code == 302


def test_a_recovery_code_works_once(client, enrolled):
    _, codes = enrolled
    password_step(client)
    assert client.post(reverse("login-code"), {"code": codes[0]}).status_code == 302
    assert client.get("/e/test-election/").status_code == 200
    client.post(reverse("logout"))
    password_step(client)
    assert client.post(reverse("login-code"), {"code": codes[0]}).status_code == 400
    assert client.post(reverse("login-code"), {"code": codes[1]}).status_code == 302


@override_settings(LOGIN_RATE_LIMIT=2, LOGIN_RATE_WINDOW=300)
def test_the_code_step_is_throttled(client, enrolled):
    user, codes = enrolled
    password_step(client)
    for _ in range(2):
        assert client.post(reverse("login-code"), {"code": "000000"}).status_code == 400
    refused = client.post(reverse("login-code"), {"code": codes[0]})
    assert refused.status_code == 429 and b"Too many login attempts" in refused.content


def test_the_pending_login_expires(client, enrolled, monkeypatch):
    user, codes = enrolled
    password_step(client)
    later = time.time() + 301
    monkeypatch.setattr("pollwatch.accounts.views.time.time", lambda: later)
    response = client.post(reverse("login-code"), {"code": codes[0]})
    assert response.status_code == 302 and response["Location"] == reverse("login")


def test_a_session_without_the_code_is_ended(client, enrolled):
    user, _ = enrolled
    client.force_login(user)  # as a session from before the set-up
    response = client.get("/e/test-election/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get("/e/test-election/").status_code == 302


@override_settings(REQUIRE_2FA_ROLES={"admin", "coordinator"})
@pytest.mark.parametrize("persona", PERSONAS)
def test_required_roles_are_sent_to_enrolment_first(client, mission, persona):
    client.force_login(mission.users[persona])
    response = client.get("/e/test-election/")
    if persona in ("admin", "coordinator"):
        assert response.status_code == 302
        assert response["Location"].startswith(ENROL + "?next=")
        assert client.get(ENROL).status_code == 200
    else:
        assert response.status_code in (200, 404)


@override_settings(REQUIRE_2FA_ROLES={"coordinator"})
def test_after_enrolment_a_required_role_goes_on(client, mission):
    client.force_login(mission.users["coordinator"])
    enrol(client, mission.users["coordinator"])
    assert client.get("/e/test-election/").status_code == 200


@override_settings(REQUIRE_2FA_ROLES={"admin"})
def test_superusers_count_as_admins(client, db):
    boss = User.objects.create_superuser("boss", password=PASSWORD)
    client.force_login(boss)
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"].startswith(ENROL)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_every_signed_in_role_may_open_enrolment(client, mission, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.get(ENROL)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 200


def test_the_admin_login_refuses_users_with_two_factor(client, mission):
    user = mission.users["admin"]
    user.set_password(PASSWORD)
    user.save()
    client.force_login(user)
    enrol(client, user)
    client.logout()
    response = client.post(
        reverse("admin:login"), {"username": "admin", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 200
    assert b"logs in with a second factor" in response.content
    assert client.get("/admin/").status_code == 302


def test_the_admin_opens_after_the_site_login_with_a_code(client, mission):
    user = mission.users["admin"]
    user.set_password(PASSWORD)
    user.save()
    client.force_login(user)
    codes = enrol(client, user)
    client.logout()
    client.post(reverse("login"), {"username": "admin", "password": PASSWORD})
    assert client.post(reverse("login-code"), {"code": codes[0]}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_login_without_two_factor_is_unchanged(client, mission):
    user = mission.users["analyst"]
    user.set_password(PASSWORD)
    user.save()
    response = client.post(reverse("login"), {"username": "analyst", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_the_code_step_without_a_password_step_sends_every_role_to_the_login(
    client, mission, persona
):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    for response in (
        client.get(reverse("login-code")),
        client.post(reverse("login-code"), {"code": "123456"}),
    ):
        assert response.status_code == 302 and response["Location"] == reverse("login")


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_a_forged_invitation_is_refused_for_every_role(client, mission, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.get(reverse("invite-accept", args=["forged:token"]))
    assert response.status_code == 400 and b"invalid" in response.content


# Self-service: new recovery codes and turning two-factor login off, each for a current code.
RENEW = "/account/two-factor/recovery-codes"
OFF = "/account/two-factor/off"


def audit_events(kind: str):
    from pollwatch.audit.models import AuditEvent

    return list(AuditEvent.objects.filter(kind=kind))


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_every_role_with_two_factor_may_renew_its_recovery_codes(client, mission, persona):
    if persona == "anonymous":
        for url in (RENEW, OFF):
            response = client.post(url, {"code": "123456"})
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
        return
    user = mission.users[persona]
    client.force_login(user)
    # Without two-factor login there is nothing to renew or turn off.
    assert client.post(RENEW, {"code": "123456"})["Location"] == ENROL
    assert client.post(OFF, {"code": "123456"})["Location"] == ENROL
    old = enrol(client, user)
    page = client.get(ENROL).content.decode()
    assert RENEW in page and OFF in page
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    response = client.post(RENEW, {"code": code_for(device, offset=1)})
    assert response.status_code == 200
    new = re.findall(r"<li><code>(\w+)</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert b"the old ones no longer work" in response.content
    assert client.get(ENROL).content.decode().count("<li><code>") == 0  # shown once
    # A recovery code is a current code too; an old one is not.
    assert client.post(RENEW, {"code": old[0]}).status_code == 400
    again = client.post(RENEW, {"code": new[0]})
    assert again.status_code == 200
    events = audit_events("two_factor.recovery_codes_renewed")
    assert [e.actor for e in events] == [persona, persona]
    for event in events:
        assert not any(code in str(event.payload) for code in old + new)


def test_old_recovery_codes_no_longer_log_in(client, enrolled):
    user, old = enrolled
    password_step(client)
    assert client.post(reverse("login-code"), {"code": old[0]}).status_code == 302
    new = re.findall(
        r"<li><code>(\w+)</code></li>",
        client.post(RENEW, {"code": old[1]}).content.decode(),
    )
    assert len(new) == 10
    # The session that signed in with a (now replaced) recovery code stays signed in.
    assert client.get("/e/test-election/").status_code == 200
    client.post(reverse("logout"))
    password_step(client)
    assert client.post(reverse("login-code"), {"code": old[2]}).status_code == 400
    assert client.post(reverse("login-code"), {"code": new[0]}).status_code == 302


@override_settings(LOGIN_RATE_LIMIT=2, LOGIN_RATE_WINDOW=300)
@pytest.mark.parametrize("url", [RENEW, OFF])
def test_a_wrong_current_code_is_refused_and_throttled(client, enrolled, url):
    user, codes = enrolled
    password_step(client)
    client.post(reverse("login-code"), {"code": codes[0]})
    for _ in range(2):
        wrong = client.post(url, {"code": "000000"})
        assert wrong.status_code == 400 and b"not right" in wrong.content
    refused = client.post(url, {"code": codes[1]})
    assert refused.status_code == 429 and b"Too many attempts" in refused.content
    # Nothing changed: the refused right code is not used up, the devices stay.
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert not audit_events("two_factor.recovery_codes_renewed")
    assert not audit_events("two_factor.turned_off")


@override_settings(REQUIRE_2FA_ROLES={"admin", "coordinator"})
@pytest.mark.parametrize("persona", PERSONAS)
def test_two_factor_is_turned_off_unless_a_role_requires_it(client, mission, persona):
    user = mission.users[persona]
    client.force_login(user)
    codes = enrol(client, user)
    required = persona in ("admin", "coordinator")
    page = client.get(ENROL)
    assert (b"it cannot be turned off" in page.content) is required
    response = client.post(OFF, {"code": codes[0]})
    if required:
        assert response.status_code == 403 and b"it cannot be turned off" in response.content
        assert TOTPDevice.objects.filter(user=user).exists()
        assert not audit_events("two_factor.turned_off")
        return
    assert response.status_code == 302 and response["Location"] == ENROL
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    follow = client.get(ENROL)
    assert b"Two-factor login is off" in follow.content and b"otpauth://" in follow.content
    [event] = audit_events("two_factor.turned_off")
    assert event.actor == persona and not any(c in str(event.payload) for c in codes)
    assert client.get("/e/test-election/").status_code in (200, 404)


def test_after_turning_off_the_login_asks_no_code(client, enrolled):
    user, codes = enrolled
    password_step(client)
    client.post(reverse("login-code"), {"code": codes[0]})
    assert client.post(OFF, {"code": codes[1]}).status_code == 302
    client.post(reverse("logout"))
    response = client.post(reverse("login"), {"username": "coordinator", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
