"""Election-night analysis pages: quick count, exit polls, official results, forensics, findings, charts.

Every view asks ``analysis_for_user`` who may see or change what; figures
come from ``estimates``, ``official``, ``findings`` and stored forensic runs.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_http_methods, require_POST

from pollwatch.accounts.http import PollwatchRequest, signed_in
from pollwatch.audit.models import record
from pollwatch.elections.importers import create_job_from_upload, fail_stale_jobs
from pollwatch.elections.models import ImportJob
from pollwatch.elections.zone import zone_exempt
from pollwatch.lib.charts import nothing_yet, render_png, render_svg
from pollwatch.lib.tabular import TableError, errors_as_csv
from pollwatch.results import charts
from pollwatch.results.access import analysis_for_user, can_analyse
from pollwatch.results.estimates import candidates_for, exit_poll_for, quick_count_for
from pollwatch.results.forms import MappingForm, PublishedPollForm, ResultsUploadForm
from pollwatch.results.models import ForensicsRun, PublishedPoll
from pollwatch.results.wording import localised_forensics, localised_warnings


@login_required
def quick_count(request: PollwatchRequest, slug: str) -> HttpResponse:
    """The live quick count: estimates, lead, call, convergence, coverage; refreshed by HTMX."""
    election, access = analysis_for_user(request, slug)
    from pollwatch.results.presenters import quick_count_context

    context = {
        "election": election,
        "can_analyse": can_analyse(access),
        **quick_count_context(election, quick_count_for(election)),
    }
    template = "results/_quick_count.html" if request.htmx else "results/quick_count.html"
    return render(request, template, context)


@login_required
@require_POST
def confirm_sample_design(request: PollwatchRequest, slug: str) -> HttpResponse:
    """An analyst or admin confirms the inferred sample design, as ``pollwatch confirm-sample`` does (audited)."""
    election, _ = analysis_for_user(request, slug, change=True)
    from pollwatch.results.design import confirm_design

    design = confirm_design(election, request.user)
    if design.source == "inferred":
        messages.success(
            request, gettext("Sample design confirmed; the quick count no longer flags it.")
        )
    else:
        messages.info(
            request, gettext("This election's sample design was imported; confirmed as it stands.")
        )
    return redirect("quick-count", slug=election.slug)


@login_required
@require_http_methods(["GET", "POST"])
def exit_polls(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Our exit poll and the figures others announced, each with a verdict against our intervals."""
    election, access = analysis_for_user(request, slug)
    candidates = candidates_for(election)
    form = PublishedPollForm(candidates, request.POST or None)
    if request.method == "POST":
        if not can_analyse(access):
            return HttpResponse(
                gettext("Only analysts and admins enter published polls."), status=403
            )
        if form.is_valid():
            poll = form.save(election, request.user)
            record(
                "published_poll.created",
                actor=request.user.get_username(),
                election_id=election.pk,
                obj=poll,
                payload={"source": poll.source, "shares": poll.shares},
            )
            messages.success(
                request,
                gettext("Recorded the %(kind)s by %(source)s.")
                % {"kind": poll.get_kind_display(), "source": poll.source},
            )
            return redirect("exit-polls", slug=election.slug)
    from pollwatch.results.presenters import published_verdicts

    own = exit_poll_for(election)
    qc = quick_count_for(election)
    context = {
        "election": election,
        "own": own,
        "own_rows": _estimate_rows(own),
        "polls": published_verdicts(election, qc, own),
        "form": form,
        "can_analyse": can_analyse(access),
    }
    return render(request, "results/exit_polls.html", context)


def _estimate_rows(data: dict) -> list[dict]:
    from pollwatch.results.presenters import share_rows

    return share_rows(data) if data.get("available") else []


