from __future__ import annotations

import time
from base64 import b32encode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from pollwatch.accounts import staff, throttle, twofactor
from pollwatch.accounts.forms import CodeForm, InviteForm, LoginForm, ResetForm, RoleForm
from pollwatch.accounts.http import signed_in
from pollwatch.observers.access import elections_for_user
from pollwatch.observers.models import Role

# The session key holding a user who gave the right password and still owes the code.
PENDING = "pollwatch_pending_login"
PENDING_SECONDS = 300


def login_view(request: HttpRequest) -> HttpResponse:
    """The site's login; wrong passwords count towards the login throttle (accounts/throttle.py).

    A user with a second factor is not logged in yet: the code step (``login_code``) does it."""
    form = LoginForm(request, data=request.POST or None)
    if form.is_valid():
        user = form.get_user()
        target = _safe_next(request, request.POST.get("next") or request.GET.get("next") or "")
        if twofactor.has_two_factor(user):
            request.session.cycle_key()
            request.session[PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "next": target,
                "until": time.time() + PENDING_SECONDS,
            }
            return redirect("login-code")
        login(request, user)
        return redirect(target)
    status = 429 if form.throttled else (400 if request.method == "POST" else 200)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "throttled": form.throttled, "next": request.GET.get("next", "")},
        status=status,
    )


def login_code(request: HttpRequest) -> HttpResponse:
    """The login's second step: a code of the user's app or a recovery code, under the throttle."""
    pending = request.session.get(PENDING)
    if not pending or pending["until"] < time.time():
        request.session.pop(PENDING, None)
        return redirect("login")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return redirect("login")
    form = CodeForm(request.POST or None)
    status, throttled, device = 200, False, None
    if form.is_valid():
        code = form.cleaned_data["code"]

        def code_is_right() -> bool:
            nonlocal device
            device = twofactor.matching_device(user, code)
            return device is not None

        try:
            throttle.guard(request, user.get_username(), code_is_right)
        except throttle.LoginThrottled:
            throttled = True
        if device is not None:
            del request.session[PENDING]
            login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(pending["next"])
        status = 429 if throttled else 400
    return render(
        request,
        "accounts/login_code.html",
        {"form": form, "throttled": throttled, "wrong": status == 400},
        status=status,
    )


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up the second factor: scan the QR code (or type the key), confirm with a code, and
    see ten recovery codes once."""
    user = _user(request)
    device = twofactor.totp_device(user)
    if device is not None:
        return _enrolled_page(request, user, device)
    pending = twofactor.pending_totp_device(user)
    form = CodeForm(request.POST or None)
    status, throttled = 200, False
    if form.is_valid():
        code = "".join(form.cleaned_data["code"].split())
        try:
            confirmed = throttle.guard(
                request, user.get_username(), lambda: pending.verify_token(code)
            )
        except throttle.LoginThrottled:
            confirmed, throttled = False, True
        if confirmed:
            codes = twofactor.confirm(pending)
            otp_login(request, pending)
            return render(
                request,
                "accounts/two_factor.html",
                {"recovery_codes": codes, "next": _safe_next(request, request.GET.get("next", ""))},
            )
        status = 429 if throttled else 400
    uri = pending.config_url
    return render(
        request,
        "accounts/two_factor.html",
        {
            "form": form,
            "throttled": throttled,
            "wrong": status == 400,
            "uri": uri,
            "qr": twofactor.qr_svg(uri),
            "key": b32encode(pending.bin_key).decode(),
            "required": twofactor.requires_two_factor(user),
        },
        status=status,
    )


def _enrolled_page(
    request: HttpRequest,
    user: User,
    device,
    *,
    action: str = "",
    throttled: bool = False,
    status: int = 200,
) -> HttpResponse:
    """The page of a user with two-factor login: new recovery codes, or turn it off."""
    return render(
        request,
        "accounts/two_factor.html",
        {
            "enrolled": device,
            "required": twofactor.requires_two_factor(user),
            "action": action,
            "throttled": throttled,
            "wrong": status == 400,
        },
        status=status,
    )


def _current_code_refused(request: HttpRequest, user: User, device, action: str):
    """None when the POST holds a current code (app or recovery code, under the login
    throttle), else the page that says why (400 wrong code, 429 too many attempts)."""
    form = CodeForm(request.POST)
    throttled = False
    if form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if throttle.guard(
                request,
                user.get_username(),
                lambda: twofactor.matching_device(user, code) is not None,
            ):
                return None
        except throttle.LoginThrottled:
            throttled = True
    return _enrolled_page(
        request, user, device, action=action, throttled=throttled, status=429 if throttled else 400
    )


@login_required
@require_POST
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Ten new recovery codes, shown once, for a current code; the old ones stop working."""
    user = _user(request)
    device = twofactor.totp_device(user)
    if device is None:
        return redirect("two-factor")
    refused = _current_code_refused(request, user, device, "recovery-codes")
    if refused is not None:
        return refused
    signed_in_with = getattr(request.user, "otp_device", None)
    codes = twofactor.renew_recovery_codes(user)
    if isinstance(signed_in_with, StaticDevice):
        # The session's recovery-code device was just replaced: keep the session verified.
        otp_login(request, StaticDevice.objects.get(user=user))
    return render(
        request,
        "accounts/two_factor.html",
        {"recovery_codes": codes, "renewed": True, "next": reverse("two-factor")},
    )


