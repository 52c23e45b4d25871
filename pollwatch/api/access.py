"""Who may hold API tokens, who may export, and whose reach covers observers' reports (DESIGN §6.4).

The per-object reach itself is the helpers' of ``pollwatch.observers.access``
and ``pollwatch.results.access``; this module only adds the three questions
the API and the exports ask that no page asked before.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from pollwatch.api.models import ApiToken
from pollwatch.elections.models import Election
from pollwatch.observers.access import Access, election_for_user
from pollwatch.observers.models import Membership
from pollwatch.results.access import ANALYSIS_ROLES, can_see_analysis

# Tokens let scripts read in bulk: for the mission-wide analysis roles only.
TOKEN_ROLES = ANALYSIS_ROLES
# Writing last_used on every request would make each read a write; once a minute is enough.
LAST_USED_RESOLUTION = datetime.timedelta(seconds=60)


def can_hold_tokens(user: User | AnonymousUser) -> bool:
    """Superusers and whoever is an admin, coordinator or analyst in some election."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(person__user=user, role__in=TOKEN_ROLES).exists()


def user_for_token(token: str) -> User | None:
    """The active user who holds this unrevoked token, or None; notes when it was last used."""
    found = (
        ApiToken.objects.filter(token_hash=ApiToken.hash(token), revoked__isnull=True)
        .select_related("user")
        .first()
    )
    if found is None or not found.user.is_active:
        return None
    now = timezone.now()
    if found.last_used is None or now - found.last_used > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=found.pk).update(last_used=now)
    return found.user


def can_view_reports(access: Access) -> bool:
    """Whether submissions and incidents are within the role's reach at all (the navigation's rule):
    mission-wide roles, supervisors (their areas) and observers (their own). Anyone else gets 403."""
    return access.mission_wide or access.can_view_deployments()


def can_export(access: Access) -> bool:
    """Bulk exports are for admins, coordinators and analysts, like the analysis."""
    return can_see_analysis(access)


def exports_for_user(request: HttpRequest, slug: str) -> tuple[Election, Access]:
    """(election, access); 404 without a role in the election, 403 for roles that may not export."""
    election, access = election_for_user(request, slug)
    if not can_export(access):
        raise PermissionDenied("Exports are for admins, coordinators and analysts")
    request.election = election  # type: ignore[attr-defined]
    return election, access