@login_required
def official(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Official results against our quick count, nationally and by region."""
    election, access = analysis_for_user(request, slug)
    from pollwatch.results.official import comparison

    context = {
        "election": election,
        "comparison": comparison(election),
        "jobs": ImportJob.objects.filter(election=election, kind=ImportJob.Kind.RESULTS)[:10],
        "can_analyse": can_analyse(access),
        "upload": ResultsUploadForm(),
    }
    return render(request, "results/official.html", context)


@login_required
@require_POST
def official_upload(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Store the file raw (sha256) and go to the column-mapping screen; nothing is imported yet."""
    election, access = analysis_for_user(request, slug, change=True)
    form = ResultsUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        # The file and the encoding: an unknown encoding is refused here, never read.
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("official", slug=election.slug)
    job = create_job_from_upload(
        election,
        ImportJob.Kind.RESULTS,
        form.cleaned_data["file"],
        {"encoding": form.cleaned_data["encoding"] or "utf-8"},
        user=request.user,
    )
    job.status = ImportJob.Status.MAPPING
    job.save(update_fields=["status"])
    return redirect("official-mapping", slug=election.slug, pk=job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def official_mapping(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    """Which column holds what: guessed, checked on the first rows, confirmed by the analyst."""
    election, access = analysis_for_user(request, slug, change=True)
    job = get_object_or_404(ImportJob, election=election, pk=pk, kind=ImportJob.Kind.RESULTS)
    from pollwatch.results.importers import MappingPreview, preview

    try:
        shown: MappingPreview = preview(job)
    except (TableError, UnicodeDecodeError, ValueError) as exc:
        # An unreadable file, or one over the MAX_IMPORT_* limits (e.g. too many columns to
        # map), is refused with the row at fault, not a 500 or a page too big to use.
        job.status = ImportJob.Status.FAILED
        job.message = f"The file cannot be read: {exc}. Nothing was imported."
        job.error_count = 1
        job.errors_csv = errors_as_csv([exc.error]) if isinstance(exc, TableError) else ""
        job.finished = timezone.now()
        job.save(update_fields=["status", "message", "error_count", "errors_csv", "finished"])
        messages.error(request, f"{job.original_name}: {job.message}")
        return redirect("official", slug=election.slug)
    form = MappingForm(shown.header, shown.fields, request.POST or None, initial=shown.mapping)
    warnings = shown.warnings
    if request.method == "POST" and job.status == ImportJob.Status.MAPPING and form.is_valid():
        mapping = form.mapping()
        from pollwatch.results.importers import check

        warnings = check(job, mapping)
        blocking = [w for w in warnings if w["severity"] == "error"]
        if blocking and not form.cleaned_data.get("confirm"):
            messages.error(
                request,
                gettext(
                    "The mapping looks wrong (see below). Fix it, or tick the box to import anyway."
                ),
            )
        else:
            job.options = {**job.options, "mapping": mapping, "warnings": warnings}
            job.status = ImportJob.Status.QUEUED
            job.save(update_fields=["options", "status"])
            from pollwatch.elections.tasks import run_import

            run_import.enqueue(job.pk)
            messages.info(
                request,
                gettext("%(name)s queued for import with your mapping.")
                % {"name": job.original_name},
            )
            return redirect("official-import", slug=election.slug, pk=job.pk)
    return render(
        request,
        "results/mapping.html",
        {
            "election": election,
            "job": job,
            "form": form,
            "preview": shown,
            "warnings": localised_warnings(warnings),
            "blocking": any(w["severity"] == "error" for w in warnings),
        },
    )


@login_required
def discrepancies(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Stations where the official protocol differs from our observer's copy, largest first."""
    election, _ = analysis_for_user(request, slug)
    from pollwatch.results.official import discrepancy_report

    context = {
        "election": election,
        "report": discrepancy_report(election),
    }
    return render(request, "results/discrepancies.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def forensics(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Every forensic test on the official results with its reading and pictures; runs in the worker."""
    election, access = analysis_for_user(request, slug)
    if request.method == "POST":
        if not can_analyse(access):
            return HttpResponse(gettext("Only analysts and admins run forensics."), status=403)
        from pollwatch.results.tasks import request_forensics

        run, queued = request_forensics(election, signed_in(request))
        if queued:
            messages.info(
                request, gettext("Forensic tests queued; this page shows their progress.")
            )
        else:
            messages.info(
                request,
                gettext(
                    "Forensic tests asked for earlier are still %(status)s: one run at a time; "
                    "this page shows its progress."
                )
                % {"status": run.status},
            )
        return redirect("forensics", slug=election.slug)
    from pollwatch.results.presenters import latest_forensics
    from pollwatch.results.tasks import settle_dead_runs

    settle_dead_runs(election)  # so the page never shows a dead run as still queued
    latest = (
        ForensicsRun.objects.filter(election=election).defer("result").order_by("-created").first()
    )
    done, figures = latest_forensics(election)
    # The context is cached in English with its sentences' keys: say them in the reader's language.
    figures = localised_forensics(figures)
    context = {
        "election": election,
        "latest": latest,
        "run": done,
        "can_analyse": can_analyse(access),
        **figures,
    }
    if request.htmx:
        return render(request, "results/_forensics_status.html", context)
    return render(request, "results/forensics.html", context)


@login_required
def findings(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Checklist answers as shares of observed stations with intervals, by phase and region."""
    election, _ = analysis_for_user(request, slug)
    from pollwatch.results.findings import findings_for
    from pollwatch.results.presenters import findings_pick

    data = findings_for(election)
    context = {
        "election": election,
        "findings": data,
        "pick": findings_pick(data, request.GET.get("phase", ""), request.GET.get("region", "")),
    }
    template = "results/_findings_pick.html" if request.htmx else "results/findings.html"
    return render(request, template, context)


@login_required
def findings_csv(request: PollwatchRequest, slug: str) -> HttpResponse:
    """The whole findings table (every phase, finding and region) as CSV, for those who read it
    all: the page shows one phase and region at a time."""
    election, _ = analysis_for_user(request, slug)
    import csv
    import io

    from pollwatch.lib.spreadsheet_safe import safe_row
    from pollwatch.results.findings import findings_for
    from pollwatch.results.presenters import FINDINGS_CSV_HEADER, findings_csv_rows

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FINDINGS_CSV_HEADER)
    writer.writerows(safe_row(row) for row in findings_csv_rows(findings_for(election)))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{election.slug}-findings.csv"'
    return response


@zone_exempt
@login_required
def chart(request: PollwatchRequest, slug: str, name: str, fmt: str) -> HttpResponse:
    """One analysis chart as SVG or PNG: shown in the pages (``?v=`` its data version) or downloaded.

    The pages load their charts as images, so a page answers without waiting
    for its charts, and a chart is drawn once per change of its data.
    """
    election, _ = analysis_for_user(request, slug)
    if name not in charts.CHARTS or fmt not in ("svg", "png"):
        raise Http404("No such chart")
    shown_in_page = "v" in request.GET
    if fmt == "svg":
        body = charts.svg(name, election)
        if not body:
            if not shown_in_page:
                raise Http404("Nothing to draw yet")
            body = render_svg(
                nothing_yet(
                    gettext(charts.TITLES[name]),
                    width=charts.PAGE_WIDTHS[name],
                    words=charts.words(),
                )
            )
        response = HttpResponse(body, content_type="image/svg+xml")
    else:
        built = charts.CHARTS[name](election, width=charts.PAGE_WIDTHS[name])
        if built is None:
            raise Http404("Nothing to draw yet")
        response = HttpResponse(render_png(built), content_type="image/png")
    # Its words are in the reader's language (the URL's version carries it too).
    response["Content-Language"] = get_language() or settings.LANGUAGE_CODE
    if shown_in_page:
        # The URL carries the data version and the language: a new version is a new URL.
        response["Cache-Control"] = "private, max-age=3600"
    else:
        response["Content-Disposition"] = f'attachment; filename="{election.slug}-{name}.{fmt}"'
    return response


@login_required
@require_POST
def delete_published_poll(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    election, _ = analysis_for_user(request, slug, change=True)
    poll = get_object_or_404(PublishedPoll, election=election, pk=pk)
    record(
        "published_poll.deleted",
        actor=request.user.get_username(),
        election_id=election.pk,
        obj=poll,
        payload={"source": poll.source, "shares": poll.shares},
    )
    poll.delete()
    return redirect("exit-polls", slug=election.slug)


@login_required
def official_import(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    """An official-results import: progress, outcome, mapping warnings and refused rows."""
    election, _ = analysis_for_user(request, slug, change=True)
    fail_stale_jobs(election)
    job = get_object_or_404(ImportJob, election=election, pk=pk, kind=ImportJob.Kind.RESULTS)
    import csv
    import io

    errors = list(csv.reader(io.StringIO(job.errors_csv)))[1:201] if job.errors_csv else []
    if request.GET.get("errors") == "csv":
        response = HttpResponse(job.errors_csv, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="official-{job.pk}-errors.csv"'
        return response
    context = {
        "election": election,
        "job": job,
        "errors": errors,
        "warnings": localised_warnings((job.options or {}).get("warnings", [])),
    }
    template = "results/_import_status.html" if request.htmx else "results/import.html"
    return render(request, template, context)
