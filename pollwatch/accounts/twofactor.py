"""Two-factor login for staff: a TOTP app (django-otp) and ten one-time recovery codes.

A user with a confirmed device logs in with the password, then a code (``views.login_code``);
the session is then "verified" (django-otp's ``OTPMiddleware`` sets ``user.is_verified()``).
``REQUIRE_2FA_ROLES`` names the roles that must have a device: ``RequireTwoFactorMiddleware``
sends their holders to the enrolment page before any other page. A session that signed in
without the code (one from before enrolment, or the admin's password-only login) of a user who
has a device is ended: a second factor, once set up, is never skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from pollwatch.audit.models import record
from pollwatch.observers.models import Membership, Role

RECOVERY_CODES = 10
# Pages a signed-in user may open before the second factor is set up or entered.
OPEN_VIEWS = {
    "login",
    "login-code",
    "logout",
    "two-factor",
    "healthz",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "invite-accept",
    "admin:login",
    "admin:logout",
}


def has_two_factor(user: User | AnonymousUser) -> bool:
    """The user has set up a second factor (a confirmed TOTP app or recovery codes)."""
    return user.is_authenticated and user_has_device(user, confirmed=True)


def requires_two_factor(user: User | AnonymousUser) -> bool:
    """The user holds, in some election, a role listed in ``REQUIRE_2FA_ROLES`` (superusers are admins)."""
    required = settings.REQUIRE_2FA_ROLES
    if not required or not user.is_authenticated:
        return False
    if Role.ADMIN in required and getattr(user, "is_superuser", False):
        return True
    return Membership.objects.filter(person__user=user, role__in=required).exists()


def totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def pending_totp_device(user: User) -> TOTPDevice:
    """The device being enrolled: unconfirmed until the user types a code from it."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)
    return device


def qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG QR code (no script, no image request)."""
    out = BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def confirm(device: TOTPDevice) -> list[str]:
    """Turn the device on and give the user fresh recovery codes, returned once in plain text.

    Earlier unconfirmed devices and recovery codes are dropped: one app, one set of codes.
    Audited, as turning it off is (the codes never are)."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
        codes = new_recovery_codes(device.user)
        user = device.user
        record(
            "two_factor.turned_on",
            actor=user.get_username(),
            obj=user,
            payload={"user": user.get_username(), "recovery_codes": len(codes)},
        )
    return codes


def new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=c) for c in codes])
    return codes


def renew_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes for a user with two-factor login; the old ones stop working.

    Audited without the codes: the log says that they changed, never what they are."""
    with transaction.atomic():
        codes = new_recovery_codes(user)
        record(
            "two_factor.recovery_codes_renewed",
            actor=user.get_username(),
            obj=user,
            payload={"user": user.get_username(), "codes": len(codes)},
        )
    return codes


class TwoFactorRequired(Exception):
    """Two-factor login cannot be turned off: the user's roles require it."""


def turn_off(user: User) -> None:
    """Remove the user's authenticator app and recovery codes, unless a role requires them."""
    if requires_two_factor(user):
        raise TwoFactorRequired(
            f"{user.get_username()} holds a role that requires two-factor login "
            f"(REQUIRE_2FA_ROLES): it stays on"
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        record(
            "two_factor.turned_off",
            actor=user.get_username(),
            obj=user,
            payload={"user": user.get_username()},
        )


def matching_device(user: User, code: str):
    """The confirmed device that accepts ``code`` (a recovery code is used up), or None."""
    code = "".join(code.split())
    if not code:
        return None
    with transaction.atomic():  # for_verify locks the devices: one use of a code wins
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(code):
                return device
    return None


class RequireTwoFactorMiddleware:
    """After django-otp's middleware: enforce ``REQUIRE_2FA_ROLES`` and never skip a set-up factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, args, kwargs) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.is_verified():  # type: ignore[union-attr,attr-defined]
            return None
        match = request.resolver_match
        if match is None or match.view_name in OPEN_VIEWS:
            return None
        if has_two_factor(user):
            logout(request)
            return redirect_to_login(request.get_full_path())
        if requires_two_factor(user):
            return redirect(
                f"{reverse('two-factor')}?{urlencode({'next': request.get_full_path()})}"
            )
        return None
