from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class SubmissionsConfig(AppConfig):
    name = "pollwatch.submissions"
    label = "submissions"

    def ready(self) -> None:
        from pollwatch.observers.models import Deployment, Membership
        from pollwatch.submissions.models import ObserverToken

        # The intake remembers tokens and deployments in each process (lookups.py); a change
        # makes every process forget the person's.
        for model in (Deployment, Membership, ObserverToken):
            post_save.connect(_changed, sender=model, dispatch_uid=f"lookups-{model.__name__}")
            post_delete.connect(
                _changed, sender=model, dispatch_uid=f"lookups-{model.__name__}-del"
            )


def _changed(sender: type, instance: Any, **_: Any) -> None:
    from pollwatch.observers.models import Deployment, Membership
    from pollwatch.submissions import lookups

    if isinstance(instance, Deployment):
        # (None, when the membership went first: everyone's look-ups are forgotten.)
        person = (
            Membership.objects.filter(pk=instance.membership_id)
            .values_list("person_id", flat=True)
            .first()
        )
    else:
        person = instance.person_id
    lookups.changed([person])
