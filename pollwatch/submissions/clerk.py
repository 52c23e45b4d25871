"""The data desk: reports phoned in, corrections, answers checked one by one, the call log.

A data clerk (also a coordinator or an admin) takes an observer's call: first who is calling
is confirmed (the observer's code and caller PIN, or a call back on the registered phone),
then the report is typed into the same form, judged by the same validation and written by
the same intake as the app's, with the clerk named. The raw entry is kept first, as for every
channel (DESIGN §2, intake is append-first). Reach comes from ``observers/access.py``.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from pollwatch.accounts import throttle
from pollwatch.accounts.http import PollwatchRequest, signed_in
from pollwatch.audit.models import record
from pollwatch.checklists.models import Form, active_forms
from pollwatch.elections.models import Election, PollingStation
from pollwatch.formspec.spec import YES_NO_LABELS, FormSpec
from pollwatch.formspec.validate import validate_answers
from pollwatch.lib.boundary import row_id
from pollwatch.observers.access import (
    Access,
    calls_for,
    can_correct,
    can_log_calls,
    can_take_calls,
    deployments_for,
    election_for_user,
    people_for,
    person_for_user,
    station_for_user,
    submission_for_user,
)
from pollwatch.observers.models import CallerPin, Deployment, Person, Role
from pollwatch.submissions import intake
from pollwatch.submissions.models import AnswerCheck, Call, Inbound, Submission

CALLER_CONFIRMED_FOR = timedelta(minutes=30)
"""How long a caller, once confirmed, may dictate reports without saying the PIN again."""
SESSION_KEY = "pollwatch.callers"
PIN_DIGITS = 6
CALLS_SHOWN = 50


def _text(label: dict[str, str], language: str = "en") -> str:
    return label.get(language) or next(iter(label.values()), "")


# Who is calling


def set_caller_pin(person: Person, actor) -> str:
    """A new random caller PIN for ``person``: only its hash is kept; the PIN is returned once."""
    pin = "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
    with transaction.atomic():
        CallerPin.objects.update_or_create(
            person=person, defaults={"pin_hash": make_password(pin), "set_by": actor}
        )
        record(
            "person.caller_pin_set",
            actor=actor.get_username(),
            obj=person,
            payload={"person": person.code},
        )
    return pin


def pin_matches(person: Person, pin: str) -> bool:
    stored = CallerPin.objects.filter(person=person).values_list("pin_hash", flat=True).first()
    return stored is not None and check_password(pin.strip(), stored)


def _observer_membership(election: Election, person: Person):
    return person.memberships.filter(election=election, role=Role.OBSERVER).first()


def _confirmations(request: PollwatchRequest) -> dict[str, dict[str, str]]:
    return request.session.get(SESSION_KEY, {})


def confirmed_caller(request: PollwatchRequest, person: Person) -> dict[str, str] | None:
    """How the clerk confirmed the caller (method and time), while the confirmation holds."""
    found = _confirmations(request).get(str(person.pk))
    if not found:
        return None
    at = parse_datetime(found.get("at", ""))
    if at is None or timezone.now() - at > CALLER_CONFIRMED_FOR:
        return None
    return found


def _remember_caller(request: PollwatchRequest, person: Person, method: str) -> None:
    callers = _confirmations(request)
    callers[str(person.pk)] = {"method": method, "at": timezone.now().isoformat()}
    request.session[SESSION_KEY] = callers


def _desk(request: PollwatchRequest, slug: str) -> tuple[Election, Access]:
    election, access = election_for_user(request, slug)
    request.election = election
    if not can_take_calls(access):
        raise PermissionDenied("Phoned-in reports are for data clerks, coordinators and admins")
    return election, access


@login_required
@require_http_methods(["GET", "POST"])
def phone_caller(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Step 1 of a phoned-in report: who is calling (observer code and PIN, or a call back)."""
    election, access = _desk(request, slug)
    errors: dict[str, str] = {}
    values = {"code": request.POST.get("code", "").strip()[:32], "called_back": ""}
    throttled = False
    if request.method == "POST":
        values["called_back"] = "1" if request.POST.get("called_back") else ""
        pin = request.POST.get("pin", "")[:20]
        person = people_for(access).filter(code=values["code"]).first()
        if person is None or _observer_membership(election, person) is None:
            errors["code"] = f"No observer with the code {values['code']!r} in this election."
        elif values["called_back"]:
            _remember_caller(request, person, "callback")
            return redirect("phone-report", slug=slug, code=person.code)
        elif not pin.strip():
            errors["pin"] = "Ask for the caller's PIN, or call back on the registered phone."
        else:
            try:
                right = throttle.guard(
                    request,
                    f"caller-pin:{election.pk}:{person.code}",
                    lambda: pin_matches(person, pin),
                )
            except throttle.LoginThrottled:
                errors["pin"] = (
                    "Too many wrong PINs for this observer. Wait a few minutes, or call back"
                    " on the registered phone."
                )
                throttled = True
            else:
                if right:
                    _remember_caller(request, person, "pin")
                    return redirect("phone-report", slug=slug, code=person.code)
                record(
                    "caller.pin_refused",
                    actor=request.user.get_username(),
                    election_id=election.pk,
                    obj=person,
                    payload={"person": person.code},
                )
                errors["pin"] = (
                    "The PIN is not this observer's."
                    if CallerPin.objects.filter(person=person).exists()
                    else "This observer has no caller PIN yet: call back on the registered"
                    " phone, or ask a coordinator to set one."
                )
    return render(
        request,
        "submissions/phone_caller.html",
        {"election": election, "errors": errors, "values": values},
        status=429 if throttled else 400 if errors else 200,
    )


