"""Intake of observer reports from the web app and from SMS: raw first, then parsed, idempotent, audited.

Every function here stores the raw input in its own committed transaction
before parsing it, so a crash or a malformed message loses nothing. A
submission is created once per client UUID: a retry returns the first and
creates nothing (the unique constraint decides, so two workers racing on the
same UUID still make one row).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from pollwatch.accounts.boundary import Body
from pollwatch.accounts.models import TokenBucket
from pollwatch.audit.models import AuditEvent, event, record
from pollwatch.checklists.models import Form, active_forms
from pollwatch.elections.models import Election, PollingStation
from pollwatch.formspec.titles import incident_title
from pollwatch.lib.boundary import UnstorableInput, escape_unstorable, load_json, storable
from pollwatch.observers.models import Deployment, Membership, Person, Role
from pollwatch.submissions import lookups
from pollwatch.submissions.inserts import create_all, insert_row
from pollwatch.submissions.models import (
    STAFF_LANGUAGE,
    Inbound,
    Incident,
    Revision,
    Submission,
)

log = logging.getLogger("pollwatch.intake")


def sms_client_uuid(inbound: Inbound) -> uuid.UUID:
    """The idempotency key of an SMS's submission: keyed by the site's secret, so nobody can predict it.

    (Keys are also unique per observer only, so even a predicted key could not
    make another observer's message a "duplicate".)
    """
    key = hmac.new(settings.SECRET_KEY.encode(), f"sms:{inbound.pk}".encode(), hashlib.sha256)
    return uuid.UUID(bytes=key.digest()[:16], version=4)


@dataclass
class IntakeResult:
    """What became of one inbound message or post."""

    status: str  # accepted, partial, rejected, duplicate
    submission: Submission | None = None
    created: bool = False
    problems: list[dict[str, str]] = field(default_factory=list)
    reply: str = ""
    inbound: Inbound | None = None
    client_uuid: uuid.UUID | None = None

    def as_dict(self) -> dict[str, Any]:
        key = self.client_uuid or (self.submission.client_uuid if self.submission else None)
        out: dict[str, Any] = {
            "status": self.status,
            "client_uuid": str(key) if key else None,
            "submission": self.submission.pk if self.submission else None,
            "created": self.created,
            "problems": self.problems,
        }
        if self.status == "received":
            out["status_url"] = f"/api/o/submissions?uuid={key}"
        return out


def store_inbound(
    channel: str,
    gateway: str,
    raw: str,
    *,
    sender: str = "",
    external_id: str = "",
    meta: dict | None = None,
    sha256: str = "",
    refused: str = "",
    person: Person | None = None,
) -> Inbound:
    """Commit the raw input before anything else looks at it.

    Whatever arrives is storable here: NUL and lone surrogates are kept as visible
    escapes (``lib/boundary.py``), on SQLite and PostgreSQL alike. ``sha256`` is
    the digest of what was received when the caller knows it (a body over the
    size limit is stored by its first bytes only), else of the stored text.
    ``refused`` stores the row already rejected, with that reason (a post refused
    before it was parsed: wrong secret, over a quota or the size limit, unreadable).
    """
    raw = escape_unstorable(raw)
    sender = escape_unstorable(sender)[:64]
    with transaction.atomic():
        inbound = Inbound.objects.create(
            channel=channel,
            gateway=gateway,
            raw=raw,
            sha256=sha256 or Inbound.digest(raw),
            sender=sender,
            external_id=escape_unstorable(external_id)[:100],
            meta=storable(meta or {}),
            status=Inbound.Status.REJECTED if refused else Inbound.Status.STORED,
            problem=refused,
            person=person,
        )
        record(
            "inbound.stored",
            actor=gateway,
            obj=inbound,
            payload={"channel": channel, "sender": sender, "sha256": inbound.sha256},
        )
    return inbound


def _finish(
    inbound: Inbound,
    result: IntakeResult,
    election: Election | None = None,
    person: Person | None = None,
    *,
    save: bool = True,
) -> IntakeResult:
    """Record the outcome on the inbound row (and save it, unless the caller writes it)."""
    inbound.status = (
        result.status if result.status in Inbound.Status.values else Inbound.Status.REJECTED
    )
    inbound.problem = "; ".join(
        f"{p.get('code') or ''} {p['message']}".strip() for p in result.problems
    )[:2000]
    inbound.reply = result.reply
    inbound.election = election or inbound.election
    inbound.person = person or inbound.person
    if save:
        inbound.save(update_fields=["status", "problem", "reply", "election", "person"])
    result.inbound = inbound
    return result


@dataclass
class Report:
    """One report read and validated, ready to be written: from the app, an SMS or ODK."""

    observer: Membership
    form: Form
    station: PollingStation
    client_uuid: uuid.UUID
    source: str
    answers: dict[str, Any]
    problems: list[dict[str, str]]
    critical: list[str]
    inbound: Inbound | None = None
    observed_at: datetime | None = None
    reply: str = ""
    corrects: uuid.UUID | None = None  # the client UUID of the observer's report this corrects
    taken_by: User | None = None  # the data clerk who typed a report phoned in

    @property
    def status(self) -> str:
        if not any(code != "_location" for code in self.answers):  # a position is not an answer
            return Submission.Status.REJECTED
        return Submission.Status.PARTIAL if self.problems else Submission.Status.ACCEPTED


def read_report(
    observer: Membership,
    form: Form,
    station: PollingStation,
    answers: dict[str, Any],
    *,
    client_uuid: uuid.UUID,
    source: str,
    inbound: Inbound | None = None,
    observed_at: datetime | None = None,
    extra_problems: list[dict[str, str]] | None = None,
    reply: str = "",
    comment: str = "",
    corrects: uuid.UUID | None = None,
    location: dict[str, float] | None = None,
    taken_by: User | None = None,
) -> Report:
    """Validate the answers against the form: a :class:`Report` to write (never raises on input)."""
    from pollwatch.formspec.validate import validate_answers

    validation = validate_answers(form.spec, answers)
    if comment:
        validation.answers["_comment"] = comment  # the free text after "@" in an SMS
    if location:
        validation.answers["_location"] = (
            location  # where the phone was (and how far from the station)
        )
    problems = [{"code": code, "message": message} for code, message in validation.errors]
    return Report(
        observer=observer,
        form=form,
        station=station,
        client_uuid=client_uuid,
        source=source,
        answers=validation.answers,
        problems=problems + (extra_problems or []),
        critical=list(validation.critical),
        inbound=inbound,
        observed_at=observed_at,
        reply=reply,
        corrects=corrects,
        taken_by=taken_by,
    )


def submit(
    observer: Membership,
    form: Form,
    station: PollingStation,
    answers: dict[str, Any],
    *,
    client_uuid: uuid.UUID,
    source: str,
    inbound: Inbound | None = None,
    observed_at: datetime | None = None,
    extra_problems: list[dict[str, str]] | None = None,
    reply: str = "",
    comment: str = "",
    taken_by: User | None = None,
) -> IntakeResult:
    """Validate and store one submission, once per client UUID (a retry returns the first).

    ``taken_by`` is the data clerk who typed a report the observer phoned in: the report is
    still the observer's, the clerk is its first revision's actor and named in the audit."""
    report = read_report(
        observer,
        form,
        station,
        answers,
        client_uuid=client_uuid,
        source=source,
        inbound=inbound,
        observed_at=observed_at,
        extra_problems=extra_problems,
        reply=reply,
        comment=comment,
        taken_by=taken_by,
    )
    return write_reports([report])[0]


def write_reports(reports: list[Report]) -> list[IntakeResult]:
    """Store reports, each once per (observer, client UUID), with their revisions, incidents,
    conflict flags, audit events and their inbound rows' outcomes: one transaction, a few
    queries for the whole batch.

    A report whose key is stored already (a retry) is a duplicate and writes nothing but its
    inbound row's outcome. Should the database still refuse a key (another process stored it
    just now), each report is written again on its own, so one never costs the others.
    """
    try:
        with transaction.atomic():
            return _write(reports)
    except IntegrityError:
        if len(reports) == 1:
            # The unique key decided: a retry stored by another process just now.
            return _write_duplicates_only(reports)
        return [write_reports([report])[0] for report in reports]


def _write_duplicates_only(reports: list[Report]) -> list[IntakeResult]:
    with transaction.atomic():
        results = []
        for report in reports:
            existing = Submission.objects.filter(
                observer=report.observer, client_uuid=report.client_uuid
            ).first()
            if existing is None:
                raise IntegrityError("the report could be neither stored nor found")
            results.append(_duplicate(report, existing))
        return results


def _duplicate(report: Report, existing: Submission) -> IntakeResult:
    result = IntakeResult("duplicate", existing, False, existing.problems, report.reply)
    if report.inbound is not None:
        _finish(
            report.inbound, result, report.observer.election, report.observer.person, save=False
        )
    return result


def _write(reports: list[Report]) -> list[IntakeResult]:
    """The body of :func:`write_reports`, inside its transaction."""
    results: list[IntakeResult | None] = [None] * len(reports)
    firsts = [i for i, r in enumerate(reports) if r.corrects is None]
    keys = {(reports[i].observer.pk, reports[i].client_uuid) for i in firsts}
    stored: dict[tuple[int, uuid.UUID], Submission] = {}
    if keys:
        found = Submission.objects.filter(
            observer_id__in={k[0] for k in keys}, client_uuid__in={k[1] for k in keys}
        )
        stored = {(s.observer_id, s.client_uuid): s for s in found}
    new: list[tuple[int, Submission]] = []
    duplicates: list[AuditEvent] = []
    for i in firsts:
        report = reports[i]
        key = (report.observer.pk, report.client_uuid)
        if key in stored:
            results[i] = _duplicate(report, stored[key])
            if report.inbound is not None and report.inbound.client_uuid is not None:
                duplicates.append(_stored_event(report.inbound))  # a post read later
            continue
        submission = Submission(
            client_uuid=report.client_uuid,
            election_id=report.observer.election_id,
            form=report.form,
            station=report.station,
            observer=report.observer,
            inbound=report.inbound,
            source=report.source,
            status=report.status,
            answers=report.answers,
            problems=report.problems,
            critical=report.critical,
            observed_at=report.observed_at,
        )
        stored[key] = submission  # a second copy in the same batch is a duplicate of this one
        new.append((i, submission))
    # Flags first: the new reports are written flagged, only earlier ones are updated.
    _flag_conflicts([s for _, s in new])
    _flag_changed_figures([s for _, s in new])
    create_all([s for _, s in new])
    create_all(
        [
            Revision(
                submission=s,
                number=1,
                status=s.status,
                answers=s.answers,
                problems=s.problems,
                reason=_first_reason(s, reports[i].taken_by),
                actor=reports[i].taken_by,
                inbound=s.inbound,
            )
            for i, s in new
        ]
    )
    create_all(
        [
            _incident(s, reports[i])
            for i, s in new
            if reports[i].form.kind == Form.Kind.INCIDENT or s.critical
        ]
    )
    events = duplicates
    for i, submission in new:
        report = reports[i]
        payload = {
            "form": report.form.code,
            "version": report.form.version,
            "station": report.station.code,
            "status": submission.status,
            "client_uuid": str(report.client_uuid),
            "answers": submission.answers,
        }
        if report.taken_by is not None:
            payload["taken_by"] = report.taken_by.get_username()
        if report.inbound is not None:
            # The post it was read from: one event per report says what arrived, when, and
            # what it became (a post read later has no event of its own before this one).
            payload["inbound"] = _inbound_facts(report.inbound)
        events.append(
            event(
                "submission.received",
                actor=report.observer.person.code,
                election_id=report.observer.election_id,
                obj=submission,
                payload=payload,
            )
        )
        status = "partial" if submission.status == Submission.Status.PARTIAL else submission.status
        made = IntakeResult(status, submission, True, submission.problems, report.reply)
        results[i] = made
        if report.inbound is not None:
            _finish(
                report.inbound,
                made,
                report.observer.election,
                report.observer.person,
                save=False,
            )
    for i, report in enumerate(reports):
        if report.corrects is not None:
            results[i] = _correct(report)
            if report.inbound is not None:
                events.append(_stored_event(report.inbound))
    create_all(events)
    inbounds = [r.inbound for r in reports if r.inbound is not None and r.inbound.pk]
    save_outcomes(inbounds)
    return [result for result in results if result is not None]


def _first_reason(submission: Submission, taken_by: User | None) -> str:
    reason = f"received by {submission.source}"
    return f"{reason}, taken by {taken_by.get_username()}" if taken_by is not None else reason


def save_outcomes(inbounds: list[Inbound]) -> None:
    """Write the inbound rows' outcomes: one UPDATE per distinct outcome (a batch has a few),
    not a CASE per row and field as ``bulk_update`` would (ten times the CPU for 500 rows).

    The row's election and person are written only where reading set them (an SMS's sender
    found): a post of the app has both from the start, and writing them would make each of
    its rows an outcome of its own."""
    groups: dict[tuple, list[int]] = {}
    for inbound in inbounds:
        links = (inbound.election_id, inbound.person_id)
        outcome = (
            inbound.status,
            inbound.problem,
            inbound.reply,
            None if links == getattr(inbound, "loaded_links", None) else links,
        )
        groups.setdefault(outcome, []).append(inbound.pk)
    for (status, problem, reply, links), pks in groups.items():
        fields: dict[str, Any] = {"status": status, "problem": problem, "reply": reply}
        if links is not None:
            fields["election_id"], fields["person_id"] = links
        Inbound.objects.filter(pk__in=pks).update(**fields)


def _inbound_facts(inbound: Inbound) -> dict[str, Any]:
    return {
        "id": inbound.pk,
        "channel": inbound.channel,
        "sender": inbound.sender,
        "sha256": inbound.sha256,
        "received_at": inbound.received_at.isoformat() if inbound.received_at else "",
    }


def _stored_event(inbound: Inbound) -> AuditEvent:
    """The audit event of a received post that made no new report (a duplicate, a refusal, a
    correction), written when it is read (the post itself was one INSERT)."""
    return event(
        "inbound.stored",
        actor=inbound.gateway,
        obj=inbound,
        payload=_inbound_facts(inbound),
    )


def _correct(report: Report) -> IntakeResult:
    """An observer's correction of an earlier report: a new revision of it, once per client UUID."""
    assert report.corrects is not None
    original = (
        Submission.objects.select_for_update()
        .filter(observer=report.observer, client_uuid=report.corrects)
        .first()
    )
    if (
        original is None
        or original.form.code != report.form.code
        or original.station_id != report.station.pk
    ):
        problem = (
            f"{report.corrects} is not a report of yours"
            if original is None
            else "a correction must keep the report's form and station"
        )
        result = IntakeResult("rejected", problems=[{"code": "corrects", "message": problem}])
        if report.inbound is not None:
            _finish(
                report.inbound, result, report.observer.election, report.observer.person, save=False
            )
        return result
    done = original.revisions.filter(client_uuid=report.client_uuid).first()
    if done is not None:
        result = IntakeResult("duplicate", original, False, done.problems, report.reply)
    else:
        keep = original.status in (Submission.Status.REJECTED, Submission.Status.QUARANTINED)
        if original.form.kind == Form.Kind.RESULTS and _figures_differ(
            original.answers, report.answers
        ):
            original.figures_changed = True
        original.answers = report.answers
        original.problems = report.problems
        original.critical = report.critical
        original.form = report.form
        original.status = original.status if keep else report.status
        original.revision += 1
        original.save(
            update_fields=[
                "answers",
                "problems",
                "critical",
                "form",
                "status",
                "revision",
                "figures_changed",
                "updated",
            ]
        )
        Revision.objects.create(
            submission=original,
            number=original.revision,
            status=original.status,
            answers=original.answers,
            problems=original.problems,
            reason=f"corrected by the observer ({report.source})",
            client_uuid=report.client_uuid,
            inbound=report.inbound,
        )
        record(
            "submission.corrected",
            actor=report.observer.person.code,
            election_id=original.election_id,
            obj=original,
            payload={
                "revision": original.revision,
                "client_uuid": str(report.client_uuid),
                "answers": original.answers,
            },
        )
        status = "partial" if report.status == Submission.Status.PARTIAL else report.status
        result = IntakeResult(status, original, True, original.problems, report.reply)
    if report.inbound is not None:
        _finish(
            report.inbound, result, report.observer.election, report.observer.person, save=False
        )
    return result


