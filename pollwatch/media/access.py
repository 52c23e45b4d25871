"""Who may see and code media (DESIGN §6.4): one helper per object.

Admins, coordinators, analysts and media monitors see the media pages;
admins and media monitors code (intake, confirm, correct); admins and
coordinators manage the outlets (the media unit's setup, like the subject
catalogue), which every media role may read. Anyone else with a
role in the election gets 403; without a role, 404 (the election does not leak).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from pollwatch.elections.models import Election
from pollwatch.media.models import Intake, Item, Outlet
from pollwatch.observers.access import Access, election_for_user
from pollwatch.observers.models import Role

MEDIA_ROLES = {Role.ADMIN, Role.COORDINATOR, Role.ANALYST, Role.MEDIA_MONITOR}
CODER_ROLES = {Role.ADMIN, Role.MEDIA_MONITOR}
OUTLET_EDITOR_ROLES = {Role.ADMIN, Role.COORDINATOR}


def can_see_media(access: Access) -> bool:
    return bool(access.roles & MEDIA_ROLES)


def can_code(access: Access) -> bool:
    return bool(access.roles & CODER_ROLES)


def can_manage_outlets(access: Access) -> bool:
    return bool(access.roles & OUTLET_EDITOR_ROLES)


def media_for_user(request: HttpRequest, slug: str) -> tuple[Election, Access, bool]:
    """(election, access, can_code); 404 without a role in the election, 403 without a media role."""
    election, access = election_for_user(request, slug)
    if not can_see_media(access):
        raise PermissionDenied("Media monitoring is for the media unit, analysts and coordinators")
    return election, access, can_code(access)


def item_for_user(request: HttpRequest, slug: str, pk: int) -> tuple[Item, bool]:
    """(item, can_code); 404 when the item is not in the election, 403 without a media role."""
    election, _access, coder = media_for_user(request, slug)
    item = Item.objects.filter(election=election, pk=pk).select_related("outlet").first()
    if item is None:
        raise Http404("No such item")
    return item, coder


def intake_for_user(request: HttpRequest, slug: str, pk: int) -> tuple[Intake, bool]:
    """(intake, can_code); the same reach as items."""
    election, _access, coder = media_for_user(request, slug)
    intake = Intake.objects.filter(election=election, pk=pk).select_related("election").first()
    if intake is None:
        raise Http404("No such intake")
    return intake, coder


def outlet_for_user(request: HttpRequest, slug: str, pk: int) -> tuple[Outlet, Access]:
    """(outlet, access); 404 when the outlet is not in the election, 403 without a media role.

    Whether the user may change it is ``can_manage_outlets(access)``.
    """
    election, access = election_for_user(request, slug)
    if not can_see_media(access):
        raise PermissionDenied("Media monitoring is for the media unit, analysts and coordinators")
    outlet = Outlet.objects.filter(election=election, pk=pk).select_related("election").first()
    if outlet is None:
        raise Http404("No such outlet")
    return outlet, access


def can_manage_models(access: Access) -> bool:
    """Tone models (train, activate, roll back) and re-coding: the media unit's setup."""
    return bool(access.roles & OUTLET_EDITOR_ROLES)
