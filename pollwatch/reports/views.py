"""The preliminary statement: drafted from the data, edited by analysts, published as HTML and PDF."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import get_language, get_language_info, gettext
from django.views.decorators.http import require_http_methods

from pollwatch.accounts.http import PollwatchRequest, signed_in
from pollwatch.audit.models import record
from pollwatch.reports.gate import REASON_MAX, Blocker, override_refusal, publication_blockers
from pollwatch.reports.models import Statement
from pollwatch.reports.render import document_context, draft_pdf, render_html, render_pdf
from pollwatch.results.access import (
    analysis_for_user,
    can_analyse,
    can_see_analysis,
    published_for_user,
)
from pollwatch.results.freshness import in_place

TITLE_MAX = 300


@login_required
@require_http_methods(["GET", "POST"])
def statements(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, access = published_for_user(request, slug)
    if request.method == "POST":
        if not can_analyse(access):
            return HttpResponse(gettext("Only analysts and admins write statements."), status=403)
        title = (request.POST.get("title") or "").strip()[:TITLE_MAX] or (
            gettext("Preliminary statement on the %(name)s") % {"name": election.name}
        )
        statement = Statement.objects.create(
            election=election, title=title, created_by=signed_in(request)
        )
        record(
            "statement.created",
            actor=request.user.get_username(),
            election_id=election.pk,
            obj=statement,
            payload={"title": title},
        )
        return redirect("statement", slug=election.slug, pk=statement.pk)
    return render(
        request,
        "reports/statements.html",
        {
            "election": election,
            "statements": _readable(Statement.objects.filter(election=election), access),
            "can_analyse": can_analyse(access),
        },
    )


def _statement(request: PollwatchRequest, slug: str, pk: int, *, change: bool = False):
    """(statement, access); partners reach published statements only (drafts are 404), and
    change nothing (403)."""
    if change:
        election, access = analysis_for_user(request, slug, change=True)
    else:
        election, access = published_for_user(request, slug)
    statements = _readable(Statement.objects.filter(election=election), access)
    return get_object_or_404(statements, pk=pk), access


def _readable(statements, access):
    """Every statement for the analysis roles; the published ones for partners."""
    if can_see_analysis(access):
        return statements
    return statements.filter(status=Statement.Status.PUBLISHED)


@login_required
@require_http_methods(["GET", "POST"])
def statement(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    """The statement as it reads now, and (for analysts, while in draft) its text per section."""
    item, access = _statement(request, slug, pk, change=request.method == "POST")
    if request.method == "POST":
        if item.status == Statement.Status.PUBLISHED:
            messages.error(
                request, gettext("A published statement cannot be changed; start a new one.")
            )
            return redirect("statement", slug=slug, pk=pk)
        texts = dict(item.texts)
        for key in request.POST:
            if not key.startswith("text_"):
                continue
            section = key.removeprefix("text_")
            text = request.POST.get(key, "").replace("\r\n", "\n")
            # Text left as drafted keeps following the data; edited text is the analyst's.
            if (
                text.strip()
                == request.POST.get(f"draft_{section}", "").replace("\r\n", "\n").strip()
            ):
                texts.pop(section, None)
            else:
                texts[section] = text
        if request.POST.get("title"):
            item.title = request.POST["title"].strip()[:TITLE_MAX]
        item.texts = texts
        item.save(update_fields=["texts", "title", "updated"])
        record(
            "statement.edited",
            actor=request.user.get_username(),
            election_id=item.election_id,
            obj=item,
            payload={"sections": sorted(texts)},
        )
        messages.success(request, gettext("Saved."))
        return redirect("statement", slug=slug, pk=pk)
    if item.status == Statement.Status.PUBLISHED:
        context = {"statement": item, "election": item.election, "frozen": item.html}
    else:
        context = document_context(item)
    context["can_edit"] = can_analyse(access) and item.status == Statement.Status.DRAFT
    context["can_analyse"] = can_analyse(access)
    return render(request, "reports/statement.html", context)


@login_required
def statement_pdf(request: PollwatchRequest, slug: str, pk: int) -> HttpResponseBase:
    item, _ = _statement(request, slug, pk)
    filename = f"{item.election.slug}-statement-{item.pk}.pdf"
    if item.status == Statement.Status.PUBLISHED and item.pdf_path:
        path = Path(settings.MEDIA_ROOT) / item.pdf_path
        return FileResponse(path.open("rb"), content_type="application/pdf", filename=filename)
    response = HttpResponse(draft_pdf(item), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def statement_publish(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    """The publish page (what blocks publication, the override); POST publishes when nothing
    blocks, or with an override reason, and otherwise answers 409 and changes nothing."""
    item, _ = _statement(request, slug, pk, change=True)
    if item.status == Statement.Status.PUBLISHED:
        return redirect("statement", slug=slug, pk=pk)
    reason = request.POST.get("reason", "").strip()
    # The gate and the published figures are both current: nothing a background refresh behind,
    # and the published statement rests on the data up to the audit head it prints.
    with in_place():
        blockers = publication_blockers(item.election)
        refusal = (
            override_refusal(blockers, reason, request.POST.getlist("acknowledged"))
            if request.method == "POST"
            else None
        )
        if request.method == "POST" and refusal is None:
            _publish(request, item, blockers, reason)
            messages.success(request, gettext("Published. The HTML and PDF are now frozen."))
            return redirect("statement", slug=slug, pk=pk)
    preview = Statement(override_reason="…", overridden=[b.as_dict() for b in blockers])
    return render(
        request,
        "reports/publish.html",
        {
            "statement": item,
            "election": item.election,
            "blockers": blockers,
            "refusal": refusal,
            "reason": reason,
            "reason_max": REASON_MAX,
            "notice_preview": preview.override_notice,
        },
        status=409 if refusal else 200,
    )


def _publish(
    request: PollwatchRequest, item: Statement, blockers: list[Blocker], reason: str
) -> None:
    """Freeze the statement: its HTML, its PDF and the audit head; an override is stated and audited."""
    if blockers:
        item.override_reason = reason
        item.overridden = [blocker.as_dict() for blocker in blockers]
    item.status = Statement.Status.PUBLISHED
    item.published_at = timezone.now()
    item.language = get_language() or settings.LANGUAGE_CODE
    context = document_context(item, for_pdf=True)
    item.audit_head = context["audit_head"]
    item.html = render_to_string("reports/_document_body.html", context)
    pdf = render_pdf(item, render_to_string("reports/document.html", context))
    relative = f"statements/{item.election.slug}-{item.pk}-{item.published_at:%Y%m%dT%H%M%S}.pdf"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(pdf)
    item.pdf_path = relative
    payload: dict[str, object] = {"audit_head": item.audit_head, "title": item.title}
    if blockers:
        payload["override"] = {"reason": reason, "blockers": item.overridden}
    # Published and audited together, or neither: an override must never go unrecorded.
    with transaction.atomic():
        item.save()
        record(
            "statement.published",
            actor=request.user.get_username(),
            election_id=item.election_id,
            obj=item,
            payload=payload,
        )


def _published_html(item: Statement) -> str:
    """The frozen statement as one HTML file, marked with the language it was published in."""
    language = item.language or settings.LANGUAGE_CODE
    direction = ' dir="rtl"' if get_language_info(language)["bidi"] else ""
    return (
        f'<!doctype html><html lang="{escape(language)}"{direction}><head><meta charset="utf-8">'
        f"<title>{escape(item.title)}</title></head><body>{item.html}</body></html>"
    )


@login_required
def statement_html(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    """The statement as one standalone HTML file (download), charts inline."""
    item, _ = _statement(request, slug, pk)
    html = render_html(item) if item.status == Statement.Status.DRAFT else _published_html(item)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{item.election.slug}-statement-{item.pk}.html"'
    )
    return response