SEVERITY_BY_NAME = {"low": 1, "medium": 2, "high": 3, "critical": 4}


def _incident(submission: Submission, report: Report) -> Incident:
    """An incident per incident report, or per report with an alarming answer, as serious as its worst answer."""
    levels = [
        SEVERITY_BY_NAME.get(report.form.spec.question(code).alert_severity, 2)
        for code in submission.critical
    ]
    severity = max(levels, default=Incident.Severity.MEDIUM)
    summary = incident_title(
        report.form.spec,
        submission.answers,
        submission.critical,
        language=STAFF_LANGUAGE,
        form_name=report.form.name,
    )
    return Incident(
        submission=submission,
        election_id=submission.election_id,
        station=submission.station,
        severity=severity,
        summary=summary,
    )


def _flag_conflicts(submissions: list[Submission]) -> None:
    """Several observers at one station: flag both when their answers to the same questions differ.

    Called with a batch's new reports before they are written: they are compared with the
    reports already stored and with each other; the new ones are written flagged, and only
    earlier reports not flagged yet are updated. The database gives the lowest and highest
    observer who reported the same form at each station (one row per place, however many
    reports it has), and the reports themselves are read only where someone else did (a
    station seldom has a second observer).
    """
    live = [s for s in submissions if s.status != Submission.Status.REJECTED]
    if not live:
        return
    places = {(s.election_id, s.station_id, s.form.code) for s in live}
    stored, code_of = _at_places(live)
    observers: dict[tuple[int, int, str], set[int]] = {}
    for s in live:
        observers.setdefault((s.election_id, s.station_id, s.form.code), set()).add(s.observer_id)
    # Per form version, the lowest and highest observer: one observer at a place (all its
    # versions) when they are all one and the same.
    seen: dict[tuple[int, int, str], set[int]] = {}
    counted = stored.values("election_id", "station_id", "form_id").annotate(
        first=Min("observer_id"), last=Max("observer_id")
    )
    for row in counted:
        place = (row["election_id"], row["station_id"], code_of[row["form_id"]])
        if place in places:
            seen.setdefault(place, set()).update((row["first"], row["last"]))
    shared = {place for place, ids in observers.items() if len(ids | seen.get(place, set())) > 1}
    if not shared:
        return
    by_place: dict[tuple[int, int, str], list[_Other]] = {}
    answers_of: dict[int, dict[str, Any]] = {}
    rows = stored.filter(station_id__in={station for _, station, _ in shared}).values_list(
        "pk", "election_id", "station_id", "form_id", "observer_id", "conflict", "answers"
    )
    for pk, election_id, station_id, form_id, observer_id, flagged, answers in rows:
        code = code_of[form_id]
        if (election_id, station_id, code) in shared:
            by_place.setdefault((election_id, station_id, code), []).append(
                _Other(observer_id, pk=pk, flagged=flagged)
            )
            answers_of[pk] = answers
    for s in live:
        by_place.setdefault((s.election_id, s.station_id, s.form.code), []).append(
            _Other(s.observer_id, new=s)
        )
    update: set[int] = set()
    for mine in live:
        clashing = [
            other
            for other in by_place.get((mine.election_id, mine.station_id, mine.form.code), [])
            if other.observer_id != mine.observer_id
            and other.new is not mine
            and any(
                code in (theirs := other.answers(answers_of)) and theirs[code] != value
                for code, value in mine.answers.items()
            )
        ]
        if clashing:
            _flag(mine, clashing, "conflict", update)
    if update:
        Submission.objects.filter(pk__in=update, conflict=False).update(conflict=True)


