"""The election-night pages in other languages: quick count and coverage (issue 13, second slice)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse


def page(client, user, name: str, language: str) -> str:
    client.force_login(user)
    response = client.get(reverse(name, args=["demo"]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def analyst(night):
    return night.election.memberships.get(role="analyst").person.user


def test_the_quick_count_page_in_arabic_is_right_to_left_with_an_arabic_heading(client, night):
    html = page(client, analyst(night), "quick-count", "ar")
    assert re.search(r'<html lang="ar" dir="rtl"', html)
    assert "<h1>العدّ السريع</h1>" in html
    assert "مجال الثقة 95 %" in html and "95 %% " not in html
    # Table headers and the chart titles the template tag passes in are translated too.
    assert "<th>المرشح</th>" in html and "تقارب التقديرات مع وصول استمارات النتائج" in html
    assert "Quick count" not in html and "Convergence" not in html


def test_the_quick_count_page_in_russian_shows_translated_labels(client, night):
    html = page(client, analyst(night), "quick-count", "ru")
    assert "<dt>Явка</dt>" in html and "<h2>По регионам</h2>" in html
    assert "Отрыв " in html and "Lead of" not in html
    # Shares with the Russian decimal comma.
    assert re.search(r"<td class=\"num\" data-label=\"Оценка\">\d+,\d %</td>", html)


def test_the_coverage_page_in_french(client, night):
    html = page(
        client, night.election.memberships.get(role="coordinator").person.user, "coverage", "fr"
    )
    assert "<h1>Couverture</h1>" in html and "<th>Région</th>" in html
    assert "Coverage" not in html


def test_english_stays_as_it_was(client, night):
    html = page(client, analyst(night), "quick-count", "en")
    assert "<h1>Quick count</h1>" in html and "95 % interval" in html


def test_counts_take_each_languages_plural_forms():
    from django.utils import translation

    one, many = "%(stations)s station", "%(stations)s stations"
    expected = {
        "ru": {1: "участок", 3: "участка", 5: "участков", 21: "участок"},
        "ar": {0: "مركز", 1: "مركز واحد", 2: "مركزان", 3: "مراكز", 11: "مركزًا", 100: "مركز"},
        "fr": {0: "bureau", 1: "bureau", 2: "bureaux"},
    }
    for code, cases in expected.items():
        with translation.override(code):
            for n, word in cases.items():
                assert word in translation.ngettext(one, many, n), (code, n)


# What may stay in Latin letters on the Arabic coverage and quick-count pages. Everything the
# mission entered is allowed by name below (its candidates, parties, places, people, stations,
# forms); these are the words that are not the mission's:
ALLOWED_LATIN = {
    "pollwatch",  # the program's name (the page header and its commands)
    "import",
    "sample",
    "confirm",  # "pollwatch import-sample", "pollwatch confirm-sample": commands
    "csv",  # the imported design's file name (sample.csv)
    "docs",
    "quickcount",
    "md",  # the documentation's path, docs/quickcount.md
    "The",
    "threshold",
    "aware",
    "call",  # «The threshold-aware call»: the heading of docs/quickcount.md, which is in English
    "API",  # "رموز API": API tokens
    "SVG",
    "PNG",  # the chart downloads' formats
    "SE",
    "pp",  # only if a page spells them out: standard error, percentage points
    "UTC",  # the header's time zone, "UTC" or "Asia/Baku (UTC+4)": an identifier, as the zone's name
    "Azərbaycanca",
    "Français",
    "Español",
    "English",
    "Русский",  # the language switcher names each language in itself
}


def latin_words(html: str) -> set[str]:
    """The visible words (text, title, alt, aria-label, placeholder) written in Latin letters."""
    from html import unescape

    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    visible = re.findall(r'\b(?:title|alt|aria-label|placeholder)="([^"]*)"', text)
    text = re.sub(r"<[^>]*>", " ", text, flags=re.S)
    return latin_in(unescape(" ".join([text, *visible])))


def latin_in(text: str) -> set[str]:
    """The words of ``text`` with a Latin letter (Arabic words have none)."""
    return {w for w in re.findall(r"[^\W\d_]{2,}", text) if re.search("[A-Za-z]", w)}


def entered_by_the_mission(election) -> set[str]:
    """Words of the names the mission entered: candidates, parties, areas, stations, people,
    forms and their questions. An incident's title quotes the form's questions and answers in
    the staff language (settings.STAFF_LANGUAGE) and the observer's note: the mission's text."""
    from pollwatch.checklists.models import Form
    from pollwatch.elections.models import Area, Candidate, PollingStation
    from pollwatch.observers.models import Person
    from pollwatch.submissions.models import Incident

    names = [election.name, election.slug]
    names += [
        f"{c.name} {c.party} {c.code}" for c in Candidate.objects.filter(contest__election=election)
    ]
    names += [f"{a.name} {a.code}" for a in Area.objects.filter(election=election)]
    names += [f"{s.name} {s.code}" for s in PollingStation.objects.filter(election=election)]
    names += [
        f"{p.full_name} {p.user.username if p.user else ''}"
        for p in Person.objects.filter(memberships__election=election)
    ]
    for form in Form.objects.filter(election=election):
        names.append(f"{form.code} {form.name}")
        for question in form.spec.questions:
            names += [question.code, *question.label.values()]
            names += [text for option in question.options for text in option.label.values()]
    names += [i.title for i in Incident.objects.filter(election=election)]
    return latin_in(" ".join(names))


@pytest.mark.parametrize("name, role", [("coverage", "coordinator"), ("quick-count", "analyst")])
def test_the_arabic_page_has_no_english_words_but_the_missions_names(client, night, name, role):
    user = night.election.memberships.get(role=role).person.user
    html = page(client, user, name, "ar")
    left = latin_words(html) - entered_by_the_mission(night.election) - ALLOWED_LATIN
    assert not left, f"English on /{name}/ in Arabic: {sorted(left)}"
