"""Login forms of the site and the admin, both checked under the one login throttle."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from pollwatch.accounts import throttle
from pollwatch.observers.models import Role


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
    """The admin's form (staff only) under the same throttle.

    It asks no second factor, so it refuses users who have one: they log in on the site's
    login page (password, then code) and then open the admin.
    """

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        from pollwatch.accounts.twofactor import has_two_factor

        if has_two_factor(user):
            raise ValidationError(
                "This account logs in with a second factor: log in on the site's login "
                "page, then open the admin.",
                code="two_factor",
            )


class CodeForm(forms.Form):
    """The second step of a login, or the enrolment's check: six digits or a recovery code."""

    code = forms.CharField(
        max_length=32,
        label=_("Code"),
        help_text=_("the six digits your authenticator app shows, or one of your recovery codes"),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(max_length=200, label=_("Full name"))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, roles: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = [(r, Role(r).label) for r in roles]


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    granted = forms.TypedChoiceField(
        choices=[("1", "give"), ("0", "take")], coerce=lambda v: v == "1"
    )


class ResetForm(PasswordResetForm):
    """Django's reset request; the e-mail is in the language the user chose (saved with the
    header's switcher), else in the page's."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        from pollwatch.accounts.language import saved_language

        language = saved_language(context["user"]) or translation.get_language()
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
