"""One throttle for every path that checks a password: site login, admin login, and any later one.

A login path calls ``guard(request, username, check)`` with ``check`` the secret's check (a
password, a reset or invitation token, a second factor) and answers 429 on ``LoginThrottled``::

    ok = throttle.guard(request, username, lambda: device.verify_token(code))

``forms.LoginForm`` does it for the site's and the admin's login. Only failures count, in
three token buckets (``TokenBucket``: each failure takes a token, tokens come back evenly over
the window), and a refused attempt counts nowhere: a lock lifts by itself.
With L = ``LOGIN_RATE_LIMIT`` (default 10) and W = ``LOGIN_RATE_WINDOW`` (default 300 s):

* name and address: L failures per W (10 per 5 minutes, then one more every 30 s). Stops one
  address guessing one account without touching the account's owner at another address.
* address: 5·L failures per W (50), whatever the names. Stops one address spraying many
  accounts with common passwords; it cannot lock anyone out who logs in from elsewhere.
* name, across all addresses: 10·L failures per W (100). Stops distributed guessing of one
  account. One address alone cannot fill it (its own buckets stop it at L, then one per
  W/L), so locking a person out takes about ten addresses failing together, and the lock
  lifts within W after they stop.

Addresses come from ``client_ip`` (so ``TRUSTED_PROXIES`` matters behind a proxy); IPv6
addresses count by their /64 network, which one subscriber gets whole. Names are counted the
way Django matches them and then some: NFKC (as ``UsernameField`` does) and casefolded, so
"ａｄｍｉｎ", "Admin" and "admin" are one name.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from pollwatch.accounts.http import client_ip
from pollwatch.accounts.models import TokenBucket

PER_ADDRESS = 5
PER_NAME = 10
# Longer names match no account (User.username has max_length 150); cutting them keeps
# Unicode normalisation of a hostile megabyte-long name cheap.
MAX_NAME_LENGTH = 150
THROTTLED_MESSAGE = "Too many login attempts. Wait a few minutes and try again."


class LoginThrottled(Exception):
    """A login attempt refused unchecked because too many recent ones failed."""

    def __init__(self) -> None:
        super().__init__(THROTTLED_MESSAGE)


def guard(request: HttpRequest, username: str, check: Callable[[], bool]) -> bool:
    """Run ``check`` (the password check for ``username``) under the login throttle.

    * First one failure is counted in each bucket (see the module docstring). When any is
      full, nothing is counted, ``check`` is not called (no Argon2 work for an attacker),
      and ``LoginThrottled`` is raised, even if the password would have been right.
    * ``check()`` returns True: the credentials were right, the failure is taken back, True.
    * ``check()`` returns False or raises (e.g. a form's ValidationError): it stays counted;
      False is returned, the exception propagates.

    Counting before the check means concurrent attempts cannot overtake the limit.
    """
    buckets = _buckets(login_name(username), _address_group(client_ip(request)))
    window = _setting("LOGIN_RATE_WINDOW")
    if not TokenBucket.take(buckets, window):
        raise LoginThrottled
    if not check():
        return False
    TokenBucket.give_back(buckets, window)
    return True


def login_name(username: str) -> str:
    """The name the throttle counts: every spelling Django reads as one account gives one name."""
    name = username.strip()[:MAX_NAME_LENGTH]
    # casefold() can undo NFKC form (e.g. "ǰ"), hence the second normalisation.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def _address_group(address: str) -> str:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(parsed), 64), strict=False))
    return str(parsed)


def _buckets(name: str, address: str) -> dict[str, int]:
    limit = _setting("LOGIN_RATE_LIMIT")
    # The address comes first: it cannot contain "|", so no name can fake another pair.
    return {
        f"login-address-name:{address}|{name}": limit,
        f"login-address:{address}": limit * PER_ADDRESS,
        f"login-name:{name}": limit * PER_NAME,
    }


def _setting(name: str) -> int:
    value = getattr(settings, name)
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be at least 1, not {value}")
    return value
