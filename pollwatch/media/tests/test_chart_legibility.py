"""The media report's charts read at the size they are shown, as the analysis charts do.

The same measure as ``pollwatch/lib/tests/test_chart_legibility.py`` (text of
11 px or more as shown, no overlapping text, nothing cut or shortened), on
the tone bars and the trend lines drawn with awkward data (long subject
names, many subjects, large and small counts, long tone words) at the width
the media report shows them.
"""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from pollwatch.lib.tests.legibility import problems, shown
from pollwatch.media import charts
from pollwatch.media.report import chart_words

SUBJECTS = [
    "Aynur Məmmədova-Hüseynova",
    "Central Election Commission of the Republic",
    "Independent candidate Elchin Quliyev",
    "Rashad Aliyev",
    "Ministry of Internal Affairs",
    "Leyla Hasanova",
    "Against all",
    "Farid Mammadov",
]
COUNTS = [(412, 1_318, 96), (3, 1, 2), (57, 58, 59), (0, 9, 0), (120, 4, 880), (1, 0, 0)]


def tone_bars() -> str:
    bars = [charts.ToneBar(name, *COUNTS[i % len(COUNTS)]) for i, name in enumerate(SUBJECTS[:6])]
    return charts.tone_bars(
        bars,
        title="Tone toward each subject in Azərbaycan Televiziyası və Radio Verilişləri (items)",
        words=chart_words(),
    )


def trend_lines() -> str:
    days = [f"2026-11-{day:02d}" for day in range(1, 31)]
    series = {
        name: [(day * (i + 3)) % 17 + (1_000 if i == 0 else 0) for day in range(30)]
        for i, name in enumerate(SUBJECTS)
    }
    return charts.trend_lines(
        days, series, title="Items per day mentioning each subject", words=chart_words()
    )


BUILDERS = {"tone-bars": tone_bars, "trend-lines": trend_lines}


@pytest.mark.parametrize("language", ["en", "ru", "ar"])
@pytest.mark.parametrize("name", BUILDERS)
def test_each_media_chart_reads_at_the_width_the_report_shows_it(name, language):
    with translation.override(language):
        svg = BUILDERS[name]()
    assert problems(svg, charts.DISPLAY_WIDTH) == []
    # Drawn at the width it is shown at: not shrunk, nor stretched.
    assert shown(svg, 10_000).width == charts.DISPLAY_WIDTH
    # Every name in full (in lines if need be), none cut short to fit.
    drawn = " ".join(re.findall(r"<(?:text|tspan)\b[^>]*>([^<]+)<", svg)).split()
    shown_names = SUBJECTS[:6] if name == "tone-bars" else SUBJECTS
    assert [n for n in shown_names if not set(n.split()) <= set(drawn)] == []