def _at_places(live: list[Submission], kind: str | None = None) -> tuple[Any, dict[int, str]]:
    """The stored reports, not rejected, of the new reports' elections, forms (by code: every
    version) and stations: a superset of their places, which the callers narrow; and the code
    of each form version. Filtered by form versions, not by their codes, so PostgreSQL reads
    them through the (election, form, station) index, not every report of the form."""
    forms = Form.objects.filter(
        election_id__in={s.election_id for s in live}, code__in={s.form.code for s in live}
    )
    if kind is not None:
        forms = forms.filter(kind=kind)
    code_of = dict(forms.values_list("pk", "code"))
    stored = (
        Submission.objects.filter(
            election_id__in={s.election_id for s in live},
            form_id__in=list(code_of),
            station_id__in={s.station_id for s in live},
        )
        .exclude(status=Submission.Status.REJECTED)
        .order_by()
    )
    return stored, code_of


def _flag(mine: Submission, others: list[_Other], field: str, update: set[int]) -> None:
    """Set ``field`` on a new report and on the new ones it disagrees with; the stored ones not
    flagged yet go into ``update`` (one UPDATE for the batch)."""
    setattr(mine, field, True)
    for other in others:
        if other.new is not None:
            setattr(other.new, field, True)
        elif other.pk is not None and not other.flagged:
            update.add(other.pk)