# The form on the page


@dataclass
class Field:
    """One question as the page shows it, with the value typed and the problems found."""

    code: str
    kind: str
    label: str
    hint: str
    required: bool
    relevant: str | None
    minimum: int | float | str | None  # a date bound is "YYYY-MM-DD"
    maximum: int | float | str | None
    options: list[tuple[str, str]]
    value: Any
    errors: list[str] = field(default_factory=list)
    check: AnswerCheck | None = None

    @property
    def chosen(self) -> list[str]:
        """The option codes chosen, as text (a yes/no answer is stored 1 or 0)."""
        if isinstance(self.value, list):
            return [str(v) for v in self.value]
        return [] if self.value in (None, "") else [str(self.value)]


def form_fields(
    spec: FormSpec, values: dict[str, Any], problems: list[dict[str, str]] | None = None
) -> list[tuple[str, list[Field]]]:
    """The form's groups and questions with ``values`` filled in and each problem beside its question."""
    by_code: dict[str, list[str]] = {}
    for problem in problems or []:
        by_code.setdefault(problem.get("code", ""), []).append(problem["message"])
    groups = []
    for group in spec.groups:
        fields = []
        for q in group.questions:
            options = (
                [(code, _text(label)) for code, label in YES_NO_LABELS.items()]
                if q.kind == "yes_no"
                else [(o.code, f"{o.code} · {_text(o.label)}") for o in q.options]
            )
            fields.append(
                Field(
                    code=q.code,
                    kind=q.kind,
                    label=_text(q.label),
                    hint=_text(q.hint) if q.hint else "",
                    required=q.required,
                    relevant=q.relevant,
                    minimum=q.minimum,
                    maximum=q.maximum,
                    options=options,
                    value=values.get(q.code, ""),
                    errors=by_code.get(q.code, []),
                )
            )
        groups.append((_text(group.label), fields))
    return groups


def posted_answers(spec: FormSpec, post) -> dict[str, Any]:
    """The answers as typed on the page (question code -> text or list), blanks left out;
    photos cannot be phoned in and are never read from the page."""
    answers: dict[str, Any] = {}
    for q in spec.questions:
        if q.kind == "photo":
            continue
        if q.kind == "multiple":
            chosen = [v for v in post.getlist(q.code) if v.strip()]
            if chosen:
                answers[q.code] = chosen
            continue
        value = post.get(q.code, "")
        if value.strip():
            answers[q.code] = value.strip()
    return answers


