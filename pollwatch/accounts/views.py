from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pollwatch.accounts.forms import LoginForm
from pollwatch.observers.access import elections_for_user


def login_view(request: HttpRequest) -> HttpResponse:
    """The site's login; wrong passwords count towards the login throttle (accounts/throttle.py)."""
    form = LoginForm(request, data=request.POST or None)
    if form.is_valid():
        login(request, form.get_user())
        target = request.POST.get("next") or request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(
            target, {request.get_host()}, require_https=request.is_secure()
        ):
            target = settings.LOGIN_REDIRECT_URL
        return redirect(target)
    status = 429 if form.throttled else (400 if request.method == "POST" else 200)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "throttled": form.throttled, "next": request.GET.get("next", "")},
        status=status,
    )


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
