"""Tone model versions: who may see and change them, training in the worker, roll-back,
re-coding that keeps human codes, and no machine tone in a language without a model."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pollwatch.audit.models import AuditEvent
from pollwatch.media import grouped, jobs, review, tonemodels
from pollwatch.media.models import Coding, MediaJob, Subject, ToneModel
from pollwatch.media.tests.conftest import add_text
from pollwatch.mediatext.tone import train_tone_model
from pollwatch.mediatext.toneeval import grouped_folds
from pollwatch.testing import PERSONAS, assert_reach

MANAGERS = {"admin", "coordinator"}
FRENCH = (
    "Karimov a inauguré un nouvel hôpital à Gandja, et les habitants ont salué la rapidité "
    "des travaux.\n\nLes critiques ont accusé Hasanova d'avoir abusé des ressources de l'État "
    "pendant la campagne électorale."
)
GOOD = ["praised", "welcomed", "applauded", "celebrated"]
BAD = ["attacked", "accused", "condemned", "criticised"]
PLAIN = ["met", "visited", "called", "saw"]


def synthetic_targets(items: int = 30, language: str = "fr") -> list[dict]:
    """Four targets per item, all three tones, in the layout of report.training_targets."""
    records = []
    for item in range(items):
        for number, (words, polarity) in enumerate(((GOOD, 1), (BAD, -1), (PLAIN, 0), (GOOD, 1))):
            word = words[(item + number) % len(words)]
            sentence = f"Voters {word} Karimov in town {item} today."
            start = sentence.index("Karimov")
            records.append(
                {
                    "sentence": sentence,
                    "from": start,
                    "to": start + len("Karimov"),
                    "polarity": polarity,
                    "id": f"test-election-{item}-karimov{number}",
                    "item": item,
                    "language": language,
                }
            )
    return records


def second_english_model(media, active: bool = True) -> ToneModel:
    """Version 2 of English: a small model that calls every mention positive or neutral."""
    tonemodels.ensure_shipped(media.election)
    model = train_tone_model([r | {"language": "en"} for r in synthetic_targets(10)])
    row = ToneModel.objects.create(
        election=media.election,
        language="en",
        version=2,
        data=tonemodels.model_bytes(model),
        source="trained from 40 confirmed codes",
        targets=40,
    )
    if active:
        tonemodels.make_active(row, "tester")
    return row


@pytest.fixture
def job(media):
    return MediaJob.objects.create(election=media.election, kind="recode", total=4, done=1)


PAGES = [
    ("media-models", lambda media, job: ["test-election"]),
    ("media-job", lambda media, job: ["test-election", job.pk]),
]


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize(("name", "args"), PAGES, ids=[p[0] for p in PAGES])
def test_each_role_reaches_the_model_pages_only_if_it_manages(
    client, mission, media, job, persona, name, args
):
    assert_reach(client, mission, persona, reverse(name, args=args(media, job)), MANAGERS)


def post_as(client, mission, persona, url, data=None):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    return client.post(url, data or {})


def refused(response, persona):
    if persona == "anonymous":
        return response.status_code == 302 and response["Location"].startswith(reverse("login"))
    return response.status_code in (403, 404)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_managers_activate_and_roll_back(client, mission, media, persona):
    row = second_english_model(media, active=False)
    url = reverse("media-model-activate", args=["test-election", row.pk])
    response = post_as(client, mission, persona, url)
    row.refresh_from_db()
    if persona in MANAGERS:
        assert response.status_code == 302 and row.active
        assert AuditEvent.objects.filter(kind="media.tone_model.activated").exists()
        url = reverse("media-model-rollback", args=["test-election"])
        assert client.post(url, {"language": "en"}).status_code == 302
        row.refresh_from_db()
        assert not row.active
        assert AuditEvent.objects.filter(kind="media.tone_model.rolled_back").exists()
    else:
        assert refused(response, persona) and not row.active
        url = reverse("media-model-rollback", args=["test-election"])
        assert refused(post_as(client, mission, persona, url, {"language": "en"}), persona)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_managers_train_and_recode(client, mission, media, persona, immediate_tasks):
    train = reverse("media-model-train", args=["test-election"])
    recode = reverse("media-recode", args=["test-election"])
    trained = post_as(client, mission, persona, train, {"language": "fr"})
    recoded = post_as(client, mission, persona, recode, {"reason": "test"})
    if persona in MANAGERS:
        # No confirmed French codes: a clear refusal, no job.
        assert trained.status_code == 302 and trained["Location"].endswith("/media/models/")
        page = client.get(trained["Location"]).content.decode()
        assert "Not enough confirmed codes in fr to train" in page
        assert not MediaJob.objects.filter(kind="train").exists()
        assert recoded.status_code == 302
        assert MediaJob.objects.filter(kind="recode").count() == 1
    else:
        assert refused(trained, persona) and refused(recoded, persona)
        assert not MediaJob.objects.exists()


def test_hostile_input_to_the_model_endpoints(client, mission, media):
    client.force_login(mission.users["admin"])
    unknown = reverse("media-model-activate", args=["test-election", 999999])
    assert client.post(unknown).status_code == 404
    rollback = reverse("media-model-rollback", args=["test-election"])
    for bad in ("", "en'; --", "x" * 40, "../.."):
        assert client.post(rollback, {"language": bad}).status_code == 404
    assert client.get(reverse("media-model-train", args=["test-election"])).status_code == 405
    assert client.get(rollback).status_code == 405
    assert client.get(reverse("media-job", args=["test-election", 999999])).status_code == 404
    # A language with only the shipped model has nothing to roll back to.
    response = client.post(rollback, {"language": "en"}, follow=True)
    assert "has no earlier tone model" in response.content.decode()
    assert ToneModel.objects.get(election=media.election, language="en").active
    client.force_login(mission.users["media_monitor"])
    row = second_english_model(media, active=False)
    url = reverse("media-model-activate", args=["test-election", row.pk])
    assert client.post(url).status_code == 403
    assert client.post(reverse("media-recode", args=["test-election"])).status_code == 403


def test_machine_codes_record_the_model_and_rollback_restores_the_previous(media):
    item = add_text(media)
    shipped = ToneModel.objects.get(election=media.election, language="en", version=1)
    assert shipped.shipped and shipped.active
    # Its held-out figure on unseen NewsMTSC stories, from the model file (docs/media.md).
    assert (
        shipped.macro_f1 >= 0.70 and shipped.macro_f1_low < shipped.macro_f1 < shipped.macro_f1_high
    )
    assert {c.tone_model_id for c in item.codings.filter(is_machine=True)} == {shipped.pk}
    assert item.machine["tone_model_version"] == "en v1"
    second = second_english_model(media)
    jobs.recode_items(media.election)
    assert {c.tone_model_id for c in item.codings.filter(is_machine=True)} == {second.pk}
    back = tonemodels.roll_back(media.election, "en", "tester")
    assert back == shipped
    shipped.refresh_from_db()
    second.refresh_from_db()
    assert shipped.active and not second.active
    jobs.recode_items(media.election)
    assert {c.tone_model_id for c in item.codings.filter(is_machine=True)} == {shipped.pk}
    newer = add_text(media, title="Later")
    assert {c.tone_model_id for c in newer.codings.filter(is_machine=True)} == {shipped.pk}


def test_recoding_replaces_machine_codes_and_keeps_human_codes(media, mission):
    item = add_text(media)
    coder = mission.users["media_monitor"]
    subjects = {s.key: s for s in Subject.objects.filter(election=media.election)}
    machine = {c.subject_id: c.tone for c in item.codings.filter(is_machine=True)}
    review.decide(item, coder, genre="news", tones={sid: -1 for sid in machine})
    review.remove_subject(item, coder, subjects["cec"])
    # The confirmed codes are training targets grouped by their item.
    targets = jobs.targets_for(media.election, "en")
    assert targets and {jobs.item_of(t) for t in targets} == {str(item.pk)}
    assert jobs.targets_for(media.election, "fr") == []
    human_before = {
        c.pk: (c.subject_id, c.tone, c.removed, c.added, c.span_start, c.confirmed)
        for c in Coding.objects.filter(item=item, is_machine=False)
    }
    machine_before = set(item.codings.filter(is_machine=True).values_list("pk", flat=True))
    status = type(item).objects.get(pk=item.pk).status
    job = MediaJob.objects.create(election=media.election, kind="recode")
    assert jobs.run(job.pk) == "done"
    job.refresh_from_db()
    assert (job.done, job.total, job.percent) == (1, 1, 100)
    human_after = {
        c.pk: (c.subject_id, c.tone, c.removed, c.added, c.span_start, c.confirmed)
        for c in Coding.objects.filter(item=item, is_machine=False)
    }
    assert human_after == human_before
    machine_after = set(item.codings.filter(is_machine=True).values_list("pk", flat=True))
    assert machine_after and not machine_after & machine_before
    assert type(item).objects.get(pk=item.pk).status == status == "confirmed"
    assert AuditEvent.objects.filter(kind="media.recode.done").exists()


def test_a_language_without_a_model_gets_no_machine_tone(client, mission, media):
    item = add_text(media, FRENCH, title="Campagne")
    assert item.language == "fr"
    codes = list(item.codings.filter(is_machine=True))
    assert {c.subject.key for c in codes} >= {"karimov", "hasanova"}
    assert all(c.tone_pending and c.tone_model_id is None and c.tone == 0 for c in codes)
    assert all(c.characters > 0 for c in codes)  # space is still measured
    assert item.machine["tone_pending"] is True
    english = add_text(media, title="English")
    assert not english.codings.filter(tone_pending=True).exists()
    client.force_login(mission.users["media_monitor"])
    queue = client.get(reverse("media-queue", args=["test-election"])).content.decode()
    assert queue.count("tone: needs a coder") == 1
    page = client.get(reverse("media-item", args=["test-election", item.pk])).content.decode()
    assert "tone: needs a coder" in page
    # The report counts their space, not a tone they do not have.
    from pollwatch.media.report import coding_rows, coverage

    karimov = next(s for r in coverage(media.election) for s in r.subjects if s.key == "karimov")
    assert karimov.items == 2 and karimov.untoned == 1 and sum(karimov.tone.values()) == 1
    rows = list(coding_rows(media.election))
    header = rows[0]
    pending = [r for r in rows[1:] if r[0] == item.pk]
    assert pending and all(
        r[header.index("tone_pending")] == 1 and r[header.index("tone_model")] == ""
        for r in pending
    )
    assert all(r[header.index("tone_model")] == "en v1" for r in rows[1:] if r[0] == english.pk)
    report = client.get(reverse("media-report", args=["test-election"])).content.decode()
    assert "+1 without tone" in report


def test_training_runs_in_the_worker_with_a_grouped_evaluation(
    client, mission, media, monkeypatch, immediate_tasks, django_capture_on_commit_callbacks
):
    records = synthetic_targets(30)
    monkeypatch.setattr(jobs, "training_targets", lambda election: iter(records))
    monkeypatch.setattr(grouped, "MIN_TARGETS", 100)
    client.force_login(mission.users["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("media-model-train", args=["test-election"]), {"language": "fr"}
        )
    assert response.status_code == 302
    job = MediaJob.objects.get(kind="train")
    assert job.status == "done" and job.done == job.total == grouped.FOLDS + 1
    row = ToneModel.objects.get(election=media.election, language="fr")
    assert row.version == 1 and not row.active and not row.shipped
    assert row.targets == 120 and row.items == 30
    assert row.source == "trained from 120 confirmed codes"
    assert row.trained_by == mission.users["coordinator"]
    assert row.macro_f1_low <= row.macro_f1 <= row.macro_f1_high
    assert row.evaluation["method"] == "5-fold cross-validation grouped by item"
    page = client.get(reverse("media-job", args=["test-election", job.pk])).content.decode()
    assert "fr v1" in page
    models_page = client.get(reverse("media-models", args=["test-election"])).content.decode()
    assert "Make active" in models_page and f"{row.macro_f1:.3f}" in models_page
    # Active, the French model now gives French items a tone.
    tonemodels.make_active(row, "coordinator")
    item = add_text(media, FRENCH, title="Campagne")
    assert not item.codings.filter(tone_pending=True).exists()
    assert {c.tone_model_id for c in item.codings.filter(is_machine=True)} == {row.pk}


def test_the_grouped_evaluation_keeps_each_item_on_one_side():
    records = synthetic_targets(12)
    groups = [jobs.item_of(r) for r in records]
    folds = grouped_folds(groups, 5)
    assert sorted(i for fold in folds for i in fold.tolist()) == list(range(len(records)))
    for fold in folds:
        inside = {groups[i] for i in fold.tolist()}
        outside = {g for i, g in enumerate(groups) if i not in set(fold.tolist())}
        assert not inside & outside
    with pytest.raises(grouped.NotEnoughCodes, match="at least 200"):
        grouped.check_enough(records)
    with pytest.raises(grouped.NotEnoughCodes, match="2 of the 3 tones"):
        grouped.check_enough([r for r in records if r["polarity"] != 0], minimum=10)


@pytest.fixture
def back_to_english():
    """A page asked for in another language leaves it active in this thread: undo that."""
    from django.utils import translation

    yield
    translation.activate("en")


def test_the_models_page_in_russian_and_french(client, mission, media, back_to_english):
    add_text(media, FRENCH, title="Campagne")
    client.force_login(mission.users["coordinator"])
    url = reverse("media-models", args=["test-election"])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "<h1>Модели тональности</h1>" in html and "Перекодировать все материалы" in html
    assert "нет модели тональности: тональность даёт кодировщик" in html  # French has none
    assert "Tone models" not in html
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<h1>Modèles de tonalité</h1>" in html and "Rendre actif" not in html
    assert "1 élément attend la tonalité d'un codeur" in html


def test_the_subjects_command_offers_recoding_and_recodes_when_asked(media, mission, tmp_path):
    import io

    import yaml
    from django.core.management import call_command

    from pollwatch.media.tests.conftest import SUBJECTS

    item = add_text(media)
    coder = mission.users["media_monitor"]
    machine = {c.subject_id: c.tone for c in item.codings.filter(is_machine=True)}
    review.decide(item, coder, genre="news", tones={sid: 1 for sid in machine})
    human = set(Coding.objects.filter(item=item, is_machine=False).values_list("pk", "tone"))
    # The catalogue learns a new alias: "Ganja" now names the commission (a test only).
    changed = {"subjects": [dict(s) for s in SUBJECTS["subjects"]]}
    changed["subjects"][2]["aliases"] = ["CEC", "Ganja"]
    path = tmp_path / "subjects.yaml"
    path.write_text(yaml.safe_dump(changed), encoding="utf-8")
    out = io.StringIO()
    call_command("media_subjects", str(path), "--election", "test-election", stdout=out)
    assert "re-code them with --recode" in out.getvalue()
    cec = item.codings.get(is_machine=True, subject__key="cec")
    before = cec.sentences
    out = io.StringIO()
    call_command("media_subjects", str(path), "--election", "test-election", "--recode", stdout=out)
    assert "1 items re-coded (human codes kept)" in out.getvalue()
    assert item.codings.get(is_machine=True, subject__key="cec").sentences == before + 1
    assert (
        set(Coding.objects.filter(item=item, is_machine=False).values_list("pk", "tone")) == human
    )


def test_a_job_silent_for_long_is_settled_so_the_work_can_be_asked_again(media, mission):
    import datetime

    from django.utils import timezone

    dead, new = jobs.start_recode(media.election, mission.users["admin"], "first")
    assert new
    again, new = jobs.start_recode(media.election, mission.users["admin"], "second")
    assert again == dead and not new
    MediaJob.objects.filter(pk=dead.pk).update(
        updated=timezone.now() - jobs.STALE_AFTER - datetime.timedelta(minutes=1)
    )
    fresh, new = jobs.start_recode(media.election, mission.users["admin"], "third")
    assert new and fresh != dead
    dead.refresh_from_db()
    assert dead.status == "failed" and "no progress" in dead.message


@pytest.mark.parametrize("persona", ["admin", "coordinator", "analyst", "media_monitor"])
def test_the_media_page_offers_recoding_and_the_models_to_managers_only(
    client, mission, media, persona
):
    client.force_login(mission.users[persona])
    html = client.get(reverse("media-home", args=["test-election"])).content.decode()
    offered = "Re-code all items with this catalogue" in html
    linked = reverse("media-models", args=["test-election"]) in html
    assert offered == linked == (persona in MANAGERS)
