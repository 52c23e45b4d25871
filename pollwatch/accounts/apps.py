from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "pollwatch.accounts"
    label = "accounts"
    default = True  # not PollwatchAdminConfig, which INSTALLED_APPS names on its own


class PollwatchAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin whose ``admin.site`` logs in through the login throttle."""

    default = False
    default_site = "pollwatch.accounts.adminsite.PollwatchAdminSite"
