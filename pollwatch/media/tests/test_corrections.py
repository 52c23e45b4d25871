"""Coders add what the machine missed, remove what it found wrongly, correct a mention's span."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from pollwatch.media import review
from pollwatch.media.intake import catalogue_for, machine_code
from pollwatch.media.models import Coding, Item, Subject
from pollwatch.media.report import coverage, training_targets
from pollwatch.media.tests.conftest import add_text
from pollwatch.testing import PERSONAS

MISSED = (
    "Karimov opened a new hospital in Ganja.\n\n"
    "The election commission chairman promised an honest count, and observers welcomed it."
)


@pytest.fixture
def missed(media):
    return add_text(media, MISSED, outlet="tv")


def subject(media, key):
    return Subject.objects.get(election=media.election, key=key)


def test_the_machine_misses_the_commission_in_the_fixture(missed):
    keys = set(missed.codings.values_list("subject__key", flat=True))
    assert keys == {"karimov"}


def test_a_coder_adds_a_missed_subject_with_tone_and_span(media, mission, missed):
    coder = mission.users["media_monitor"]
    cec = subject(media, "cec")
    coding = review.add_subject(missed, coder, cec, tone=1, quote="election   commission chairman")
    start = MISSED.index("election commission chairman")
    assert (coding.span_start, coding.span_end) == (
        start,
        start + len("election commission chairman"),
    )
    assert coding.added and coding.confirmed and coding.coder == coder and coding.corrected
    second = MISSED.split("\n\n")[1]
    assert (coding.characters, coding.sentences) == (len(second), 1)
    report = {r.outlet: r for r in coverage(media.election)}["State TV"]
    row = next(s for s in report.subjects if s.key == "cec")
    assert row.tone["positive"] == 1 and row.confirmed == 1


def test_a_quote_not_in_the_text_or_a_bad_span_is_refused(media, mission, missed):
    coder = mission.users["media_monitor"]
    cec = subject(media, "cec")
    with pytest.raises(review.DecisionError, match="is not in the item's text"):
        review.add_subject(missed, coder, cec, tone=0, quote="prime minister")
    with pytest.raises(review.DecisionError, match="within the text"):
        review.add_subject(missed, coder, cec, tone=0, start=10, end=10_000)
    with pytest.raises(review.DecisionError, match="quote the words"):
        review.add_subject(missed, coder, cec, tone=0)
    with pytest.raises(review.DecisionError, match="the machine found Ali Karimov"):
        review.add_subject(missed, coder, subject(media, "karimov"), tone=0, quote="Karimov")
    assert not Coding.objects.filter(item=missed, is_machine=False).exists()


def test_a_subject_of_another_election_cannot_be_added(media, mission, missed):
    import datetime

    from pollwatch.elections.models import Election

    other = Election.objects.create(slug="other", name="Other", date=datetime.date(2027, 1, 1))
    foreign = Subject.objects.create(election=other, key="x", kind="party", name="X")
    with pytest.raises(review.DecisionError, match="no such subject"):
        review.add_subject(missed, mission.users["admin"], foreign.pk, tone=0, quote="Karimov")


def test_a_removed_subject_leaves_the_report_and_needs_no_tone(media, mission, item):
    coder = mission.users["media_monitor"]
    karimov = subject(media, "karimov")
    review.remove_subject(item, coder, karimov)
    machine = item.codings.get(subject=karimov, is_machine=True)
    assert machine.tone is not None  # the machine's row stays as it was
    keys = {s.key for r in coverage(media.election) for s in r.subjects}
    assert "karimov" not in keys
    others = {c.subject_id: 0 for c in review.machine_codings(item) if c.subject != karimov}
    review.decide(item, coder, genre="news", tones=others)
    item.refresh_from_db()
    assert item.status == Item.Status.CONFIRMED
    assert item.codings.get(subject=karimov, coder=coder).removed
    assert all(t["id"].split("-")[-1] != "karimov" for t in training_targets(media.election))


def test_corrections_survive_machine_re_coding(media, mission, missed):
    coder = mission.users["media_monitor"]
    review.add_subject(missed, coder, subject(media, "cec"), tone=-1, quote="election commission")
    review.correct_span(missed, coder, subject(media, "karimov"), quote="Karimov opened")
    before = list(
        Coding.objects.filter(item=missed, is_machine=False).values_list(
            "subject__key", "tone", "span_start", "span_end", "added"
        )
    )
    # Re-coding replaces the machine's rows only.
    missed.codings.filter(is_machine=True).delete()
    subjects = {s.key: s for s in Subject.objects.filter(election=media.election)}
    machine_code(missed, catalogue_for(media.election), subjects)
    after = list(
        Coding.objects.filter(item=missed, is_machine=False).values_list(
            "subject__key", "tone", "span_start", "span_end", "added"
        )
    )
    assert after == before
    report = {r.outlet: r for r in coverage(media.election)}["State TV"]
    assert {s.key: s.tone["negative"] for s in report.subjects}["cec"] == 1


def test_added_and_corrected_mentions_are_training_targets(client, media, mission, missed):
    coder = mission.users["media_monitor"]
    review.add_subject(
        missed, coder, subject(media, "cec"), tone=1, quote="election commission chairman"
    )
    review.correct_span(missed, coder, subject(media, "karimov"), start=0, end=7)
    client.force_login(mission.users["analyst"])
    response = client.get(reverse("media-training", args=["test-election"]))
    targets = {t["id"]: t for t in map(json.loads, response.content.decode().splitlines())}
    added = targets[f"test-election-{missed.pk}-cec"]
    assert added["mention"] == "election commission chairman" and added["polarity"] == 1
    assert added["sentence"][added["from"] : added["to"]] == "election commission chairman"
    assert added["sentence"].startswith("The election commission") and added["source"] == "added"
    corrected = targets[f"test-election-{missed.pk}-karimov"]
    assert corrected["mention"] == "Karimov" and corrected["source"] == "corrected"
    assert corrected["sentence"] == "Karimov opened a new hospital in Ganja."


def test_the_item_page_forms_add_remove_and_correct(client, media, mission, missed):
    client.force_login(mission.users["media_monitor"])
    url = reverse("media-item", args=["test-election", missed.pk])
    cec, karimov = subject(media, "cec"), subject(media, "karimov")
    response = client.post(
        url, {"action": "add", "subject": cec.pk, "tone": "1", "quote": "commission chairman"}
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Central Election Commission added to this item." in page
    assert "added: the machine missed it" in page and "“commission chairman”" in page
    response = client.post(url, {"action": "span", "subject": karimov.pk, "start": "0", "end": "7"})
    assert response.status_code == 302
    response = client.post(url, {"action": "remove", "subject": karimov.pk})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "removed: not in the item" in page and "removed by you" in page
    rows = {
        c.subject.key: (c.added, c.removed)
        for c in Coding.objects.filter(item=missed, is_machine=False).select_related("subject")
    }
    assert rows == {"cec": (True, False), "karimov": (False, True)}
    # Confirming needs no tone for the removed subject.
    assert client.post(url, {"genre": "news"}).status_code == 302
    kinds = list(
        __import__("pollwatch.audit.models", fromlist=["AuditEvent"])
        .AuditEvent.objects.filter(kind="media.corrected")
        .values_list("payload__action", flat=True)
    )
    assert sorted(kinds) == ["added", "removed", "span"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"action": "add", "subject": "", "tone": "1", "quote": "Ganja"}, "choose a subject"),
        ({"action": "add", "subject": "x", "tone": "1", "quote": "Ganja"}, "whole number"),
        ({"action": "add", "subject": "²", "tone": "1", "quote": "Ganja"}, "whole number"),
        ({"action": "add", "subject": "CEC", "tone": "7", "quote": "Ganja"}, "tone must be"),
        ({"action": "add", "subject": "CEC", "tone": "", "quote": "Ganja"}, "choose a tone"),
        (
            {"action": "add", "subject": "CEC", "tone": "0", "start": "-1", "end": "3"},
            "whole number",
        ),
        (
            {"action": "add", "subject": "CEC", "tone": "0", "start": "3"},
            "both the start and the end",
        ),
        (
            {"action": "add", "subject": "CEC", "tone": "0", "quote": "<script>"},
            "is not in the item",
        ),
        ({"action": "span", "subject": "CEC", "quote": "Ganja"}, "add it instead"),
        ({"action": "remove", "subject": "CEC"}, "did not find"),
    ],
)
def test_bad_corrections_are_refused_with_a_message(client, media, mission, missed, data, words):
    client.force_login(mission.users["media_monitor"])
    if data.get("subject") == "CEC":
        data = {**data, "subject": str(subject(media, "cec").pk)}
    response = client.post(reverse("media-item", args=["test-election", missed.pk]), data)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not Coding.objects.filter(item=missed, is_machine=False).exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_monitors_and_admins_correct(client, media, mission, missed, persona):
    client.force_login(mission.users[persona])
    response = client.post(
        reverse("media-item", args=["test-election", missed.pk]),
        {"action": "add", "subject": subject(media, "cec").pk, "tone": "1", "quote": "Ganja"},
    )
    added = Coding.objects.filter(item=missed, is_machine=False).exists()
    if persona in {"admin", "media_monitor"}:
        assert response.status_code == 302 and added
    else:
        assert response.status_code in (403, 404) and not added


def test_anonymous_users_cannot_correct(client, media, missed):
    response = client.post(
        reverse("media-item", args=["test-election", missed.pk]),
        {"action": "remove", "subject": subject(media, "karimov").pk},
    )
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not Coding.objects.filter(item=missed, is_machine=False).exists()
