"""Background work of the media app, run by the task worker (`pollwatch worker`)."""

from __future__ import annotations

from django.tasks import task

from pollwatch.media.intake import process
from pollwatch.media.models import Intake


@task
def process_intake(intake_id: int) -> int:
    """Read a large upload in the background; returns how many items it stored."""
    result = process(Intake.objects.select_related("election", "outlet").get(pk=intake_id))
    return len(result.items)


@task
def run_media_job(job_id: int) -> str:
    """Train a tone model or re-code items (pollwatch.media.jobs), with progress on the job."""
    from pollwatch.media.jobs import run

    return run(job_id)
