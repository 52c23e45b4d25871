"""Background work of the observers app, run by the task worker (`pollwatch worker`)."""

from __future__ import annotations

from django.tasks import task

from pollwatch.observers.models import CardJob


@task
def run_card_job(job_id: int) -> str:
    """Sign-in cards for a large selection (``signin.run_card_job``)."""
    from pollwatch.observers.signin import run_card_job as run

    job = CardJob.objects.select_related("election", "created_by").get(pk=job_id)
    return run(job).status
