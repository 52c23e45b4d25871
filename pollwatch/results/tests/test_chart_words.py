"""The analysis charts draw every word in the reader's language (issue 13): titles, axis and legend
titles, legend labels, end labels and the description that becomes the SVG's aria-label; and the
drawing cached, or named by a chart's URL, is the one of the reader's language."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import translation

from pollwatch.lib import charts as lib
from pollwatch.lib.tests.legibility import problems
from pollwatch.results import charts
from pollwatch.results.tests.test_analysis_pages_by_role import analysed  # noqa: F401 (fixture)

# Words the charts themselves draw in English, none of which the demo's data (names of
# candidates, regions, polls, checklist questions) contains.
ENGLISH = (
    "share of valid votes",
    "candidate",
    "reference",
    "Estimated",
    "intervals",
    "stations reported",
    "after",
    "Latest",
    "sampled stations",
    "newly included",
    "other areas",
    "below threshold",
    "threshold",
    "turnout %",
    "leader's share",
    "stations per",
    "log scale",
    "densest",
    "Fraud-model",
    "observed stations",
    "null mean",
    "null 95 % band",
    "whole percent",
    "binomial",
    "replicates",
    "largest excess",
    "numbers",
    "expected",
    "Observed (expected)",
    "Nothing to draw yet",
    "Quick count",
    "official result",
    "Convergence",
    "result form",
    "Our exit poll",
    "interviews",
    "respondents",
    "Net votes",
    "official − observed",
    "fingerprint",
    "Monte Carlo",
    "Benford",
    "second digit",
    "last digit",
    "share of stations",
    "all observed stations",
    "Checklist findings",
    "share of observed stations",
)
# A word of each language that the quick-count chart must show (its value axis).
SHOWN = {"ru": "доля действительных голосов", "ar": "النسبة من الأصوات الصحيحة"}


def words_of(svg: str) -> str:
    """The text a reader gets of an SVG chart: its drawn text and its aria-label."""
    drawn = re.findall(r">([^<>]+)<", svg)
    labels = re.findall(r'aria-label="([^"]*)"', svg)
    return "\n".join(drawn + labels).replace("&apos;", "'").replace("&#x27;", "'")


def english_in(text: str) -> list[str]:
    return [word for word in ENGLISH if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.I)]


def test_every_chart_of_the_night_speaks_russian_and_arabic_and_still_reads(night):
    with translation.override("en"):
        english = {
            name: words_of(lib.render_svg(chart))
            for name, build in charts.CHARTS.items()
            if (chart := build(night.election, width=charts.PAGE_WIDTHS[name])) is not None
        }
    assert len(english) >= 10
    # The check bites: each English chart has words of the list.
    assert all(english_in(text) for text in english.values()), english
    found = {}
    for language in ("ru", "ar"):
        with translation.override(language):
            for name in english:
                for width in {charts.PAGE_WIDTHS[name], lib.PDF_WIDTH}:
                    svg = lib.render_svg(charts.CHARTS[name](night.election, width=width))
                    if left := english_in(words_of(svg)):
                        found[f"{language} {name} at {width} px: English"] = left
                    # Cyrillic and Arabic text is wrapped and laid out as legibly as English.
                    if trouble := problems(svg, width):
                        found[f"{language} {name} at {width} px"] = trouble
                    if name == "quick-count":
                        assert SHOWN[language] in svg
            placeholder = lib.render_svg(
                lib.nothing_yet(charts.TITLES["fingerprint"], words=charts.words())
            )
            if left := english_in(words_of(placeholder).replace(charts.TITLES["fingerprint"], "")):
                found[f"{language} placeholder"] = left
    assert found == {}


def test_a_chart_is_cached_and_addressed_in_each_readers_language(client, mission, analysed):  # noqa: F811
    client.force_login(mission.users["analyst"])
    election = mission.election
    url = reverse("chart", args=[election.slug, "quick-count", "svg"])
    versions = {}
    for language in ("ar", "en"):
        with translation.override(language):
            versions[language] = charts.version("quick-count", election)
    assert versions["ar"] != versions["en"]
    # The page's image URL carries its reader's version.
    page = client.get(reverse("quick-count", args=[election.slug]), HTTP_ACCEPT_LANGUAGE="ar")
    assert f"?v={versions['ar']}" in page.content.decode()
    # An Arabic reader first, then an English one, by the page's URL and by the download's.
    for query in ({"v": versions["ar"]}, {}):
        arabic = client.get(url, query, HTTP_ACCEPT_LANGUAGE="ar")
        assert arabic["Content-Language"] == "ar"
        assert "المرشح" in arabic.content.decode() and "candidate" not in arabic.content.decode()
    for query in ({"v": versions["en"]}, {}):
        english = client.get(url, query, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "candidate" in english and "المرشح" not in english


def test_the_placeholder_of_a_chart_with_nothing_to_draw_is_in_the_readers_language(
    client,
    mission,
    analysed,  # noqa: F811
):
    client.force_login(mission.users["analyst"])
    url = reverse("chart", args=[mission.election.slug, "fingerprint", "svg"])
    svg = client.get(url, {"v": "1"}, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Пока нечего показать" in svg and "Nothing to draw yet" not in svg
    assert "Отпечаток выборов" in svg
