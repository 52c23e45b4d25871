"""API tokens: who may make them, that only their hash is kept, revocation, and signing in with one."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from pollwatch.api.models import ApiToken
from pollwatch.api.tests.conftest import bearer
from pollwatch.audit.models import AuditEvent
from pollwatch.testing import PERSONAS

TOKEN_HOLDERS = {"admin", "coordinator", "analyst"}
PAGE = "/account/api-tokens/"
STATIONS = "/api/v1/elections/test-election/stations"


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_every_signed_in_user_sees_their_tokens_page(client, mission, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.get(PAGE)
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        return
    assert response.status_code == 200
    assert ('name="action" value="create"' in response.content.decode()) == (
        persona in TOKEN_HOLDERS
    )


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_admins_coordinators_and_analysts_create_tokens(client, mission, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.post(PAGE, {"action": "create", "name": "notebook"})
    if persona == "anonymous":
        assert response.status_code == 302
    elif persona in TOKEN_HOLDERS:
        assert response.status_code == 201
    else:
        assert response.status_code == 403
    assert ApiToken.objects.count() == (1 if persona in TOKEN_HOLDERS else 0)


def test_a_superuser_without_roles_may_create_tokens(client, mission):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("root"))
    assert client.post(PAGE, {"action": "create", "name": "ops"}).status_code == 201


def test_the_token_is_shown_once_and_only_its_hash_is_kept(client, mission):
    client.force_login(mission.users["analyst"])
    response = client.post(PAGE, {"action": "create", "name": "quick-count notebook"})
    token = response.context["new_token"]
    assert token.startswith("pw_") and len(token) > 40
    assert token in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    stored = ApiToken.objects.get()
    assert stored.token_hash == ApiToken.hash(token) and stored.prefix == token[:10]
    assert not ApiToken.objects.filter(token_hash=token).exists()
    again = client.get(PAGE).content.decode()
    assert token not in again and stored.prefix in again and "quick-count notebook" in again


def test_a_token_needs_a_name(client, mission):
    client.force_login(mission.users["analyst"])
    response = client.post(PAGE, {"action": "create", "name": ""})
    assert response.status_code == 400 and ApiToken.objects.count() == 0


def test_a_user_has_at_most_twenty_live_tokens(client, mission):
    from pollwatch.api.views import MAX_ACTIVE_TOKENS

    for number in range(MAX_ACTIVE_TOKENS):
        ApiToken.issue(mission.users["analyst"], f"t{number}")
    client.force_login(mission.users["analyst"])
    response = client.post(PAGE, {"action": "create", "name": "one more"})
    assert response.status_code == 400
    assert ApiToken.objects.count() == MAX_ACTIVE_TOKENS


def test_creating_and_revoking_are_audited(client, mission):
    client.force_login(mission.users["coordinator"])
    client.post(PAGE, {"action": "create", "name": "dashboard"})
    token = ApiToken.objects.get()
    response = client.post(PAGE, {"action": "revoke", "token": token.pk})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked is not None
    events = list(AuditEvent.objects.filter(kind__startswith="api_token.").order_by("pk"))
    assert [e.kind for e in events] == ["api_token.create", "api_token.revoke"]
    assert all(e.actor == "coordinator" and e.object_id == str(token.pk) for e in events)
    assert events[0].payload == {"name": "dashboard", "prefix": token.prefix}


def test_nobody_revokes_another_users_token(client, mission):
    token, _ = ApiToken.issue(mission.users["analyst"], "theirs")
    client.force_login(mission.users["coordinator"])
    assert client.post(PAGE, {"action": "revoke", "token": token.pk}).status_code == 404
    assert client.post(PAGE, {"action": "revoke", "token": "x"}).status_code == 404
    token.refresh_from_db()
    assert token.revoked is None


def test_a_former_analyst_may_still_revoke_their_tokens(client, mission):
    token, _ = ApiToken.issue(mission.users["observer"], "from when I was an analyst")
    client.force_login(mission.users["observer"])
    assert client.post(PAGE, {"action": "revoke", "token": token.pk}).status_code == 302
    token.refresh_from_db()
    assert token.revoked is not None


def test_the_tokens_page_checks_csrf(mission):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(mission.users["analyst"])
    assert client.post(PAGE, {"action": "create", "name": "x"}).status_code == 403
    assert ApiToken.objects.count() == 0


def test_a_bearer_token_signs_in_and_notes_its_use(client, mission, tokens):
    response = client.get(STATIONS, headers=bearer(tokens["analyst"]))
    assert response.status_code == 200 and len(response.json()["items"]) == 6
    used = ApiToken.objects.get(user=mission.users["analyst"])
    assert used.last_used is not None
    # Within a minute it is not written again: reads stay reads.
    first = used.last_used
    client.get(STATIONS, headers=bearer(tokens["analyst"]))
    used.refresh_from_db()
    assert used.last_used == first


def test_a_revoked_token_is_unauthorised(client, mission, tokens):
    from django.utils import timezone

    ApiToken.objects.filter(user=mission.users["analyst"]).update(revoked=timezone.now())
    response = client.get(STATIONS, headers=bearer(tokens["analyst"]))
    assert response.status_code == 401
    assert response.json() == {"detail": "Unknown or revoked API token"}


def test_a_revoked_token_is_unauthorised_even_with_a_session(client, mission, tokens):
    from django.utils import timezone

    ApiToken.objects.filter(user=mission.users["analyst"]).update(revoked=timezone.now())
    client.force_login(mission.users["analyst"])
    assert client.get(STATIONS, headers=bearer(tokens["analyst"])).status_code == 401
    assert client.get(STATIONS).status_code == 200


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Bearer pw_" + "x" * 43])
def test_an_unknown_token_is_unauthorised(client, mission, header):
    assert client.get(STATIONS, headers={"Authorization": header}).status_code == 401


def test_a_token_of_an_inactive_user_is_unauthorised(client, mission, tokens):
    user = mission.users["analyst"]
    user.is_active = False
    user.save()
    assert client.get(STATIONS, headers=bearer(tokens["analyst"])).status_code == 401


def test_a_token_of_a_user_without_a_role_in_the_election_gets_not_found(client, mission):
    from pollwatch.elections.models import Election
    from pollwatch.observers.models import Membership, Person, Role

    elsewhere = Election.objects.create(
        slug="elsewhere", name="Elsewhere", date=datetime.date(2027, 3, 1)
    )
    person = Person.objects.create(
        mission=mission.mission,
        code="9001",
        full_name="Analyst Elsewhere",
        user=mission.users["outsider"],
    )
    Membership.objects.create(person=person, election=elsewhere, role=Role.ANALYST)
    _row, token = ApiToken.issue(mission.users["outsider"], "elsewhere")
    assert (
        client.get("/api/v1/elections/elsewhere/stations", headers=bearer(token)).status_code == 200
    )
    response = client.get(STATIONS, headers=bearer(token))
    assert response.status_code == 404
    listed = client.get("/api/v1/elections", headers=bearer(token)).json()
    assert [e["slug"] for e in listed] == ["elsewhere"]


def test_a_session_reads_the_api_without_a_csrf_token(mission):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(mission.users["coordinator"])
    assert client.get(STATIONS).status_code == 200
