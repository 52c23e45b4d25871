"""Coverage numbers, reliability and the charts on constructed cases with known answers."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest

from pollwatch.lib.charts import text_width
from pollwatch.media.charts import ToneBar, tone_bars, trend_lines
from pollwatch.media.demo import load_demo_media
from pollwatch.media.models import Coding, Item, Review, Subject
from pollwatch.media.report import coverage, trend
from pollwatch.media.review import reliability


def make_item(media, outlet, *, duplicate_of=None, double_code=False, day=1):
    return Item.objects.create(
        election=media.election,
        outlet=media.outlets[outlet],
        text="text",
        raw="text",
        raw_sha256="0",
        content_hash="0",
        duplicate_of=duplicate_of,
        double_code=double_code,
        published=datetime.date(2026, 12, day),
    )


def code(item, key, characters, tone, coder=None):
    return Coding.objects.create(
        item=item,
        subject=Subject.objects.get(key=key),
        coder=coder,
        characters=characters,
        tone=tone,
        is_machine=coder is None,
        confirmed=coder is not None,
    )


@pytest.fixture
def constructed(media, mission):
    first = make_item(media, "tv", day=1)
    code(first, "karimov", 300, 1)
    code(first, "hasanova", 100, -1)
    code(first, "hasanova", 100, 0, coder=mission.users["media_monitor"])
    second = make_item(media, "tv", day=3)
    code(second, "karimov", 100, 0)
    same_outlet_copy = make_item(media, "tv", duplicate_of=first, day=3)
    code(same_outlet_copy, "karimov", 300, 1)
    syndicated = make_item(media, "web", duplicate_of=first, day=3)
    code(syndicated, "karimov", 300, 1)
    return media


def test_coverage_uses_human_codes_and_counts_a_same_outlet_copy_once(constructed):
    reports = {r.outlet: r for r in coverage(constructed.election)}
    tv = reports["State TV"]
    assert tv.items == 2
    rows = {s.key: s for s in tv.subjects}
    assert [s.key for s in tv.subjects] == ["karimov", "hasanova"]
    assert rows["karimov"].characters == 400 and rows["karimov"].share == pytest.approx(0.8)
    assert rows["karimov"].tone == {"positive": 1, "neutral": 1, "negative": 0}
    assert rows["hasanova"].tone == {"positive": 0, "neutral": 1, "negative": 0}
    assert rows["hasanova"].confirmed == 1 and rows["hasanova"].share == pytest.approx(0.2)
    web = reports["Meydan"]
    assert web.items == 1 and web.subjects[0].share == 1.0


def test_the_trend_fills_every_day(constructed):
    days, series = trend(constructed.election)
    assert days == ["2026-12-01", "2026-12-02", "2026-12-03"]
    assert series["Ali Karimov"] == [1, 0, 2] and series["Leyla Hasanova"] == [1, 0, 0]


def test_the_report_page_draws_a_chart_and_the_csv_has_every_code(client, mission, constructed):
    client.force_login(mission.users["analyst"])
    page = client.get("/e/test-election/media/report/").content.decode()
    assert page.count('role="img"') == 3  # two outlets and the trend
    assert "80 %" in page
    response = client.get("/e/test-election/media/codings.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["item", "outlet", "published"]
    assert len(rows) == 1 + Coding.objects.count()
    assert ["media_monitor", "0", "1"] == [
        rows[1][7],
        rows[1][8],
        rows[1][9],
    ]  # human before machine


def test_reliability_gives_krippendorffs_alpha_and_the_disagreements(media, mission):
    first_coder, second_coder = mission.users["media_monitor"], mission.users["admin"]
    tones = {
        first_coder: [1, 0, -1, 0, 1],
        second_coder: [1, 0, -1, 1, 1],
    }
    units = [(0, "karimov"), (0, "hasanova"), (1, "karimov"), (1, "hasanova"), (2, "karimov")]
    items = [make_item(media, "tv", double_code=True) for _ in range(3)]
    for coder, codes in tones.items():
        for (index, key), tone in zip(units, codes, strict=True):
            code(items[index], key, 100, tone, coder=coder)
        for index, item in enumerate(items):
            genre = "opinion" if coder == second_coder and index == 2 else "news"
            Review.objects.create(item=item, coder=coder, genre=genre)
    result = reliability(media.election)
    assert result.units == 5
    # 10 values (5 positive, 3 neutral, 2 negative), one disagreeing pair:
    # alpha = 1 - (2/10) / (62/90) = 22/31.
    assert result.tone_alpha == pytest.approx(22 / 31)
    assert result.genre_units == 3 and result.genre_alpha == pytest.approx(0.0)
    assert [(d.item, d.subject) for d in result.disagreements] == [
        (items[1], "Leyla Hasanova"),
        (items[2], "genre"),
    ]
    assert result.disagreements[0].codes == [("admin", "positive"), ("media_monitor", "neutral")]


def test_reliability_without_double_coding_says_so(media):
    result = reliability(media.election)
    assert result.tone_alpha is None and "No item" in result.note


def test_the_tone_chart_is_accessible_and_to_scale():
    svg = tone_bars(
        [ToneBar("Ali <Karimov>", 2, 1, 1), ToneBar("Leyla Hasanova", 0, 0, 2)],
        title="Tone in State TV",
        width=640,
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title>Tone in State TV</title>" in svg and "&lt;Karimov&gt;" in svg
    assert "2 positive, 1 neutral, 1 negative" in svg
    widths = [
        float(w) for w in re.findall(r'<rect x="[\d.]+" y="\d+" width="([\d.]+)" height="20"', svg)
    ]
    # One scale for every bar (the largest total, 4): one item is a quarter of the plot.
    one = widths[1]
    assert widths == pytest.approx([2 * one, one, one, 2 * one], abs=0.1)
    assert 4 * one <= 640 - text_width("Ali <Karimov>", 12)
    assert tone_bars([], title="nothing") == ""


def test_the_trend_chart_draws_one_line_per_subject():
    svg = trend_lines(["2026-12-01", "2026-12-02"], {"A": [1, 2], "B": [0, 1]}, title="Trend")
    assert svg.count("<polyline") == 2 and "2026-12-01" in svg and 'role="img"' in svg
    assert trend_lines([], {}, title="Trend") == ""


def test_the_demo_media_loads_on_the_mission(mission):
    items = load_demo_media(mission.election)
    assert len(items) == 61
    assert {i.genre for i in items} >= {"news", "opinion", "editorial", "advert"}
    assert Coding.objects.filter(item__election=mission.election, is_machine=True).count() > 60
    assert any(i.duplicate_of_id for i in items)
    tones = set(Coding.objects.filter(is_machine=True).values_list("tone", flat=True))
    assert tones == {-1, 0, 1}
    assert load_demo_media(mission.election) == []  # a second call adds nothing


def test_the_csv_does_not_let_a_title_run_as_a_formula(media):
    from pollwatch.media.report import coding_rows

    item = make_item(media, "tv")
    Item.objects.filter(pk=item.pk).update(title='=HYPERLINK("http://x")')
    code(item, "karimov", 10, 0)
    assert list(coding_rows(media.election))[1][3] == '\'=HYPERLINK("http://x")'
