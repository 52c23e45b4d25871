from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pollwatch.accounts.http import PollwatchRequest
from pollwatch.audit.models import record
from pollwatch.media import intake, review
from pollwatch.media.access import can_code as may_code
from pollwatch.media.access import (
    can_manage_models,
    can_manage_outlets,
    intake_for_user,
    item_for_user,
    media_for_user,
    outlet_for_user,
)
from pollwatch.media.charts import ToneBar, tone_bars, trend_lines
from pollwatch.media.forms import IntakeForm, OutletForm
from pollwatch.media.models import Intake, Item, Outlet, Subject
from pollwatch.media.report import chart_words, coding_rows, coverage, training_targets, trend
from pollwatch.mediatext.genre import GENRES

TREND_SUBJECTS = 8
# Larger uploads are read by the task worker, so the request returns at once.
INLINE_BYTES = 1_000_000
TONE_CHOICES = [
    (1, gettext_lazy("positive")),
    (0, gettext_lazy("neutral")),
    (-1, gettext_lazy("negative")),
]
# The machine's tone names (mediatext) as the page's language says them.
TONE_WORDS = {
    "positive": TONE_CHOICES[0][1],
    "neutral": TONE_CHOICES[1][1],
    "negative": TONE_CHOICES[2][1],
}


@login_required
def media_home(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, _access, can_code = media_for_user(request, slug)
    request.election = election
    by_status = dict(
        Item.objects.filter(election=election).values_list("status").annotate(n=Count("pk"))
    )
    context = {
        "election": election,
        "can_code": can_code,
        "by_status": {status.label: by_status.get(status.value, 0) for status in Item.Status},
        "total": sum(by_status.values()),
        "outlets": Outlet.objects.filter(election=election).annotate(n=Count("items")),
        "subjects": Subject.objects.filter(election=election),
        "every": intake.double_code_every(election),
        "pending_double": review.pending_double_coding(election),
        "can_manage_models": can_manage_models(_access),
    }
    return render(request, "media/home.html", context)


OUTLET_FIELDS = ("name", "kind", "language", "owner", "reach")


def _outlet_payload(outlet: Outlet) -> dict[str, Any]:
    return {name: getattr(outlet, name) for name in OUTLET_FIELDS}


@login_required
def media_outlets(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, access, can_code = media_for_user(request, slug)
    request.election = election
    outlets = Outlet.objects.filter(election=election).annotate(n=Count("items"))
    return render(
        request,
        "media/outlets.html",
        {
            "election": election,
            "outlets": outlets.order_by("-active", "name"),
            "can_manage": can_manage_outlets(access),
            "can_code": can_code,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def media_outlet_new(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, access, can_code = media_for_user(request, slug)
    if not can_manage_outlets(access):
        raise PermissionDenied("Only coordinators and admins manage outlets")
    request.election = election
    form = OutletForm(request.POST or None, election=election)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            outlet = form.save()
            record(
                "media.outlet.created",
                actor=request.user.username,
                election_id=election.pk,
                obj=outlet,
                payload=_outlet_payload(outlet),
            )
        messages.success(request, _("Outlet “%(name)s” added.") % {"name": outlet.name})
        return redirect("media-outlets", election.slug)
    return render(
        request,
        "media/outlet_form.html",
        {"election": election, "form": form, "outlet": None, "can_code": can_code},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def media_outlet_edit(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    outlet, access = outlet_for_user(request, slug, pk)
    if not can_manage_outlets(access):
        raise PermissionDenied("Only coordinators and admins manage outlets")
    election = outlet.election
    request.election = election
    before = _outlet_payload(outlet)
    form = OutletForm(request.POST or None, instance=outlet, election=election)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            outlet = form.save()
            if request.POST.get("active") == "1" and not outlet.active:
                outlet.active = True
                outlet.save(update_fields=["active"])
            record(
                "media.outlet.changed",
                actor=request.user.username,
                election_id=election.pk,
                obj=outlet,
                payload={"before": before, "after": _outlet_payload(outlet)},
            )
        messages.success(request, _("Outlet “%(name)s” saved.") % {"name": outlet.name})
        return redirect("media-outlets", election.slug)
    return render(
        request,
        "media/outlet_form.html",
        {
            "election": election,
            "form": form,
            "outlet": outlet,
            "items": outlet.items.count(),
            "can_code": may_code(access),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["POST"])
def media_outlet_delete(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    """Delete an outlet nothing refers to; one with items is deactivated (kept for the report)."""
    outlet, access = outlet_for_user(request, slug, pk)
    if not can_manage_outlets(access):
        raise PermissionDenied("Only coordinators and admins manage outlets")
    election = outlet.election
    name = outlet.name
    with transaction.atomic():
        if outlet.items.exists():
            outlet.active = False
            outlet.save(update_fields=["active"])
            kind, text = (
                "media.outlet.deactivated",
                _(
                    "“%(name)s” has items, so it is kept and deactivated: it is no longer offered for new items."
                )
                % {"name": name},
            )
        else:
            kind, text = "media.outlet.deleted", _("Outlet “%(name)s” deleted.") % {"name": name}
        record(
            kind,
            actor=request.user.username,
            election_id=election.pk,
            obj=outlet,
            payload=_outlet_payload(outlet),
        )
        if kind == "media.outlet.deleted":
            outlet.delete()
    messages.success(request, text)
    return redirect("media-outlets", election.slug)


@login_required
@require_http_methods(["GET", "POST"])
def media_intake(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, _access, can_code = media_for_user(request, slug)
    if not can_code:
        raise PermissionDenied("Only media monitors and admins add items")
    request.election = election
    form = IntakeForm(request.POST or None, request.FILES or None, election=election)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        received = intake.receive(
            election,
            name=upload.name if upload is not None else "pasted",
            raw=upload.read() if upload is not None else form.cleaned_data["text"].encode(),
            outlet=form.cleaned_data["outlet"],
            actor=request.user,
            pasted=upload is None,
            title=form.cleaned_data["title"],
        )
        if len(received.raw) > INLINE_BYTES:
            from pollwatch.media.tasks import process_intake

            process_intake.enqueue(received.pk)
            messages.info(
                request,
                _("%(name)s stored and queued: its items appear below.") % {"name": received.name},
            )
            return redirect("media-intake-detail", election.slug, received.pk)
        result = intake.process(received)
        if len(result.items) == 1 and not result.problems:
            messages.success(request, _("“%(item)s” added and coded.") % {"item": result.items[0]})
            return redirect("media-item", election.slug, result.items[0].pk)
        return redirect("media-intake-detail", election.slug, received.pk)
    recent = Intake.objects.filter(election=election).annotate(n=Count("items"))[:20]
    return render(
        request, "media/intake.html", {"election": election, "form": form, "recent": recent}
    )


@login_required
def media_intake_detail(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    received, can_code = intake_for_user(request, slug, pk)
    election = received.election
    request.election = election
    items = received.items.select_related("outlet").order_by("pk")
    return render(
        request,
        "media/intake_detail.html",
        {
            "election": election,
            "intake": received,
            "items": items,
            "duplicates": sum(1 for item in items if item.duplicate_of_id),
            "can_code": can_code,
        },
    )


@login_required
def media_queue(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, _access, can_code = media_for_user(request, slug)
    request.election = election
    show_all = request.GET.get("all") == "1"
    if show_all:
        items = Item.objects.filter(election=election).select_related("outlet", "duplicate_of")
        items = items.annotate(needs_tone=review.needs_tone())
        items = items.order_by("-created", "-pk")
    else:
        items = review.queue_for(election, request.user if can_code else None)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "media/queue.html",
        {"election": election, "page": page, "show_all": show_all, "can_code": can_code},
    )


def highlighted(text: str, spans: Iterable[tuple[int, int, str, str]]) -> SafeString:
    """``text`` escaped, with each (start, end, css tone, label) span wrapped in <mark>.

    Overlapping spans (one sentence about two subjects) merge into one mark
    carrying both labels; the tone class is the first span's.
    """
    merged: list[list] = []
    for start, end, tone, label in sorted(spans):
        start, end = max(0, start), min(len(text), end)
        if start >= end:
            continue
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            if label not in merged[-1][3]:
                merged[-1][3].append(label)
            continue
        merged.append([start, end, tone, [label]])
    parts: list[str] = []
    position = 0
    for start, end, tone, labels in merged:
        parts.append(escape(text[position:start]))
        said = "; ".join(labels)
        # The label after the mark says the tone in words, not only by colour or tooltip.
        parts.append(
            f'<mark class="tone-{tone}" title="{escape(said)}">{escape(text[start:end])}</mark>'
            f'<sup class="small">[{escape(said)}]</sup>'
        )
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # every piece above is escaped


class SecondsError(ValueError):
    pass


CORRECTIONS = ("add", "remove", "span")


def _number(data: Any, name: str, label: Any) -> int | None:
    value = (data.get(name) or "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise review.DecisionError(
            _("%(field)s must be a whole number of 0 or more (found “%(value)s”)")
            % {"field": label, "value": value[:20]}
        )
    return int(value)


def correct(item: Item, user: Any, action: str, data: Any) -> str:
    """Apply one correction form (add, remove, span) of the item page; returns the message."""
    subject_id = _number(data, "subject", _("Subject"))
    if subject_id is None:
        raise review.DecisionError(_("choose a subject"))
    if action == "remove":
        coding = review.remove_subject(item, user, subject_id)
        return _("%(subject)s removed from this item.") % {"subject": coding.subject.name}
    start = _number(data, "start", _("Start"))
    end = _number(data, "end", _("End"))
    quote = (data.get("quote") or "")[:500]
    if action == "span":
        coding = review.correct_span(item, user, subject_id, start=start, end=end, quote=quote)
        return _("Span of %(subject)s corrected.") % {"subject": coding.subject.name}
    try:
        tone = int(data.get("tone", ""))
    except ValueError:
        raise review.DecisionError(_("choose a tone")) from None
    seconds = _number(data, "seconds", _("Seconds"))
    coding = review.add_subject(
        item, user, subject_id, tone=tone, start=start, end=end, quote=quote, seconds=seconds
    )
    return _("%(subject)s added to this item.") % {"subject": coding.subject.name}


def entered_seconds(data: Any, subject_ids: Iterable[int]) -> dict[int, int | None]:
    """Subject id -> the seconds a monitor typed in ``seconds-<id>``; empty fields are left out."""
    found: dict[int, int | None] = {}
    for subject_id in subject_ids:
        value = (data.get(f"seconds-{subject_id}") or "").strip()
        if not value:
            continue
        if not (value.isascii() and value.isdigit()) or len(value) > 7:
            raise SecondsError(
                _("Seconds must be a whole number from 0 to 9999999 (found “%(value)s”).")
                % {"value": value[:20]}
            )
        found[subject_id] = int(value)
    return found


@login_required
@require_http_methods(["GET", "POST"])
def media_item(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    item, can_code = item_for_user(request, slug, pk)
    election = item.election
    request.election = election
    proposals = review.machine_codings(item)
    error = ""
    already = request.user.is_authenticated and item.reviews.filter(coder=request.user).exists()
    action = request.POST.get("action", "confirm") if request.method == "POST" else ""
    if request.method == "POST" and not can_code:
        raise PermissionDenied("Only media monitors and admins code items")
    if action in CORRECTIONS:
        try:
            done = correct(item, request.user, action, request.POST)
        except (review.DecisionError, SecondsError) as exc:
            error = str(exc)
        else:
            messages.success(request, done)
            return redirect("media-item", election.slug, item.pk)
    elif request.method == "POST":
        try:
            tones = {}
            taken_out = set(
                item.codings.filter(coder_id=request.user.pk, removed=True).values_list(
                    "subject_id", flat=True
                )
            )
            for proposal in proposals:
                if proposal.subject_id in taken_out:
                    continue
                value = request.POST.get(f"tone-{proposal.subject_id}", "")
                tones[proposal.subject_id] = int(value)
            seconds = entered_seconds(request.POST, [p.subject_id for p in proposals])
            review.decide(
                item,
                request.user,
                genre=request.POST.get("genre", ""),
                tones=tones,
                seconds=seconds,
            )
        except SecondsError as exc:
            error = str(exc)
        except ValueError as exc:
            # int() of a missing tone and DecisionError both land here.
            error = (
                str(exc)
                if isinstance(exc, review.DecisionError)
                else _("choose a tone for every subject")
            )
        else:
            messages.success(request, _("Codes for “%(item)s” saved.") % {"item": item})
            following = review.queue_for(election, request.user).exclude(pk=item.pk).first()
            if following is not None:
                return redirect("media-item", election.slug, following.pk)
            return redirect("media-queue", election.slug)
    machine = item.machine or {}
    spans: list[tuple[int, int, str, str]] = [
        (
            e["start"],
            e["end"],
            e["tone"],
            f"{found['name']}: {TONE_WORDS.get(e['tone'], e['tone'])}",
        )
        for found in machine.get("subjects", [])
        for e in found.get("evidence", [])
    ]
    fixes = list(review.corrections(item))
    for fix in fixes:
        has_span = fix.span_start is not None and fix.span_end is not None
        fix.mention = item.text[fix.span_start : fix.span_end] if has_span else ""  # type: ignore[attr-defined,misc]
    spans += [
        (
            c.span_start,
            c.span_end,
            review.TONE_NAMES[c.tone],
            f"{c.subject.name}: {TONE_WORDS[review.TONE_NAMES[c.tone]]} ({c.coder})",
        )
        for c in fixes
        if c.span_start is not None and c.span_end is not None and not c.removed
    ]
    removed_ids = {c.subject_id for c in fixes if c.removed and c.coder_id == request.user.pk}
    rows: list[dict[str, Any]] = []
    for proposal in proposals:
        detail: dict[str, Any] = next(
            (s for s in machine.get("subjects", []) if s["subject_id"] == proposal.subject.key), {}
        )
        counted = [(TONE_WORDS.get(t, t), n) for t, n in detail.get("tone_counts", {}).items()]
        rows.append({"coding": proposal, "detail": detail, "tone_counts": counted})
    human = item.codings.filter(is_machine=False).select_related("subject", "coder")
    return render(
        request,
        "media/item.html",
        {
            "election": election,
            "item": item,
            "text": highlighted(item.text, spans),
            "rows": rows,
            "human": human,
            "reviews": item.reviews.select_related("coder"),
            "can_code": can_code and not already and item.status != Item.Status.CONFIRMED,
            "already": already,
            "genres": GENRES,
            "tones": TONE_CHOICES,
            "error": error,
            "machine": machine,
            "broadcast": bool(item.outlet and item.outlet.is_broadcast)
            or bool(item.transcript_format),
            "can_correct": can_code,
            "corrections": fixes,
            "removed_ids": removed_ids,
            "subjects": Subject.objects.filter(election=election).order_by("name"),
            "found": [c.subject for c in proposals if c.subject_id not in removed_ids],
        },
        status=400 if error else 200,
    )


@login_required
def media_report(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, _access, _can_code = media_for_user(request, slug)
    request.election = election
    outlets = []
    for report in coverage(election):
        bars = [
            ToneBar(s.name, s.tone["positive"], s.tone["neutral"], s.tone["negative"])
            for s in report.subjects
        ]
        title = _("Tone toward each subject in %(outlet)s (items)") % {"outlet": report.outlet}
        chart = tone_bars(bars, title=title, words=chart_words())
        outlets.append({"report": report, "chart": mark_safe(chart)})  # built from escaped parts
    days, series = trend(election)
    # More than eight lines is unreadable; the most covered subjects are the story.
    series = dict(list(series.items())[:TREND_SUBJECTS])
    trend_chart = trend_lines(
        days, series, title=_("Items per day mentioning each subject"), words=chart_words()
    )
    return render(
        request,
        "media/report.html",
        {"election": election, "outlets": outlets, "trend": mark_safe(trend_chart)},
    )


@login_required
def media_reliability(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, _access, _can_code = media_for_user(request, slug)
    request.election = election
    return render(
        request,
        "media/reliability.html",
        {
            "election": election,
            "result": review.reliability(election),
            "every": intake.double_code_every(election),
            "pending": review.pending_double_coding(election),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def media_export(request: PollwatchRequest, slug: str) -> StreamingHttpResponse:
    election, _access, _can_code = media_for_user(request, slug)
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in coding_rows(election)), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="{election.slug}-media-codings.csv"'
    return response


@login_required
def media_training(request: PollwatchRequest, slug: str) -> HttpResponse:
    """The monitors' confirmed tones as JSONL targets for `pollwatch media train`."""
    election, _access, _can_code = media_for_user(request, slug)
    lines = (json.dumps(target, ensure_ascii=False) + "\n" for target in training_targets(election))
    response = HttpResponse("".join(lines), content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{election.slug}-tone-targets.jsonl"'
    return response
