"""Every media page for every persona and anonymous users: who sees, who codes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pollwatch.media.models import Coding, Item
from pollwatch.testing import PERSONAS, assert_reach

READERS = {"admin", "coordinator", "analyst", "media_monitor"}
CODERS = {"admin", "media_monitor"}

VIEWS = [
    ("media-home", lambda item: ["test-election"], READERS),
    ("media-queue", lambda item: ["test-election"], READERS),
    ("media-item", lambda item: ["test-election", item.pk], READERS),
    ("media-report", lambda item: ["test-election"], READERS),
    ("media-reliability", lambda item: ["test-election"], READERS),
    ("media-export", lambda item: ["test-election"], READERS),
    ("media-training", lambda item: ["test-election"], READERS),
    ("media-intake", lambda item: ["test-election"], CODERS),
    ("media-intake-detail", lambda item: ["test-election", item.intake_id], READERS),
]


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize(("name", "args", "allowed"), VIEWS, ids=[v[0] for v in VIEWS])
def test_each_role_gets_only_what_it_may(client, mission, item, persona, name, args, allowed):
    url = reverse(name, args=args(item))
    assert_reach(client, mission, persona, url, allowed)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_monitors_and_admins_code(client, mission, item, persona):
    client.force_login(mission.users[persona])
    subject_ids = Coding.objects.filter(item=item, is_machine=True).values_list(
        "subject_id", flat=True
    )
    response = client.post(
        reverse("media-item", args=["test-election", item.pk]),
        {"genre": "news", **{f"tone-{pk}": "0" for pk in subject_ids}},
    )
    item.refresh_from_db()
    if persona in CODERS:
        assert response.status_code == 302 and item.status == Item.Status.CONFIRMED
    else:
        assert response.status_code in (403, 404) and item.status == Item.Status.CODED


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_monitors_and_admins_add_items(client, mission, media, persona):
    client.force_login(mission.users[persona])
    response = client.post(
        reverse("media-intake", args=["test-election"]),
        {"text": "Karimov visited Quba on Monday and met local farmers there."},
    )
    added = Item.objects.filter(election=mission.election).count()
    if persona in CODERS:
        assert response.status_code == 302 and added == 1
    else:
        assert response.status_code in (403, 404) and added == 0


def test_an_item_of_another_election_is_not_found(client, mission, item):
    import datetime

    from pollwatch.elections.models import Election
    from pollwatch.media.models import Item as MediaItem

    other = Election.objects.create(slug="other", name="Other", date=datetime.date(2027, 1, 1))
    foreign = MediaItem.objects.create(
        election=other, text="x", raw="x", raw_sha256="0", content_hash="0"
    )
    client.force_login(mission.users["media_monitor"])
    assert client.get(reverse("media-item", args=["test-election", foreign.pk])).status_code == 404


def test_the_nav_shows_media_to_the_media_roles_only(client, mission, item):
    client.force_login(mission.users["analyst"])
    assert "/e/test-election/media/" in client.get("/e/test-election/").content.decode()
    client.force_login(mission.users["observer"])
    assert "/e/test-election/media/" not in client.get("/e/test-election/").content.decode()