@dataclass
class _Other:
    """A report at the same place as a new one: stored (``pk``) or new in the same batch."""

    observer_id: int
    pk: int | None = None
    flagged: bool = False
    new: Submission | None = None

    def answers(self, stored: dict[int, dict[str, Any]]) -> dict[str, Any]:
        if self.new is not None:
            return self.new.answers
        assert self.pk is not None  # a stored report has its key
        return stored[self.pk]


def _figures_differ(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Two answer sets of one form disagree on a question both answer (private "_" keys aside)."""
    return any(
        not code.startswith("_") and code in before and before[code] != value
        for code, value in after.items()
    )


def _flag_changed_figures(submissions: list[Submission]) -> None:
    """One observer, several result forms for one station with other figures: flag them all.

    Conflicts between observers are ``conflict``; this is the same question asked of one
    observer's own reports (an observer's correction of a report is flagged in ``_correct``).
    A clerk's corrections are staff edits, not the observer's: they are never flagged here.
    Called, as :func:`_flag_conflicts`, with a batch's new reports before they are written.

    Answers are read only where they can change a flag: every earlier report not flagged yet
    (it may have to be), and, of those flagged already, the latest at each place first — a new
    report that differs from it is flagged without reading the others. The database counts
    the rest, so an observer who sent fifty result forms for a station costs one row per batch,
    not fifty.
    """
    live = [
        s
        for s in submissions
        if s.status != Submission.Status.REJECTED and s.form.kind == Form.Kind.RESULTS
    ]
    if not live:
        return
    places = {(s.observer_id, s.station_id, s.form.code) for s in live}
    stored, code_of = _at_places(live, Form.Kind.RESULTS)
    stored = stored.filter(observer_id__in={s.observer_id for s in live})
    counted = stored.values("observer_id", "station_id", "form_id").annotate(
        latest=Max("pk", filter=Q(figures_changed=True)),
        flagged=Count("pk", filter=Q(figures_changed=True)),
    )
    unread: dict[tuple[int, int, str], int] = {}  # flagged reports whose answers are not read
    newest: dict[tuple[int, int, str], int] = {}  # the latest flagged, of every version
    for row in counted:
        place = (row["observer_id"], row["station_id"], code_of[row["form_id"]])
        if place in places and row["latest"] is not None:
            newest[place] = max(newest.get(place, 0), row["latest"])
            unread[place] = unread.get(place, 0) + row["flagged"]
    by_place: dict[tuple[int, int, str], list[_Other]] = {}
    for place, pk in newest.items():
        by_place[place] = [_Other(place[0], pk=pk, flagged=True)]
        unread[place] -= 1
    latest = set(newest.values())
    answers_of = _answers(latest)
    not_flagged = stored.filter(figures_changed=False).values_list(
        "pk", "observer_id", "station_id", "form_id", "answers"
    )
    for pk, observer_id, station_id, form_id, answers in not_flagged:
        code = code_of[form_id]
        if (observer_id, station_id, code) in places:
            by_place.setdefault((observer_id, station_id, code), []).append(
                _Other(observer_id, pk=pk)
            )
            answers_of[pk] = answers
    for s in live:
        by_place.setdefault((s.observer_id, s.station_id, s.form.code), []).append(
            _Other(s.observer_id, new=s)
        )
    update: set[int] = set()
    undecided: list[Submission] = []
    for mine in live:
        place = (mine.observer_id, mine.station_id, mine.form.code)
        others = [
            other
            for other in by_place[place]
            if other.new is not mine and _figures_differ(other.answers(answers_of), mine.answers)
        ]
        if others:
            _flag(mine, others, "figures_changed", update)
        elif unread.get(place):
            undecided.append(mine)
    # Rarely: a new report equal to the latest flagged one; the other flagged ones decide.
    if undecided:
        rest = stored.filter(
            figures_changed=True,
            observer_id__in={s.observer_id for s in undecided},
            station_id__in={s.station_id for s in undecided},
        ).exclude(pk__in=latest)
        earlier: dict[tuple[int, int, str], list[dict[str, Any]]] = {}
        for observer_id, station_id, form_id, answers in rest.values_list(
            "observer_id", "station_id", "form_id", "answers"
        ):
            earlier.setdefault((observer_id, station_id, code_of[form_id]), []).append(answers)
        for mine in undecided:
            place = (mine.observer_id, mine.station_id, mine.form.code)
            if any(_figures_differ(theirs, mine.answers) for theirs in earlier.get(place, [])):
                mine.figures_changed = True  # the others are flagged already
    if update:
        Submission.objects.filter(pk__in=update, figures_changed=False).update(figures_changed=True)


def _answers(pks: set[int]) -> dict[int, dict[str, Any]]:
    if not pks:
        return {}
    return dict(Submission.objects.filter(pk__in=pks).values_list("pk", "answers"))


_deployments: dict[int, tuple[float, dict[str, Deployment]]] = {}
_DEPLOYMENTS = lookups.Joined(
    Deployment,
    ["membership", "membership__person", "membership__election", "station"],
    "{membership}.person_id IN %s AND {membership}.role = %s",
    order="{station}.code",
)


def deployments_of(person: Person) -> dict[str, Deployment]:
    """The observer's deployments by station code (with membership, election and station).

    Every report needs them, so each process remembers them (``lookups.py``): a change to a
    deployment or membership is seen on every host within about a second.
    """
    return deployments_for([person.pk])[person.pk]


def deployments_for(person_ids: list[int]) -> dict[int, dict[str, Deployment]]:
    """:func:`deployments_of` for several people: those not remembered are looked up with one
    query and remembered (the reader asks for a whole batch's observers at once)."""
    lookups.fresh()
    now = time.monotonic()
    found: dict[int, dict[str, Deployment]] = {}
    for pk in person_ids:
        cached = _deployments.get(pk)
        if cached is not None and cached[0] > now:
            found[pk] = cached[1]
    missing = [pk for pk in person_ids if pk not in found]
    if not missing:
        return found
    fetched: dict[int, dict[str, Deployment]] = {pk: {} for pk in missing}
    for deployment in _DEPLOYMENTS.fetch(missing, Role.OBSERVER):
        fetched[deployment.membership.person_id].setdefault(deployment.station.code, deployment)
    until = now + lookups.LOOKUP_TTL
    for pk, by_station in fetched.items():
        _deployments[pk] = (until, by_station)
    return found | fetched


@lookups.on_change
def _forget_deployments(person_ids: set[int] | None) -> None:
    if person_ids is None:
        _deployments.clear()
    else:
        for pk in person_ids:
            _deployments.pop(pk, None)


@dataclass
class WebPost:
    """A post of the observer app (or of ODK) that passed the checks answered at once."""

    deployment: Deployment
    form: Form
    client_uuid: uuid.UUID
    answers: dict[str, Any]
    observed_at: datetime | None
    corrects: uuid.UUID | None
    location: dict[str, float] | None


class Refused(Exception):
    """A post the intake contract refuses at once: the HTTP status, the message and the field."""

    def __init__(self, http: int, message: str, field: str = "") -> None:
        super().__init__(message)
        self.http, self.message, self.field = http, message, field


def check_web(person: Person, text: str) -> WebPost:
    """What can be judged at once about a post (docs/reporting.md, "What the server answers"):
    malformed or too deeply nested JSON, unstorable text, a wrong shape, a station that is not
    the observer's, an unknown form or form version, a date that does not exist, a photo that
    is not an image. Raises :class:`Refused` naming the field. Form validation never refuses a
    post: its problems come back in the status the app polls.

    Both the request (before answering 202) and the worker (reading the stored row) call this,
    so a post is judged by one rule; the worker finds it refused only when something changed in
    between (a deployment removed, a form closed).
    """
    try:
        payload = load_json(text)
    except UnstorableInput as exc:
        raise Refused(400, str(exc), exc.field) from None
    if not isinstance(payload, dict):
        raise Refused(400, "the body must be a JSON object")
    client_uuid = _uuid(
        payload.get("client_uuid"), "client_uuid", "client_uuid must be a UUID made by the app"
    )
    corrects = None
    if payload.get("corrects") not in (None, ""):
        corrects = _uuid(
            payload["corrects"], "corrects", "corrects must be the UUID of the report it corrects"
        )
        if corrects == client_uuid:
            raise Refused(400, "a correction needs its own client_uuid", "client_uuid")
    answers = payload.get("answers")
    if not isinstance(answers, dict):
        raise Refused(400, "answers must be an object of question code to answer", "answers")
    for name in ("station", "form"):
        if not isinstance(payload.get(name), str):
            raise Refused(400, f"{name} must be a text code", name)
    try:
        observed_at = _observed_at(payload.get("observed_at"))
    except ValueError as exc:
        raise Refused(400, f"observed_at: {exc}", "observed_at") from None
    location = _location(payload.get("location"))
    station_code = payload["station"]
    deployment = deployments_of(person).get(station_code)
    if deployment is None:
        raise Refused(403, f"station {station_code!r} is not one of your deployments", "station")
    form = _form_for(deployment.membership.election, payload["form"], payload.get("form_version"))
    photo_problems = store_photos(form, dict(answers))
    if photo_problems:
        raise Refused(400, "; ".join(photo_problems), "photo")
    return WebPost(deployment, form, client_uuid, answers, observed_at, corrects, location)


def _uuid(value: object, field: str, message: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value if value is not None else ""))
    except ValueError:
        raise Refused(400, message, field) from None