def _cross_checks(problems: list[dict[str, str]]) -> list[str]:
    """Problems that belong to no one question (the form's checks across answers)."""
    return [p["message"] for p in problems if p.get("code") in ("CHECK", "FORM", "")]


def _validation_problems(spec: FormSpec, answers: dict[str, Any]) -> list[dict[str, str]]:
    validation = validate_answers(spec, answers)
    return [{"code": code, "message": message} for code, message in validation.errors]


# A report phoned in


@login_required
@require_http_methods(["GET", "POST"])
def phone_report(request: PollwatchRequest, slug: str, code: str) -> HttpResponse:
    """Step 2: the caller's station and form, then the answers, written by the app's intake."""
    election, access = _desk(request, slug)
    person = people_for(access).filter(code=code).first()
    membership = _observer_membership(election, person) if person else None
    if person is None or membership is None:
        raise Http404("No such observer")
    confirmation = confirmed_caller(request, person)
    if confirmation is None:
        messages.warning(request, f"Confirm who is calling first ({person.code}).")
        return redirect("phone-caller", slug=slug)
    deployments = list(
        deployments_for(access)
        .filter(membership=membership)
        .select_related("station")
        .order_by("reserve", "station__code")
    )
    forms = active_forms(election)
    source = request.POST if request.method == "POST" else request.GET
    deployment = next((d for d in deployments if d.station.code == source.get("station")), None)
    form = forms.get(source.get("form", ""))
    if deployment is None and len(deployments) == 1 and not source.get("station"):
        deployment = deployments[0]
    context: dict[str, Any] = {
        "election": election,
        "person": person,
        "confirmation": confirmation,
        "deployments": deployments,
        "deployment": deployment,
        "forms": sorted(forms.values(), key=lambda f: f.code),
        "form": form,
        "calls": calls_for(access).filter(person=person).select_related("station", "by")[:5],
    }
    if deployment is None or form is None:
        if request.method == "POST":
            # Never another station or form than the one asked: nothing is stored.
            context["choice_error"] = "Choose one of the observer's stations and a live form."
            return render(request, "submissions/phone_report.html", context, status=400)
        return render(request, "submissions/phone_report.html", context)
    if request.method == "GET":
        context.update(
            groups=form_fields(form.spec, {}),
            client_uuid=uuid.uuid4(),
            note="",
        )
        return render(request, "submissions/phone_report.html", context)
    return _take_report(request, context, membership, deployment, form, confirmation)


@dataclass
class PhoneReport:
    """What became of one report taken by phone: the raw row, and the intake's result, or the
    problems it was held for (the clerk checks them with the caller)."""

    inbound: Inbound
    result: intake.IntakeResult | None
    problems: list[dict[str, str]]


