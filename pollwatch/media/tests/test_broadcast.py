"""Broadcast items: SRT and WebVTT transcripts, seconds per subject, coders' corrections, time share."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pollwatch.media.models import Coding, Intake, Item
from pollwatch.media.report import coverage
from pollwatch.media.transcripts import (
    TranscriptError,
    parse_transcript,
    seconds_per_subject,
    transcript_format,
    whole_seconds,
)

SRT = """1
00:00:00,000 --> 00:00:10,000
Good evening. Karimov opened a hospital in Ganja today.

2
00:00:10,000 --> 00:00:15,500
Residents praised <i>Karimov</i> for the speed of the work.

3
00:00:15,500 --> 00:00:20,000
Critics accused Hasanova of misusing state resources.

4
00:00:20,000 --> 00:00:24,000
The weather tomorrow is sunny.
"""

VTT = """\ufeffWEBVTT - evening news

NOTE recorded from the evening bulletin

STYLE
::cue { color: yellow }

intro
00:00.000 --> 00:08.000 align:start position:10%
<v Anchor>Karimov and Hasanova met at the CEC &amp; talked.

00:00:08.000 --> 00:00:12.250
Hasanova said the count must be open.
"""


def test_srt_cues_are_read_with_times_and_plain_text():
    cues = parse_transcript(SRT.replace("\n", "\r\n"), "news.srt")
    assert [c.number for c in cues] == [1, 2, 3, 4]
    assert (cues[1].start, cues[1].end) == (10.0, 15.5)
    assert cues[1].text == "Residents praised Karimov for the speed of the work."
    assert cues[1].line == 6


def test_webvtt_skips_notes_and_styles_and_reads_settings_and_short_times():
    cues = parse_transcript(VTT, "news.vtt")
    assert len(cues) == 2
    assert (cues[0].start, cues[0].end, cues[1].end) == (0.0, 8.0, 12.25)
    assert cues[0].text == "Karimov and Hasanova met at the CEC & talked."
    assert transcript_format(VTT) == "vtt" and transcript_format(SRT) == "srt"
    assert transcript_format("Just an article.") is None


def test_a_blank_line_inside_an_srt_cue_keeps_the_text_with_its_cue():
    cues = parse_transcript("1\n00:00:01,000 --> 00:00:03,000\nfirst part\n\nsecond part\n")
    assert len(cues) == 1 and cues[0].text == "first part second part"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            SRT.replace("00:00:10,000 --> 00:00:15,500", "00:00:10,000 -> 00:00:15,500"),
            "cue 2 (line 5): no timing line",
        ),
        (
            SRT.replace("00:00:15,500 --> 00:00:20,000", "00:00:15,500 --> 00:00:1x,000"),
            "cue 3 (line 10): unreadable timing",
        ),
        (
            SRT.replace("00:00:20,000 --> 00:00:24,000", "00:00:20,000 --> 00:00:19,000"),
            "cue 4 (line 14): ends before it starts",
        ),
        (
            SRT.replace("00:00:20,000 --> 00:00:24,000", "00:00:20,000 --> 00:00:75,000"),
            "cue 4 (line 14): minutes and seconds run to 59",
        ),
        ("", "no cue with a timing line"),
        ("WEBVT\n\n00:01.000 --> 00:02.000\nhi\n", "no timing line"),
    ],
)
def test_a_bad_transcript_names_the_cue_and_line(text, words):
    with pytest.raises(TranscriptError) as error:
        parse_transcript(text, "news.srt", "srt")
    assert words in str(error.value) and str(error.value).startswith("news.srt: ")


def test_a_webvtt_file_must_start_with_its_header():
    with pytest.raises(TranscriptError, match="line 1: a WebVTT file starts with WEBVTT"):
        parse_transcript("00:01.000 --> 00:02.000\nhi\n", "x.vtt")


def test_each_cue_counts_for_every_subject_it_names():
    cues = parse_transcript(VTT, "news.vtt")
    names = {"Karimov": "karimov", "Hasanova": "hasanova", "CEC": "cec"}
    totals = seconds_per_subject(cues, lambda text: [v for k, v in names.items() if k in text])
    assert totals == {"karimov": 8.0, "hasanova": 12.25, "cec": 8.0}


def test_overlapping_cues_count_their_common_time_once():
    overlapping = (
        "WEBVTT\n\n00:00.000 --> 00:10.000\nKarimov spoke.\n\n"
        "00:05.000 --> 00:15.000\nKarimov again, and Hasanova.\n\n"
        "00:06.000 --> 00:08.000\nKarimov, inside the others.\n\n"
        "00:20.000 --> 00:22.500\nKarimov later.\n"
    )
    cues = parse_transcript(overlapping, "stacked.vtt")
    names = {"Karimov": "karimov", "Hasanova": "hasanova"}
    totals = seconds_per_subject(cues, lambda text: [v for k, v in names.items() if k in text])
    assert totals == {"karimov": 17.5, "hasanova": 10.0}  # 0-15 and 20-22.5; not 24.5
    assert [whole_seconds(x) for x in (17.5, 42.5, 0.49, 0.5)] == [18, 43, 0, 1]


def upload(client, mission, name, content, outlet):
    client.force_login(mission.users["media_monitor"])
    return client.post(
        reverse("media-intake", args=["test-election"]),
        {"outlet": outlet.pk, "file": SimpleUploadedFile(name, content.encode())},
    )


def test_an_uploaded_srt_becomes_one_item_with_seconds_per_subject(client, mission, media):
    response = upload(client, mission, "evening.srt", SRT, media.outlets["tv"])
    item = Item.objects.get(election=media.election)
    assert response.status_code == 302 and response["Location"].endswith(f"/items/{item.pk}/")
    assert item.transcript_format == "srt" and item.raw == SRT
    assert "Karimov opened a hospital" in item.text and "-->" not in item.text
    seconds = dict(
        Coding.objects.filter(item=item, is_machine=True).values_list("subject__key", "seconds")
    )
    assert seconds == {"karimov": 16, "hasanova": 5}  # 10 + 5.5 = 15.5 and 4.5: half up
    assert item.machine["seconds"] == {"karimov": 16, "hasanova": 5}


def test_a_pasted_webvtt_is_read_as_a_transcript(client, mission, media):
    client.force_login(mission.users["media_monitor"])
    client.post(
        reverse("media-intake", args=["test-election"]),
        {"outlet": media.outlets["tv"].pk, "text": VTT.lstrip("\ufeff")},
    )
    item = Item.objects.get(election=media.election)
    assert item.transcript_format == "vtt"
    seconds = dict(item.codings.values_list("subject__key", "seconds"))
    assert seconds == {"karimov": 8, "hasanova": 12, "cec": 8}


def test_a_bad_transcript_is_kept_and_refused_by_cue_and_line(client, mission, media):
    bad = SRT.replace("00:00:20,000 --> 00:00:24,000", "00:00:20,000 --> 00:00:19,000")
    response = upload(client, mission, "evening.srt", bad, media.outlets["tv"])
    intake = Intake.objects.get(election=media.election)
    assert bytes(intake.raw).decode() == bad
    assert intake.problems == [
        "evening.srt: cue 4 (line 14): ends before it starts (00:00:20,000 --> 00:00:19,000)"
    ]
    assert not Item.objects.filter(election=media.election).exists()
    page = client.get(response["Location"]).content.decode()
    assert "cue 4 (line 14): ends before it starts" in page


def test_a_transcript_of_a_print_outlet_is_refused(client, mission, media):
    upload(client, mission, "evening.srt", SRT, media.outlets["web"])
    intake = Intake.objects.get(election=media.election)
    assert intake.problems == [
        "evening.srt: a timed transcript is for a TV or radio outlet: choose one"
    ]
    assert not Item.objects.filter(election=media.election).exists()


def test_the_coder_corrects_or_enters_the_seconds(client, mission, media):
    upload(client, mission, "evening.srt", SRT, media.outlets["tv"])
    item = Item.objects.get(election=media.election)
    machine = {c.subject.key: c for c in item.codings.select_related("subject")}
    url = reverse("media-item", args=["test-election", item.pk])
    page = client.get(url).content.decode()
    assert f'name="seconds-{machine["karimov"].subject_id}" value="16"' in page
    form = {
        "genre": "news",
        **{f"tone-{c.subject_id}": "0" for c in machine.values()},
        f"seconds-{machine['karimov'].subject_id}": "20",
        f"seconds-{machine['hasanova'].subject_id}": "",
    }
    bad = client.post(url, {**form, f"seconds-{machine['karimov'].subject_id}": "-3"})
    assert bad.status_code == 400 and "Seconds must be a whole number" in bad.content.decode()
    # A digit Python's isdigit() takes but int() does not: refused as any other, never a 500.
    odd = client.post(url, {**form, f"seconds-{machine['karimov'].subject_id}": "²"})
    assert odd.status_code == 400 and "Seconds must be a whole number" in odd.content.decode()
    assert client.post(url, form).status_code == 302
    human = dict(
        Coding.objects.filter(item=item, is_machine=False).values_list("subject__key", "seconds")
    )
    assert human == {"karimov": 20, "hasanova": 5}  # an empty field keeps the machine's


def test_the_report_shows_time_share_for_broadcast_and_characters_for_print(client, mission, media):
    from pollwatch.media.tests.conftest import add_text

    upload(client, mission, "evening.srt", SRT, media.outlets["tv"])
    add_text(media, outlet="web")
    reports = {r.outlet: r for r in coverage(media.election)}
    tv = reports["State TV"]
    assert tv.timed and tv.seconds == 21
    shares = {s.key: (s.seconds, round(s.time_share, 2)) for s in tv.subjects}
    assert shares == {"karimov": (16, 0.76), "hasanova": (5, 0.24)}
    assert not reports["Meydan"].broadcast and not reports["Meydan"].timed
    client.force_login(mission.users["analyst"])
    page = client.get(reverse("media-report", args=["test-election"])).content.decode()
    state = page.split("<h2>State TV")[1]
    assert "Time share" in state and ">76 %<" in state and "Characters" in state
    meydan = page.split("<h2>Meydan")[1].split("<h2>")[0]
    assert "Characters" in meydan and "Time share" not in meydan
