"""The Django admin site, with its login under the same throttle as the site's login.

INSTALLED_APPS names ``apps.PollwatchAdminConfig`` instead of "django.contrib.admin", which makes
``PollwatchAdminSite`` the ``admin.site`` every ``admin.py`` registers with.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from pollwatch.accounts.forms import AdminLoginForm


class PollwatchAdminSite(admin.AdminSite):
    site_header = "pollwatch administration"
    site_title = "pollwatch"
    login_form = AdminLoginForm

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """The admin's own login page; 429 when the throttle refused the attempt."""
        response = super().login(request, extra_context)
        form = getattr(response, "context_data", {}).get("form")
        if isinstance(form, AdminLoginForm) and form.throttled:
            response.status_code = 429
        return response
