"""The election-night pages in other languages: quick count and coverage (issue 13, second slice)."""

from __future__ import annotations

import re

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
