"""Staff accounts in the browser: the list, invitations, roles, deactivation, by role."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from pollwatch.audit.models import AuditEvent
from pollwatch.observers.models import Membership, Mission, Person, Role
from pollwatch.testing import PERSONAS, assert_reach

MANAGERS = {"admin", "coordinator"}
STAFF = "/e/test-election/staff/"


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_the_staff_page_is_for_admins_and_coordinators(client, mission, persona):
    assert_reach(client, mission, persona, STAFF, MANAGERS)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_managers_invite(client, mission, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.post(
        STAFF, {"email": "new@example.org", "full_name": "New Person", "role": "analyst"}
    )
    invited = User.objects.filter(username="new@example.org").exists()
    if persona in MANAGERS:
        assert response.status_code == 302 and invited
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.org"]
    else:
        assert response.status_code in (302, 403, 404) and not invited
        if persona == "anonymous":
            assert response["Location"].startswith(reverse("login"))
        assert mail.outbox == []


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_managers_change_roles(client, mission, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    target = mission.users["analyst"]
    response = client.post(f"{STAFF}{target.pk}/role", {"role": "supervisor", "granted": "1"})
    granted = Membership.objects.filter(
        person__user=target, election=mission.election, role="supervisor"
    ).exists()
    if persona in MANAGERS:
        assert response.status_code == 302 and granted
        event = AuditEvent.objects.get(kind="staff.role_granted")
        assert event.actor == persona
        assert event.payload == {"user": "analyst", "role": "supervisor"}
    else:
        assert response.status_code in (302, 403, 404) and not granted


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_managers_deactivate(client, mission, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    target = mission.users["media_monitor"]
    response = client.post(f"{STAFF}{target.pk}/deactivate")
    target.refresh_from_db()
    if persona in MANAGERS:
        assert response.status_code == 302 and not target.is_active
        assert AuditEvent.objects.filter(kind="staff.deactivated").count() == 1
    elif persona == "media_monitor":
        # Their own account: 403 like any non-manager.
        assert response.status_code == 403 and target.is_active
    else:
        assert response.status_code in (302, 403, 404) and target.is_active


def test_the_list_shows_roles_of_this_election(client, mission):
    client.force_login(mission.users["coordinator"])
    page = client.get(STAFF).content.decode()
    assert "Supervisor" in page and "supervisor" in page
    assert "outsider" not in page  # no person of this mission


def test_the_list_costs_the_same_queries_for_more_users(client, mission):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(mission.users["admin"])
    client.get(STAFF)
    with CaptureQueriesContext(connection) as before:
        client.get(STAFF)
    for number in range(5):
        user = User.objects.create_user(f"extra{number}")
        person = Person.objects.create(
            mission=mission.mission, code=f"X{number}", full_name=f"Extra {number}", user=user
        )
        Membership.objects.create(person=person, election=mission.election, role="analyst")
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    with CaptureQueriesContext(connection) as after:
        page = client.get(STAFF).content.decode()
    assert len(after) == len(before)
    extra = User.objects.get(username="extra0")
    row = page.split(f'id="user-{extra.pk}"')[1].split("</tr>")[0]
    assert "analyst" in row and "<td>on</td>" in row


def test_a_coordinator_never_grants_admin(client, mission):
    client.force_login(mission.users["coordinator"])
    target = mission.users["analyst"]
    response = client.post(f"{STAFF}{target.pk}/role", {"role": "admin", "granted": "1"})
    assert response.status_code == 403
    assert not Membership.objects.filter(person__user=target, role="admin").exists()
    invite = client.post(STAFF, {"email": "boss@example.org", "full_name": "B", "role": "admin"})
    assert invite.status_code == 400
    assert not User.objects.filter(username="boss@example.org").exists()
    assert "admin" not in re.findall(r"<option[^>]*>(\w+)</option>", invite.content.decode())


def test_a_coordinator_cannot_act_on_an_admin(client, mission):
    client.force_login(mission.users["coordinator"])
    admin = mission.users["admin"]
    assert client.post(f"{STAFF}{admin.pk}/deactivate").status_code == 403
    removed = client.post(f"{STAFF}{admin.pk}/role", {"role": "admin", "granted": "0"})
    assert removed.status_code == 403
    admin.refresh_from_db()
    assert admin.is_active and Membership.objects.filter(person__user=admin, role="admin").exists()


def test_an_admin_grants_admin(client, mission):
    client.force_login(mission.users["admin"])
    target = mission.users["analyst"]
    assert (
        client.post(f"{STAFF}{target.pk}/role", {"role": "admin", "granted": "1"}).status_code
        == 302
    )
    assert Membership.objects.filter(person__user=target, role="admin").exists()


def test_taking_a_role_is_audited(client, mission):
    client.force_login(mission.users["admin"])
    target = mission.users["clerk"]
    client.post(f"{STAFF}{target.pk}/role", {"role": "clerk", "granted": "0"})
    assert not Membership.objects.filter(person__user=target).exists()
    event = AuditEvent.objects.get(kind="staff.role_removed")
    assert event.payload == {"user": "clerk", "role": "clerk"}
    assert event.election_id == mission.election.pk


@pytest.fixture
def other(mission):
    """A second election with its own mission, coordinator and analyst."""
    import datetime

    from pollwatch.elections.models import Election

    election = Election.objects.create(
        slug="other-election", name="Other", date=datetime.date(2027, 1, 1), country_code="AZ"
    )
    observed_by = Mission.objects.create(election=election, name="Other mission")
    users = {}
    for number, role in enumerate([Role.COORDINATOR, Role.ANALYST]):
        user = User.objects.create_user(f"other-{role}")
        person = Person.objects.create(
            mission=observed_by, code=f"O{number}", full_name=f"Other {role}", user=user
        )
        Membership.objects.create(person=person, election=election, role=role)
        users[role.value] = user
    return users


def test_a_coordinator_cannot_manage_users_of_another_mission(client, mission, other):
    client.force_login(mission.users["coordinator"])
    stranger = other["analyst"]
    assert client.get("/e/other-election/staff/").status_code == 404
    assert client.post(f"{STAFF}{stranger.pk}/deactivate").status_code == 404
    assert (
        client.post(f"{STAFF}{stranger.pk}/role", {"role": "clerk", "granted": "1"}).status_code
        == 404
    )
    assert client.post(f"/e/other-election/staff/{stranger.pk}/deactivate").status_code == 404
    stranger.refresh_from_db()
    assert (
        stranger.is_active
        and not stranger.person.memberships.filter(election=mission.election).exists()
    )
    assert "other-analyst" not in client.get(STAFF).content.decode()


def test_a_user_with_roles_elsewhere_is_not_deactivated_by_this_mission(client, mission, other):
    # The analyst of this mission also analyses the other election.
    analyst = mission.users["analyst"]
    from pollwatch.elections.models import Election

    Membership.objects.create(
        person=analyst.person, election=Election.objects.get(slug="other-election"), role="analyst"
    )
    client.force_login(mission.users["coordinator"])
    response = client.post(f"{STAFF}{analyst.pk}/deactivate", follow=True)
    assert b"also has roles in other-election" in response.content
    analyst.refresh_from_db()
    assert analyst.is_active


def test_deactivation_ends_sessions_and_tokens(client, mission):
    from django.test import Client

    from pollwatch.api.models import ApiToken

    target = mission.users["analyst"]
    victim = Client()
    victim.force_login(target)
    assert victim.get("/e/test-election/quick-count/").status_code == 200
    _, token = ApiToken.issue(target, "notebook")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert victim.get("/api/v1/elections", **bearer).status_code == 200

    client.force_login(mission.users["coordinator"])
    assert client.post(f"{STAFF}{target.pk}/deactivate").status_code == 302

    assert victim.get("/e/test-election/quick-count/").status_code == 302  # to the login
    assert Client().get("/api/v1/elections", **bearer).status_code == 401
    event = AuditEvent.objects.get(kind="staff.deactivated")
    assert event.payload == {"user": "analyst", "api_tokens": 1, "sessions": 1}
    from django.contrib.sessions.models import Session

    assert not any(
        s.get_decoded().get("_auth_user_id") == str(target.pk) for s in Session.objects.all()
    )


def test_nobody_deactivates_themselves(client, mission):
    admin = mission.users["admin"]
    client.force_login(admin)
    response = client.post(f"{STAFF}{admin.pk}/deactivate", follow=True)
    assert b"cannot deactivate your own account" in response.content
    admin.refresh_from_db()
    assert admin.is_active


def _invite(client, mission, email="invitee@example.org"):
    client.force_login(mission.users["coordinator"])
    response = client.post(STAFF, {"email": email, "full_name": "In Vitee", "role": "clerk"})
    assert response.status_code == 302
    client.logout()
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    return link.replace("http://testserver", "")


def test_an_invitation_link_sets_a_password_once(client, mission):
    path = _invite(client, mission)
    user = User.objects.get(username="invitee@example.org")
    assert not user.has_usable_password()
    assert Membership.objects.get(person__user=user).role == "clerk"
    assert AuditEvent.objects.filter(kind="staff.invited").count() == 1

    page = client.get(path)
    assert page.status_code == 200 and b"invitee@example.org" in page.content
    password = "a long new password 42"
    done = client.post(path, {"new_password1": password, "new_password2": password})
    assert done.status_code == 302 and done["Location"] == reverse("login")
    assert client.login(username="invitee@example.org", password=password)
    client.logout()
    again = client.get(path)
    assert again.status_code == 400 and b"invalid" in again.content
    assert (
        client.post(path, {"new_password1": "x" * 20, "new_password2": "x" * 20}).status_code == 400
    )


def test_an_invitation_link_expires(client, mission, settings):
    path = _invite(client, mission)
    settings.INVITE_TIMEOUT = -1
    assert client.get(path).status_code == 400


def test_a_forged_invitation_link_is_refused(client, mission):
    path = _invite(client, mission)
    assert client.get(path[:-3] + "abc/").status_code == 400


def test_inviting_an_existing_address_is_refused(client, mission):
    mission.users["clerk"].email = "clerk@example.org"
    mission.users["clerk"].save()
    client.force_login(mission.users["admin"])
    response = client.post(
        STAFF, {"email": "Clerk@example.org", "full_name": "Again", "role": "clerk"}
    )
    assert response.status_code == 400
    assert b"already has an account" in response.content
    assert mail.outbox == []


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_managers_send_an_invitation_again(client, mission, persona):
    first = _invite(client, mission)
    invitee = User.objects.get(username="invitee@example.org")
    mail.outbox.clear()
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.post(f"{STAFF}{invitee.pk}/reinvite")
    client.logout()
    if persona in MANAGERS:
        assert response.status_code == 302 and len(mail.outbox) == 1
        second = re.search(r"https?://testserver(\S+)", mail.outbox[0].body).group(1)
        assert client.get(first).status_code == 400  # the first link is spent
        assert client.get(second).status_code == 200
        assert AuditEvent.objects.filter(kind="staff.reinvited").count() == 1
    else:
        assert response.status_code in (302, 403, 404) and mail.outbox == []
        assert client.get(first).status_code == 200


def test_no_invitation_again_once_the_password_is_set(client, mission):
    client.force_login(mission.users["admin"])
    analyst = mission.users["analyst"]
    analyst.set_password("a password set long ago")
    analyst.save()
    response = client.post(f"{STAFF}{analyst.pk}/reinvite", follow=True)
    assert b"has set a password already" in response.content
    assert mail.outbox == []
