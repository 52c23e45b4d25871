"""Message texts: placeholders checked by name, filled per person, and SMS parts counted."""

from __future__ import annotations

import pytest

from pollwatch.messaging import texts


def test_known_placeholders_pass_and_unknown_ones_are_named():
    assert texts.problems("Hello {name}, please send {station} now") == []
    found = texts.problems("Hello {nom}")
    assert len(found) == 1 and "unknown placeholder {nom}" in found[0]


@pytest.mark.parametrize("text", ["", "   ", "Hello {name", "Hello }"])
def test_empty_text_and_stray_braces_are_problems(text):
    assert texts.problems(text)


@pytest.mark.parametrize(
    "text", ["Hi {name!r}", "Hi {name!x}", "Hi {name:>99999999}", "Hi {name:d}", "Hi {name:{code}}"]
)
def test_a_placeholder_with_a_conversion_or_format_is_named(text):
    (found,) = texts.problems(text)
    assert "write {name} alone" in found


@pytest.mark.parametrize("text", ["Hi {name:>99999999}", "Hi {name!x}", "Hi {name:{code}}"])
def test_render_fills_names_only_and_never_runs_a_format(text):
    assert texts.render(text, {"name": "Aysel", "code": "99999999"}) == "Hi Aysel"


def test_render_shows_a_text_with_a_stray_brace_as_written():
    assert texts.render("Hi {name", {"name": "Aysel"}) == "Hi {name"


def test_render_fills_and_leaves_missing_values_blank():
    assert texts.render("{first_name} at {station}", {"first_name": "Aysel"}) == "Aysel at "
    assert texts.render("{{literal}} {code}", {"code": "1001"}) == "{literal} 1001"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 160, (1, "GSM-7")),
        ("a" * 161, (2, "GSM-7")),
        ("€" * 80, (1, "GSM-7")),  # the euro sign takes two places: 160
        ("€" * 81, (2, "GSM-7")),
        ("ə" * 70, (1, "UCS-2")),  # Azerbaijani schwa is not in GSM-7
        ("ə" * 71, (2, "UCS-2")),
        ("🙂" * 35, (1, "UCS-2")),  # two UTF-16 units each
        ("🙂" * 36, (2, "UCS-2")),
    ],
)
def test_sms_parts_follow_gsm_and_ucs2_limits(text, expected):
    assert texts.sms_parts(text) == expected


def test_pick_text_prefers_the_persons_language_then_the_default():
    given = {"en": "Hello", "az": "Salam", "ur": " "}
    assert texts.pick_text(given, "az", "en") == ("az", "Salam")
    assert texts.pick_text(given, "ur", "en") == ("en", "Hello")  # blank text: default
    assert texts.pick_text(given, "ru", "en") == ("en", "Hello")
    assert texts.pick_text({"az": "Salam"}, "ru", "en") == ("az", "Salam")


def test_a_text_longer_than_ten_sms_is_refused_with_its_length():
    (problem,) = texts.problems("x" * (texts.MAX_LENGTH + 1))
    assert "1,601 characters; at most 1,600" in problem
