"""The sample page: draw the election's station sample in the app, or upload one; both recorded
through ``import_sample`` (the code of ``pollwatch import-sample``)."""

from __future__ import annotations

import datetime
import re
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods

from pollwatch.accounts.http import PollwatchRequest
from pollwatch.elections.setup_views import setup_for_user
from pollwatch.results.design import import_sample
from pollwatch.results.draw import (
    draw,
    per_stratum,
    record_draw,
    reports_in_design,
    samples_dir,
    station_frame,
    stratum_choices,
)
from pollwatch.results.models import SampleDesign, SampledStation
from pollwatch.results.sample_forms import DrawForm, SampleUploadForm
from pollwatch.stats.table import InputError


def _current(election) -> dict:
    design = SampleDesign.objects.filter(election=election).first()
    if design is None:
        return {"design": None}
    counts = {
        role.value: design.stations.filter(role=role).count()
        for role in (SampledStation.Role.SAMPLED, SampledStation.Role.RESERVE)
    }
    return {"design": design, "sampled": counts["sampled"], "reserves": counts["reserve"]}


def _replace_refused(election, confirmed: bool) -> str:
    reports = reports_in_design(election)
    if reports and not confirmed:
        return ngettext(
            "%(count)s report already came from the recorded sample's stations: tick "
            "“Replace the recorded sample” to replace it anyway.",
            "%(count)s reports already came from the recorded sample's stations: tick "
            "“Replace the recorded sample” to replace it anyway.",
            reports,
        ) % {"count": reports}
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def sample_draw(request: PollwatchRequest, slug: str) -> HttpResponse:
    """GET: the form; POST action=preview: the per-stratum table; POST action=save: record it."""
    election, _ = setup_for_user(request, slug)
    choices = stratum_choices(election)
    data = request.POST if request.method == "POST" and "stratum" in request.POST else None
    form = DrawForm(choices, data)
    preview = None
    problem = ""
    if data is not None and form.is_valid():
        spec = form.spec()
        try:
            started = time.perf_counter()
            frame = station_frame(election, spec.stratum)
            result, size, sizing = draw(spec, frame)
            elapsed = time.perf_counter() - started
        except ValueError as exc:
            problem = str(exc)
        else:
            if request.POST.get("action") == "save":
                problem = _replace_refused(election, form.cleaned_data["replace"])
                if not problem:
                    design = record_draw(election, spec, actor=request.user.get_username())
                    messages.success(
                        request,
                        gettext(
                            "Sample recorded: %(sampled)s sampled and %(reserves)s reserve "
                            "stations, seed %(seed)s (%(method)s)."
                        )
                        % {
                            "sampled": len(result.sampled),
                            "reserves": len(result.reserve),
                            "seed": spec.seed,
                            "method": design.get_method_display(),
                        },
                    )
                    return redirect("sample-draw", slug=slug)
            preview = {
                "rows": per_stratum(frame, result),
                "size": size,
                "sizing": sizing,
                "sampled": len(result.sampled),
                "reserves": len(result.reserve),
                "frame": len(frame.codes),
                "seconds": elapsed,
                "spec": spec,
            }
    return render(
        request,
        "results/sample_draw.html",
        {
            "election": election,
            "form": form,
            "preview": preview,
            "problem": problem,
            "upload_form": SampleUploadForm(),
            "reports": reports_in_design(election),
            **_current(election),
        },
    )


@login_required
@require_http_methods(["POST"])
def sample_upload(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Record an uploaded sample file through ``import_sample``; every faulty row is listed."""
    election, _ = setup_for_user(request, slug)
    upload_form = SampleUploadForm(request.POST, request.FILES)
    problems: list[str] = []
    if upload_form.is_valid():
        refused = _replace_refused(election, upload_form.cleaned_data["replace"])
        if refused:
            problems = [refused]
        else:
            upload = upload_form.cleaned_data["file"]
            stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S")
            safe = re.sub(r"[^A-Za-z0-9._-]", "_", upload.name)[-100:]
            path = samples_dir(election) / f"upload-{stamp}-{safe}"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            try:
                design = import_sample(election, path, actor=request.user.get_username())
            except InputError as exc:
                problems = [str(p) for p in exc.problems]
                path.unlink(missing_ok=True)
            except ValueError as exc:
                problems = [str(exc)]
                path.unlink(missing_ok=True)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Sample recorded from %(file)s: %(method)s in %(strata)s stratum.",
                        "Sample recorded from %(file)s: %(method)s in %(strata)s strata.",
                        len(design.strata),
                    )
                    % {
                        "file": upload.name,
                        "method": design.get_method_display(),
                        "strata": len(design.strata),
                    },
                )
                return redirect("sample-draw", slug=slug)
    return render(
        request,
        "results/sample_draw.html",
        {
            "election": election,
            "form": DrawForm(stratum_choices(election)),
            "preview": None,
            "problem": "",
            "upload_form": upload_form,
            "upload_problems": problems,
            "reports": reports_in_design(election),
            **_current(election),
        },
        status=400 if problems or upload_form.errors else 200,
    )
