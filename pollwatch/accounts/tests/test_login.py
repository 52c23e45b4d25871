"""Login, logout and the login rate limit."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import override_settings
from django.urls import reverse


def test_login_with_the_right_password_goes_to_the_mission(client, mission):
    user = mission.users["coordinator"]
    user.set_password("correct horse battery")
    user.save()
    response = client.post(
        reverse("login"), {"username": "coordinator", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.status_code == 302 and home["Location"] == "/e/test-election/"


def test_a_wrong_password_is_refused(client, mission):
    response = client.post(reverse("login"), {"username": "coordinator", "password": "nope"})
    assert response.status_code == 400
    assert b"did not match" in response.content


def test_next_may_not_point_off_site(client, db):
    User.objects.create_user("someone", password="long enough password")
    response = client.post(
        reverse("login") + "?next=https://evil.example/",
        {"username": "someone", "password": "long enough password"},
    )
    assert response["Location"] == "/"


@override_settings(LOGIN_RATE_LIMIT=3, LOGIN_RATE_WINDOW=300)
def test_login_is_rate_limited_per_username(client, db):
    User.objects.create_user("target", password="the real password")
    for _ in range(3):
        assert (
            client.post(reverse("login"), {"username": "target", "password": "guess"}).status_code
            == 400
        )
    blocked = client.post(reverse("login"), {"username": "target", "password": "the real password"})
    assert blocked.status_code == 429
    assert b"Too many login attempts" in blocked.content


def test_logout_needs_post(client, mission):
    client.force_login(mission.users["analyst"])
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/e/test-election/").status_code == 302


def test_passwords_are_hashed_with_argon2(db):
    user = User.objects.create_user("hashy", password="a fine password")
    assert user.password.startswith("argon2")


def test_pages_carry_security_headers(client, mission):
    client.force_login(mission.users["admin"])
    response = client.get("/e/test-election/")
    csp = response["Content-Security-Policy"]
    assert (
        "default-src 'self'" in csp
        and "script-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
    )
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_forms_need_a_csrf_token(mission):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(mission.users["admin"])
    response = strict.post("/e/test-election/imports/", {"kind": "stations"})
    assert response.status_code == 403


def test_healthz_answers_anonymous(client, db):
    assert client.get("/healthz").json()["status"] == "ok"


def test_settings_keep_cookies_secure_by_default(settings):
    assert (
        settings.SESSION_COOKIE_SECURE
        and settings.CSRF_COOKIE_SECURE
        and settings.SESSION_COOKIE_HTTPONLY
    )
    assert not settings.DEBUG
