"""The filters of the Submissions page, read from its query string.

Each filter narrows the reports already within the user's reach (``submissions_for``); none
widens it. A value that cannot be read becomes a problem naming the filter, shown on the page,
and the list is then empty rather than silently unfiltered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Area, Election, PollingStation
from pollwatch.submissions.models import Inbound, Submission

FILTERS = ("status", "form", "conflict", "station", "observer", "area", "source", "since", "until")
MAX_FILTER_LENGTH = 200


@dataclass
class Search:
    """The filters as typed (to fill the form again) and what could not be read."""

    values: dict[str, str]
    problems: list[str] = field(default_factory=list)


def search_submissions(
    reports: QuerySet[Submission], election: Election, params: QueryDict
) -> tuple[QuerySet[Submission], Search]:
    """``reports`` narrowed by the query string's filters, and the filters for the page."""
    values = {name: params.get(name, "").strip()[:MAX_FILTER_LENGTH] for name in FILTERS}
    search = Search(values)
    query = Q()
    if values["status"]:
        if values["status"] in Submission.Status.values:
            query &= Q(status=values["status"])
        else:
            search.problems.append(f"Status: {values['status']!r} is not a status.")
    if values["conflict"]:
        # Between observers, or one observer's own reports with other figures.
        query &= Q(conflict=True) | Q(figures_changed=True)
    if values["form"]:
        if Form.objects.filter(election=election, code=values["form"]).exists():
            query &= Q(form__code=values["form"])
        else:
            search.problems.append(f"Form: there is no form {values['form']!r}.")
    if values["station"]:
        # A station's whole code is that station alone (not also "D1-0011" after "D1-001");
        # any other text is the beginning of codes: "D1-" is every station whose code starts so.
        station = values["station"]
        if PollingStation.objects.filter(election=election, code__iexact=station).exists():
            query &= Q(station__code__iexact=station)
        else:
            query &= Q(station__code__istartswith=station)
    if values["observer"]:
        observer = values["observer"]
        query &= Q(observer__person__code=observer) | Q(
            observer__person__full_name__icontains=observer
        )
    if values["area"]:
        area = Area.objects.filter(election=election, code=values["area"]).first()
        if area is None:
            search.problems.append(f"Area: there is no area with the code {values['area']!r}.")
        else:
            query &= Q(station__area_path__startswith=area.path)
    if values["source"]:
        if values["source"] in Inbound.Channel.values:
            query &= Q(source=values["source"])
        else:
            known = ", ".join(Inbound.Channel.values)
            search.problems.append(f"Source: {values['source']!r} is not one of {known}.")
    since = _moment(values["since"], "Since", search.problems, end_of_day=False)
    until = _moment(values["until"], "Until", search.problems, end_of_day=True)
    if since is not None:
        query &= Q(created__gte=since)
    if until is not None:
        query &= Q(created__lt=until)
    if since is not None and until is not None and since >= until:
        search.problems.append("Since must be before until.")
    if search.problems:
        return reports.none(), search
    return reports.filter(query), search


def _moment(text: str, name: str, problems: list[str], *, end_of_day: bool) -> datetime | None:
    """An ISO 8601 date or date and time (a datetime-local field sends "2026-12-06T10:30").

    Without a zone it is read in the site's TIME_ZONE. ``until`` is exclusive: reports received
    before that moment, or, for a bare date, up to the end of that day.
    """
    if not text:
        return None
    problem = f"{name}: {text!r} is not a date or a date and time (such as 2026-12-06 or 2026-12-06T10:30)."
    try:
        day = parse_date(text)  # checked first: parse_datetime reads a bare date as midnight
        moment = parse_datetime(text) if day is None else None
    except ValueError:  # well-formed but impossible, such as 2026-02-30
        problems.append(problem)
        return None
    if day is not None:
        moment = datetime.combine(day, time.min) + timedelta(days=1 if end_of_day else 0)
    if moment is None or not 1900 <= moment.year <= 9000:  # far years overflow in time zones
        problems.append(problem)
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
