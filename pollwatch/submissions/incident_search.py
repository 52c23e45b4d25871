"""The filters and order of the Incidents page (and its map), read from the query string.

As on Submissions (``search.py``): each filter narrows the incidents already within the
user's reach (``incidents_for``), none widens it; a value that cannot be read becomes a
problem naming the filter, and the list is then empty rather than silently unfiltered.
The counts at the top of the page leave out the status and severity filters, so they
say how many each choice would show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from pollwatch.checklists.models import Form
from pollwatch.formspec.spec import PHASES
from pollwatch.observers.access import Access, areas_within_reach, incident_assignees
from pollwatch.submissions.models import Incident
from pollwatch.submissions.search import MAX_FILTER_LENGTH, Search

FILTERS = ("area", "severity", "form", "phase", "status", "assignee", "older", "sort")
# Beyond the filters, the status and severity that count toward the facets at the top.
FACETS = ("status", "severity")
OPEN = "open"  # a status filter: new or confirmed, not yet resolved nor rejected
UNASSIGNED, MINE = "none", "mine"
# The English names ("low"…"critical") in any page language: a search typed is the same for all.
SEVERITY_NAMES = {s.name.lower(): s.value for s in Incident.Severity}
MAX_MINUTES = 60 * 24 * 30
SORTS = {
    # Most serious first; within a severity, the one waiting longest.
    "severity": ("-severity", "created", "pk"),
    "newest": ("-created", "-pk"),
    "oldest": ("created", "pk"),
}


@dataclass
class IncidentSearch:
    """The incidents listed, the same without the status and severity filters (for the
    counts), and the filters as typed with their problems."""

    listed: QuerySet[Incident]
    for_counts: QuerySet[Incident]
    search: Search


def search_incidents(
    incidents: QuerySet[Incident], access: Access, user: User, params: QueryDict
) -> IncidentSearch:
    values = {name: params.get(name, "").strip()[:MAX_FILTER_LENGTH] for name in FILTERS}
    search = Search(values)
    parts: dict[str, Q] = {}
    problems = search.problems
    if values["area"]:
        area = areas_within_reach(access).filter(code=values["area"]).first()
        if area is None:
            problems.append(f"Area: there is no area {values['area']!r} within your reach.")
        else:
            parts["area"] = Q(station__area_path__startswith=area.path)
    if values["severity"]:
        severity = _severity(values["severity"])
        if severity is None:
            known = ", ".join(SEVERITY_NAMES)
            problems.append(f"Severity: {values['severity']!r} is not one of {known}.")
        else:
            parts["severity"] = Q(severity=severity)
    if values["form"]:
        if Form.objects.filter(election=access.election, code=values["form"]).exists():
            parts["form"] = Q(submission__form__code=values["form"])
        else:
            problems.append(f"Form: there is no form {values['form']!r}.")
    if values["phase"]:
        if values["phase"] in PHASES:
            parts["phase"] = Q(submission__form__phase=values["phase"])
        else:
            problems.append(f"Phase: {values['phase']!r} is not one of {', '.join(PHASES)}.")
    if values["status"]:
        if values["status"] == OPEN:
            parts["status"] = Q(status__in=Incident.OPEN)
        elif values["status"] in Incident.Status.values:
            parts["status"] = Q(status=values["status"])
        else:
            known = ", ".join([OPEN, *Incident.Status.values])
            problems.append(f"Status: {values['status']!r} is not one of {known}.")
    if values["assignee"]:
        assignee = _assignee(values["assignee"], access, user)
        if assignee is None:
            problems.append(
                f"Assignee: {values['assignee']!r} is not someone incidents are assigned to."
            )
        else:
            parts["assignee"] = assignee
    if values["older"]:
        minutes = _minutes(values["older"])
        if minutes is None:
            problems.append(
                f"Older than: {values['older']!r} is not a number of minutes "
                f"from 1 to {MAX_MINUTES:,} (such as 30)."
            )
        else:
            since = timezone.now() - timedelta(minutes=minutes)
            parts["older"] = Q(created__lt=since, status__in=Incident.OPEN)
    if values["sort"] and values["sort"] not in SORTS:
        problems.append(f"Sort: {values['sort']!r} is not one of {', '.join(SORTS)}.")
    if problems:
        return IncidentSearch(incidents.none(), incidents.none(), search)
    order = SORTS[values["sort"] or "severity"]
    for_counts = incidents.filter(*[q for name, q in parts.items() if name not in FACETS])
    listed = incidents.filter(*parts.values()).order_by(*order)
    return IncidentSearch(listed, for_counts, search)


def _severity(text: str) -> int | None:
    if text.lower() in SEVERITY_NAMES:
        return SEVERITY_NAMES[text.lower()]
    if text.isascii() and text.isdigit() and int(text) in Incident.Severity.values:
        return int(text)
    return None


def _minutes(text: str) -> int | None:
    if not (text.isascii() and text.isdigit()) or len(text) > 7:
        return None
    minutes = int(text)
    return minutes if 1 <= minutes <= MAX_MINUTES else None


def _assignee(text: str, access: Access, user: User) -> Q | None:
    if text == UNASSIGNED:
        return Q(assignee__isnull=True)
    if text == MINE:
        return Q(assignee=user)
    found = incident_assignees(access.election).filter(username=text).first()
    return Q(assignee=found) if found is not None else None
