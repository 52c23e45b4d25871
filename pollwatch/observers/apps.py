from django.apps import AppConfig


class ObserversConfig(AppConfig):
    name = "pollwatch.observers"
    label = "observers"
