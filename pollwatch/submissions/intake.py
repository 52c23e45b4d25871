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
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from pollwatch.accounts.boundary import Body
from pollwatch.accounts.models import TokenBucket
from pollwatch.audit.models import record
from pollwatch.checklists.models import Form, active_forms
from pollwatch.elections.models import Election, PollingStation
from pollwatch.lib.boundary import UnstorableInput, escape_unstorable, load_json, storable
from pollwatch.observers.models import Deployment, Membership, Person, Role
from pollwatch.submissions.models import Inbound, Incident, Revision, Submission


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

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "client_uuid": str(self.submission.client_uuid) if self.submission else None,
            "submission": self.submission.pk if self.submission else None,
            "created": self.created,
            "problems": self.problems,
        }


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
) -> IntakeResult:
    """Validate and store one submission, once per client UUID.

    The inbound row's outcome (status, problems, reply) is written in the same
    transaction as the submission, so the two never disagree.
    """
    # No look-up first: the unique constraint on (observer, client_uuid) says whether this is a retry.
    from pollwatch.formspec.validate import validate_answers

    validation = validate_answers(form.spec, answers)
    if comment:
        validation.answers["_comment"] = comment  # the free text after "@" in an SMS
    problems = [{"code": code, "message": message} for code, message in validation.errors]
    problems += extra_problems or []
    if not validation.answers:
        status = Submission.Status.REJECTED
    elif problems:
        status = Submission.Status.PARTIAL
    else:
        status = Submission.Status.ACCEPTED
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                client_uuid=client_uuid,
                election=observer.election,
                form=form,
                station=station,
                observer=observer,
                inbound=inbound,
                source=source,
                status=status,
                answers=validation.answers,
                problems=problems,
                critical=list(validation.critical),
                observed_at=observed_at,
            )
            Revision.objects.create(
                submission=submission,
                number=1,
                status=status,
                answers=submission.answers,
                problems=problems,
                reason=f"received by {source}",
            )
            if form.kind == Form.Kind.INCIDENT or validation.critical:
                _open_incident(submission, form, validation)
            _flag_conflicts(submission)
            record(
                "submission.received",
                actor=observer.person.code,
                election_id=observer.election_id,
                obj=submission,
                payload={
                    "form": form.code,
                    "version": form.version,
                    "station": station.code,
                    "status": status,
                    "client_uuid": str(client_uuid),
                    "answers": submission.answers,
                },
            )
            if inbound is not None:
                outcome = IntakeResult(status, submission, True, problems, reply)
                _finish(inbound, outcome, observer.election, observer.person, save=False)
                inbound.save(update_fields=["status", "problem", "reply", "election", "person"])
    except IntegrityError:
        # A retry: this observer's UUID is stored already (perhaps by another worker just now).
        # Keys are scoped to the observer, so the answer is always the sender's own submission.
        existing = Submission.objects.filter(observer=observer, client_uuid=client_uuid).first()
        if existing is None:
            raise
        return IntakeResult("duplicate", existing, False, existing.problems)
    result = IntakeResult(
        "partial" if status == Submission.Status.PARTIAL else status,
        submission,
        True,
        problems,
        reply,
    )
    result.inbound = inbound
    return result


SEVERITY_BY_NAME = {"low": 1, "medium": 2, "high": 3, "critical": 4}


def _open_incident(submission: Submission, form: Form, validation) -> None:
    """An incident per incident report, or per report with an alarming answer, as serious as its worst answer."""
    levels = [
        SEVERITY_BY_NAME.get(form.spec.question(code).alert_severity, 2)
        for code in validation.critical
    ]
    severity = max(levels, default=Incident.Severity.MEDIUM)
    labels = ", ".join(validation.critical) or form.code
    Incident.objects.create(
        submission=submission,
        election=submission.election,
        station=submission.station,
        severity=severity,
        summary=f"{form.name}: {labels}",
    )


