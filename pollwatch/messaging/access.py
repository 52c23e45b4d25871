"""Who may message whom (DESIGN §6.4): admins and coordinators the whole election, supervisors
the people of their areas; data clerks answer (inbox, threads, replies) but do not write to
groups. Anyone else with a role in the election gets 403; without a role, 404. Unknown
senders are seen by admins, coordinators and clerks."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from pollwatch.elections.models import Election
from pollwatch.observers.access import Access, election_for_user, people_for
from pollwatch.observers.models import Role

COMPOSE_ROLES = {Role.ADMIN, Role.COORDINATOR, Role.SUPERVISOR}
MESSAGING_ROLES = COMPOSE_ROLES | {Role.CLERK}
INBOX_ROLES = {Role.ADMIN, Role.COORDINATOR, Role.CLERK}


def can_message(access: Access) -> bool:
    return bool(access.roles & MESSAGING_ROLES)


def can_compose(access: Access) -> bool:
    """Write to a group (and see its broadcasts)."""
    return bool(access.roles & COMPOSE_ROLES)


def sees_unknown_senders(access: Access) -> bool:
    return bool(access.roles & INBOX_ROLES)


def messaging_for_user(
    request: HttpRequest, slug: str, *, compose: bool = False
) -> tuple[Election, Access]:
    election, access = election_for_user(request, slug)
    if not (can_compose(access) if compose else can_message(access)):
        raise PermissionDenied
    request.election = election  # type: ignore[attr-defined]
    return election, access


def inbound_for(access: Access) -> QuerySet:
    """SMS received from the people within reach, and from unknown numbers for the inbox roles."""
    from pollwatch.submissions.models import Inbound

    sms = Inbound.objects.filter(channel=Inbound.Channel.SMS, junk=False)
    reach = Q(person__in=people_for(access))
    if sees_unknown_senders(access):
        reach |= Q(person__isnull=True, election__isnull=True) | Q(
            person__isnull=True, election=access.election
        )
    return sms.filter(reach)


def outbound_for(access: Access) -> QuerySet:
    """Messages sent to the people within reach (and to unknown numbers, for the inbox roles)."""
    from pollwatch.messaging.models import Message

    messages = Message.objects.filter(Q(election=access.election) | Q(election__isnull=True))
    reach = Q(person__in=people_for(access))
    if sees_unknown_senders(access):
        reach |= Q(person__isnull=True)
    return messages.filter(reach)
