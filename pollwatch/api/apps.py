from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "pollwatch.api"
    label = "api"