def _location(value: object) -> dict[str, float] | None:
    """The phone's position, if sent: {"lat", "lon", "accuracy" in metres}."""
    if value in (None, ""):
        return None
    if not isinstance(value, dict):
        raise Refused(400, "location must be an object with lat, lon and accuracy", "location")
    out: dict[str, float] = {}
    for name, low, high in (("lat", -90, 90), ("lon", -180, 180), ("accuracy", 0, 1e7)):
        number = value.get(name)
        if name == "accuracy" and number is None:
            continue
        if (
            isinstance(number, bool)
            or not isinstance(number, int | float)
            or not low <= number <= high
        ):
            raise Refused(
                400, f"location.{name} must be a number from {low} to {high:g}", "location"
            )
        out[name] = float(number)
    return out


_form_versions: dict[tuple[int, str, int], Form] = {}


def _form_for(election: Election, code: str, version: object) -> Form:
    """The election's form by code: the live version, or the version the report was filled in
    (an app that has not yet fetched the new version still sends the old one's reports)."""
    forms = active_forms(election)
    form = forms.get(code.upper())
    if version in (None, "") or (form is not None and version == form.version):
        if form is None:
            known = ", ".join(sorted(forms))
            raise Refused(400, f"unknown form {code!r} (forms: {known})", "form")
        return form
    if isinstance(version, bool) or not isinstance(version, int) or not 0 < version < 2**31:
        raise Refused(400, "form_version must be a version number (1, 2, …)", "form_version")
    key = (election.pk, code.upper(), version)
    if key not in _form_versions:
        older = Form.objects.filter(election=election, code=code.upper(), version=version).first()
        if older is None:
            raise Refused(
                400, f"form {code!r} has no version {version} in this election", "form_version"
            )
        _form_versions[key] = older
    return _form_versions[key]


def intake_web(
    person: Person, body: Body, *, meta: dict | None = None, gateway: str = "pwa"
) -> tuple[int, IntakeResult]:
    """A JSON post from the observer app: judged at once as far as the intake contract says,
    then kept with one INSERT and answered 202; the worker reads it (:func:`process_pending`).

    A refusal is stored too, as a rejected row naming the field, and answered with its 4xx.
    """
    meta = {**(meta or {}), "bytes": body.size}
    post: WebPost | None = None
    try:
        if body.problem:
            raise Refused(400, body.problem, "body")
        post = check_web(person, body.text)
    except Refused as refused:
        inbound = store_inbound(
            Inbound.Channel.WEB,
            gateway,
            body.text,
            sender=person.code,
            meta=meta,
            sha256=body.sha256,
            refused=f"{refused.field} {refused.message}".strip(),
            person=person,
        )
        problem = {"code": refused.field, "message": refused.message}
        return refused.http, IntakeResult("rejected", problems=[problem], inbound=inbound)
    except Exception:  # noqa: BLE001 - a bug in a check must not lose the post: the reader judges it
        log.exception("intake: a post of %s could not be checked; kept for the reader", person.code)
    client_uuid = post.client_uuid if post else None
    insert_row(
        Inbound,
        channel=Inbound.Channel.WEB,
        gateway=gateway,
        raw=escape_unstorable(body.text),
        sha256=body.sha256 or Inbound.digest(body.text),
        sender=person.code,
        meta=storable(meta),
        status=Inbound.Status.STORED,
        person_id=person.pk,
        election_id=post.deployment.membership.election_id if post else None,
        client_uuid=client_uuid,
    )
    return 202, IntakeResult("received", client_uuid=client_uuid)


