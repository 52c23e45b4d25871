"""Election night for the demo, the tests and the benchmarks: observers' result forms, tallies and checklists.

Reports go through the real intake (``submit``) unless ``fast`` is asked for,
which writes the submissions in bulk (for benchmarks with tens of thousands
of results, where intake speed is not what is measured).
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Election, ImportJob, PollingStation
from pollwatch.observers.models import Deployment, Membership, Role
from pollwatch.submissions.intake import submit
from pollwatch.submissions.models import Submission

Counts = Mapping[str, int]


def _observer_at(election: Election) -> dict[int, Membership]:
    """The observer deployed at each station (the first, when several are)."""
    observers: dict[int, Membership] = {}
    for deployment in (
        Deployment.objects.filter(membership__election=election, membership__role=Role.OBSERVER)
        .select_related("membership")
        .filter(reserve=False)
        .order_by("pk")
    ):
        observers.setdefault(deployment.station_id, deployment.membership)
    return observers


def protocol_answers(counts: Counts, candidate_codes: list[str]) -> dict[str, int]:
    """A PVT form's answers from a protocol: RV, BI, BC, IN, VA and one count per candidate."""
    return {
        "RV": int(counts["registered_voters"]),
        "BI": int(counts["ballots_issued"]),
        "BC": int(counts["ballots_cast"]),
        "IN": int(counts["invalid"]),
        "VA": int(counts["valid"]),
        **{code: int(counts[code]) for code in candidate_codes},
    }


def report_results(
    election: Election,
    protocols: Mapping[str, Mapping[str, int]],
    *,
    fraction: float = 1.0,
    seed: int = 0,
    fast: bool = False,
    start: datetime.datetime | None = None,
    spread: datetime.timedelta = datetime.timedelta(hours=3),
) -> int:
    """Observers at sampled stations send their station's protocol copy (``protocols``: code -> PVT answers).

    A random ``fraction`` of the deployed stations report, in random order,
    arrival times spread over ``spread`` from ``start``. Returns how many
    result forms were stored. See :func:`protocol_answers` and :func:`true_protocols`.
    """
    form = Form.objects.get(election=election, kind=Form.Kind.RESULTS, active=True)
    answers_for = {station: dict(answers) for station, answers in protocols.items()}
    return _report(election, form, answers_for, fraction, seed, fast, start, spread)


def report_tallies(
    election: Election,
    tallies: Mapping[str, Counts],
    *,
    fraction: float = 1.0,
    seed: int = 0,
    fast: bool = False,
) -> int:
    """Observers send exit-poll interview tallies (code -> {candidate code: interviewees, RF: refusals})."""
    form = Form.objects.get(election=election, kind=Form.Kind.EXITPOLL, active=True)
    answers_for = {code: {k: int(v) for k, v in t.items()} for code, t in tallies.items()}
    return _report(
        election, form, answers_for, fraction, seed, fast, None, datetime.timedelta(hours=10)
    )


def report_checklists(
    election: Election,
    answer_maker: Any,
    *,
    fraction: float = 1.0,
    seed: int = 0,
    fast: bool = False,
) -> int:
    """Every active checklist form from a ``fraction`` of deployed stations; ``answer_maker(spec, rng)`` answers."""
    stored = 0
    for number, form in enumerate(
        Form.objects.filter(election=election, kind=Form.Kind.CHECKLIST, active=True)
    ):
        rng = random.Random(seed + number)
        stations = list(_observer_at(election))
        answers_for = {
            code: answer_maker(form.spec.to_dict(), rng)
            for code in PollingStation.objects.filter(pk__in=stations).values_list(
                "code", flat=True
            )
        }
        stored += _report(
            election,
            form,
            answers_for,
            fraction,
            seed + number,
            fast,
            None,
            datetime.timedelta(hours=12),
        )
    return stored


def _report(
    election: Election,
    form: Form,
    answers_for: Mapping[str, dict[str, Any]],
    fraction: float,
    seed: int,
    fast: bool,
    start: datetime.datetime | None,
    spread: datetime.timedelta,
) -> int:
    rng = random.Random(seed)
    observers = _observer_at(election)
    stations = {
        s.code: s
        for s in PollingStation.objects.filter(pk__in=list(observers), code__in=list(answers_for))
    }
    chosen = sorted(stations)
    rng.shuffle(chosen)
    chosen = chosen[: round(fraction * len(chosen))]
    start = start or timezone.now() - spread
    step = spread / max(len(chosen), 1)
    if fast:
        rows = [
            Submission(
                election=election,
                form=form,
                station=stations[code],
                observer=observers[stations[code].pk],
                source="web",
                status=Submission.Status.ACCEPTED,
                answers=answers_for[code],
                observed_at=start + step * index,
            )
            for index, code in enumerate(chosen)
        ]
        with transaction.atomic():
            created = Submission.objects.bulk_create(rows, batch_size=2000)
            # created is auto_now_add: spread the arrival times as on a real night.
            for index, submission in enumerate(created):
                submission.created = start + step * index
            Submission.objects.bulk_update(created, ["created"], batch_size=2000)
        return len(created)
    for index, code in enumerate(chosen):
        station = stations[code]
        submit(
            observers[station.pk],
            form,
            station,
            answers_for[code],
            client_uuid=uuid.uuid4(),
            source="web",
            observed_at=start + step * index,
        )
    return len(chosen)