def _flag_conflicts(submission: Submission) -> None:
    """Several observers at one station: flag both when their answers to the same questions differ."""
    others = (
        Submission.objects.filter(
            election=submission.election,
            form__code=submission.form.code,
            station=submission.station,
        )
        .exclude(observer=submission.observer)
        .exclude(pk=submission.pk)
        .exclude(status=Submission.Status.REJECTED)
    )
    mine = submission.answers
    clashing = [
        other.pk
        for other in others
        if any(
            code in other.answers and other.answers[code] != value for code, value in mine.items()
        )
    ]
    if clashing:
        Submission.objects.filter(pk__in=[*clashing, submission.pk]).update(conflict=True)
        submission.conflict = True


def intake_web(person: Person, body: Body, *, meta: dict | None = None) -> tuple[int, IntakeResult]:
    """A JSON post from the observer app: (HTTP status, result). The body is stored before it is read.

    The intake contract (docs/reporting.md): what can be judged at once is
    answered at once with a 4xx naming the field — a body that is not UTF-8,
    malformed or too deeply nested JSON, unstorable text, a wrong shape, a
    station that is not the observer's, an unknown form, a date that does not
    exist. Form validation never refuses the post: its problems come back in
    the result (and later through the status the app polls).
    """
    inbound = store_inbound(
        Inbound.Channel.WEB,
        "pwa",
        body.text,
        sender=person.code,
        meta={**(meta or {}), "bytes": body.size},
        sha256=body.sha256,
    )
    inbound.person = person

    def fail(http: int, message: str, code: str = "") -> tuple[int, IntakeResult]:
        return http, _finish(
            inbound,
            IntakeResult("rejected", problems=[{"code": code, "message": message}]),
            person=person,
        )

    if body.problem:
        return fail(400, body.problem, "body")
    try:
        payload = load_json(body.text)
    except UnstorableInput as exc:
        return fail(400, str(exc), exc.field)
    if not isinstance(payload, dict):
        return fail(400, "the body must be a JSON object")
    try:
        client_uuid = uuid.UUID(str(payload.get("client_uuid", "")))
    except ValueError:
        return fail(400, "client_uuid must be a UUID made by the app", "client_uuid")
    answers = payload.get("answers")
    if not isinstance(answers, dict):
        return fail(400, "answers must be an object of question code to answer", "answers")
    for name in ("station", "form"):
        if not isinstance(payload.get(name), str):
            return fail(400, f"{name} must be a text code", name)
    try:
        observed_at = _observed_at(payload.get("observed_at"))
    except ValueError as exc:
        return fail(400, f"observed_at: {exc}", "observed_at")
    station_code = payload["station"]
    deployment = (
        Deployment.objects.filter(
            membership__person=person, membership__role=Role.OBSERVER, station__code=station_code
        )
        .select_related("membership__election", "membership__person", "station")
        .first()
    )
    if deployment is None:
        return fail(403, f"station {station_code!r} is not one of your deployments", "station")
    election = deployment.membership.election
    form = active_forms(election).get(payload["form"].upper())
    if form is None:
        known = ", ".join(sorted(active_forms(election)))
        return fail(400, f"unknown form {payload['form']!r} (forms: {known})", "form")
    photo_problems = store_photos(form, answers)
    if photo_problems:
        return fail(400, "; ".join(photo_problems), "photo")
    result = submit(
        deployment.membership,
        form,
        deployment.station,
        answers,
        client_uuid=client_uuid,
        source=Inbound.Channel.WEB,
        inbound=inbound,
        observed_at=observed_at,
    )
    http = 200 if result.status == "duplicate" else 201 if result.status != "rejected" else 422
    return http, result if result.created else _finish(inbound, result, election, person)


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
    from pollwatch.sms.replies import reply_for

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
            result = IntakeResult(
                "rejected", problems=[{"code": "", "message": "observer not found"}]
            )
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
    result = submit(
        membership,
        form,
        deployment.station,
        dict(parsed.answers),
        client_uuid=sms_client_uuid(inbound),
        source=Inbound.Channel.SMS,
        inbound=inbound,
        extra_problems=problems,
        reply=reply_for(parsed, language),
        comment=parsed.comment,
    )
    return result if result.created else _finish(inbound, result, election, membership.person)


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
        locked.answers = validation.answers
        locked.problems = problems
        locked.critical = list(validation.critical)
        locked.revision += 1
        locked.save(update_fields=["answers", "problems", "critical", "revision", "updated"])
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
            payload={"reason": reason, "revision": locked.revision, "answers": locked.answers},
        )
    return locked
