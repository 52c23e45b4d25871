from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pollwatch.accounts.http import PollwatchRequest
from pollwatch.elections.forms import ImportForm, ImportOptionsForm, MappingForm
from pollwatch.elections.importers import create_job_from_upload, fail_stale_jobs, frame_preview
from pollwatch.elections.models import Area, Candidate, ImportJob, PollingStation
from pollwatch.elections.now import attention
from pollwatch.elections.setup_views import can_set_up
from pollwatch.lib.columns import PRESET_NAMES
from pollwatch.lib.tabular import TableError, errors_as_csv
from pollwatch.observers.access import (
    areas_for,
    can_deploy,
    deployments_for,
    election_for_user,
    incidents_for,
    station_for_user,
    stations_for,
    submissions_for,
)
from pollwatch.submissions.clerk import calls_context

PAGE_SIZE = 50
SEARCH_COUNT_CAP = 1000
STATION_REPORTS_SHOWN = 50  # the rest through the Submissions search, ?station=<code>


@login_required
def election_home(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, access = election_for_user(request, slug)
    request.election = election
    top = areas_for(access).filter(level=1).order_by("code")
    totals = {
        "stations": sum(a.station_count for a in top),
        "registered_voters": sum(a.registered_voters for a in top),
        "areas": areas_for(access).count(),
    }
    return render(
        request,
        "elections/home.html",
        {
            "election": election,
            "access": access,
            "areas": top,
            "totals": totals,
            "missions": election.missions.all(),
            "candidates": _candidates(election),
            "can_set_up": can_set_up(access),
            "now": attention(access, _user(request)),
        },
    )


@login_required
def election_now(request: PollwatchRequest, slug: str) -> HttpResponse:
    """The home's "needs attention now" panel alone, for its refresh every 30 seconds."""
    election, access = election_for_user(request, slug)
    request.election = election
    context = {"election": election, "now": attention(access, _user(request))}
    return render(request, "elections/_now.html", context)


def _user(request: PollwatchRequest) -> User:
    """The signed-in user (the views asking are behind ``login_required``)."""
    return cast(User, request.user)


def _candidates(election):
    return Candidate.objects.filter(contest__election=election).select_related("contest")


@login_required
def area_children(request: PollwatchRequest, slug: str, code: str) -> HttpResponse:
    election, access = election_for_user(request, slug)
    area = areas_for(access).filter(code=code).first()
    if area is None:
        raise Http404("No such area")
    children = area.children.order_by("code")
    return render(
        request,
        "elections/_area_rows.html",
        {"election": election, "areas": children, "access": access},
    )


def _subtree_ids(area: Area) -> list[int]:
    return list(
        Area.objects.filter(election_id=area.election_id, path__startswith=area.path).values_list(
            "pk", flat=True
        )
    )


def search_stations(stations: QuerySet[PollingStation], query: str) -> QuerySet[PollingStation]:
    """Stations whose code starts with the query (as typed or upper-cased); failing that, whose name contains it.

    Codes are tried first because an index answers them at any size; a name
    search scans (PostgreSQL's trigram index speeds it up).
    """
    prefix = Q(pk__in=[])
    for variant in {query, query.upper()}:
        if connection.vendor == "sqlite":
            # SQLite's LIKE ignores case and so cannot use the code index; a binary range can.
            prefix |= Q(code__gte=variant, code__lt=variant + "\U0010ffff")
        else:
            prefix |= Q(code__startswith=variant)
    by_code = stations.filter(prefix)
    if by_code.exists():
        return by_code
    return stations.filter(name__icontains=query)


@login_required
def stations(request: PollwatchRequest, slug: str) -> HttpResponse:
    """Keyset-paged station list: stays fast at a million rows (no OFFSET, no full COUNT)."""
    election, access = election_for_user(request, slug)
    request.election = election
    if not access.can_view_stations():
        raise PermissionDenied
    query = request.GET.get("q", "").strip()[:100]
    area_code = request.GET.get("area", "").strip()
    after = request.GET.get("after", "")
    before = request.GET.get("before", "")
    qs = stations_for(access)
    area = None
    if area_code:
        area = areas_for(access).filter(code=area_code).first()
        if area is None:
            raise Http404("No such area")
        qs = qs.filter(area_id__in=_subtree_ids(area))
    if query:
        qs = search_stations(qs, query)
    qs = qs.select_related("area")
    if before:
        page = list(qs.filter(code__lt=before).order_by("-code")[: PAGE_SIZE + 1])
        has_previous = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE][::-1]
        has_next = True
    else:
        following = qs.filter(code__gt=after) if after else qs
        page = list(following.order_by("code")[: PAGE_SIZE + 1])
        has_next = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE]
        has_previous = bool(after)
    if query or not access.mission_wide:
        count = qs.order_by().values("pk")[: SEARCH_COUNT_CAP + 1].count()
        count_capped = count > SEARCH_COUNT_CAP
        station_count = min(count, SEARCH_COUNT_CAP)
    else:
        total = (
            area.station_count
            if area
            else sum(areas_for(access).filter(level=1).values_list("station_count", flat=True))
        )
        count_capped = False
        station_count = total
    context = {
        "election": election,
        "access": access,
        "stations": page,
        "query": query,
        "area": area,
        "station_count": station_count,
        "count_capped": count_capped,
        "next_after": page[-1].code if page and has_next else "",
        "previous_before": page[0].code if page and has_previous else "",
        "regions": areas_for(access).filter(level=1).order_by("code"),
    }
    template = (
        "elections/_stations_table.html"
        if request.htmx and not request.htmx.boosted
        else "elections/stations.html"
    )
    return render(request, template, context)


