"""Pages for messaging observers: compose to a group (with a preview), the outbox and each
broadcast, the mission-wide inbox, one person's thread; and the gateways' delivery reports."""

from __future__ import annotations

from datetime import datetime
from itertools import chain
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from pollwatch.accounts.boundary import read_body, stores_raw_first
from pollwatch.accounts.http import PollwatchRequest, client_ip
from pollwatch.accounts.models import TokenBucket
from pollwatch.checklists.models import Form
from pollwatch.elections.models import Area, Election
from pollwatch.lib.boundary import escape_unstorable
from pollwatch.messaging import phones, texts
from pollwatch.messaging.access import (
    can_compose,
    inbound_for,
    messaging_for_user,
    outbound_for,
    sees_unknown_senders,
)
from pollwatch.messaging.audience import read_filters, select
from pollwatch.messaging.models import (
    Audience,
    Broadcast,
    DeliveryReport,
    Message,
    OptOut,
    Template,
)
from pollwatch.messaging.outbox import (
    ComposeError,
    apply_report,
    cancel,
    check_texts,
    compose,
    render_for,
    send_one,
)
from pollwatch.observers.access import Access, calls_for, people_for
from pollwatch.observers.models import Person, Role, Team
from pollwatch.submissions.gateways import BadMessage, senders

PREVIEW_SAMPLES = 3


def languages(election: Election) -> list[str]:
    """The election's languages, then any other its people read, first the default."""
    ordered = [code.strip() for code in election.languages.split(",") if code.strip()] or ["en"]
    spoken = (
        Person.objects.filter(memberships__election=election)
        .values_list("language", flat=True)
        .distinct()
    )
    for language in sorted(set(spoken)):
        if language and language not in ordered:
            ordered.append(language)
    return ordered


def _texts_from(data, langs: list[str]) -> dict[str, str]:
    return {lang: data.get(f"text_{lang}", "") for lang in langs}


def _send_at(value: str) -> tuple[datetime | None, str]:
    if not value.strip():
        return None, ""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None, _("%(value)s is not a date and time (YYYY-MM-DDTHH:MM)") % {
            "value": repr(value)
        }
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed, ""


def _compose_context(election: Election, access: Access, data) -> dict:
    langs = languages(election)
    return {
        "election": election,
        "languages": langs,
        "roles": [r for r in Role if r != Role.ADMIN] + [Role.ADMIN],
        "areas": Area.objects.filter(election=election, level__lte=2).order_by("path")[:500]
        if access.mission_wide
        else Area.objects.filter(election=election, path__in=access.supervised_paths),
        "teams": Team.objects.filter(election=election).order_by("name"),
        "forms": Form.objects.filter(election=election, active=True).order_by("code"),
        "phases": sorted(
            set(Form.objects.filter(election=election, active=True).values_list("phase", flat=True))
            - {"any"}
        ),
        "audiences": Audience.objects.filter(election=election),
        "templates": Template.objects.filter(election=election),
        "placeholders": texts.PLACEHOLDERS,
        "data": data,
        "checked_roles": data.getlist("roles") or [Role.OBSERVER.value],
        "text_values": [(lang, data.get(f"text_{lang}", "")) for lang in langs],
    }


