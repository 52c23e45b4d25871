"""Who may see and change the analysis (DESIGN §6.4): one helper per object.

Admins, coordinators and analysts see estimates, official-results checks,
forensics and findings; admins and analysts import official results, enter
published polls and run forensics. Anyone else with a role in the election
gets 403; without a role, 404 (the election does not leak).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from pollwatch.elections.models import Election
from pollwatch.observers.access import Access, election_for_user
from pollwatch.observers.models import Role

ANALYSIS_ROLES = {Role.ADMIN, Role.COORDINATOR, Role.ANALYST}
ANALYST_ROLES = {Role.ADMIN, Role.ANALYST}
# Partners (donors, embassies, other missions) read what the mission has published: the
# published statements, with their figures and charts frozen at publication. Not the live
# dashboards: those show figures before the mission releases them, and link to reports,
# stations and observers (names, phones).
PUBLISHED_ROLES = ANALYSIS_ROLES | {Role.PARTNER}


def can_see_analysis(access: Access) -> bool:
    return bool(access.roles & ANALYSIS_ROLES)


def can_analyse(access: Access) -> bool:
    return bool(access.roles & ANALYST_ROLES)


def can_read_published(access: Access) -> bool:
    return bool(access.roles & PUBLISHED_ROLES)


def published_for_user(request: HttpRequest, slug: str) -> tuple[Election, Access]:
    """(election, access) for pages of published work; 403 for roles that read none of it.

    Callers show partners (``can_see_analysis`` False) only what is published."""
    election, access = election_for_user(request, slug)
    if not can_read_published(access):
        raise PermissionDenied("Published statements are for analysts, coordinators and partners")
    request.election = election  # type: ignore[attr-defined]
    return election, access


def analysis_for_user(
    request: HttpRequest, slug: str, *, change: bool = False
) -> tuple[Election, Access]:
    """(election, access); 404 without a role, 403 without an analysis role (or an analyst's, to change)."""
    election, access = election_for_user(request, slug)
    if not can_see_analysis(access):
        raise PermissionDenied("The analysis is for analysts, coordinators and admins")
    if change and not can_analyse(access):
        raise PermissionDenied("Only analysts and admins change the analysis")
    request.election = election  # type: ignore[attr-defined]
    return election, access
