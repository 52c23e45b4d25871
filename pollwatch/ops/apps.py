from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running pollwatch: the web server with its task worker, and the demo mission."""

    name = "pollwatch.ops"
    label = "ops"
