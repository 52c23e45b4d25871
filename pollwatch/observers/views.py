from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render

from pollwatch.accounts.http import PollwatchRequest
from pollwatch.messaging.access import can_message
from pollwatch.observers.access import (
    can_take_calls,
    deployments_for,
    election_for_user,
    incidents_for,
    people_for,
    person_for_user,
    submissions_for,
)
from pollwatch.observers.models import CallerPin, Membership, Role
from pollwatch.observers.signin_views import signin_context
from pollwatch.submissions.clerk import calls_context


@login_required
def people(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, access = election_for_user(request, slug)
    request.election = election
    if not access.can_view_people():
        raise PermissionDenied
    query = request.GET.get("q", "").strip()[:100]
    role = request.GET.get("role", "")
    qs = people_for(access)
    if query:
        qs = qs.filter(
            Q(full_name__icontains=query) | Q(code__iexact=query) | Q(phone__contains=query)
        )
    if role in Role.values:
        qs = qs.filter(memberships__election=election, memberships__role=role)
    page = Paginator(qs.order_by("full_name", "pk"), 50).get_page(request.GET.get("page"))
    roles = {
        m.person_id: m
        for m in Membership.objects.filter(
            election=election, person__in=page.object_list
        ).select_related("area")
    }
    rows = [(person, roles.get(person.pk)) for person in page.object_list]
    template = "observers/_people_table.html" if request.htmx else "observers/people.html"
    return render(
        request,
        template,
        {
            "election": election,
            "page": page,
            "rows": rows,
            "query": query,
            "role": role,
            "roles": Role.choices,
        },
    )


PERSON_REPORTS_SHOWN = 50


@login_required
def person_detail(request: PollwatchRequest, slug: str, code: str) -> HttpResponse:
    person, can_write = person_for_user(request, slug, code)
    election, access = election_for_user(request, slug)
    request.election = election
    memberships = person.memberships.filter(election=election).select_related("area", "team")
    deployments = (
        deployments_for(access).filter(membership__person=person).select_related("station")
    )
    context = {
        "election": election,
        "person": person,
        "memberships": memberships,
        "deployments": deployments,
        "can_write": can_write,
        "is_observer": any(m.role == Role.OBSERVER for m in memberships),
        "has_caller_pin": CallerPin.objects.filter(person=person).exists(),
        "can_take_calls": can_take_calls(access),
        "can_message": can_message(access),
        # What they sent and what it raised, within the user's reach (as on a station's page).
        "reports": submissions_for(access)
        .filter(observer__person=person)
        .select_related("form", "station", "observer__person")
        .order_by("-created", "-pk")[:PERSON_REPORTS_SHOWN],
        "report_count": submissions_for(access).filter(observer__person=person).count(),
        "incidents": incidents_for(access)
        .filter(submission__observer__person=person)
        .select_related("station", "submission__form")
        .order_by("-created")[:PERSON_REPORTS_SHOWN],
        "with_station": True,
    }
    context.update(signin_context(access, person))
    # The call log (submissions/clerk.py): calls with this person, for those who may see them.
    context.update(
        calls_context(access, person=person),
        call_people=None,
        call_stations=[d.station for d in deployments],
    )
    return render(request, "observers/person.html", context)


@login_required
def deployments(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, access = election_for_user(request, slug)
    request.election = election
    if not access.can_view_deployments():
        raise PermissionDenied
    qs = deployments_for(access).select_related("membership__person", "station", "station__area")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        qs = qs.filter(
            Q(station__code__istartswith=query) | Q(membership__person__full_name__icontains=query)
        )
    page = Paginator(qs.order_by("station__code", "pk"), 50).get_page(request.GET.get("page"))
    template = "observers/_deployments_table.html" if request.htmx else "observers/deployments.html"
    return render(
        request,
        template,
        {
            "election": election,
            "page": page,
            "query": query,
            "own_only": access.roles == {Role.OBSERVER},
        },
    )
