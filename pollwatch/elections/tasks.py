"""Background work of the elections app, run by the task worker (`pollwatch worker`)."""

from __future__ import annotations

from django.tasks import task

from pollwatch.elections.importers import run_job
from pollwatch.elections.models import ImportJob


@task
def run_import(job_id: int) -> str:
    """Any kind of import; ``run_job`` ends the job "done" or "failed", whatever happens."""
    job = ImportJob.objects.select_related("election", "created_by").get(pk=job_id)
    return run_job(job).status
