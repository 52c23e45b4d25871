"""The staff interface language: chosen per user in the header, saved, applied on every request.

Django's ``LocaleMiddleware`` picks a language from the cookie or the browser's Accept-Language;
for a logged-in user who chose one, ``UserLanguageMiddleware`` overrides it with the saved choice,
so it follows them to any browser. The observer app and SMS replies keep their own languages."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pollwatch.accounts.models import LanguagePreference


def supported(code: str) -> bool:
    """Whether `code` is one of settings.LANGUAGES exactly (no variants guessed)."""
    return code in dict(settings.LANGUAGES)


def saved_language(user) -> str | None:
    """The language `user` chose, or None (anonymous, or never chose one)."""
    if not user.is_authenticated:
        return None
    pref = LanguagePreference.objects.filter(user=user).values_list("language", flat=True).first()
    return pref if pref and supported(pref) else None


class UserLanguageMiddleware:
    """Activates the logged-in user's saved language; after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = saved_language(request.user)
        if code and code != translation.get_language():
            translation.activate(code)
            request.LANGUAGE_CODE = code
        return self.get_response(request)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The header's switcher: saves the choice for a logged-in user, sets the cookie for everyone,
    and goes back to the page it came from."""
    code = request.POST.get("language", "")
    if not supported(code):
        return HttpResponseBadRequest(f"Unknown language {code!r}: choose one of the list.")
    if request.user.is_authenticated:
        LanguagePreference.objects.update_or_create(user=request.user, defaults={"language": code})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    translation.activate(code)
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
