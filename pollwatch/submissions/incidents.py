"""The Incidents pages: the triage list, one incident with its timeline, and the map.

Reach comes from ``observers/access.py``: everyone with a role sees the incidents within
their reach (``incidents_for``); admins and coordinators change any, supervisors those
of their areas (``triage_incidents_for``). Filters are ``incident_search.py``; changes,
with their timeline entries and audit events, are ``triage.py``.

The list refreshes itself with HTMX every few seconds. The refresh asks with the page's
own filters and the rows ticked for a bulk change, so a tick survives it; a status set
on a row answers with that row as it now is.
"""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pollwatch.accounts.http import PollwatchRequest
from pollwatch.checklists.models import Form
from pollwatch.formspec.spec import PHASES
from pollwatch.lib.boundary import row_id
from pollwatch.lib.svgmap import MapArea, MapPoint, render_points
from pollwatch.observers.access import (
    Access,
    areas_within_reach,
    can_triage,
    election_for_user,
    incident_assignees,
    incident_for_user,
    incidents_for,
    triage_incidents_for,
)
from pollwatch.submissions import triage
from pollwatch.submissions.incident_search import (
    FILTERS,
    MINE,
    SORTS,
    UNASSIGNED,
    search_incidents,
)
from pollwatch.submissions.models import Incident

PER_PAGE = 50
REFRESH_SECONDS = 10
MAP_POINTS = 5000
SEVERITY_COLOURS = {1: "#4d7ea8", 2: "#c98a00", 3: "#d9480f", 4: "#a61e4d"}


def _user(request: PollwatchRequest) -> User:
    """The signed-in user (every view here is behind ``login_required``)."""
    return cast(User, request.user)