@login_required
@require_POST
def two_factor_off(request: HttpRequest) -> HttpResponse:
    """Turn two-factor login off, for a current code; refused while a role requires it."""
    user = _user(request)
    device = twofactor.totp_device(user)
    if device is None:
        return redirect("two-factor")
    if twofactor.requires_two_factor(user):
        return _enrolled_page(request, user, device, action="off", status=403)
    refused = _current_code_refused(request, user, device, "off")
    if refused is not None:
        return refused
    twofactor.turn_off(user)
    messages.success(request, _("Two-factor login is off for your account."))
    return redirect("two-factor")


class ResetRequest(auth_views.PasswordResetView):
    """Django's reset request under the login throttle; the same answer for any address."""

    template_name = "accounts/password_reset_form.html"
    form_class = ResetForm
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"

    def form_valid(self, form):
        try:
            # Every request counts (check is False): the throttle limits mails and probes.
            throttle.guard(self.request, "reset:" + form.cleaned_data["email"], lambda: False)
        except throttle.LoginThrottled:
            return self.render_to_response(
                self.get_context_data(form=form, throttled=True), status=429
            )
        return super().form_valid(form)


class ResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's reset link; each token tried counts towards the login throttle."""

    template_name = "accounts/password_reset_confirm.html"

    def dispatch(self, *args, **kwargs):
        token = kwargs.get("token", "")
        if token != self.reset_url_token:
            user = self.get_user(kwargs.get("uidb64", ""))
            name = user.get_username() if user else "reset:" + kwargs.get("uidb64", "")
            try:
                throttle.guard(
                    self.request,
                    name,
                    lambda: user is not None and self.token_generator.check_token(user, token),
                )
            except throttle.LoginThrottled:
                return render(self.request, "accounts/throttled.html", status=429)
        return super().dispatch(*args, **kwargs)


def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: the invitee sets a password; the link then stops working."""
    invitee: User | None = None

    def link_is_valid() -> bool:
        nonlocal invitee
        invitee = staff.invited_user(token)
        return invitee is not None

    try:
        throttle.guard(request, "invite:" + token, link_is_valid)
    except throttle.LoginThrottled:
        return render(request, "accounts/throttled.html", status=429)
    if invitee is None:
        return render(request, "accounts/invite.html", {"invalid": True}, status=400)
    user = invitee
    form = SetPasswordForm(user, request.POST or None)
    if form.is_valid():
        form.save()
        messages.success(request, _("Your password is set: log in with it."))
        return redirect("login")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/invite.html", {"form": form, "invitee": user}, status=status)


@login_required
def staff_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The election's staff accounts: roles, invitations, deactivation (admins, coordinators)."""
    election, access = staff.staff_for_user(request, slug)
    roles = staff.grantable_roles(access)
    form = InviteForm(request.POST or None, roles=roles)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user, token = staff.invite(access, actor=_user(request), **form.cleaned_data)
            except staff.StaffError as refused:
                form.add_error("email", str(refused))
            else:
                _send_invitation(request, user, token, election)
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": user.email}
                )
                return redirect("staff", slug=slug)
        status = 400
    members = staff.members(election)
    return render(
        request,
        "accounts/staff.html",
        {
            "election": election,
            "members": members,
            "form": form,
            "roles": [(r, Role(r).label) for r in roles],
            "grantable": roles,
        },
        status=status,
    )