def take_phone_report(
    *,
    election: Election,
    person: Person,
    membership,
    deployment: Deployment,
    form: Form,
    answers: dict[str, Any],
    clerk: User,
    confirmation: dict[str, str],
    client_uuid: uuid.UUID,
    note: str = "",
    keep_anyway: bool = False,
) -> PhoneReport:
    """Store a phoned-in report as every channel's input is stored (raw first, then judged by the
    app's intake, source "phone", the clerk recorded), and log the call it came by."""
    raw = json.dumps(
        {
            "station": deployment.station.code,
            "form": form.code,
            "form_version": form.version,
            "client_uuid": str(client_uuid),
            "answers": answers,
            "note": note,
        },
        ensure_ascii=False,
    )
    meta = {
        "clerk": clerk.get_username(),
        "caller_confirmed_by": confirmation["method"],
        "caller_confirmed_at": confirmation["at"],
    }
    # Kept raw before it is judged, as every channel's input is.
    inbound = intake.store_inbound(
        Inbound.Channel.PHONE, "clerk", raw, sender=person.code, meta=meta, person=person
    )
    problems = _validation_problems(form.spec, answers)
    if problems and not keep_anyway:
        held = intake.IntakeResult(
            "rejected",
            problems=[{"code": "", "message": "held for the clerk to check with the caller"}]
            + problems,
        )
        intake._finish(inbound, held, election, person)
        return PhoneReport(inbound, None, problems)
    result = intake.submit(
        membership,
        form,
        deployment.station,
        answers,
        client_uuid=client_uuid,
        source=Inbound.Channel.PHONE,
        inbound=inbound,
        taken_by=clerk,
        comment=note,
    )
    if result.submission is not None and result.created:
        log_call(
            election,
            person,
            clerk,
            direction=Call.Direction.OUT
            if confirmation["method"] == "callback"
            else Call.Direction.IN,
            outcome=Call.Outcome.REPORT_TAKEN,
            station=deployment.station,
            note=f"{form.code} report taken by phone",
            submission=result.submission,
        )
    return PhoneReport(inbound, result, problems)


def _take_report(
    request: PollwatchRequest,
    context: dict[str, Any],
    membership,
    deployment: Deployment,
    form: Form,
    confirmation: dict[str, str],
) -> HttpResponse:
    person, election = context["person"], context["election"]
    client_uuid = _client_uuid(request.POST.get("client_uuid"))
    answers = posted_answers(form.spec, request.POST)
    note = request.POST.get("note", "").strip()[:2000]
    taken = take_phone_report(
        election=election,
        person=person,
        membership=membership,
        deployment=deployment,
        form=form,
        answers=answers,
        clerk=cast(User, request.user),
        confirmation=confirmation,
        client_uuid=client_uuid,
        note=note,
        keep_anyway=bool(request.POST.get("save_anyway")),
    )
    if taken.result is None:
        context.update(
            groups=form_fields(form.spec, answers, taken.problems),
            cross_checks=_cross_checks(taken.problems),
            client_uuid=client_uuid,
            note=note,
            held=True,
        )
        return render(request, "submissions/phone_report.html", context, status=400)
    result = taken.result
    if result.submission is None:
        messages.error(request, "The report could not be stored: " + taken.inbound.problem)
        return redirect("phone-caller", slug=election.slug)
    messages.success(
        request,
        f"{form.code} report from {deployment.station.code} stored"
        + (" with problems" if result.status == "partial" else "")
        + (" (already stored: the same entry was sent twice)" if not result.created else "")
        + ".",
    )
    return redirect("submission", slug=election.slug, pk=result.submission.pk)


def _client_uuid(value: str | None) -> uuid.UUID:
    """The page's key of this entry: a second press of Save stores nothing new."""
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return uuid.uuid4()


# Corrections and checks of single answers


def _correctable(request: PollwatchRequest, slug: str, pk: int) -> tuple[Submission, Access]:
    submission, _ = submission_for_user(request, slug, pk)
    _, access = election_for_user(request, slug)
    request.election = submission.election
    if not can_correct(access):
        raise PermissionDenied("Corrections are for data clerks, coordinators and admins")
    return submission, access


REASON_MAX = 500


