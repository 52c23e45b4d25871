"""The one login throttle: site and admin logins, name spellings, proxies, lockouts, recovery."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db.models import F
from django.test import RequestFactory, override_settings
from django.urls import reverse

from pollwatch.accounts import throttle
from pollwatch.accounts.http import client_ip
from pollwatch.accounts.models import TokenBucket

PASSWORD = "the real password"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"
PROXY = "10.0.0.1"


@pytest.fixture
def staff(db):
    return User.objects.create_user("staffer", password=PASSWORD, is_staff=True)


def site_login(client, username, password, **meta):
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


def admin_login(client, username, password, **meta):
    data = {"username": username, "password": password, "next": "/admin/"}
    return client.post(reverse("admin:login"), data, **meta)


def behind_proxy(forwarded_for: str) -> dict:
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded_for}


def let_time_pass(seconds: float) -> None:
    """Move every bucket's last update back instead of sleeping."""
    TokenBucket.objects.update(updated=F("updated") - timedelta(seconds=seconds))


@override_settings(LOGIN_RATE_LIMIT=3)
def test_it_throttles_the_admin_login_and_refuses_the_right_password_while_locked(client, staff):
    for _ in range(3):
        assert admin_login(client, "staffer", "guess", REMOTE_ADDR=ATTACKER).status_code == 200
    locked = admin_login(client, "staffer", PASSWORD, REMOTE_ADDR=ATTACKER)
    assert locked.status_code == 429
    assert b"Too many login attempts" in locked.content
    assert b"pollwatch administration" in locked.content  # the admin's own page
    assert client.get("/admin/").status_code == 302  # still not logged in
    assert admin_login(client, "staffer", PASSWORD, REMOTE_ADDR=OWNER).status_code == 302


