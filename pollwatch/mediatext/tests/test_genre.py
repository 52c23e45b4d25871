"""Each genre rule (genre.py docstring) fires on its marker, and only then."""

from __future__ import annotations

import pytest

from pollwatch.mediatext.genre import classify_genre

BODY = "The candidate visited three districts on Monday and met voters.\n"


@pytest.mark.parametrize(
    "text, rule",
    [
        ("Advertisement\n" + BODY, "advert label line"),
        ("SPONSORED CONTENT:\n" + BODY, "advert label line"),
        ("Реклама\n" + BODY, "advert label line"),
        ("Siyasi reklam\n" + BODY, "advert label line"),
        (BODY + "Paid for by the Committee to Elect Smith.", "advert funding phrase"),
        (BODY + "Оплачено из средств избирательного фонда кандидата.", "advert funding phrase"),
        (BODY + "На правах рекламы", "advert funding phrase"),
    ],
)
def test_advert_markers_make_an_advert(text, rule):
    decision = classify_genre(text)
    assert (decision.genre, decision.rule) == ("advert", rule)


@pytest.mark.parametrize(
    "text",
    [
        "Editorial\n" + BODY,
        "Our view: the count must be public\n" + BODY,
        "От редакции\n" + BODY,
        "Redaksiyadan\n" + BODY,
    ],
)
def test_editorial_labels_make_an_editorial(text):
    assert classify_genre(text).genre == "editorial"


def test_editorial_title_prefix():
    assert classify_genre(BODY, title="Editorial: a fair count").rule == "editorial label (title)"


@pytest.mark.parametrize(
    "text, rule",
    [
        (BODY + "The views expressed are the author's own.", "opinion disclaimer"),
        (
            BODY + "The views expressed in this article are solely those of the author.",
            "opinion disclaimer",
        ),
        (
            BODY + "This column does not necessarily reflect the views of the editors.",
            "opinion disclaimer",
        ),
        (BODY + "Мнение автора может не совпадать с мнением редакции.", "opinion disclaimer"),
        (
            BODY + "Müəllifin fikirləri redaksiyanın mövqeyini əks etdirməyə bilər.",
            "opinion disclaimer",
        ),
        ("Opinion\n" + BODY, "opinion label"),
        ("Op-ed | Why the count matters\n" + BODY, "opinion label"),
        ("Мнение\n" + BODY, "opinion label"),
    ],
)
def test_guest_author_disclaimers_and_labels_make_an_opinion(text, rule):
    decision = classify_genre(text)
    assert (decision.genre, decision.rule) == ("opinion", rule)


def test_marker_offsets_point_at_the_marker():
    text = BODY + "The views expressed are the author's own."
    decision = classify_genre(text)
    assert text[decision.start : decision.end] == "The views expressed are the author's own"


def test_advert_wins_over_opinion_and_editorial_over_opinion():
    assert classify_genre("Opinion\n" + BODY + "Paid for by Smith.").genre == "advert"
    assert (
        classify_genre("Editorial\n" + BODY + "The views expressed are the author's own.").genre
        == "editorial"
    )


@pytest.mark.parametrize(
    "text",
    [
        BODY,
        "Leader of the opposition arrested\n" + BODY,
        "The advertisement market grew.\n" + BODY,
        "In his opinion the count was fair.\n" + BODY,
    ],
)
def test_news_is_the_default_and_words_in_running_text_do_not_fire(text):
    assert classify_genre(text).genre == "news"
    assert classify_genre(text).rule is None
