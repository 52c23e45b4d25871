from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "pollwatch.messaging"
    label = "messaging"
    verbose_name = "messages to observers"
