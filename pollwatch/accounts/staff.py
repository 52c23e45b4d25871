"""Staff accounts of an election: who manages them, invitations, roles, deactivation.

Admins of an election (and superusers) manage all its staff; coordinators manage its staff
except admins, and never grant the admin role. A user whose person belongs to another
election's mission is outside the election: 404. Deactivating a user who also holds roles in
elections the manager does not manage is refused: it would act outside their mission.
Every role change and deactivation is an audit event.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from pollwatch.audit.models import record
from pollwatch.elections.models import Election
from pollwatch.observers.access import Access, access_for, election_for_user
from pollwatch.observers.models import Membership, Mission, Person, Role

MANAGER_ROLES = {Role.ADMIN, Role.COORDINATOR}
# Observers are imported with the people file and sign in with links, not passwords.
STAFF_ROLES = [role for role in Role if role != Role.OBSERVER]
INVITE_SALT = "pollwatch.accounts.invite"


class StaffError(ValueError):
    """A request the page refuses, with a message for the manager in the page's language."""


def can_manage_staff(access: Access) -> bool:
    return bool(access.roles & MANAGER_ROLES)


def staff_for_user(request: HttpRequest, slug: str) -> tuple[Election, Access]:
    """(election, access) of a staff manager; 404 without a role, 403 without a manager's role."""
    election, access = election_for_user(request, slug)
    if not can_manage_staff(access):
        raise PermissionDenied(
            "Staff accounts are managed by the mission's admins and coordinators"
        )
    request.election = election  # type: ignore[attr-defined]
    return election, access


def grantable_roles(access: Access) -> list[str]:
    """Roles this manager may give or take: every staff role, but admin only for admins."""
    return [r.value for r in STAFF_ROLES if access.is_admin or r != Role.ADMIN]


def staff_users(election: Election):
    """Users whose person belongs to one of the election's missions, with a role or none yet."""
    return (
        User.objects.filter(person__mission__election=election)
        .select_related("person")
        .order_by("person__full_name", "username")
    )


def members(election: Election) -> list[dict]:
    """The staff list's rows: each user with their roles in the election, as (value, name in the
    page's language), and whether two-factor login is on, in three queries whatever the number
    of users."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    users = list(staff_users(election))
    roles: dict[int, list[tuple[str, str]]] = {}
    for user_id, role in (
        Membership.objects.filter(election=election, person__user__in=users)
        .order_by("role")
        .values_list("person__user_id", "role")
    ):
        roles.setdefault(user_id, []).append((role, str(Role(role).label)))
    two_factor = set(
        TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True)
    )
    return [
        {"user": u, "roles": roles.get(u.pk, []), "two_factor": u.pk in two_factor} for u in users
    ]


def member_for(access: Access, user_id: int) -> User:
    """A user of the election the manager may act on; 404 outside the election, 403 for an
    admin when the manager is a coordinator."""
    user = staff_users(access.election).filter(pk=user_id).first()
    if user is None:
        raise Http404("No such user in this election")
    if not access.is_admin and (user.is_superuser or _holds_admin(user)):
        raise PermissionDenied("Only admins manage admins")
    return user


def set_role(access: Access, user: User, role: str, *, granted: bool, actor: User) -> bool:
    """Give (``granted``) or take ``role`` in the manager's election; True when it changed."""
    if role not in grantable_roles(access):
        raise PermissionDenied(f"You may not change the role {role!r}")
    person = user.person  # type: ignore[attr-defined]
    with transaction.atomic():
        if granted:
            _, changed = Membership.objects.get_or_create(
                person=person, election=access.election, role=role
            )
        else:
            changed = bool(
                Membership.objects.filter(
                    person=person, election=access.election, role=role
                ).delete()[0]
            )
        if changed:
            record(
                "staff.role_granted" if granted else "staff.role_removed",
                actor=actor.get_username(),
                election_id=access.election.pk,
                obj=user,
                payload={"user": user.get_username(), "role": role},
            )
    return changed


