"""Background work of the elections app, run by the task worker (`pollwatch worker`)."""

from __future__ import annotations

from django.tasks import task

from pollwatch.elections.importers import run_job
from pollwatch.elections.models import ImportJob


@task
def run_import(job_id: int) -> str:
    job = ImportJob.objects.select_related("election").get(pk=job_id)
    if job.kind == ImportJob.Kind.RESULTS:
        from pollwatch.results.importers import import_official

        return import_official(job).status
    return run_job(job).status
