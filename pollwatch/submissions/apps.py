from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class SubmissionsConfig(AppConfig):
    name = "pollwatch.submissions"
    label = "submissions"

    def ready(self) -> None:
        from pollwatch.observers.models import Deployment, Membership
        from pollwatch.submissions.intake import forget_deployments

        # The intake keeps each observer's deployments for a few seconds; a change forgets them.
        for model in (Deployment, Membership):
            post_save.connect(
                forget_deployments, sender=model, dispatch_uid=f"forget-{model.__name__}"
            )
            post_delete.connect(
                forget_deployments, sender=model, dispatch_uid=f"forget-{model.__name__}-del"
            )
