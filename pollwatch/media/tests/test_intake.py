"""Intake keeps every input raw, names bad lines, links duplicates and codes items at once."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from pollwatch.audit.models import AuditEvent
from pollwatch.media.intake import parse_upload, store_items
from pollwatch.media.models import Coding, Intake, Item, MediaSettings, Subject
from pollwatch.media.tests.conftest import ARTICLE, add_text
from pollwatch.mediatext.extract import detect_language

INTAKE_URL = "/e/test-election/media/intake/"


def upload(media, name, data, outlet="web"):
    parsed, problems = parse_upload(name, data)
    return store_items(
        media.election,
        name=name,
        raw=data,
        parsed=parsed,
        problems=problems,
        outlet=media.outlets[outlet],
    )


def test_a_pasted_item_is_kept_raw_and_coded_per_subject(media):
    item = add_text(media)
    assert item.raw == ARTICLE and item.raw_sha256 == hashlib.sha256(ARTICLE.encode()).hexdigest()
    assert item.status == Item.Status.CODED and item.genre == "news" and item.language == "en"
    machine = {c.subject.key: c for c in Coding.objects.filter(item=item, is_machine=True)}
    assert set(machine) == {"karimov", "hasanova", "cec"}
    assert machine["karimov"].tone == 1 and machine["hasanova"].tone == -1
    assert machine["cec"].characters > 0 and machine["cec"].coder is None
    assert item.machine["subjects"][0]["evidence"]
    assert AuditEvent.objects.filter(kind="media.intake").count() == 1


def test_a_jsonl_file_keeps_good_lines_and_names_the_bad_one(media):
    lines = [
        json.dumps({"title": "One", "text": "Karimov met teachers in Shaki on Friday."}),
        json.dumps({"title": "Two", "text": ""}),
        "{not json",
        json.dumps({"title": "Three", "text": "Hasanova spoke in Quba.", "outlet": "State TV"}),
    ]
    data = "\n".join(lines).encode()
    result = upload(media, "feed.jsonl", data)
    assert [i.title for i in result.items] == ["One", "Three"]
    assert [p.split(":")[:2] for p in result.problems] == [["feed.jsonl", "2"], ["feed.jsonl", "3"]]
    assert result.items[0].raw == lines[0] and result.items[0].outlet == media.outlets["web"]
    assert result.items[1].outlet == media.outlets["tv"]  # the line's own outlet wins
    intake = Intake.objects.get()
    assert bytes(intake.raw) == data and len(intake.problems) == 2


def test_a_csv_file_keeps_rows_with_their_line_numbers(media):
    data = b"title,text,date\nA,Karimov visited Barda and greeted voters there.,2026-12-01\nB,,\n"
    result = upload(media, "feed.csv", data)
    assert len(result.items) == 1 and result.items[0].published.isoformat() == "2026-12-01"
    assert json.loads(result.items[0].raw)["title"] == "A"
    assert result.problems and result.problems[0].startswith("feed.csv:3")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"   \n", "empty"),
        ("photo.txt", b"\x89PNG\x00\x00\x00binary", "binary"),
        ("page.exe", b"MZ", "unknown file kind"),
        ("latin.txt", bytes(range(128, 256)) * 4, "encoding"),
    ],
)
def test_bad_files_are_refused_by_name_and_kept(media, name, data, reason):
    result = upload(media, name, data)
    assert result.items == []
    assert len(result.problems) == 1 and result.problems[0].startswith(name)
    assert reason in result.problems[0]
    assert bytes(Intake.objects.get().raw) == data


def test_a_huge_item_is_refused(media):
    result = upload(media, "huge.txt", b"word " * 1_100_000)
    assert result.items == [] and "too large" in result.problems[0]


def test_html_is_reduced_to_the_article(media):
    page = (
        "<html><head><title>Karimov in Ganja</title></head><body><nav>Home | Sport</nav>"
        "<article><h1>Karimov in Ganja</h1><p>Karimov opened a new hospital in Ganja on "
        "Monday, and residents praised the speed of the work.</p><p>Hasanova was not "
        "invited to the opening ceremony, organisers said.</p></article>"
        "<footer>Cookies</footer></body></html>"
    )
    result = upload(media, "page.html", page.encode())
    item = result.items[0]
    assert "hospital" in item.text and "Cookies" not in item.text
    assert item.raw == page


def test_exact_and_near_duplicates_are_linked_to_the_first(media):
    first = add_text(media)
    again = add_text(media, outlet="web")
    near = add_text(media, ARTICLE + " Voting ends at 7 p.m.")
    other = add_text(media, "Hasanova spoke to students in Lankaran about the economy and jobs.")
    assert again.duplicate_of == first and again.duplicate_similarity == 1.0
    assert near.duplicate_of == first and 0.8 <= near.duplicate_similarity < 1.0
    assert other.duplicate_of is None
    assert first.duplicates.count() == 2


def test_every_nth_item_is_double_coded(media):
    MediaSettings.objects.filter(election=media.election).update(double_code_every=2)
    items = [add_text(media, f"Karimov visited district {n} and met voters.") for n in range(4)]
    assert [i.double_code for i in items] == [i.pk % 2 == 0 for i in items]


def test_the_intake_page_reports_problems_and_keeps_the_good_items(client, mission, media):
    client.force_login(mission.users["media_monitor"])
    data = b'{"text": "Karimov spoke in Ganja today."}\n{"text": ""}\n'
    response = client.post(
        INTAKE_URL,
        {"file": SimpleUploadedFile("feed.jsonl", data), "outlet": media.outlets["tv"].pk},
    )
    intake = Intake.objects.get()
    assert response["Location"] == f"/e/test-election/media/intake/{intake.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "feed.jsonl:2" in page and intake.raw_sha256 in page
    assert Item.objects.get().outlet == media.outlets["tv"]
    assert "feed.jsonl" in client.get(INTAKE_URL).content.decode()  # listed as recent


def test_one_pasted_item_opens_its_page(client, mission, media):
    client.force_login(mission.users["media_monitor"])
    response = client.post(INTAKE_URL, {"text": ARTICLE, "title": "Campaign day"})
    item = Item.objects.get()
    assert response["Location"] == f"/e/test-election/media/items/{item.pk}/"
    assert item.title == "Campaign day" and Intake.objects.get().pasted


def test_a_large_upload_is_stored_at_once_and_read_by_the_worker(client, mission, media, settings):
    from pollwatch.media import views
    from pollwatch.media.intake import process

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    lines = [
        json.dumps({"text": f"Karimov met voters in district {n} of Ganja."}) for n in range(3)
    ]
    data = "\n".join(lines).encode()
    client.force_login(mission.users["media_monitor"])
    original = views.INLINE_BYTES
    views.INLINE_BYTES = 10
    try:
        response = client.post(INTAKE_URL, {"file": SimpleUploadedFile("big.jsonl", data)})
    finally:
        views.INLINE_BYTES = original
    intake = Intake.objects.get()
    assert intake.status == Intake.Status.RECEIVED and not Item.objects.exists()
    assert "task worker" in client.get(response["Location"]).content.decode()
    assert len(process(intake).items) == 3 and intake.status == Intake.Status.DONE
    assert len(process(intake).items) == 3  # reading it again adds nothing
    assert Item.objects.count() == 3


def test_an_empty_form_says_what_is_missing(client, mission, media):
    client.force_login(mission.users["media_monitor"])
    page = client.post(INTAKE_URL, {"text": " "}).content.decode()
    assert "Paste some text or choose a file" in page and not Item.objects.exists()


SUBJECTS_YAML = """
subjects:
  - {id: aliyev, kind: candidate, name: Ilham Aliyev, aliases: [Aliyev, Əliyev], party: yap}
  - {id: yap, kind: party, name: New Azerbaijan Party, aliases: [YAP]}
