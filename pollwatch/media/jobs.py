"""Long media work in the task worker, with progress: training a tone model, re-coding.

* **Training** (``start_training``): the election's confirmed codes in one
  language (``report.training_targets``) are checked (``grouped.MIN_TARGETS``,
  all three tones), evaluated by cross-validation grouped by item, and the
  model trained on all of them is stored as the language's next version,
  inactive: a coordinator makes it active on the models page after reading
  its figures.
* **Re-coding** (``start_recode``): after the subject catalogue or a
  language's active model changed, every item's machine codes are replaced
  by fresh ones. Human codes (a monitor's confirmations and corrections:
  added, removed, span) are rows of their own and are never touched.

One job of a kind runs at a time per election; asking again while one is
queued or running returns that one.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from pollwatch.audit.models import record
from pollwatch.elections.models import Election
from pollwatch.media import grouped
from pollwatch.media.intake import catalogue_for, propose, store
from pollwatch.media.models import Coding, Item, MediaJob, Subject, ToneModel
from pollwatch.media.report import training_targets
from pollwatch.media.tonemodels import ToneChooser, model_bytes, next_version

# Progress is written every this many items while re-coding.
PROGRESS_EVERY = 20
# A queued or running job with no sign of life for this long is taken as dead (its
# worker stopped) and marked failed when the same work is asked for again.
STALE_AFTER = datetime.timedelta(minutes=30)


def targets_for(election: Election, language: str) -> list[dict[str, Any]]:
    """The confirmed codes of one language as tone targets."""
    return [t for t in training_targets(election) if (t.get("language") or "") == language]


def item_of(target: dict[str, Any]) -> str:
    """The grouping key of a target: its item, or the item it is a near-duplicate of."""
    return str(target.get("article") or target["item"])


def _start(election: Election, kind: str, user: Any, **fields: Any) -> tuple[MediaJob, bool]:
    with transaction.atomic():
        Election.objects.select_for_update().filter(pk=election.pk).first()
        active = MediaJob.objects.filter(
            election=election,
            kind=kind,
            status__in=[MediaJob.Status.QUEUED, MediaJob.Status.RUNNING],
        )
        active.filter(updated__lt=timezone.now() - STALE_AFTER).update(
            status=MediaJob.Status.FAILED,
            message="stopped: no progress for 30 minutes (did the task worker stop?)",
            finished=timezone.now(),
        )
        current = active.first()
        if current is not None:
            return current, False
        job = MediaJob.objects.create(
            election=election,
            kind=kind,
            created_by=user if getattr(user, "is_authenticated", False) else None,
            **fields,
        )
        record(
            f"media.{kind}.requested",
            actor=getattr(user, "username", "") or "",
            election_id=election.pk,
            obj=job,
            payload=fields,
        )
    return job, True


def start_training(election: Election, language: str, user: Any) -> tuple[MediaJob, bool]:
    """Queue training for ``language`` (the caller checked there are enough codes)."""
    from pollwatch.media.tasks import run_media_job

    job, new = _start(election, MediaJob.Kind.TRAIN, user, language=language)
    if new:
        transaction.on_commit(lambda: run_media_job.enqueue(job.pk))
    return job, new


def start_recode(election: Election, user: Any, reason: str) -> tuple[MediaJob, bool]:
    """Queue re-coding of every item of the election."""
    from pollwatch.media.tasks import run_media_job

    job, new = _start(election, MediaJob.Kind.RECODE, user, reason=reason[:200])
    if new:
        transaction.on_commit(lambda: run_media_job.enqueue(job.pk))
    return job, new


def _progress(job: MediaJob, done: int, total: int) -> None:
    job.done, job.total = done, total
    job.save(update_fields=["done", "total", "updated"])


def _finish(job: MediaJob, status: str, message: str) -> None:
    job.status = status
    job.message = message
    job.finished = timezone.now()
    job.save(
        update_fields=["status", "message", "finished", "tone_model", "done", "total", "updated"]
    )


def run_training(job: MediaJob) -> ToneModel | None:
    election = job.election
    records = targets_for(election, job.language)
    groups = {item_of(r) for r in records}
    try:
        model, evaluation = grouped.train_and_evaluate(
            records,
            item_of,
            minimum=grouped.MIN_TARGETS,
            name=f"{election.slug}-{job.language}",
            progress=lambda done, total: _progress(job, done, total),
        )
    except grouped.NotEnoughCodes as error:
        _finish(job, MediaJob.Status.FAILED, str(error))
        return None
    with transaction.atomic():
        Election.objects.select_for_update().filter(pk=election.pk).first()
        row = ToneModel.objects.create(
            election=election,
            language=job.language,
            version=next_version(election, job.language),
            data=model_bytes(model),
            source=f"trained from {len(records)} confirmed codes",
            trained_by=job.created_by,
            targets=len(records),
            items=len(groups),
            macro_f1=evaluation.macro_f1,
            macro_f1_low=evaluation.low,
            macro_f1_high=evaluation.high,
            evaluation=evaluation.to_dict(),
        )
        job.tone_model = row
        record(
            "media.tone_model.trained",
            actor=job.created_by.username if job.created_by else "",
            election_id=election.pk,
            obj=row,
            payload={
                "language": row.language,
                "version": row.version,
                "targets": row.targets,
                "macro_f1": row.macro_f1,
                "interval": [row.macro_f1_low, row.macro_f1_high],
            },
        )
        _finish(job, MediaJob.Status.DONE, row.label)
    return row


def recode_items(election: Election, job: MediaJob | None = None) -> int:
    """Replace every item's machine codes by fresh ones; human codes stay. Returns items re-coded."""
    catalogue = catalogue_for(election)
    if catalogue is None:
        return 0
    subjects = {s.key: s for s in Subject.objects.filter(election=election)}
    tones = ToneChooser.for_election(election)
    ids = list(Item.objects.filter(election=election).order_by("pk").values_list("pk", flat=True))
    if job is not None:
        _progress(job, 0, len(ids))
    for start in range(0, len(ids), PROGRESS_EVERY):
        batch = Item.objects.filter(pk__in=ids[start : start + PROGRESS_EVERY])
        items = list(batch.select_related("election", "outlet").order_by("pk"))
        # Coded outside the write transaction, which then only replaces the codes: with
        # SQLite a long one would stop every other writer (reports, SMS, sign-in).
        proposals = [propose(item, catalogue, tones) for item in items]
        with transaction.atomic():
            for item, proposal in zip(items, proposals, strict=True):
                Coding.objects.filter(item=item, is_machine=True, coder__isnull=True).delete()
                store(item, proposal, subjects)
        if job is not None:
            _progress(job, min(start + PROGRESS_EVERY, len(ids)), len(ids))
    return len(ids)


def run_recode(job: MediaJob) -> int:
    count = recode_items(job.election, job)
    with transaction.atomic():
        record(
            "media.recode.done",
            actor=job.created_by.username if job.created_by else "",
            election_id=job.election_id,
            obj=job,
            payload={"items": count, "reason": job.reason},
        )
        _finish(job, MediaJob.Status.DONE, str(count))
    return count


def run(job_id: int) -> str:
    """Run one queued job (the task body); a failure is stored on the job, not lost."""
    job = MediaJob.objects.select_related("election", "created_by").get(pk=job_id)
    if job.status != MediaJob.Status.QUEUED:
        return job.status
    job.status = MediaJob.Status.RUNNING
    job.save(update_fields=["status", "updated"])
    try:
        if job.kind == MediaJob.Kind.TRAIN:
            run_training(job)
        else:
            run_recode(job)
    except Exception as error:
        _finish(job, MediaJob.Status.FAILED, f"{type(error).__name__}: {error}")
        raise
    return job.status
