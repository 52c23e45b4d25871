from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "pollwatch.media"
    label = "media"