"""


def test_the_subjects_command_installs_all_or_nothing(mission, tmp_path):
    good = tmp_path / "subjects.yaml"
    good.write_text(SUBJECTS_YAML, encoding="utf-8")
    call_command("media_subjects", str(good), "--election", "test-election")
    assert set(Subject.objects.values_list("key", flat=True)) == {"aliyev", "yap"}
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        SUBJECTS_YAML.replace(
            "aliases: [YAP]", "aliases: [YAP]}\n  - {id: x, kind: planet, name: X"
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match=r"subject 3 \(x\): field 'kind'"):
        call_command("media_subjects", str(bad), "--election", "test-election")
    assert Subject.objects.count() == 2
    with pytest.raises(CommandError, match="No election"):
        call_command("media_subjects", str(good), "--election", "nope")


def test_items_stored_before_the_catalogue_are_coded_when_it_arrives(mission, tmp_path):
    from pollwatch.media.intake import parse_paste

    parsed, _ = parse_paste("Aliyev met voters in Ganja and promised new schools there.")
    stored = store_items(
        mission.election, name="pasted", raw=b"x", parsed=parsed, problems=[], outlet=None
    ).items[0]
    assert (
        stored.status == Item.Status.NEW and "no subject catalogue" in stored.machine["problems"][0]
    )
    good = tmp_path / "subjects.yaml"
    good.write_text(SUBJECTS_YAML, encoding="utf-8")
    call_command("media_subjects", str(good), "--election", "test-election")
    stored.refresh_from_db()
    assert stored.status == Item.Status.CODED
    assert stored.codings.get(is_machine=True).subject.key == "aliyev"


def test_a_windows_1251_jsonl_line_keeps_readable_raw_text(media):
    line = json.dumps(
        {"text": "Каримов встретился с избирателями в Гяндже и обещал новые школы и больницы."},
        ensure_ascii=False,
    )
    result = upload(media, "ru.jsonl", line.encode("cp1251"))
    assert result.items and result.items[0].raw == line


def test_a_short_item_takes_its_outlets_language_when_the_identifier_is_unsure(media):
    # py3langid says Nigerian Pidgin (probability 0.30) for this English sentence.
    assert detect_language("Hasanli won praise in Quba.") is None
    media.outlets["web"].language = "en"
    media.outlets["web"].save(update_fields=["language"])
    result = upload(media, "short.txt", b"Hasanova won praise in Quba.")
    item = result.items[0]
    assert item.language == "en"
    assert item.machine["tone_model_version"] is not None  # the English model gave its tone
    assert not item.machine.get("tone_pending")
    # A long enough text in another language is still told apart.
    assert detect_language("Le président a salué les électeurs de Quba.") == "fr"


def test_an_item_is_coded_before_the_write_transaction_which_only_writes(media):
    # With SQLite a write transaction held while coding stops every other writer.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pollwatch.media.intake import catalogue_for, propose
    from pollwatch.media.tonemodels import ToneChooser

    item = Item(election=media.election, outlet=media.outlets["web"], text=ARTICLE, raw=ARTICLE)
    tones = ToneChooser.for_election(media.election)  # as intake does, before coding
    with CaptureQueriesContext(connection) as queries:
        proposal = propose(item, catalogue_for(media.election), tones)
    written = [
        q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")
    ]
    assert written == [] and {s.subject_id for s in proposal.subjects} == {
        "karimov",
        "hasanova",
        "cec",
    }
