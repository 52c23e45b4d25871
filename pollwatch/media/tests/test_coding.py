"""Monitors confirm or correct the machine: human rows beside the machine's, audit per decision."""

from __future__ import annotations

import pytest

from pollwatch.audit.models import AuditEvent
from pollwatch.media.models import Coding, Item
from pollwatch.media.review import DecisionError, decide, queue_for
from pollwatch.media.tests.conftest import add_text
from pollwatch.media.views import highlighted


def tones_of(item, **by_key):
    machine = Coding.objects.filter(item=item, is_machine=True).select_related("subject")
    return {c.subject_id: by_key.get(c.subject.key, c.tone) for c in machine}


def form_of(item, genre="news", **by_key):
    return {"genre": genre, **{f"tone-{pk}": str(t) for pk, t in tones_of(item, **by_key).items()}}


def test_the_item_page_highlights_the_evidence_and_shows_the_proposal(client, mission, item):
    client.force_login(mission.users["media_monitor"])
    page = client.get(f"/e/test-election/media/items/{item.pk}/").content.decode()
    assert '<mark class="tone-positive" title="Ali Karimov: positive">Karimov opened' in page
    assert "[Ali Karimov: positive]" in page
    assert '<mark class="tone-negative"' in page
    assert 'name="tone-' in page and "Confirm codes" in page


def test_confirming_adds_human_rows_and_keeps_the_machine_rows(client, mission, item):
    client.force_login(mission.users["media_monitor"])
    response = client.post(
        f"/e/test-election/media/items/{item.pk}/", form_of(item, "opinion", hasanova=0)
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Item.Status.CONFIRMED and item.genre == "opinion"
    assert item.machine["genre"] == "news"
    human = {c.subject.key: c for c in item.codings.filter(is_machine=False)}
    machine = {c.subject.key: c for c in item.codings.filter(is_machine=True)}
    assert human["hasanova"].tone == 0 and machine["hasanova"].tone == -1
    assert human["karimov"].tone == machine["karimov"].tone == 1
    assert human["cec"].characters == machine["cec"].characters
    assert all(c.confirmed and c.coder == mission.users["media_monitor"] for c in human.values())
    events = AuditEvent.objects.filter(kind="media.coded")
    assert events.count() == 4  # genre and three subjects
    corrected = {e.payload.get("subject", "genre"): e.payload["corrected"] for e in events}
    assert corrected == {"genre": True, "hasanova": True, "karimov": False, "cec": False}
    assert all(e.actor == "media_monitor" for e in events)


def test_a_missing_tone_or_bad_genre_is_refused_and_nothing_is_saved(client, mission, item):
    client.force_login(mission.users["media_monitor"])
    data = form_of(item)
    data.pop(next(k for k in data if k.startswith("tone-")))
    response = client.post(f"/e/test-election/media/items/{item.pk}/", data)
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    with pytest.raises(DecisionError, match="genre"):
        decide(item, mission.users["admin"], genre="gossip", tones=tones_of(item))
    assert not item.codings.filter(is_machine=False).exists() and not item.reviews.exists()


def test_a_coder_codes_an_item_once(mission, item):
    decide(item, mission.users["admin"], genre="news", tones=tones_of(item))
    with pytest.raises(DecisionError, match="already"):
        decide(item, mission.users["admin"], genre="news", tones=tones_of(item))


def test_a_double_coded_item_waits_for_a_second_monitor(mission, media):
    item = add_text(media)
    Item.objects.filter(pk=item.pk).update(double_code=True)
    item.refresh_from_db()
    monitor, admin = mission.users["media_monitor"], mission.users["admin"]
    decide(item, monitor, genre="news", tones=tones_of(item))
    item.refresh_from_db()
    assert item.status == Item.Status.CODED
    assert item not in queue_for(media.election, monitor)
    assert item in queue_for(media.election, admin)
    decide(item, admin, genre="news", tones=tones_of(item, karimov=0))
    item.refresh_from_db()
    assert item.status == Item.Status.CONFIRMED and item not in queue_for(media.election, admin)


def test_the_queue_is_oldest_first_and_the_next_item_follows(client, mission, media):
    first = add_text(media, "Karimov met voters in Ganja on Monday morning.")
    second = add_text(media, "Hasanova met students in Shaki on Tuesday evening.")
    assert list(queue_for(media.election)) == [first, second]
    client.force_login(mission.users["media_monitor"])
    response = client.post(f"/e/test-election/media/items/{first.pk}/", form_of(first))
    assert response["Location"] == f"/e/test-election/media/items/{second.pk}/"


def test_an_item_without_subjects_is_confirmed_by_its_genre_alone(mission, media):
    item = add_text(media, "The weather in the capital was sunny and warm all week long.")
    assert item.machine["subjects"] == [] and item.machine["problems"]
    decide(item, mission.users["media_monitor"], genre="news", tones={})
    item.refresh_from_db()
    assert item.status == Item.Status.CONFIRMED


def test_highlighting_escapes_text_and_merges_overlaps():
    html = highlighted("a <b> c d", [(0, 5, "negative", "X"), (2, 7, "positive", "Y")])
    assert html == (
        '<mark class="tone-negative" title="X; Y">a &lt;b&gt; c</mark><sup class="small">[X; Y]</sup> d'
    )


def test_confirmed_tones_become_training_targets_for_one_sentence_subjects(client, mission, media):
    import json

    from pollwatch.mediatext.tone import record_target

    item = add_text(
        media,
        "Karimov opened a hospital in Ganja. Karimov then left.\n\n"
        "Critics accused Hasanova of misusing state resources during the campaign.",
    )
    decide(item, mission.users["media_monitor"], genre="news", tones=tones_of(item, hasanova=0))
    client.force_login(mission.users["analyst"])
    body = client.get("/e/test-election/media/tone-targets.jsonl").content.decode()
    targets = [json.loads(line) for line in body.splitlines()]
    # Karimov is named in two sentences: no single sentence carries the item's code.
    assert [t["mention"] for t in targets] == ["Hasanova"]
    target = targets[0]
    assert target["polarity"] == 0 and target["sentence"].startswith("Critics accused")
    assert target["sentence"][target["from"] : target["to"]] == "Hasanova"
    record_target(target)  # reads back as a tone-model target
