"""The quick-count page's "Confirm this design" button: analysts and admins only, POST with CSRF,
recorded and audited by the same function as `pollwatch confirm-sample`."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pollwatch.testing import PERSONAS

CHANGE = {"admin", "analyst"}
BUTTON = "Confirm this design"


def confirm_url(mission) -> str:
    return reverse("sample-design-confirm", args=[mission.election.slug])


def confirmed_by(mission) -> str | None:
    from pollwatch.results.models import SampleDesign

    design = SampleDesign.objects.filter(election=mission.election).first()
    return design.confirmed_by.get_username() if design and design.confirmed_by else None


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_analysts_and_admins_confirm_the_inferred_design(
    client, mission, results_forms, persona
):
    from pollwatch.audit.models import AuditEvent

    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.post(confirm_url(mission))
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    elif persona in CHANGE:
        assert response.status_code == 302
        assert response["Location"] == reverse("quick-count", args=[mission.election.slug])
        assert confirmed_by(mission) == persona
        event = AuditEvent.objects.get(kind="sample_design.confirmed")
        assert event.actor == persona and event.election_id == mission.election.pk
        return
    else:
        assert response.status_code in (403, 404), persona
    assert confirmed_by(mission) is None
    assert not AuditEvent.objects.filter(kind="sample_design.confirmed").exists()


def test_confirming_needs_a_post_with_the_csrf_token(mission, results_forms):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mission.users["analyst"])
    assert client.get(confirm_url(mission)).status_code == 405
    assert client.post(confirm_url(mission)).status_code == 403
    assert confirmed_by(mission) is None
    page = client.get(reverse("quick-count", args=[mission.election.slug]))
    token = page.context["csrf_token"]
    assert client.post(confirm_url(mission), {"csrfmiddlewaretoken": token}).status_code == 302
    assert confirmed_by(mission) == "analyst"


@pytest.mark.parametrize("persona", sorted(CHANGE | {"coordinator"}))
def test_the_button_shows_to_those_who_may_confirm_until_someone_has(
    client, mission, results_forms, persona
):
    url = reverse("quick-count", args=[mission.election.slug])
    client.force_login(mission.users[persona])
    page = client.get(url).content.decode()
    assert "inferred" in page
    assert (BUTTON in page) == (persona in CHANGE)
    if persona in CHANGE:
        client.post(confirm_url(mission))
        page = client.get(url).content.decode()
        assert BUTTON not in page and f"Confirmed by {persona}" in page