WORKER_LOCK = 7_318_641  # the intake worker's advisory lock on PostgreSQL: one reader at a time


def process_pending(limit: int = 500) -> int:
    """Read up to ``limit`` received posts, oldest first, in one transaction; returns how many.

    Every post is read exactly once: its outcome is written in the same transaction as its
    submission, so a worker killed half-way leaves the whole batch waiting for the next run.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [WORKER_LOCK])
                if not cursor.fetchone()[0]:
                    return 0
        waiting = list(
            _waiting()
            .filter(junk=False)
            .order_by("pk")
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("person")[:limit]
        )
        if not waiting:
            return 0
        deployments_for(sorted({i.person_id for i in waiting if i.person_id is not None}))
        reports: list[Report] = []
        refused: list[Inbound] = []
        events: list[AuditEvent] = []
        for inbound in waiting:
            try:
                reports.append(_report_from(inbound))
            except Refused as exc:
                result = IntakeResult(
                    "rejected", problems=[{"code": exc.field, "message": exc.message}]
                )
                _finish(inbound, result, save=False)
                refused.append(inbound)
                events.append(_stored_event(inbound))
            except Exception as exc:  # noqa: BLE001 - one unreadable post must not hold up the rest
                log.exception("intake: inbound %s could not be read", inbound.pk)
                problem = {"code": "", "message": f"could not be read: {type(exc).__name__}"}
                _finish(inbound, IntakeResult("rejected", problems=[problem]), save=False)
                refused.append(inbound)
                events.append(_stored_event(inbound))
        if refused:
            save_outcomes(refused)
            AuditEvent.objects.bulk_create(events)
        write_reports(reports)
        _mirror_odk_outcomes(waiting)
        return len(waiting)


ODK_XML_GATEWAY = "odk"  # the raw XML of an ODK post; its JSON twin ("odk-json") is what is read


def _waiting():
    """Posts received and not yet read (an ODK post's XML is kept beside its JSON twin, which is)."""
    return Inbound.objects.filter(
        status=Inbound.Status.STORED, channel=Inbound.Channel.WEB
    ).exclude(gateway=ODK_XML_GATEWAY)


def _mirror_odk_outcomes(read: list[Inbound]) -> None:
    """An ODK post's XML row takes the outcome of the JSON row made from it."""
    twins = {row.meta.get("odk_inbound"): row for row in read if isinstance(row.meta, dict)}
    twins.pop(None, None)
    if not twins:
        return
    xml_rows = list(Inbound.objects.filter(pk__in=list(twins), gateway=ODK_XML_GATEWAY))
    for xml in xml_rows:
        twin = twins[xml.pk]
        xml.status, xml.problem, xml.election = twin.status, twin.problem, twin.election
    save_outcomes(xml_rows)


def reader_status() -> dict[str, Any]:
    """Reports received but not yet read, and the oldest one's age in seconds (for /healthz)."""
    waiting = _waiting()
    oldest = waiting.order_by("pk").values_list("received_at", flat=True).first()
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {"waiting": waiting.count(), "oldest_seconds": round(age, 1)}


def _report_from(inbound: Inbound) -> Report:
    if inbound.person is None:
        raise Refused(401, "the post has no observer")
    post = check_web(inbound.person, inbound.raw)
    answers = dict(post.answers)
    store_photos(post.form, answers)
    location = post.location and _with_distance(post.location, post.deployment.station)
    return read_report(
        post.deployment.membership,
        post.form,
        post.deployment.station,
        answers,
        client_uuid=post.client_uuid,
        source=Inbound.Channel.WEB,
        inbound=inbound,
        observed_at=post.observed_at,
        corrects=post.corrects,
        location=location,
    )


def _with_distance(location: dict[str, float], station: PollingStation) -> dict[str, float]:
    """The phone's position, with its distance in metres from the station when the station has coordinates."""
    if station.latitude is None or station.longitude is None:
        return location
    from math import asin, cos, radians, sin, sqrt

    lat1, lon1, lat2, lon2 = map(
        radians, (location["lat"], location["lon"], station.latitude, station.longitude)
    )
    a = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return {**location, "distance_m": round(2 * 6_371_000 * asin(sqrt(a)))}


SENT_SHOWN = 200


def sent_by(person: Person) -> list[dict[str, Any]]:
    """The observer's latest reports (at most SENT_SHOWN) as the app keeps them: so a new or
    wiped phone shows what was sent, marks forms done, and can correct them."""
    rows = (
        Submission.objects.filter(observer__person=person, observer__role=Role.OBSERVER)
        .select_related("form", "station")
        .order_by("-created", "-pk")[:SENT_SHOWN]
    )
    return [
        {
            "client_uuid": str(s.client_uuid),
            "form": s.form.code,
            "form_version": s.form.version,
            "station": s.station.code,
            "status": s.status,
            "problems": s.problems,
            "revision": s.revision,
            "answers": {k: v for k, v in s.answers.items() if not k.startswith("_")},
            "created": s.created.isoformat(),
            "observed_at": s.observed_at.isoformat() if s.observed_at else None,
        }
        for s in rows
    ]


def statuses(person: Person, values: list[str]) -> list[dict[str, Any]]:
    """What became of the observer's posts, by the app's client UUIDs (at most 200): the
    submission's status, a correction's, or "received" while the worker has not read it."""
    keys: list[uuid.UUID] = []
    for value in values[:200]:
        try:
            keys.append(uuid.UUID(value))
        except ValueError:
            continue
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for stored_key, inbound_status, problem in (
        Inbound.objects.filter(person=person, client_uuid__in=keys)
        .order_by("pk")
        .values_list("client_uuid", "status", "problem")
    ):
        key = uuid.UUID(str(stored_key))
        if key in out and out[key]["status"] != "rejected":
            continue  # a retry: the first post's outcome stands
        status = "received" if inbound_status == Inbound.Status.STORED else inbound_status
        problems = [{"code": "", "message": problem}] if problem and status == "rejected" else []
        out[key] = {"client_uuid": str(key), "status": status, "problems": problems}
    for submission in Submission.objects.filter(observer__person=person, client_uuid__in=keys):
        out[uuid.UUID(str(submission.client_uuid))] = {
            "client_uuid": str(submission.client_uuid),
            "status": submission.status,
            "problems": submission.problems,
            "revision": submission.revision,
        }
    for revision in Revision.objects.filter(
        submission__observer__person=person, client_uuid__in=keys
    ):
        out[uuid.UUID(str(revision.client_uuid))] = {
            "client_uuid": str(revision.client_uuid),
            "status": revision.status,
            "problems": revision.problems,
            "revision": revision.number,
        }
    return list(out.values())


EARLIEST_OBSERVATION = datetime(2000, 1, 1, tzinfo=UTC)


def _observed_at(value: object) -> datetime | None:
    """The app's clock time of the report: ISO 8601, a real date, not far in the future; None if absent."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date and time such as 2026-12-06T10:30:00+04:00")
    parsed = parse_datetime(value)  # raises ValueError for well-formed but impossible dates
    if parsed is None:
        raise ValueError(f"{value[:40]!r} is not an ISO 8601 date and time")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, UTC)
    if not EARLIEST_OBSERVATION <= parsed <= timezone.now() + timedelta(days=2):
        raise ValueError(f"{value[:40]!r} is not a time an observer could have reported at")
    return parsed


PHOTO_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic"}
_STORED_PHOTO = re.compile(r"sha256:[0-9a-f]{64}")


def _looks_like(media_type: str, content: bytes) -> bool:
    """The file's own signature agrees with its declared type (so HTML cannot pass for a PNG)."""
    if media_type == "image/jpeg":
        return content.startswith(b"\xff\xd8\xff")
    if media_type == "image/png":
        return content.startswith(b"\x89PNG\r\n\x1a\n")
    if media_type == "image/webp":
        return content[:4] == b"RIFF" and content[8:12] == b"WEBP"
    # HEIC: an ISO base media file whose brand is one of the HEIF family's.
    return content[4:8] == b"ftyp" and content[8:12] in {
        b"heic",
        b"heix",
        b"hevc",
        b"hevx",
        b"heim",
        b"heis",
        b"mif1",
        b"msf1",
    }


def _photo_path(digest: str) -> Path | None:
    folder = Path(settings.MEDIA_ROOT) / "photos" / digest[:2]
    return next(iter(folder.glob(f"{digest}.*")), None) if folder.is_dir() else None


def store_photos(form: Form, answers: dict[str, Any]) -> list[str]:
    """Replace photos sent as data URLs by "sha256:<hex>" references to files kept in the data folder.

    The raw post (with the image) is already stored; this keeps the answers small.
    Returns problems naming the question; nothing is replaced then.
    """
    photo_codes = {q.code for q in form.spec.questions if q.kind == "photo"}
    problems: list[str] = []
    stored: dict[str, str] = {}
    for code in photo_codes & set(answers):
        value = answers[code]
        if value in (None, ""):
            continue
        if isinstance(value, str) and _STORED_PHOTO.fullmatch(value) and _photo_path(value[7:]):
            continue  # a retry of a report whose photo is kept already
        if not (isinstance(value, str) and value.startswith("data:")):
            problems.append(f"{code}: a photo must be sent as the image itself (a data URL)")
            continue
        header, _, data = value.partition(",")
        media_type = header[5:].split(";")[0]
        if media_type not in PHOTO_TYPES or ";base64" not in header:
            problems.append(f"{code}: a photo must be a JPEG, PNG, WebP or HEIC image")
            continue
        try:
            content = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            problems.append(f"{code}: the photo is not valid base64")
            continue
        if len(content) > settings.MAX_PHOTO_BYTES:
            problems.append(
                f"{code}: the photo is larger than {settings.MAX_PHOTO_BYTES // 2**20} MB"
            )
            continue
        if not _looks_like(media_type, content):
            problems.append(f"{code}: the data is not a {PHOTO_TYPES[media_type].upper()} image")
            continue
        digest = hashlib.sha256(content).hexdigest()
        path = (
            Path(settings.MEDIA_ROOT)
            / "photos"
            / digest[:2]
            / f"{digest}.{PHOTO_TYPES[media_type]}"
        )
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        stored[code] = f"sha256:{digest}"
    if not problems:
        answers.update(stored)
    return problems


def persons_for_phone(phone: str) -> list[Person]:
    """People whose main or other phone is ``phone``; other phones are few, so they are checked here."""
    if not phone:
        return []
    people = list(Person.objects.filter(phone=phone))
    people += [
        p
        for p in Person.objects.exclude(other_phones=[]).exclude(phone=phone)
        if phone in p.other_phones
    ]
    return people


def intake_sms(
    gateway: str, sender: str, text: str, *, external_id: str = "", meta: dict | None = None
) -> IntakeResult:
    """One inbound SMS: stored raw, rate-limited, de-duplicated, parsed, submitted; the result carries the reply."""
    from pollwatch.lib.phones import to_e164
    from pollwatch.sms.grammar import parse_message
    from pollwatch.sms.replies import as_kept, reply_for

    # Kept and parsed with NUL and lone surrogates escaped: the text then stores and hashes anywhere.
    text, sender = escape_unstorable(text), escape_unstorable(sender)
    try:
        phone = to_e164(sender, None)
    except ValueError:
        phone = sender.strip()
    inbound = store_inbound(
        Inbound.Channel.SMS, gateway, text, sender=phone, external_id=external_id, meta=meta
    )
    if not TokenBucket.authorize(f"sms:{phone}", settings.SMS_RATE_LIMIT, settings.SMS_RATE_WINDOW):
        # No reply: answering a flood would feed it.
        return _finish(
            inbound,
            IntakeResult("rejected", problems=[{"code": "", "message": "rate limit exceeded"}]),
        )
    from pollwatch.messaging.phones import keyword_reply

    # STOP, START and VERIFY 123456 are whole messages about the phone, not reports.
    answer = keyword_reply(phone, text, inbound.pk)
    if answer is not None:
        owners = persons_for_phone(phone)
        return _finish(
            inbound, IntakeResult("accepted", reply=answer), None, owners[0] if owners else None
        )
    window = timezone.now() - timedelta(seconds=settings.SMS_DUPLICATE_WINDOW)
    earlier = (
        Inbound.objects.filter(
            sender=phone,
            sha256=inbound.sha256,
            received_at__gte=window,
            status__in=[Inbound.Status.ACCEPTED, Inbound.Status.PARTIAL],
        )
        .exclude(pk=inbound.pk)
        .select_related("person")
        .first()
    )
    people = persons_for_phone(phone)
    person = people[0] if people else None
    language = person.language if person else "en"
    if earlier is not None:
        parsed = parse_message(text, _rules_for(earlier.election) if earlier.election else {})
        result = IntakeResult(
            "duplicate", problems=[{"code": "", "message": f"same text as message {earlier.pk}"}]
        )
        result.reply = reply_for(parsed, language, duplicate=True)
        return _finish(inbound, result, earlier.election, earlier.person)

    membership = None
    if person is not None:
        membership = (
            Membership.objects.filter(person__in=people, role=Role.OBSERVER)
            .exclude(election__status=Election.Status.CLOSED)
            .select_related("election", "person")
            .order_by("-election__date")
            .first()
        )
    election = membership.election if membership else None
    rules = _rules_for(election) if election else _all_open_rules()
    parsed = parse_message(text, rules)
    if membership is None or parsed.observer_id != membership.person.code:
        claimed = _claimed_observer(parsed.observer_id, people)
        if claimed is not None and phone not in [claimed.phone, *claimed.other_phones]:
            # The log says what happened; the reply is the same as for an unknown id, in the
            # sender's language, so an SMS cannot tell which ids exist or whose language is whose.
            message = f"phone {phone} is not registered for observer {parsed.observer_id}"
            result = IntakeResult("rejected", problems=[{"code": "", "message": message}])
            result.reply = reply_for(parsed, language, observer_found=False)
            return _finish(inbound, result, None, person)
        if membership is None or claimed is None:
            # The log names what the reply names: the message's first fault (no form code, no
            # observer id) when it has one, rather than "observer not found" for "hello".
            header = [p for p in parsed.problems if p.kind in HEADER_PROBLEMS][:1]
            logged = [{"code": p.code or "", "message": _describe(p)} for p in header] or [
                {"code": "", "message": "observer not found"}
            ]
            if person is None:
                logged.append({"code": "", "message": f"{phone} is no observer's number"})
            result = IntakeResult("rejected", problems=logged)
            result.reply = reply_for(parsed, language, observer_found=False)
            return _finish(inbound, result, election, person)
    assert membership is not None and election is not None
    deployment = membership.deployments.filter(reserve=False).select_related("station").first()
    form = active_forms(election).get(parsed.form_code or "")
    problems = [{"code": p.code or "", "message": _describe(p)} for p in parsed.problems]
    if deployment is None or form is None or parsed.status == "rejected":
        if deployment is None:
            problems.append({"code": "", "message": "you have no station deployment"})
        result = IntakeResult("rejected", problems=problems)
        result.reply = reply_for(parsed, language, station_allowed=deployment is not None)
        return _finish(inbound, result, election, membership.person)
    report = read_report(
        membership,
        form,
        deployment.station,
        dict(parsed.answers),
        client_uuid=sms_client_uuid(inbound),
        source=Inbound.Channel.SMS,
        inbound=inbound,
        extra_problems=problems,
        comment=parsed.comment,
    )
    # The reply counts what was stored: the form's skip logic and choice filters may drop
    # answers the parser read (an answer dropped with an error is a choice not offered).
    refused = {p["code"] for p in report.problems}
    report.reply = reply_for(as_kept(parsed, report.answers, refused), language)
    result = write_reports([report])[0]
    return result if result.created else _finish(inbound, result, election, membership.person)


# The faults of a message's head, which its reply names first (pollwatch/sms/replies.py).
HEADER_PROBLEMS = {"empty", "unknown_form", "missing_observer", "bad_observer"}


def _claimed_observer(observer_id: str | None, senders: list[Person]) -> Person | None:
    """The observer an SMS names, looked up only among observers of open elections and, when the
    phone is known, only in the sender's own mission (codes are unique per mission, not site-wide)."""
    if not observer_id:
        return None
    candidates = Person.objects.filter(code=observer_id, memberships__role=Role.OBSERVER).exclude(
        memberships__election__status=Election.Status.CLOSED
    )
    if senders:
        candidates = candidates.filter(mission__in={p.mission_id for p in senders})
    return candidates.distinct().first()


def _describe(problem) -> str:
    """One SMS problem as a sentence for the log: what kind, what was typed, what is allowed."""
    text = problem.kind.replace("_", " ")
    if problem.value:
        text += f": {problem.code + '=' if problem.code else ''}{problem.value}"
    elif problem.code:
        text += f": {problem.code}"
    if problem.detail:
        text += (
            f" (allowed: {problem.detail})"
            if problem.kind in {"out_of_range", "bad_option", "not_a_number"}
            else f" ({problem.detail})"
        )
    return text


def _rules_for(election: Election) -> dict:
    return {code: form.sms_rules() for code, form in active_forms(election).items()}


def _all_open_rules() -> dict:
    rules: dict = {}
    for form in Form.objects.filter(active=True).exclude(election__status=Election.Status.CLOSED):
        rules.setdefault(form.code, form.sms_rules())
    return rules


def decide(submission: Submission, action: str, *, reason: str, actor) -> Submission:
    """A coordinator's decision (verify, reject, quarantine): a new revision and an audit event, with the reason."""
    status = {
        "verify": Submission.Status.VERIFIED,
        "reject": Submission.Status.REJECTED,
        "quarantine": Submission.Status.QUARANTINED,
    }[action]
    if not reason.strip():
        raise ValueError("a decision needs a reason")
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        locked.status = status
        locked.revision += 1
        locked.save(update_fields=["status", "revision", "updated"])
        Revision.objects.create(
            submission=locked,
            number=locked.revision,
            status=status,
            answers=locked.answers,
            problems=locked.problems,
            reason=reason,
            actor=actor,
        )
        record(
            f"submission.{action}",
            actor=actor.get_username(),
            election_id=locked.election_id,
            obj=locked,
            payload={"reason": reason, "revision": locked.revision},
        )
    return locked


def edit(submission: Submission, answers: dict[str, Any], *, reason: str, actor) -> Submission:
    """Change the answers (a correction read off the protocol, say): revalidated, kept as a new revision."""
    from pollwatch.formspec.validate import validate_answers

    if not reason.strip():
        raise ValueError("an edit needs a reason")
    validation = validate_answers(submission.form.spec, answers)
    problems = [{"code": code, "message": message} for code, message in validation.errors]
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        before = locked.answers
        # What the observer's phone added (its position, an SMS's comment) is not a question's
        # answer: validation would drop it, a correction of the answers keeps it.
        kept = {code: value for code, value in before.items() if code.startswith("_")}
        locked.answers = {**validation.answers, **kept}
        locked.problems = problems
        locked.critical = list(validation.critical)
        locked.revision += 1
        if locked.status in (Submission.Status.ACCEPTED, Submission.Status.PARTIAL):
            # As intake would judge the corrected answers; a reviewer's decision stands.
            locked.status = Submission.Status.PARTIAL if problems else Submission.Status.ACCEPTED
        locked.save(
            update_fields=["answers", "problems", "critical", "revision", "status", "updated"]
        )
        Revision.objects.create(
            submission=locked,
            number=locked.revision,
            status=locked.status,
            answers=locked.answers,
            problems=problems,
            reason=reason,
            actor=actor,
        )
        record(
            "submission.edited",
            actor=actor.get_username(),
            election_id=locked.election_id,
            obj=locked,
            payload={
                "reason": reason,
                "revision": locked.revision,
                "answers": locked.answers,
                "changed": {
                    code: [before.get(code), locked.answers.get(code)]
                    for code in sorted(set(before) | set(locked.answers))
                    if before.get(code) != locked.answers.get(code)
                },
            },
        )
    return locked
