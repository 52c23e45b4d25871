"""Who may see and change an election's forms (DESIGN §6.4).

Admins and coordinators manage forms (upload, publish, close, install the
defaults); analysts, supervisors and data clerks may read them (list,
preview, compare); observers and other roles get 403, users without a role
in the election 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Election
from pollwatch.observers.access import Access, election_for_user
from pollwatch.observers.models import Role

MANAGE_ROLES = {Role.ADMIN, Role.COORDINATOR}
READ_ROLES = MANAGE_ROLES | {Role.ANALYST, Role.SUPERVISOR, Role.CLERK}


def can_read_forms(access: Access) -> bool:
    return bool(access.roles & READ_ROLES)


def can_manage_forms(access: Access) -> bool:
    return bool(access.roles & MANAGE_ROLES)


def forms_for_user(
    request: HttpRequest, slug: str, *, manage: bool = False
) -> tuple[Election, Access]:
    """The election and the user's reach; 403 without the role to read (or ``manage``) forms."""
    election, access = election_for_user(request, slug)
    if not (can_manage_forms(access) if manage else can_read_forms(access)):
        raise PermissionDenied
    request.election = election  # type: ignore[attr-defined]
    return election, access


def form_version(election: Election, code: str, version: int) -> Form:
    form = Form.objects.filter(election=election, code=code, version=version).first()
    if form is None:
        raise Http404(f"No version {version} of form {code}")
    return form
