"""In Chromium: a coordinator required to use two-factor login sets it up, then logs in with a code."""

from __future__ import annotations

from base64 import b32decode

from django_otp.oath import totp

from pollwatch.testing import BROWSER_TEST

pytestmark = BROWSER_TEST

PASSWORD = "correct horse battery"


def app_code(key: str, offset: int = 0) -> str:
    """What an authenticator app shows for the key typed by hand (30 s steps, 6 digits)."""
    return f"{totp(b32decode(key), step=30, t0=0, digits=6, drift=offset):06d}"


def test_a_coordinator_sets_up_two_factor_and_logs_in_with_a_code(
    live_server, browser, mission, settings
):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.REQUIRE_2FA_ROLES = {"coordinator"}
    user = mission.users["coordinator"]
    user.set_password(PASSWORD)
    user.save()

    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Required: sent to the set-up before the mission's page.
    page.wait_for_url("**/account/two-factor/?next=*")
    assert page.locator("figure.qr svg").is_visible()
    assert page.locator("#totp-uri").inner_text().startswith("otpauth://totp/")
    key = page.locator("#totp-key").inner_text()
    page.get_by_label("Code").fill(app_code(key))
    page.get_by_role("button", name="Turn on two-factor login").click()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_url(f"{live_server.url}/e/test-election/")
    page.get_by_role("button", name="Log out coordinator").click()
    page.wait_for_url("**/login/")

    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/login/code/")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text().startswith("That code is not right")
    # The set-up used this step's code: the app's next one is accepted (one step of drift).
    page.get_by_label("Code").fill(app_code(key, offset=1))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/e/test-election/")
    assert page.get_by_role("heading", level=1).is_visible()
    context.close()