def invite(
    access: Access, *, email: str, full_name: str, role: str, actor: User
) -> tuple[User, str]:
    """A new staff user with the role, no password yet; returns (user, one-time token)."""
    if role not in grantable_roles(access):
        raise PermissionDenied(f"You may not give the role {role!r}")
    email = User.objects.normalize_email(email.strip())
    username = email.lower()
    if (
        User.objects.filter(username__iexact=username).exists()
        or User.objects.filter(email__iexact=email).exists()
    ):
        raise StaffError(
            _("%(email)s already has an account: change its roles in the list") % {"email": email}
        )
    mission = Mission.objects.filter(election=access.election).order_by("pk").first()
    if mission is None:
        raise StaffError(
            _("The election %(election)s has no mission to add people to")
            % {"election": access.election.slug}
        )
    with transaction.atomic():
        user = User(username=username, email=email, is_active=True)
        user.set_unusable_password()
        user.save()
        person = Person.objects.create(
            mission=mission,
            code=f"staff-{user.pk}",
            full_name=full_name.strip(),
            email=email,
            user=user,
        )
        Membership.objects.create(person=person, election=access.election, role=role)
        record(
            "staff.invited",
            actor=actor.get_username(),
            election_id=access.election.pk,
            obj=user,
            payload={"user": username, "role": role},
        )
    return user, invite_token(user)


def reinvite(access: Access, user: User, *, actor: User) -> str:
    """A new invitation for a user who has not set a password yet; earlier links stop working."""
    if not user.is_active or user.has_usable_password():
        raise StaffError(
            _("%(user)s has set a password already: no invitation to resend")
            % {"user": user.get_username()}
        )
    user.set_unusable_password()  # a new fingerprint: the earlier links are spent
    user.save(update_fields=["password"])
    record(
        "staff.reinvited",
        actor=actor.get_username(),
        election_id=access.election.pk,
        obj=user,
        payload={"user": user.get_username()},
    )
    return invite_token(user)


def invite_token(user: User) -> str:
    """Signed, expiring (``INVITE_TIMEOUT``), and spent once a password is set: it names the
    unusable password it was made for, which setting a password (or a new invitation) replaces."""
    return signing.dumps({"user": user.pk, "password": _fingerprint(user)}, salt=INVITE_SALT)


def invited_user(token: str) -> User | None:
    """The user the invitation is for, while it is valid; None when forged, expired or used."""
    try:
        data = signing.loads(token, salt=INVITE_SALT, max_age=settings.INVITE_TIMEOUT)
    except signing.BadSignature:  # SignatureExpired included
        return None
    user = User.objects.filter(pk=data.get("user"), is_active=True).first()
    if user is None or user.has_usable_password() or data.get("password") != _fingerprint(user):
        return None
    return user


def deactivate(access: Access, user: User, *, actor: User) -> None:
    """Deactivate the user, end their sessions, revoke their API and sign-in tokens; audited."""
    if user.pk == actor.pk:
        raise StaffError(_("You cannot deactivate your own account"))
    outside = _elections_not_managed(access, user, actor)
    if outside:
        raise StaffError(
            _(
                "%(user)s also has roles in %(elections)s, which you do not manage: an admin of "
                "those elections can deactivate the account"
            )
            % {"user": user.get_username(), "elections": ", ".join(outside)}
        )
    from pollwatch.api.models import ApiToken
    from pollwatch.submissions.cleanup import revoke_token_rows
    from pollwatch.submissions.models import ObserverToken

    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        api_tokens = ApiToken.objects.filter(user=user, revoked=None).update(revoked=timezone.now())
        revoke_token_rows(
            ObserverToken.objects.filter(person__user=user),
            reason="account deactivated",
            actor=actor,
            election=access.election,
        )
        sessions = end_sessions(user)
        record(
            "staff.deactivated",
            actor=actor.get_username(),
            election_id=access.election.pk,
            obj=user,
            payload={"user": user.get_username(), "api_tokens": api_tokens, "sessions": sessions},
        )


def end_sessions(user: User) -> int:
    """Delete the user's stored sessions; returns how many.

    With the database engine (the default) the rows are found and deleted. With any engine the
    user is logged out at their next request anyway: Django's backend refuses inactive users.
    """
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return 0
    keys = [
        s.session_key
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    Session.objects.filter(session_key__in=keys).delete()
    return len(keys)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password.encode()).hexdigest()[:16]


def _holds_admin(user: User) -> bool:
    return Membership.objects.filter(person__user=user, role=Role.ADMIN).exists()


def _elections_not_managed(access: Access, user: User, actor: User) -> list[str]:
    elections = Election.objects.filter(memberships__person__user=user).distinct()
    outside = []
    for election in elections:
        theirs = access_for(actor, election)
        if theirs is None or not can_manage_staff(theirs):
            outside.append(election.slug)
    return sorted(outside)
