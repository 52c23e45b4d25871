from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "pollwatch.reports"
    label = "reports"
