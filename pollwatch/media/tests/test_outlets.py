"""Outlets managed in the web app: who may list, add, change and delete them; hostile input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pollwatch.media.models import Outlet
from pollwatch.media.tests.conftest import add_text
from pollwatch.testing import PERSONAS, assert_reach

READERS = {"admin", "coordinator", "analyst", "media_monitor"}
EDITORS = {"admin", "coordinator"}


def outlet_id(media):
    return media.outlets["web"].pk


PAGES = [
    ("media-outlets", lambda media: ["test-election"], READERS),
    ("media-outlet-new", lambda media: ["test-election"], EDITORS),
    ("media-outlet-edit", lambda media: ["test-election", outlet_id(media)], EDITORS),
]


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize(("name", "args", "allowed"), PAGES, ids=[p[0] for p in PAGES])
def test_each_role_reaches_only_the_outlet_pages_it_may(
    client, mission, media, persona, name, args, allowed
):
    assert_reach(client, mission, persona, reverse(name, args=args(media)), allowed)


def post_as(client, mission, persona, url, data):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    return client.post(url, data)


GOOD = {
    "name": "Radio Ganja",
    "kind": "radio",
    "language": "az",
    "owner": "private",
    "reach": 12000,
}


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_coordinators_and_admins_add_outlets(client, mission, media, persona):
    response = post_as(
        client, mission, persona, reverse("media-outlet-new", args=["test-election"]), GOOD
    )
    added = Outlet.objects.filter(election=media.election, name="Radio Ganja").first()
    if persona in EDITORS:
        assert response.status_code == 302
        assert added is not None and added.reach == 12000 and added.language == "az"
    else:
        assert added is None
        if persona == "anonymous":
            assert response["Location"].startswith(reverse("login"))
        else:
            assert response.status_code in (403, 404)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_coordinators_and_admins_change_outlets(client, mission, media, persona):
    outlet = media.outlets["web"]
    url = reverse("media-outlet-edit", args=["test-election", outlet.pk])
    response = post_as(client, mission, persona, url, {**GOOD, "name": "Meydan TV"})
    outlet.refresh_from_db()
    if persona in EDITORS:
        assert response.status_code == 302 and outlet.name == "Meydan TV"
    else:
        assert response.status_code in (302, 403, 404) and outlet.name == "Meydan"


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_coordinators_and_admins_delete_outlets(client, mission, media, persona):
    outlet = media.outlets["web"]
    url = reverse("media-outlet-delete", args=["test-election", outlet.pk])
    response = post_as(client, mission, persona, url, {})
    exists = Outlet.objects.filter(pk=outlet.pk).exists()
    if persona in EDITORS:
        assert response.status_code == 302 and not exists
    else:
        assert response.status_code in (302, 403, 404) and exists
        if persona == "anonymous":
            assert response["Location"].startswith(reverse("login"))


def test_an_outlet_with_items_is_deactivated_not_deleted(client, mission, media):
    add_text(media, outlet="web")
    outlet = media.outlets["web"]
    client.force_login(mission.users["coordinator"])
    response = client.post(reverse("media-outlet-delete", args=["test-election", outlet.pk]))
    assert response.status_code == 302
    outlet.refresh_from_db()
    assert outlet.active is False
    # No longer offered for new items, still listed (and in the report).
    client.force_login(mission.users["media_monitor"])
    intake_page = client.get(reverse("media-intake", args=["test-election"]))
    assert list(intake_page.context["form"].fields["outlet"].queryset) == [media.outlets["tv"]]
    page = client.get(reverse("media-outlets", args=["test-election"])).content.decode()
    assert "Meydan" in page and "inactive" in page


def test_an_outlet_of_another_election_is_not_found(client, mission, media):
    import datetime

    from pollwatch.elections.models import Election

    other = Election.objects.create(slug="other", name="Other", date=datetime.date(2027, 1, 1))
    foreign = Outlet.objects.create(election=other, name="Elsewhere")
    client.force_login(mission.users["admin"])
    url = reverse("media-outlet-edit", args=["test-election", foreign.pk])
    assert client.get(url).status_code == 404
    delete = reverse("media-outlet-delete", args=["test-election", foreign.pk])
    assert client.post(delete).status_code == 404
    assert Outlet.objects.filter(pk=foreign.pk).exists()


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"name": "state tv"}, "name", "already has an outlet named"),
        ({"name": "  State   TV "}, "name", "already has an outlet named"),
        ({"name": "x" * 201}, "name", "at most 200 characters"),
        ({"owner": "y" * 201}, "owner", "at most 200 characters"),
        ({"language": "zz"}, "language", "not an ISO 639-1 language code"),
        ({"language": "english"}, "language", ""),
        ({"language": "<b>"}, "language", "not an ISO 639-1 language code"),
        ({"reach": "0"}, "reach", ""),
        ({"reach": "-5"}, "reach", ""),
        ({"reach": "lots"}, "reach", "whole number"),
        ({"kind": "blog"}, "kind", "valid choice"),
        ({"name": "   "}, "name", ""),
    ],
)
def test_bad_outlet_input_is_refused_with_a_form_error(client, mission, media, data, field, words):
    client.force_login(mission.users["admin"])
    response = client.post(reverse("media-outlet-new", args=["test-election"]), {**GOOD, **data})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert words in " ".join(errors[field])
    assert Outlet.objects.filter(election=media.election).count() == 2


def test_renaming_an_outlet_to_its_own_name_in_other_case_is_allowed(client, mission, media):
    client.force_login(mission.users["admin"])
    outlet = media.outlets["tv"]
    response = client.post(
        reverse("media-outlet-edit", args=["test-election", outlet.pk]),
        {**GOOD, "name": "STATE TV", "kind": "tv", "language": "AZ"},
    )
    assert response.status_code == 302
    outlet.refresh_from_db()
    assert (outlet.name, outlet.language) == ("STATE TV", "az")


def test_the_outlet_report_shows_reach(client, mission, media):
    outlet = media.outlets["tv"]
    outlet.reach = 250000
    outlet.save()
    add_text(media, outlet="tv")
    client.force_login(mission.users["analyst"])
    page = client.get(reverse("media-report", args=["test-election"])).content.decode()
    assert "reach 250000 a day" in page


def test_outlet_changes_are_audited(client, mission, media):
    from pollwatch.audit.models import AuditEvent

    client.force_login(mission.users["coordinator"])
    client.post(reverse("media-outlet-new", args=["test-election"]), GOOD)
    event = AuditEvent.objects.filter(kind="media.outlet.created").get()
    assert event.payload["reach"] == 12000 and event.actor == "coordinator"