@login_required
def station_detail(request: PollwatchRequest, slug: str, code: str) -> HttpResponse:
    station, can_write = station_for_user(request, slug, code)
    request.election = station.election
    ancestors = Area.objects.filter(
        election_id=station.election_id, code__in=[c for c in station.area_path.split("/") if c]
    ).order_by("level")
    _election, access = election_for_user(request, slug)
    deployments = (
        deployments_for(access).filter(station=station).select_related("membership__person")
    )
    reports = (
        submissions_for(access)
        .filter(station=station)
        .select_related("form", "observer__person")
        .order_by("-created", "-pk")
    )
    return render(
        request,
        "elections/station.html",
        {
            "station": station,
            "can_write": can_write,
            "ancestors": ancestors,
            "deployments": deployments,
            "can_deploy": can_deploy(access),
            "reports": reports[:STATION_REPORTS_SHOWN],
            "report_count": reports.count(),
            "incidents": incidents_for(access)
            .filter(station=station)
            .select_related("station", "submission__form")
            .order_by("-created")[:STATION_REPORTS_SHOWN],
            "election": station.election,
            # The call log (submissions/clerk.py): calls about this station, for those who may.
            **calls_context(access, station=station),
            "call_people": [d.membership.person for d in deployments],
            "call_stations": None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def imports(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, access = election_for_user(request, slug)
    request.election = election
    if not access.can_import():
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # Stored raw first; nothing is read until the columns are confirmed.
        job = create_job_from_upload(
            election,
            form.cleaned_data["kind"],
            upload,
            {
                "encoding": form.cleaned_data["encoding"] or "utf-8",
                "replace": form.cleaned_data["replace"],
            },
            user=request.user,
        )
        job.status = ImportJob.Status.MAPPING
        job.save(update_fields=["status"])
        messages.info(
            request,
            _("%(name)s stored (sha256 %(hash)s…). Check which column is which, then import.")
            % {"name": upload.name, "hash": job.sha256[:12]},
        )
        return redirect("import-mapping", slug=election.slug, pk=job.pk)
    fail_stale_jobs(election)
    jobs = ImportJob.objects.filter(election=election)[:50]
    return render(
        request, "elections/imports.html", {"election": election, "form": form, "jobs": jobs}
    )


def _job_for(request: PollwatchRequest, slug: str, pk: int) -> ImportJob:
    election, access = election_for_user(request, slug)
    request.election = election
    if not access.can_import():
        raise PermissionDenied
    fail_stale_jobs(election)
    job = ImportJob.objects.filter(election=election, pk=pk).first()
    if job is None:
        raise Http404("No such import")
    return job


@login_required
def import_detail(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    job = _job_for(request, slug, pk)
    rows = []
    if job.errors_csv:
        import csv
        import io

        rows = list(csv.reader(io.StringIO(job.errors_csv)))[1:201]
    template = "elections/_import_status.html" if request.htmx else "elections/import.html"
    return render(request, template, {"job": job, "errors": rows, "election": job.election})


@login_required
def import_errors(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    job = _job_for(request, slug, pk)
    response = HttpResponse(job.errors_csv, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    """Which column is which: guessed (or remembered), shown with the first rows, confirmed by the admin."""
    job = _job_for(request, slug, pk)
    if job.kind == ImportJob.Kind.RESULTS:
        return redirect("official-mapping", slug=job.election.slug, pk=job.pk)
    if job.status != ImportJob.Status.MAPPING:
        return redirect("import", slug=job.election.slug, pk=job.pk)
    preset = request.GET.get("preset") if request.GET.get("preset") in PRESET_NAMES else None
    try:
        shown = frame_preview(job, preset)
    except TableError as exc:
        job.status = ImportJob.Status.FAILED
        job.message = f"The file cannot be read: {exc}. Nothing was imported."
        job.error_count = 1
        job.errors_csv = errors_as_csv([exc.error])
        job.finished = timezone.now()
        job.save(update_fields=["status", "message", "error_count", "errors_csv", "finished"])
        return redirect("import", slug=job.election.slug, pk=job.pk)
    people = job.kind == ImportJob.Kind.PEOPLE
    data = request.POST if request.method == "POST" else None
    form = MappingForm(shown.header, shown.fields, data, initial=shown.mapping)
    choices = ImportOptionsForm(data, people=people)
    if data is not None and form.is_valid() and choices.is_valid():
        job.options = {
            **job.options,
            "mapping": form.mapping(),
            "keep_extra": choices.cleaned_data["keep_extra"],
            **({"default_role": choices.cleaned_data["default_role"]} if people else {}),
        }
        job.status = ImportJob.Status.QUEUED
        job.save(update_fields=["options", "status"])
        from pollwatch.elections.tasks import run_import

        run_import.enqueue(job.pk)
        messages.info(
            request,
            _("%(name)s queued for import with your mapping.") % {"name": job.original_name},
        )
        return redirect("import", slug=job.election.slug, pk=job.pk)
    return render(
        request,
        "elections/mapping.html",
        {
            "election": job.election,
            "job": job,
            "form": form,
            "choices": choices,
            "preview": shown,
            "presets": PRESET_NAMES,
        },
    )