def _listing(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    # Forms by prefetch: fifty rows of the same form read its long definition once.
    return incidents.select_related(
        "station", "submission__observer__person", "assignee__person"
    ).prefetch_related("submission__form")


@login_required
def incidents(request: PollwatchRequest, slug: str) -> HttpResponse:
    """The triage list (GET); a status or assignee set on some rows (POST)."""
    election, access = election_for_user(request, slug)
    request.election = election
    if request.method == "POST":
        return _change(request, access)
    found = search_incidents(_listing(incidents_for(access)), access, _user(request), request.GET)
    page = Paginator(found.listed, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        **_list_context(request, access, page, found.for_counts, found.search.values),
        "search": found.search.values,
        "problems": found.search.problems,
    }
    if request.htmx:
        return render(request, "submissions/_incidents.html", context)
    status = 400 if found.search.problems else 200
    return render(request, "submissions/incidents.html", context, status=status)


def _list_context(
    request: PollwatchRequest,
    access: Access,
    page: Page,
    for_counts: QuerySet[Incident],
    search: dict[str, str],
) -> dict:
    election = access.election
    triager = can_triage(access)
    ticked = {row_id(v) for v in request.GET.getlist("incident")} if triager else set()
    return {
        "election": election,
        "page": page,
        "triager": triager,
        "ticked": ticked - {None},
        "query": _query(request.GET),
        "query_without_page": _query(request.GET, page=False) + "&"
        if _query(request.GET, page=False)
        else "",
        "refresh_seconds": REFRESH_SECONDS,
        "status_counts": _counts(
            for_counts, "status", Incident.Status.choices, request.GET, search["status"]
        ),
        "severity_counts": _counts(
            for_counts,
            "severity",
            sorted(Incident.Severity.choices, reverse=True),
            request.GET,
            search["severity"].lower(),
        ),
        "statuses": Incident.Status.choices,
        "severities": sorted(Incident.Severity.choices, reverse=True),
        "forms": Form.objects.filter(election=election, active=True).order_by("code"),
        "phases": [p for p in PHASES if p != "any"],
        "areas": areas_within_reach(access).filter(level__lte=2).order_by("path")[:500],
        "assignees": incident_assignees(election) if triager or access.mission_wide else [],
        "unassigned": UNASSIGNED,
        "mine": MINE,
        "sorts": list(SORTS),
    }


def _query(params: QueryDict, *, page: bool = True) -> str:
    """The page's filters and page number as a query string: what the refresh asks again."""
    kept = QueryDict(mutable=True)
    for name in (*FILTERS, "page") if page else FILTERS:
        value = params.get(name, "")
        if value:
            kept[name] = str(value)
    return kept.urlencode()


def _counts(
    incidents: QuerySet[Incident], field: str, choices, params: QueryDict, chosen: str
) -> list[dict]:
    """(value, label, how many, the link that shows them) per choice; the link of the choice
    already made clears it."""
    found = dict(incidents.order_by().values_list(field).annotate(n=Count("pk")))
    facets = []
    for value, label in choices:
        query = QueryDict(_query(params), mutable=True)
        query.pop("page", None)
        current = chosen in (str(value), label.lower())
        if current:
            query.pop(field, None)
        else:
            query[field] = str(label).lower() if field == "severity" else str(value)
        facets.append(
            {
                "label": label,
                "n": found.get(value, 0),
                "query": query.urlencode(),
                "current": current,
            }
        )
    return facets


def _change(request: PollwatchRequest, access: Access) -> HttpResponse:
    """Set a status and/or an assignee on the ticked incidents, all within reach or none."""
    if not can_triage(access):
        raise PermissionDenied
    ids = [row_id(v) for v in request.POST.getlist("incident")]
    status = request.POST.get("status", "")
    chosen = request.POST.get("assignee", "")
    problems = []
    if not ids or None in ids:
        problems.append(_("Tick at least one incident."))
    if status and status not in Incident.Status.values:
        problems.append(_("Status: %(status)s is not a status.") % {"status": repr(status)})
    mine = triage_incidents_for(access).filter(pk__in=[i for i in ids if i is not None])
    rows = list(mine.select_related("station", "assignee"))
    if not problems and len(rows) != len(set(ids)):
        problems.append(_("Some of these incidents are not yours to change (or no longer exist)."))
    assignee = _chosen_assignee(chosen, rows, problems)
    if not status and isinstance(assignee, triage.Unchanged) and not problems:
        problems.append(_("Choose a status or an assignee."))
    if problems:
        return _refused(request, problems)
    changed = triage.change_many(rows, _user(request), status=status or None, assignee=assignee)
    if request.htmx and len(rows) == 1 and request.htmx.target == f"status-{rows[0].pk}":
        return _status_cell(request, access, rows[0].pk)
    if request.htmx:
        response = render(
            request,
            "submissions/_bulk_result.html",
            {
                "message": ngettext(
                    "%(changed)s of %(total)s incident changed.",
                    "%(changed)s of %(total)s incidents changed.",
                    len(rows),
                )
                % {"changed": changed, "total": len(rows)}
            },
        )
        response["HX-Trigger"] = "incidents-changed"
        return response
    return redirect(_next(request))


def _chosen_assignee(chosen: str, rows: list[Incident], problems: list[str]):
    """The assignee field of a change: blank leaves it, "none" unassigns, else a username who
    may be given every one of ``rows``."""
    if not chosen:
        return triage.UNCHANGED
    if chosen == UNASSIGNED:
        return None
    allowed: User | None = None
    for incident in rows:
        allowed = (
            incident_assignees(incident.election, incident.station).filter(username=chosen).first()
        )
        if allowed is None:
            problems.append(
                _("Assignee: %(name)s may not be given the incident at %(station)s.")
                % {"name": repr(chosen), "station": incident.station.code}
            )
            return triage.UNCHANGED
    return allowed


def _refused(request: PollwatchRequest, problems: list[str]) -> HttpResponse:
    # htmx swaps in only a 2xx answer, so there the problems come with a 200.
    return render(
        request,
        "submissions/_bulk_result.html",
        {"problems": problems},
        status=200 if request.htmx else 400,
    )


def _status_cell(request: PollwatchRequest, access: Access, pk: int) -> HttpResponse:
    """The status cell of one row as it is now: what the row shows once "Set" is pressed."""
    return render(
        request,
        "submissions/_incident_status.html",
        {
            "i": Incident.objects.get(pk=pk),
            "election": access.election,
            "triager": True,
            "statuses": Incident.Status.choices,
            "next": _next(request),
        },
    )


def _next(request: PollwatchRequest) -> str:
    """Back where the change was made (its filters and page), never off the site."""
    fallback = reverse("incidents", args=[request.election.slug])
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return fallback


@login_required
def incident_detail(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    """One incident: what was reported, its status and assignee, and its timeline of notes."""
    incident, access = incident_for_user(request, slug, pk)
    request.election = incident.election
    triager = triage_incidents_for(access).filter(pk=incident.pk).exists()
    error = ""
    if request.method == "POST":
        if not triager:
            raise PermissionDenied
        error = _save_detail(request, incident)
        if not error:
            return redirect("incident", slug=slug, pk=pk)
    staff = triager or access.mission_wide
    context = {
        "election": incident.election,
        "i": incident,
        "triager": triager,
        # Notes are the staff's working record, not for the observer who reported.
        "notes": incident.notes.select_related("author__person") if staff else None,
        "statuses": Incident.Status.choices,
        "assignees": incident_assignees(incident.election, incident.station) if triager else [],
        "error": error,
        "posted": request.POST,
    }
    return render(request, "submissions/incident.html", context, status=400 if error else 200)


def _save_detail(request: PollwatchRequest, incident: Incident) -> str:
    """Apply the detail page's form; the problem in words, or "" when it was saved."""
    status = request.POST.get("status", "")
    chosen = request.POST.get("assignee", "")
    assignee: User | None | triage.Unchanged = triage.UNCHANGED
    if chosen == UNASSIGNED:
        assignee = None
    elif chosen:
        assignee = (
            incident_assignees(incident.election, incident.station).filter(username=chosen).first()
        )
        if assignee is None:
            return _("Assignee: %(name)s may not be given this incident.") % {"name": repr(chosen)}
    try:
        triage.change(
            incident,
            _user(request),
            status=status or None,
            assignee=assignee,
            note=request.POST.get("note", ""),
        )
    except ValueError as exc:
        return str(exc)
    return ""


@login_required
def incidents_map(request: PollwatchRequest, slug: str) -> HttpResponse:
    """The incidents listed with the same filters, as points at their stations' locations."""
    election, access = election_for_user(request, slug)
    request.election = election
    found = search_incidents(incidents_for(access), access, _user(request), request.GET)
    rows = list(
        found.listed.filter(
            station__latitude__isnull=False, station__longitude__isnull=False
        ).values_list(
            "pk",
            "severity",
            "status",
            "station__code",
            "station__name",
            "station__latitude",
            "station__longitude",
        )[:MAP_POINTS]
    )
    unplaced = found.listed.count() - len(rows) if not found.search.problems else 0
    context = {
        "election": election,
        "map": _points_map(access, rows),
        "shown": len(rows),
        "unplaced": max(unplaced, 0),
        "search": found.search.values,
        "problems": found.search.problems,
        "query": _query(request.GET),
        "legend": [(s.label, SEVERITY_COLOURS[s.value]) for s in reversed(Incident.Severity)],
    }
    status = 400 if found.search.problems else 200
    return render(request, "submissions/incidents_map.html", context, status=status)


def _points_map(access: Access, rows: list[tuple]) -> str:
    severity_label = dict(Incident.Severity.choices)
    status_label = dict(Incident.Status.choices)
    points = [
        MapPoint(
            latitude=lat,
            longitude=lon,
            colour=SEVERITY_COLOURS.get(severity, "#555555"),
            label=f"{severity_label.get(severity, severity)} · {code} {name} · "
            f"{status_label.get(status, status)}",
            href=reverse("incident", args=[access.election.slug, pk]),
            size=3 + severity,
        )
        for pk, severity, status, code, name, lat, lon in rows
    ]
    # The regions the user may see, as a grey backdrop where boundaries were imported.
    backdrop = [
        MapArea(a.code, a.name, a.boundary, None)
        for a in areas_within_reach(access).filter(level=1, boundary__isnull=False)
        if isinstance(a.boundary, dict)
    ]
    return render_points(
        points,
        backdrop,
        title=_("Incidents by station, coloured by severity"),
        zoom=(_("Zoom in"), _("Zoom out"), _("Reset view")),
        name="incidents",
    )
