"""The media charts draw their words in the reader's language (issue 13); the chart code itself
has no Django: the words come from ``pollwatch.media.report.chart_words``."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from pollwatch.media.charts import ToneBar, tone_bars, trend_lines
from pollwatch.media.report import chart_words

ENGLISH = ("positive", "neutral", "negative", "items", "days from", "highest daily count")
BARS = [ToneBar("Hasanova", 5, 3, 2), ToneBar("Karimov", 1, 4, 6)]
SERIES = {"Hasanova": [1, 3, 2], "Karimov": [0, 2, 5]}
DAYS = ["2026-05-01", "2026-05-02", "2026-05-03"]


def english_in(svg: str) -> list[str]:
    text = " ".join(re.findall(r">([^<>]+)<", svg))
    return [word for word in ENGLISH if re.search(rf"\b{word}\b", text)]


def draw() -> list[str]:
    return [
        tone_bars(BARS, title="Tone", words=chart_words()),
        trend_lines(DAYS, SERIES, title="Items", words=chart_words()),
    ]


def test_in_english_the_check_finds_the_charts_words():
    with translation.override("en"):
        assert all(english_in(svg) for svg in draw())


@pytest.mark.parametrize(
    "language, tone", [("ru", "положительная"), ("ar", "إيجابية"), ("fr", "positif")]
)
def test_the_tone_and_trend_charts_in_other_languages(language, tone):
    with translation.override(language):
        bars, trend = draw()
    assert english_in(bars) == [] and english_in(trend) == []
    assert f">{tone}</text>" in bars  # the legend
    assert "Hasanova" in bars and "Karimov" in trend  # names stay as written


def test_a_long_tone_word_pushes_the_next_legend_key_along():
    with translation.override("ru"):
        bars = draw()[0]
    keys = [
        float(x) for x in re.findall(r'<rect x="([\d.]+)" y="\d+" width="12" height="12"', bars)
    ]
    assert len(keys) == 3
    assert keys[1] - keys[0] >= 16 + 7 * len("положительная")