@login_required
@require_http_methods(["GET", "POST"])
def compose_page(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Choose a group, write the text per language, preview the count and the texts, send or schedule."""
    election, access = messaging_for_user(request, slug, compose=True)
    data = request.POST if request.method == "POST" else request.GET.copy()
    if request.method == "GET" and request.GET.get("template"):
        template = Template.objects.filter(
            election=election, pk=_int(request.GET["template"])
        ).first()
        if template is not None:
            for lang, text in template.texts.items():
                data[f"text_{lang}"] = text
    context = _compose_context(election, access, data)
    if request.method == "GET":
        return render(request, "messaging/compose.html", context)
    filters = read_filters(request.POST, access)
    given = _texts_from(request.POST, context["languages"])
    default = request.POST.get("default_language") or context["languages"][0]
    if default not in context["languages"]:
        filters.problems["default_language"] = _("unknown language %(language)s") % {
            "language": repr(default)
        }
        default = context["languages"][0]
    send_at, when_problem = _send_at(request.POST.get("send_at", ""))
    problems = dict(filters.problems)
    if when_problem:
        problems["send_at"] = when_problem
    action = request.POST.get("action", "preview")
    if action == "preview" or problems:
        text_problems = check_texts({k: v for k, v in given.items() if v.strip()}, default)
        context |= _preview(election, access, filters.values, given, default)
        context["problems"] = problems | (text_problems if action != "preview" else {})
        context["text_problems"] = text_problems
        page = "messaging/_preview.html" if request.htmx else "messaging/compose.html"
        status = 400 if problems and action != "preview" else 200
        return render(request, page, context, status=status)
    if action == "save_audience":
        name = request.POST.get("audience_name", "").strip()[:100]
        if not name:
            context["problems"] = {"audience_name": _("give the saved audience a name")}
            return render(request, "messaging/compose.html", context, status=400)
        Audience.objects.update_or_create(
            election=election,
            name=name,
            defaults={"filters": filters.values, "created_by": _user(request)},
        )
        return redirect(
            f"{request.path}?audience={Audience.objects.get(election=election, name=name).pk}"
        )
    if action == "save_template":
        name = request.POST.get("template_name", "").strip()[:100]
        if not name:
            context["problems"] = {"template_name": _("give the template a name")}
            return render(request, "messaging/compose.html", context, status=400)
        saved = {k: v for k, v in given.items() if v.strip()}
        Template.objects.update_or_create(election=election, name=name, defaults={"texts": saved})
        return redirect(
            f"{request.path}?template={Template.objects.get(election=election, name=name).pk}"
        )
    try:
        broadcast = compose(access, _user(request), filters.values, given, default, send_at=send_at)
    except ComposeError as exc:
        context |= _preview(election, access, filters.values, given, default)
        context["problems"] = exc.problems
        return render(request, "messaging/compose.html", context, status=400)
    return redirect("broadcast", slug=slug, pk=broadcast.pk)


def _preview(election: Election, access: Access, values: dict, given: dict, default: str) -> dict:
    selection = select(access, values)
    by_language: dict[str, int] = {}
    samples: list[dict[str, Any]] = []
    for recipient in selection.recipients:
        language, text = render_for(recipient, given, default, election.name)
        by_language[language] = by_language.get(language, 0) + 1
        if len(samples) < PREVIEW_SAMPLES or (
            by_language[language] == 1 and len(samples) < 2 * PREVIEW_SAMPLES
        ):
            parts, encoding = texts.sms_parts(text)
            samples.append(
                {
                    "to": recipient,
                    "language": language,
                    "text": text,
                    "parts": parts,
                    "encoding": encoding,
                }
            )
    return {
        "count": len(selection.recipients),
        "left_out": selection.left_out,
        "by_language": sorted(by_language.items()),
        "samples": samples,
        "previewed": True,
    }


@login_required
def outbox(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Broadcasts and messages sent, with their delivery status."""
    election, access = messaging_for_user(request, slug)
    messages = outbound_for(access).select_related("person")
    status = request.GET.get("status", "")
    if status in Message.Status.values:
        messages = messages.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        messages = messages.filter(
            Q(to__icontains=query)
            | Q(text__icontains=query)
            | Q(person__code=query)
            | Q(person__full_name__icontains=query)
        )
    page = Paginator(messages.order_by("-created", "-pk"), 50).get_page(request.GET.get("page"))
    broadcasts = Broadcast.objects.filter(election=election)
    if not can_compose(access):
        broadcasts = broadcasts.none()
    elif not (access.is_admin or Role.COORDINATOR in access.roles):
        broadcasts = broadcasts.filter(created_by=_user(request))
    counts = dict(outbound_for(access).values_list("status").annotate(n=Count("pk")).order_by())
    return render(
        request,
        "messaging/outbox.html",
        {
            "election": election,
            "page": page,
            "can_compose": can_compose(access),
            "broadcasts": broadcasts.select_related("created_by")[:20],
            "statuses": Message.Status.choices,
            "status": status,
            "q": query,
            "counts": counts,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def broadcast_page(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    election, access = messaging_for_user(request, slug, compose=True)
    broadcasts = Broadcast.objects.filter(election=election)
    if not (access.is_admin or Role.COORDINATOR in access.roles):
        broadcasts = broadcasts.filter(created_by=_user(request))
    broadcast = get_object_or_404(broadcasts.select_related("created_by"), pk=pk)
    if request.method == "POST":
        if request.POST.get("action") != "cancel":
            return JsonResponse({"error": "unknown action"}, status=400)
        cancel(broadcast, _user(request))
        return redirect("broadcast", slug=slug, pk=pk)
    messages = broadcast.messages.select_related("person").order_by("pk")
    counts = dict(messages.values_list("status").annotate(n=Count("pk")).order_by())
    page = Paginator(messages, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "messaging/broadcast.html",
        {
            "election": election,
            "broadcast": broadcast,
            "can_compose": True,  # only those who may compose reach a broadcast
            "counts": [
                (label, counts.get(value, 0), value)
                for value, label in Message.Status.choices
                if counts.get(value)
            ],
            "page": page,
            "can_cancel": broadcast.status == Broadcast.Status.SCHEDULED
            or counts.get(Message.Status.QUEUED, 0) > 0,
        },
    )


def needs_reply(inbound_qs):
    """Messages a person should answer: unknown senders, and reports refused or accepted in
    part, with nothing written to the number by a person since."""
    answered = Message.objects.filter(
        to=OuterRef("sender"),
        created__gt=OuterRef("received_at"),
        kind=Message.Kind.DIRECT,
    )
    return inbound_qs.filter(
        Q(person__isnull=True) | Q(status__in=["rejected", "partial"])
    ).exclude(Exists(answered))


@login_required
def inbox(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Every SMS received within reach (unknown senders too, for coordinators), searchable."""
    election, access = messaging_for_user(request, slug)
    return _inbox_page(request, election, access, request.GET)


def _inbox_page(
    request: PollwatchRequest,
    election: Election,
    access: Access,
    asked,
    problems: dict[str, str] | None = None,
) -> HttpResponse:
    received = inbound_for(access).select_related("person")
    show = asked.get("show", "")
    if show == "needs_reply":
        received = needs_reply(received)
    elif show == "unknown":
        received = received.filter(person__isnull=True)
    query = asked.get("q", "").strip()
    if query:
        received = received.filter(
            Q(raw__icontains=query)
            | Q(sender__icontains=query)
            | Q(person__code=query)
            | Q(person__full_name__icontains=query)
        )
    page = Paginator(received.order_by("-received_at", "-pk"), 50).get_page(asked.get("page"))
    waiting = set(
        needs_reply(inbound_for(access).filter(pk__in=[m.pk for m in page])).values_list(
            "pk", flat=True
        )
    )
    return render(
        request,
        "messaging/inbox.html",
        {
            "election": election,
            "page": page,
            "show": show,
            "q": query,
            "waiting": waiting,
            "unknown_senders": sees_unknown_senders(access),
            "can_compose": can_compose(access),
            "needs_reply_count": needs_reply(inbound_for(access)).count(),
            "problems": problems or {},
        },
        status=400 if problems else 200,
    )


@login_required
@require_POST
def reply(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    """Answer one received SMS (a known person or an unknown number) with a direct message."""
    election, access = messaging_for_user(request, slug)
    inbound = get_object_or_404(inbound_for(access), pk=pk)
    try:
        send_one(
            election,
            inbound.person,
            inbound.sender,
            request.POST.get("text", ""),
            user=_user(request),
            in_reply_to=inbound,
        )
    except ComposeError as exc:
        # Shown on the inbox, named, with nothing sent (a browser's form post, not an API).
        problems = {f"reply to {inbound.sender}: {k}": v for k, v in exc.problems.items()}
        return _inbox_page(request, election, access, request.GET, problems)
    back = request.POST.get("next", "")
    return redirect(back if back.startswith(f"/e/{slug}/") else f"/e/{slug}/messages/inbox/")


@login_required
@require_http_methods(["GET", "POST"])
def thread(request: PollwatchRequest, slug: str, code: str) -> HttpResponse:
    """Every SMS to and from one person and every call logged with them, newest first; a box to
    write to them; their phones (verify one by a code, choose the primary one)."""
    election, access = messaging_for_user(request, slug)
    person = people_for(access).filter(code=code).first()
    if person is None:
        raise Http404("No such person")
    manages_people = access.is_admin or Role.COORDINATOR in access.roles
    problems: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "write")
        try:
            if action == "write":
                send_one(
                    election,
                    person,
                    person.phone,
                    request.POST.get("text", ""),
                    user=_user(request),
                )
            elif action == "verify" and manages_people:
                phones.start_check(person, _user(request))
            elif action == "signin" and manages_people:
                base = settings.PUBLIC_URL or request.build_absolute_uri("/")
                phones.send_signin_link(person, base, _user(request))
            elif action == "primary" and manages_people:
                phones.make_primary(person, request.POST.get("phone", ""), _user(request))
            else:
                raise PermissionDenied
        except ComposeError as exc:
            problems = exc.problems
        except ValueError as exc:
            problems = {"phone": str(exc)}
        else:
            return redirect("person-thread", slug=slug, code=code)
    received = inbound_for(access).filter(person=person).order_by("-received_at")[:200]
    sent = outbound_for(access).filter(person=person).order_by("-created")[:200]
    calls = calls_for(access).filter(person=person).select_related("by", "station")[:200]
    entries = sorted(
        chain(
            ({"at": m.received_at, "kind": "in", "item": m} for m in received),
            ({"at": m.created, "kind": "out", "item": m} for m in sent),
            ({"at": c.at, "kind": "call", "item": c} for c in calls),
        ),
        key=lambda e: e["at"],
        reverse=True,
    )
    return render(
        request,
        "messaging/thread.html",
        {
            "election": election,
            "person": person,
            "entries": entries,
            "problems": problems,
            "can_compose": can_compose(access),
            "manages_people": manages_people,
            "verified_at": phones.verified_at(person) if person.phone else None,
            "opted_out": OptOut.objects.filter(phone=person.phone).first()
            if person.phone
            else None,
        },
        status=400 if problems else 200,
    )


@csrf_exempt
@stores_raw_first
@require_POST
def delivery_status(request: HttpRequest, gateway: str) -> HttpResponse:
    """A gateway's delivery report for a message it sent; kept as it came, then applied."""
    module = senders().get(gateway)
    if module is None or not hasattr(module, "read_status"):
        raise Http404("No such SMS gateway")
    refused = JsonResponse({"error": "wrong or missing gateway secret"}, status=403)
    if getattr(module, "SECRET_IN_HEADERS", False) and not module.authenticate(request):
        return refused
    body = read_body(request, settings.SMS_MAX_BYTES)
    if body.too_large:
        return JsonResponse({"error": "the report is too large"}, status=413)
    # Kept as it came, but a NUL byte (form-encoded %00, or raw in a body that is not JSON)
    # cannot be stored in PostgreSQL: written as a visible escape.
    raw = escape_unstorable(body.text)
    if not module.authenticate(request):
        if TokenBucket.authorize(f"sms-status-bad-secret:{client_ip(request)}", 20, 300):
            DeliveryReport.objects.create(
                gateway=gateway,
                status="",
                raw=raw[:10_000],
                problem="wrong or missing gateway secret",
            )
        return refused
    try:
        report = module.read_status(request)
    except BadMessage as exc:
        problem = escape_unstorable(str(exc))
        DeliveryReport.objects.create(gateway=gateway, status="", raw=raw, problem=problem)
        return JsonResponse({"error": problem}, status=400)
    applied = apply_report(
        gateway,
        escape_unstorable(report.external_id),
        escape_unstorable(report.status),
        escape_unstorable(report.error),
        raw,
    )
    return JsonResponse({"applied": applied.changed, "problem": applied.report.problem})


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # every page here is login_required


def _int(text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0