def true_protocols(truth_csv: Path, candidate_codes: list[str]) -> dict[str, dict[str, int]]:
    """station code -> PVT form answers of the true count (the simulator's truth.csv)."""
    import pandas as pd

    truth = pd.read_csv(truth_csv, dtype={"code": str})
    return {
        str(row["code"]): protocol_answers({str(k): v for k, v in row.items()}, candidate_codes)
        for row in truth.to_dict("records")
    }


def exit_poll_tallies(
    protocols: Mapping[str, Mapping[str, int]],
    candidate_codes: list[str],
    *,
    interviews: int = 60,
    seed: int = 0,
) -> dict[str, dict[str, int]]:
    """Interview tallies drawn from each station's true vote (multinomial), with refusals."""
    import numpy as np

    rng = np.random.default_rng(seed)
    tallies = {}
    for code, protocol in sorted(protocols.items()):
        votes = np.array([protocol[c] for c in candidate_codes], dtype=float)
        if votes.sum() <= 0:
            continue
        answered = int(rng.binomial(interviews, 0.85))
        drawn = rng.multinomial(answered, votes / votes.sum())
        tallies[code] = {
            **{c: int(n) for c, n in zip(candidate_codes, drawn, strict=True)},
            "RF": interviews - answered,
        }
    return tallies


def load_demo_night(election: Election, folder: Path, *, seed: int, say: Any = print) -> None:
    """Part of election night already happened: results, tallies, checklists, official results, a forensic run.

    60 % of the sampled stations have sent their result form (the demo traffic
    sends the rest, so the call changes while one watches), a quarter sent
    exit-poll tallies, most sent their checklists; the election commission has
    published per-station results (with the simulated fraud), a broadcaster
    announced an exit poll, and the forensic tests have run once.
    """
    from pollwatch.elections.importers import create_job
    from pollwatch.ops.traffic import random_answers
    from pollwatch.reports.models import Statement
    from pollwatch.results.estimates import candidates_for
    from pollwatch.results.importers import import_official, preview
    from pollwatch.results.models import ForensicsRun, PublishedPoll
    from pollwatch.results.official import official_totals
    from pollwatch.results.tasks import compute_forensics

    codes = [c.code for c in candidates_for(election)]
    protocols = true_protocols(folder / "truth.csv", codes)
    say("Observers' checklists, result forms and exit-poll tallies so far …")
    report_checklists(election, random_answers, fraction=0.85, seed=seed)
    report_results(election, protocols, fraction=0.6, seed=seed)
    deployed = {
        code: protocols[code]
        for code in PollingStation.objects.filter(pk__in=list(_observer_at(election))).values_list(
            "code", flat=True
        )
        if code in protocols
    }
    report_tallies(
        election, exit_poll_tallies(deployed, codes, seed=seed), fraction=0.25, seed=seed
    )
    say("Importing the official results published by the election commission …")
    job = create_job(election, ImportJob.Kind.RESULTS, folder / "results.csv", "results.csv", {})
    job.options = {**job.options, "mapping": preview(job).mapping}
    job.save(update_fields=["options"])
    job = import_official(job)
    say(f"  {job.message}")
    official = official_totals(election)
    leader = max(official["shares"], key=lambda c: official["shares"][c] or 0)
    PublishedPoll.objects.create(
        election=election,
        source="State TV exit poll",
        kind=PublishedPoll.Kind.EXIT_POLL,
        announced_at=timezone.now() - datetime.timedelta(hours=4),
        shares={leader: round(100 * (official["shares"][leader] or 0) + 3.0, 1)},
        note="Announced at 20:00 as polls closed; no method published.",
    )
    say("Running the forensic tests on the official results …")
    compute_forensics(ForensicsRun.objects.create(election=election, replicates=500))
    Statement.objects.create(
        election=election, title=f"Preliminary statement on the {election.name}"
    )