@login_required
@require_http_methods(["GET", "POST"])
def correct_submission(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    """Correct the answers (read off the protocol, or dictated again): a new revision with a reason."""
    submission, _ = _correctable(request, slug, pk)
    spec = submission.form.spec
    context: dict[str, Any] = {"submission": submission, "election": submission.election}
    if request.method == "GET":
        context["groups"] = form_fields(spec, submission.answers, submission.problems)
        context["cross_checks"] = _cross_checks(submission.problems)
        return render(request, "submissions/correct.html", context)
    answers = posted_answers(spec, request.POST)
    # Photos are not typed: a correction keeps the stored ones.
    answers.update(
        {
            q.code: submission.answers[q.code]
            for q in spec.questions
            if q.kind == "photo" and q.code in submission.answers
        }
    )
    reason = request.POST.get("reason", "").strip()
    problems = _validation_problems(spec, answers)
    kept = validate_answers(spec, answers).answers
    unchanged = kept == {k: v for k, v in submission.answers.items() if not k.startswith("_")}
    # An answer that cannot be stored at all (text where a number goes) would be dropped, and
    # the stored one with it: that is never saved "anyway", only a check across answers is.
    unstorable = sorted(
        code for code, value in answers.items() if value not in (None, "") and code not in kept
    )
    error = (
        "Give the reason for the correction."
        if not reason
        else f"The reason is {len(reason):,} characters; at most {REASON_MAX} (a note, not a letter)."
        if len(reason) > REASON_MAX
        else "Nothing changed: the answers are the ones stored."
        if unchanged
        else f"{', '.join(unstorable)}: fix the marked answers; an answer that cannot be stored "
        "is never saved."
        if unstorable
        else "The corrected answers have problems: fix them, or save them anyway."
        if problems and not request.POST.get("save_anyway")
        else ""
    )
    if error:
        context.update(
            groups=form_fields(spec, answers, problems),
            cross_checks=_cross_checks(problems),
            reason=reason,
            error=error,
            held=bool(problems),
        )
        return render(request, "submissions/correct.html", context, status=400)
    intake.edit(submission, answers, reason=reason, actor=request.user)
    messages.success(request, "Correction stored as a new revision.")
    return redirect("submission", slug=slug, pk=pk)


def answer_checks(submission: Submission) -> dict[str, AnswerCheck]:
    """Question code -> the latest check of its current answer (a check of another value lapses)."""
    marks: dict[str, AnswerCheck] = {}
    for check in submission.answer_checks.select_related("by").order_by("-at", "-pk"):
        if check.code in marks:
            continue
        if submission.answers.get(check.code) == check.value:
            marks[check.code] = check
    return marks


@login_required
@require_POST
def check_answer(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    """Mark one answer (or every answer shown) as checked, by whom and when: Apollo's per-question verification."""
    submission, _ = _correctable(request, slug, pk)
    asked = request.POST.getlist("code")
    codes = [c for c in asked if c in submission.answers and not c.startswith("_")]
    if not codes:
        messages.error(request, "Choose an answer of this report to mark as checked.")
        return redirect("submission", slug=slug, pk=pk)
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        AnswerCheck.objects.bulk_create(
            AnswerCheck(
                submission=locked,
                code=code,
                value=locked.answers[code],
                revision=locked.revision,
                by=signed_in(request),
            )
            for code in codes
        )
        record(
            "submission.answers_checked",
            actor=request.user.get_username(),
            election_id=locked.election_id,
            obj=locked,
            payload={
                "revision": locked.revision,
                "answers": {code: locked.answers[code] for code in codes},
            },
        )
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    return redirect("submission", slug=slug, pk=pk)


# The call log


def log_call(
    election: Election,
    person: Person,
    actor,
    *,
    direction: str,
    outcome: str,
    station: PollingStation | None = None,
    note: str = "",
    at: datetime | None = None,
    submission: Submission | None = None,
) -> Call:
    """Store one call and its audit event, in one transaction."""
    with transaction.atomic():
        call = Call.objects.create(
            election=election,
            person=person,
            station=station,
            direction=direction,
            outcome=outcome,
            note=note,
            by=actor,
            at=at or timezone.now(),
            submission=submission,
        )
        record(
            "call.logged",
            actor=actor.get_username(),
            election_id=election.pk,
            obj=call,
            payload={
                "person": person.code,
                "station": station.code if station else None,
                "direction": direction,
                "outcome": outcome,
                "note": note,
                "submission": submission.pk if submission else None,
            },
        )
    return call


def calls_context(
    access: Access, *, person: Person | None = None, station: PollingStation | None = None
) -> dict[str, Any]:
    """The call list (and whether a call may be logged) for a person's or a station's page."""
    calls = calls_for(access).select_related("person", "station", "by")
    if person is not None:
        calls = calls.filter(person=person)
    if station is not None:
        calls = calls.filter(station=station)
    return {
        "calls": calls[:CALLS_SHOWN],
        "can_log_calls": can_log_calls(access),
        "call_directions": Call.Direction.choices,
        "call_outcomes": Call.Outcome.choices,
    }


def _read_call(post, people, stations) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    direction = post.get("direction", "")
    outcome = post.get("outcome", "")
    if direction not in Call.Direction.values:
        errors["direction"] = "Choose who called whom."
    if outcome not in Call.Outcome.values:
        errors["outcome"] = "Choose the outcome of the call."
    person = people.filter(pk=row_id(post.get("person"))).first() if post.get("person") else None
    if person is None:
        errors["person"] = "Choose the person called."
    station = None
    if post.get("station"):
        station = stations.filter(pk=row_id(post.get("station"))).first()
        if station is None:
            errors["station"] = "Choose a station of the person's, or none."
    note = post.get("note", "").strip()
    if len(note) > 2000:
        errors["note"] = "The note is longer than 2,000 characters."
    values = {
        "direction": direction,
        "outcome": outcome,
        "person": person,
        "station": station,
        "note": note,
    }
    return values, errors


@login_required
@require_POST
def person_call(request: PollwatchRequest, slug: str, code: str) -> HttpResponse:
    """Log a call with this person (from their page or their message log)."""
    person, _ = person_for_user(request, slug, code)
    election, access = election_for_user(request, slug)
    if not can_log_calls(access):
        raise PermissionDenied("The call log is for the data desk and supervisors")
    stations = PollingStation.objects.filter(
        pk__in=deployments_for(access).filter(membership__person=person).values("station")
    )
    post = request.POST.copy()
    post["person"] = str(person.pk)
    return _store_call(request, election, post, people_for(access), stations)


@login_required
@require_POST
def station_call(request: PollwatchRequest, slug: str, code: str) -> HttpResponse:
    """Log a call with a person deployed at this station (from the station's page)."""
    station, _ = station_for_user(request, slug, code)
    election, access = election_for_user(request, slug)
    if not can_log_calls(access):
        raise PermissionDenied("The call log is for the data desk and supervisors")
    deployed = people_for(access).filter(
        memberships__deployments__station=station, memberships__election=election
    )
    post = request.POST.copy()
    post["station"] = str(station.pk)
    return _store_call(
        request, election, post, deployed, PollingStation.objects.filter(pk=station.pk)
    )


def _store_call(request: PollwatchRequest, election: Election, post, people, stations):
    values, errors = _read_call(post, people, stations)
    back = request.POST.get("next", "")
    if errors:
        messages.error(request, "The call was not logged: " + " ".join(errors.values()))
    else:
        log_call(election, actor=request.user, **values)
        messages.success(request, f"Call with {values['person'].full_name} logged.")
    if back.startswith(f"/e/{election.slug}/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        return redirect(back)
    if values["person"] is None:
        return redirect("election-home", slug=election.slug)
    return redirect("person", slug=election.slug, code=values["person"].code)


@login_required
@require_POST
def caller_pin(request: PollwatchRequest, slug: str, code: str) -> HttpResponse:
    """A coordinator or admin sets a new caller PIN for an observer; it is shown this once."""
    person, can_write = person_for_user(request, slug, code)
    election, _ = election_for_user(request, slug)
    request.election = election
    if not can_write:
        raise PermissionDenied("Caller PINs are set by coordinators and admins")
    if _observer_membership(election, person) is None:
        raise Http404("Only observers have a caller PIN")
    pin = set_caller_pin(person, request.user)
    response = render(
        request, "observers/caller_pin.html", {"election": election, "person": person, "pin": pin}
    )
    response["Cache-Control"] = "no-store"
    return response
