"""The tone models page: versions per language with their figures, training, activation,
roll-back and re-coding (admins and coordinators; DESIGN §6.4)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pollwatch.accounts.http import PollwatchRequest
from pollwatch.elections.models import Election
from pollwatch.media import grouped, jobs, tonemodels
from pollwatch.media.access import can_manage_models, media_for_user
from pollwatch.media.models import Item, MediaJob, Outlet, ToneModel

LANGUAGE_FIELD = 8


def _manager(request: PollwatchRequest, slug: str) -> tuple[Election, bool]:
    election, access, can_code = media_for_user(request, slug)
    if not can_manage_models(access):
        raise PermissionDenied("Only coordinators and admins manage the tone models")
    request.election = election
    return election, can_code


def languages(election: Election) -> list[dict[str, Any]]:
    """Per language: its versions (newest first), confirmed codes, whether it may train."""
    tonemodels.ensure_shipped(election)
    rows = list(ToneModel.objects.filter(election=election).defer("data"))
    targets = list(jobs.training_targets(election))
    codes = Counter(str(t.get("language") or "") for t in targets)
    tones: dict[str, set[Any]] = {}
    for target in targets:
        tones.setdefault(str(target.get("language") or ""), set()).add(target.get("polarity"))
    seen = {r.language for r in rows} | set(codes)
    seen |= set(Item.objects.filter(election=election).values_list("language", flat=True))
    seen |= set(Outlet.objects.filter(election=election).values_list("language", flat=True))
    pending = Counter(
        Item.objects.filter(election=election, codings__tone_pending=True)
        .distinct()
        .values_list("language", flat=True)
    )
    result = []
    for language in sorted(seen - {""}):
        versions = [r for r in rows if r.language == language]
        present = len(tones.get(language, set()))
        result.append(
            {
                "language": language,
                "versions": versions,
                "active": next((r for r in versions if r.active), None),
                "previous": tonemodels.previous_version(election, language),
                "codes": codes[language],
                "tones": present,
                "can_train": codes[language] >= grouped.MIN_TARGETS
                and present >= grouped.MIN_CLASSES,
                "pending": pending[language],
            }
        )
    return result


@login_required
def media_models(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, can_code = _manager(request, slug)
    return render(
        request,
        "media/models.html",
        {
            "election": election,
            "can_code": can_code,
            "languages": languages(election),
            "jobs": MediaJob.objects.filter(election=election)[:10],
            "min_targets": grouped.MIN_TARGETS,
            "can_manage_models": True,
        },
    )


def _language(request: PollwatchRequest) -> str:
    language = request.POST.get("language", "").strip().lower()
    if not language or len(language) > LANGUAGE_FIELD or not language.isalpha():
        raise Http404("No such language")
    return language


@login_required
@require_http_methods(["POST"])
def media_model_train(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, _can_code = _manager(request, slug)
    language = _language(request)
    records = jobs.targets_for(election, language)
    try:
        grouped.check_enough(records)
    except grouped.NotEnoughCodes:
        messages.error(
            request,
            _(
                "Not enough confirmed codes in %(language)s to train: %(count)s, with "
                "%(tones)s of the three tones. Training needs at least %(minimum)s, with "
                "positive, neutral and negative all present."
            )
            % {
                "language": language,
                "count": len(records),
                "tones": len({r.get("polarity") for r in records}),
                "minimum": grouped.MIN_TARGETS,
            },
        )
        return redirect("media-models", election.slug)
    job, new = jobs.start_training(election, language, request.user)
    if new:
        messages.info(request, _("Training queued: progress below."))
    else:
        messages.info(request, _("A training is already queued or running."))
    return redirect("media-job", election.slug, job.pk)


def _model(election: Election, pk: int) -> ToneModel:
    row = ToneModel.objects.filter(election=election, pk=pk).defer("data").first()
    if row is None:
        raise Http404("No such tone model")
    return row


@login_required
@require_http_methods(["POST"])
def media_model_activate(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    election, _can_code = _manager(request, slug)
    row = _model(election, pk)
    tonemodels.make_active(row, request.user.username)
    messages.success(
        request,
        _("%(model)s is now the active tone model. Re-code the items to apply it.")
        % {"model": row.label},
    )
    return redirect("media-models", election.slug)


@login_required
@require_http_methods(["POST"])
def media_model_rollback(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, _can_code = _manager(request, slug)
    language = _language(request)
    previous = tonemodels.roll_back(election, language, request.user.username)
    if previous is None:
        messages.error(
            request,
            _("%(language)s has no earlier tone model to go back to.") % {"language": language},
        )
    else:
        messages.success(
            request,
            _("Rolled back to %(model)s. Re-code the items to apply it.")
            % {"model": previous.label},
        )
    return redirect("media-models", election.slug)


@login_required
@require_http_methods(["POST"])
def media_recode(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, _can_code = _manager(request, slug)
    reason = request.POST.get("reason", "")[:200]
    job, new = jobs.start_recode(election, request.user, reason)
    if new:
        messages.info(request, _("Re-coding queued: progress below. Human codes are kept."))
    else:
        messages.info(request, _("Re-coding is already queued or running."))
    return redirect("media-job", election.slug, job.pk)


@login_required
def media_job(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    election, can_code = _manager(request, slug)
    job = MediaJob.objects.filter(election=election, pk=pk).select_related("tone_model").first()
    if job is None:
        raise Http404("No such job")
    template = "media/_job.html" if request.headers.get("HX-Request") else "media/job.html"
    return render(
        request,
        template,
        {"election": election, "job": job, "can_code": can_code, "can_manage_models": True},
    )
