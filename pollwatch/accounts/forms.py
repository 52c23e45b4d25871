"""Login forms of the site and the admin, both checked under the one login throttle."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, ValidationError

from pollwatch.accounts import throttle


class LoginForm(AuthenticationForm):
    """AuthenticationForm whose password check runs under ``throttle.guard``.

    A refused attempt is the non-field error with code "throttled" (see ``throttled``).
    """

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username is None or not self.cleaned_data.get("password"):
            return super().clean()  # an incomplete form checks no password
        if self.request is None:
            raise ImproperlyConfigured(
                "a login form needs the request: the throttle counts by address"
            )
        try:
            throttle.guard(self.request, username, self._credentials_are_right)
        except throttle.LoginThrottled as refused:
            raise ValidationError(str(refused), code="throttled") from None
        return self.cleaned_data

    def _credentials_are_right(self) -> bool:
        super().clean()  # raises ValidationError for wrong ones (or, for the admin, non-staff)
        return True

    @property
    def throttled(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, code="throttled")


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The admin's form (staff only) under the same throttle."""