@override_settings(LOGIN_RATE_LIMIT=3)
def test_site_and_admin_logins_count_in_one_throttle(client, staff):
    site_login(client, "staffer", "guess", REMOTE_ADDR=ATTACKER)
    site_login(client, "staffer", "guess", REMOTE_ADDR=ATTACKER)
    admin_login(client, "staffer", "guess", REMOTE_ADDR=ATTACKER)
    assert site_login(client, "staffer", PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 429
    assert admin_login(client, "staffer", PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 429


@override_settings(LOGIN_RATE_LIMIT=3)
def test_a_full_width_or_upper_case_spelling_shares_the_name_bucket(client, staff):
    assert site_login(client, "ｓｔａｆｆｅｒ", "guess").status_code == 400
    assert site_login(client, "STAFFER", "guess").status_code == 400
    assert site_login(client, " ｓｔａｆｆｅｒ", "guess").status_code == 400
    assert site_login(client, "staffer", PASSWORD).status_code == 429
    assert site_login(client, "ｓｔａｆｆｅｒ", PASSWORD).status_code == 429


def test_a_full_width_spelling_is_the_same_account(client, staff):
    # Why the spellings must share a bucket: Django logs this one in.
    assert site_login(client, "ｓｔａｆｆｅｒ", PASSWORD).status_code == 302


@override_settings(LOGIN_RATE_LIMIT=3, TRUSTED_PROXIES=1)
def test_clients_behind_a_trusted_proxy_have_their_own_buckets(client, staff):
    for _ in range(3):
        site_login(client, "staffer", "guess", **behind_proxy(ATTACKER))
    assert site_login(client, "staffer", PASSWORD, **behind_proxy(ATTACKER)).status_code == 429
    spoofed = behind_proxy(f"{OWNER}, {ATTACKER}")  # the client wrote OWNER, the proxy ATTACKER
    assert site_login(client, "staffer", PASSWORD, **spoofed).status_code == 429
    assert site_login(client, "staffer", PASSWORD, **behind_proxy(OWNER)).status_code == 302


@override_settings(LOGIN_RATE_LIMIT=3, TRUSTED_PROXIES=0)
def test_without_trusted_proxies_a_forged_header_changes_nothing(client, staff):
    for number in range(3):
        forged = {"REMOTE_ADDR": ATTACKER, "HTTP_X_FORWARDED_FOR": f"192.0.2.{number}"}
        site_login(client, "staffer", "guess", **forged)
    assert site_login(client, "staffer", PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 429


@override_settings(LOGIN_RATE_LIMIT=10, LOGIN_RATE_WINDOW=300)
def test_fifty_failures_with_random_names_lock_only_their_own_address(client, mission):
    owner = mission.users["coordinator"]
    owner.set_password(PASSWORD)
    owner.save()
    spray = [site_login(client, uuid.uuid4().hex, "guess", REMOTE_ADDR=ATTACKER) for _ in range(50)]
    assert {response.status_code for response in spray} == {400}
    # The seconds spent hashing refilled a token or two: a few more failures lock the address.
    more = [site_login(client, uuid.uuid4().hex, "guess", REMOTE_ADDR=ATTACKER) for _ in range(5)]
    assert 429 in {response.status_code for response in more}
    assert site_login(client, "coordinator", PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 429
    assert site_login(client, "coordinator", PASSWORD, REMOTE_ADDR=OWNER).status_code == 302


@override_settings(LOGIN_RATE_LIMIT=10, LOGIN_RATE_WINDOW=300)
def test_an_attacker_hammering_admin_does_not_stop_the_admin_elsewhere(client, mission):
    admin = mission.users["admin"]
    admin.set_password(PASSWORD)
    admin.save()
    refused = [site_login(client, "admin", "guess", REMOTE_ADDR=ATTACKER) for _ in range(30)]
    assert [r.status_code for r in refused] == [400] * 10 + [429] * 20
    assert site_login(client, "admin", PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 429
    assert admin_login(client, "admin", PASSWORD, REMOTE_ADDR=OWNER).status_code == 302


@override_settings(LOGIN_RATE_LIMIT=3, LOGIN_RATE_WINDOW=300)
def test_a_locked_name_recovers_one_attempt_at_a_time_over_the_window(client, staff):
    for _ in range(3):
        site_login(client, "staffer", "guess")
    assert site_login(client, "staffer", PASSWORD).status_code == 429
    let_time_pass(100)  # a third of the window brings back one attempt
    assert site_login(client, "staffer", "guess").status_code == 400
    assert site_login(client, "staffer", "guess").status_code == 429
    let_time_pass(300)
    assert site_login(client, "staffer", PASSWORD).status_code == 302


@override_settings(LOGIN_RATE_LIMIT=3)
def test_successful_logins_do_not_count(client, staff):
    for _ in range(5):
        assert site_login(client, "staffer", PASSWORD).status_code == 302
        client.logout()
    site_login(client, "staffer", "guess")
    site_login(client, "staffer", "guess")
    assert site_login(client, "staffer", PASSWORD).status_code == 302


@override_settings(LOGIN_RATE_LIMIT=2)
def test_a_throttled_attempt_never_reaches_the_password_check(db):
    request = RequestFactory().post("/login/", REMOTE_ADDR=ATTACKER)
    checks = []

    def wrong_password() -> bool:
        checks.append("checked")
        return False

    assert throttle.guard(request, "someone", wrong_password) is False
    assert throttle.guard(request, "someone", wrong_password) is False
    with pytest.raises(throttle.LoginThrottled):
        throttle.guard(request, "someone", lambda: checks.append("checked") or True)
    assert checks == ["checked", "checked"]


@override_settings(LOGIN_RATE_LIMIT=2)
def test_a_check_that_raises_counts_as_a_failure(db):
    request = RequestFactory().post("/login/", REMOTE_ADDR=ATTACKER)

    def broken() -> bool:
        raise ValueError("wrong")

    for _ in range(2):
        with pytest.raises(ValueError):
            throttle.guard(request, "someone", broken)
    with pytest.raises(throttle.LoginThrottled):
        throttle.guard(request, "someone", lambda: True)


@override_settings(LOGIN_RATE_LIMIT=2)
def test_ipv6_addresses_count_by_their_64_network(db):
    factory = RequestFactory()
    throttle.guard(factory.post("/", REMOTE_ADDR="2001:db8:1:2::a"), "someone", lambda: False)
    throttle.guard(factory.post("/", REMOTE_ADDR="2001:db8:1:2::b"), "someone", lambda: False)
    with pytest.raises(throttle.LoginThrottled):
        throttle.guard(factory.post("/", REMOTE_ADDR="2001:db8:1:2::c"), "someone", lambda: True)
    assert throttle.guard(factory.post("/", REMOTE_ADDR="2001:db8:1:3::c"), "someone", lambda: True)


def test_a_megabyte_long_name_is_cut_before_normalising():
    assert throttle.login_name("ｘ" * 1_000_000) == "x" * throttle.MAX_NAME_LENGTH
    assert throttle.login_name(" Ａｄｍｉｎ ") == throttle.login_name("admin") == "admin"


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "198.51.100.9", "192.0.2.1"),
        (1, PROXY, "198.51.100.9", "198.51.100.9"),
        (1, PROXY, "6.6.6.6, 198.51.100.9", "198.51.100.9"),
        (2, PROXY, "6.6.6.6, 198.51.100.9, 10.0.0.2", "198.51.100.9"),
        (2, PROXY, "198.51.100.9", PROXY),  # fewer entries than proxies: the peer
        (1, PROXY, "", PROXY),
        (1, PROXY, "unknown", PROXY),
        (1, PROXY, "198.51.100.9:5123", "198.51.100.9"),
        (1, PROXY, "[2001:DB8::1]:443", "2001:db8::1"),
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_reads_the_entry_the_outermost_trusted_proxy_wrote(
    trusted, remote, forwarded, expected
):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(TRUSTED_PROXIES=trusted):
        assert client_ip(request) == expected