@login_required
@require_POST
def staff_role(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    election, access = staff.staff_for_user(request, slug)
    user = staff.member_for(access, user_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(f"Unreadable role change: {form.errors.as_text()}")
    role, granted = form.cleaned_data["role"], form.cleaned_data["granted"]
    if staff.set_role(access, user, role, granted=granted, actor=_user(request)):
        done = (
            _("%(user)s now has the role %(role)s.")
            if granted
            else _("%(user)s no longer has the role %(role)s.")
        )
        messages.success(request, done % {"user": user.get_username(), "role": Role(role).label})
    return redirect("staff", slug=slug)


@login_required
@require_POST
def staff_reinvite(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    """Send a new invitation link (the first one lost or expired); the earlier ones stop working."""
    election, access = staff.staff_for_user(request, slug)
    user = staff.member_for(access, user_id)
    try:
        token = staff.reinvite(access, user, actor=_user(request))
    except staff.StaffError as refused:
        messages.error(request, str(refused))
    else:
        _send_invitation(request, user, token, election)
        messages.success(
            request, _("A new invitation was sent to %(email)s.") % {"email": user.email}
        )
    return redirect("staff", slug=slug)


@login_required
@require_POST
def staff_deactivate(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    election, access = staff.staff_for_user(request, slug)
    user = staff.member_for(access, user_id)
    try:
        staff.deactivate(access, user, actor=_user(request))
    except staff.StaffError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, _("%(user)s is deactivated and logged out.") % {"user": user.get_username()}
        )
    return redirect("staff", slug=slug)


def _send_invitation(request: HttpRequest, user: User, token: str, election) -> None:
    """The invitation e-mail, in the page's language: the inviter's, the best guess for a new
    user (their own is known once they choose one)."""
    link = request.build_absolute_uri(reverse("invite-accept", args=[token]))
    body = render_to_string(
        "accounts/invite_email.txt",
        {
            "user": user,
            "link": link,
            "election": election,
            "inviter": request.user,
            "hours": settings.INVITE_TIMEOUT // 3600,
        },
    )
    subject = _("Your %(site)s account for %(election)s") % {
        "site": settings.SITE_NAME,
        "election": election.name,
    }
    send_mail(subject, body, None, [user.email])


def _user(request: HttpRequest) -> User:
    """The signed-in user of a ``login_required`` view."""
    user = signed_in(request)
    if user is None:
        raise PermissionError("this view needs a signed-in user")
    return user


def _safe_next(request: HttpRequest, target: str) -> str:
    if not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return resolve_url(settings.LOGIN_REDIRECT_URL)
    return target


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    elections = list(elections_for_user(request.user))
    if len(elections) == 1:
        return redirect(elections[0].get_absolute_url())
    return render(request, "accounts/home.html", {"elections": elections})


def healthz(request: HttpRequest) -> HttpResponse:
    """Load-balancer health check: the database answers (200), with the audit chain's state for monitoring.

    ``audit`` holds the chain's head seq, the events waiting to be sealed and the
    oldest one's age in seconds (a growing age: no sealer is running), and how
    many events the sealer set aside as quarantined (see them in the admin). The
    audit never makes the web worker unhealthy: a balancer must not pull it for that.
    ``reports`` holds the observer reports received but not yet read and the oldest
    one's age (a growing age: no report reader is running).
    """
    # Here: the rest of this module is the site's.
    from pollwatch.audit.models import chain_status
    from pollwatch.submissions.intake import reader_status

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "audit": chain_status(), "reports": reader_status()})
