"""Background work of the results app, run by the task worker (`pollwatch worker`)."""

from __future__ import annotations

import datetime
import hashlib
import time
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from pollwatch.audit.models import record
from pollwatch.elections.models import Area, Election
from pollwatch.lib.hashchain import canonical_json
from pollwatch.lib.plainjson import jsonable
from pollwatch.results.estimates import candidates_for, region_code
from pollwatch.results.models import ForensicsRun, OfficialResult
from pollwatch.results.official import COUNT_FIELDS, official_version
from pollwatch.stats.forensics import run_forensics
from pollwatch.stats.forensics_integer import percentage_histogram

HISTOGRAM_REPLICATES = 200
# A run still queued or running this long after it was asked for is taken as lost: its task
# worker died with it (the national run over a million stations takes minutes).
RUN_LOST_AFTER = datetime.timedelta(hours=1)
ACTIVE = (ForensicsRun.Status.QUEUED, ForensicsRun.Status.RUNNING)


@task
def run_forensics_task(run_id: int) -> str:
    run = ForensicsRun.objects.select_related("election").get(pk=run_id)
    return compute_forensics(run).status


def request_forensics(election: Election, user: User | None) -> tuple[ForensicsRun, bool]:
    """The election's queued or running forensic run, or a new one queued now (True): one at a time.

    The election's row is locked while looking (on SQLite the transaction
    holds the write lock), so two clicks at once queue one run. Asking is
    audited (``forensics.requested``); a dead run (see ``settle_dead_runs``)
    is marked failed here instead of blocking new runs.
    """
    with transaction.atomic():
        Election.objects.select_for_update().filter(pk=election.pk).first()
        settle_dead_runs(election)
        active = ForensicsRun.objects.filter(election=election, status__in=ACTIVE)
        current = active.defer("result").order_by("-created").first()
        if current is not None:
            return current, False
        run = ForensicsRun.objects.create(election=election, created_by=user)
        record(
            "forensics.requested",
            actor=user.username if user else "",
            election_id=election.pk,
            obj=run,
            payload={"run": run.pk, "replicates": run.replicates},
        )
        run_forensics_task.enqueue(run.pk)  # in the transaction: no run without its task
    return run, True


def settle_dead_runs(election: Election) -> int:
    """Mark failed the election's queued or running runs that can no longer finish; returns how many.

    A run is dead when its task failed without reaching ``compute_forensics``'s
    own error handling (the worker could not import or start it), or when it
    is older than RUN_LOST_AFTER (its worker was killed). Either would
    otherwise block new runs, since only one runs at a time.
    """
    active = ForensicsRun.objects.filter(election=election, status__in=ACTIVE)
    now = timezone.now()
    settled = active.filter(created__lt=now - RUN_LOST_AFTER).update(
        status=ForensicsRun.Status.FAILED,
        message="Lost: it never finished (its task worker stopped); ask again.",
        finished=now,
    )
    waiting = set(active.values_list("pk", flat=True))
    if not waiting:
        return settled
    failed_tasks = DBTaskResult.objects.filter(
        task_path=run_forensics_task.module_path,
        status=TaskResultStatus.FAILED,
        enqueued_at__gte=now - RUN_LOST_AFTER,
    ).values_list("args_kwargs", "traceback")
    for args_kwargs, traceback in failed_tasks:
        run_id = (args_kwargs.get("args") or [None])[0]
        if run_id in waiting:
            last_line = (traceback or "").strip().splitlines()[-1:] or ["unknown error"]
            settled += active.filter(pk=run_id).update(
                status=ForensicsRun.Status.FAILED,
                message=f"Its task failed before the tests ran ({last_line[0][:300]}); ask again.",
                finished=now,
            )
    return settled


def official_arrays(election) -> dict[str, Any]:
    """The official results as aligned arrays, in station-code order (streamed, not held as rows)."""
    codes = [c.code for c in candidates_for(election)]
    numbers = ("row", *COUNT_FIELDS)
    columns: dict[str, list] = {name: [] for name in ("station", "region", *numbers, "votes")}
    rows = (
        OfficialResult.objects.filter(election=election)
        .order_by("station__code")
        .values_list("station__code", "station__area_path", *numbers, "votes")
        .iterator(chunk_size=5000)
    )
    for code, path, *counts, votes in rows:
        columns["station"].append(code)
        columns["region"].append(region_code(path))
        for name, value in zip(numbers, counts, strict=True):
            columns[name].append(np.nan if value is None else value)
        columns["votes"].append([votes.get(c, 0) for c in codes])
    return {
        "station": np.array(columns["station"], dtype=object),
        "region": np.array(columns["region"], dtype=object),
        **{name: np.array(columns[name], dtype=np.float64) for name in numbers},
        "votes": np.array(columns["votes"], dtype=np.float64).reshape(
            len(columns["station"]), len(codes)
        ),
        "codes": codes,
    }


