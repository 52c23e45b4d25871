from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "pollwatch.results"
    label = "results"