def _strip_large(result: dict[str, Any]) -> dict[str, Any]:
    """Per-region results keep their readings, not their fingerprint grids (the page shows the national one)."""
    fingerprint = result.get("fingerprint")
    if isinstance(fingerprint, dict):
        result["fingerprint"] = {k: v for k, v in fingerprint.items() if k != "counts"}
    return result


def compute_forensics(run: ForensicsRun) -> ForensicsRun:
    """Every forensic test nationally and per region, plus the integer histograms; stores the result."""
    ForensicsRun.objects.filter(pk=run.pk).update(status=ForensicsRun.Status.RUNNING)
    election = run.election
    try:
        data = official_arrays(election)
        # Stations whose protocol lacks the registered voters have no turnout: they are left
        # out (counting them as 0 registered would make every one of them "impossible").
        known = np.isfinite(data["registered"])
        left_out = int((~known).sum())
        data = {k: (v[known] if isinstance(v, np.ndarray) else v) for k, v in data.items()}
        if len(data["station"]) < 8:
            raise ValueError(
                f"{len(data['station'])} stations have official results with registered voters; "
                "the tests need at least 8"
            )
        totals = data["votes"].sum(axis=0)
        leader_index = int(np.argmax(totals))
        leader = data["votes"][:, leader_index]
        registered = data["registered"]
        valid = np.where(np.isfinite(data["valid"]), data["valid"], data["votes"].sum(axis=1))
        ballots = np.where(
            np.isfinite(data["ballots_cast"]),
            data["ballots_cast"],
            valid + np.nan_to_num(data["invalid"]),
        )
        invalid = data["invalid"] if np.isfinite(data["invalid"]).all() else None
        issued = data["ballots_issued"] if np.isfinite(data["ballots_issued"]).all() else None
        groups = sorted(set(data["region"].tolist()))
        total_steps = run.replicates * (1 + len(groups))
        done = [0, 0.0]

        def progress(step: int) -> None:
            done[0] += step
            now = time.monotonic()
            if now - done[1] > 1.0:
                done[1] = now
                ForensicsRun.objects.filter(pk=run.pk).update(
                    progress=min(95, int(90 * done[0] / max(total_steps, 1)))
                )

        result = run_forensics(
            data["station"],
            registered,
            ballots,
            valid,
            leader,
            candidates=[data["votes"][:, j] for j in range(len(data["codes"]))],
            invalid=invalid,
            ballots_issued=issued,
            by=data["region"],
            rows=data["row"],
            replicates=run.replicates,
            seed=0,
            progress=progress,
        )
        received = valid + (invalid if invalid is not None else 0)
        histograms = {
            which: percentage_histogram(
                registered,
                ballots,
                received,
                leader,
                which=which,
                replicates=HISTOGRAM_REPLICATES,
                seed=0,
            )
            for which in ("turnout", "leader")
        }
        by = result.pop("by", {})
        names = dict(Area.objects.filter(election=election, level=1).values_list("code", "name"))
        stored = {
            "national": result,
            "by": {code: _strip_large(r) for code, r in by.items()},
            "histograms": histograms,
            "region_names": {code: names.get(code, code) for code in by},
            "leader": data["codes"][leader_index],
            "stations": int(len(data["station"])),
            "left_out": left_out,
            "official_version": official_version(election),
        }
        with transaction.atomic():
            run.result = jsonable(stored)
            run.stations = int(len(data["station"]))
            run.status = ForensicsRun.Status.DONE
            run.progress = 100
            run.message = (
                f"{run.stations:,} stations, {run.replicates:,} Monte Carlo replicates"
                + (f"; {left_out:,} without registered voters left out." if left_out else ".")
            )
            run.finished = timezone.now()
            run.save()
            _record_finished(run, {"result_sha256": _digest(run.result)})
    except Exception as exc:  # any failure is recorded on the run, never left "running"
        run.status = ForensicsRun.Status.FAILED
        run.message = str(exc) or exc.__class__.__name__
        run.finished = timezone.now()
        with transaction.atomic():
            run.save()
            _record_finished(run, {"message": run.message[:1000]})
    return run


def _record_finished(run: ForensicsRun, details: dict[str, Any]) -> None:
    """The ``forensics.finished`` audit event: what ran on which official results, and its outcome."""
    result = run.result if isinstance(run.result, dict) else {}
    record(
        "forensics.finished",
        actor="task worker",
        election_id=run.election_id,
        obj=run,
        payload={
            "run": run.pk,
            "status": run.status,
            "stations": run.stations,
            "replicates": run.replicates,
            "official_version": result.get("official_version"),
            **details,
        },
    )


def _digest(result: Any) -> str:
    """sha256 of the stored result's canonical JSON, so a later copy of it can be checked."""
    text = canonical_json(result).encode("utf-8", "backslashreplace")
    return hashlib.sha256(text).hexdigest()
