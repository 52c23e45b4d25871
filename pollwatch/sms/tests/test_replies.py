"""Replies: every message gets one, in the observer's language, naming what was wrong."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pollwatch.sms.grammar import PROBLEM_KINDS, ParsedMessage, Problem, parse_message
from pollwatch.sms.replies import MAX_REPLY_CHARS, MESSAGES, reply_for
from pollwatch.sms.tests.test_grammar import FORMS

LANGUAGES = ("en", "az", "ru", "ur")


def reply(text: str, language: str = "en", **checks) -> str:
    return reply_for(parse_message(text, FORMS), language, **checks)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class TestTranslations:
    def test_the_four_mission_languages_are_there(self):
        assert set(LANGUAGES) <= set(MESSAGES)

    @pytest.mark.parametrize("language", sorted(MESSAGES))
    def test_every_language_has_every_key_with_the_same_placeholders(self, language):
        english = MESSAGES["en"]
        assert set(MESSAGES[language]) == set(english)
        for key, template in english.items():
            assert placeholders(MESSAGES[language][key]) == placeholders(template), (language, key)
            assert MESSAGES[language][key].strip()

    def test_azerbaijani_is_in_latin_script_with_its_letters(self):
        text = " ".join(MESSAGES["az"].values())
        assert not any("\u0400" <= character <= "\u04ff" for character in text)
        assert {"ə", "ğ", "ı", "ö", "ü", "ç", "ş"} <= set(text)

    def test_urdu_is_in_arabic_script(self):
        for template in MESSAGES["ur"].values():
            assert any("\u0600" <= character <= "\u06ff" for character in template)

    def test_russian_is_in_cyrillic(self):
        for template in MESSAGES["ru"].values():
            assert any("\u0400" <= character <= "\u04ff" for character in template)

    @pytest.mark.parametrize(
        "language, expected",
        [("ru-RU", "ru"), ("AZ_az", "az"), (" ur ", "ur"), ("de", "en"), ("", "en"), (None, "en")],
    )
    def test_language_tags_find_their_language_and_unknown_ones_fall_back_to_english(
        self, language, expected
    ):
        parsed = parse_message("OP 1234 A1 1", FORMS)
        assert reply_for(parsed, language) == reply_for(parsed, expected)


class TestReplies:
    def test_a_good_message_is_thanked_with_the_count(self):
        assert reply("OP 1234 A1 1 A3 12 @ fine") == "Thank you. OP 1234: answers recorded: 2."

    @pytest.mark.parametrize("language", LANGUAGES)
    def test_a_good_message_is_thanked_in_every_language(self, language):
        text = reply("OP 1234 A1 1 A3 12", language)
        assert "OP 1234" in text and "2" in text
        assert text == MESSAGES[language]["recorded"].format(form="OP", observer="1234", count=2)

    def test_it_names_unknown_codes(self):
        assert "Unknown: Q7, ZZ." in reply("OP 1234 A1 1 Q7 5 ZZ 3")

    def test_it_gives_the_allowed_range(self):
        text = reply("OP 1234 A1 1 A3 25")
        assert text.startswith("Thank you. OP 1234: answers recorded: 1.")
        assert "Out of range: A3=25 (0-20)." in text

    def test_it_names_answers_that_are_not_numbers(self):
        assert "Not a number: RV=abc." in reply("PR 1234 RV abc BI 900")

    def test_it_names_bad_options_with_the_allowed_ones(self):
        assert "Bad option: A4=7 (1-4), A1=2 (1=yes 0=no)." in reply("OP 1234 A4 7 A1 2 A3 1")

    def test_it_names_missing_answers_and_repeated_codes(self):
        text = reply("OP 1234 A3 4 A3 5 A4")
        assert "No answer: A4." in text and "Sent twice, first kept: A3." in text

    def test_it_quotes_text_it_did_not_understand(self):
        assert 'Not understood: "long queue".' in reply("OP 1234 A1 1 long queue")

    def test_problems_end_with_a_request_to_resend(self):
        assert reply("OP 1234 A1 1 A3 25").endswith("Please resend the corrected answers.")

    def test_an_empty_message_explains_the_format(self):
        assert (
            reply("  ")
            == "Empty message. Send the form code (IN, OP, PR), your observer ID, then the answers."
        )

    def test_an_unknown_form_lists_the_known_forms(self):
        assert (
            reply("XX 1234 A1 1") == 'Unknown form "XX". Forms: IN, OP, PR. Send: FORM ID answers.'
        )

    def test_a_missing_observer_id_is_asked_for(self):
        assert reply("OP A1 1") == "OP: observer ID missing. Send: OP <your ID> <answers>."

    def test_a_wrong_observer_id_is_quoted(self):
        assert reply("OP 12#4 A1 1") == 'OP: observer ID "12#4" is not valid; use 1 to 12 digits.'
        # Thirteen digits are all digits: "use digits only" told the observer nothing.
        assert reply("OP 1234567890123 A1 1") == (
            'OP: observer ID "12345678901…" is not valid; use 1 to 12 digits.'
        )

    def test_an_observer_not_found(self):
        assert (
            reply("OP 9999 A1 1", observer_found=False)
            == "Observer ID 9999 not found. Check it and resend."
        )

    def test_a_phone_not_registered_for_the_observer(self):
        assert (
            reply("OP 1234 A1 1", phone_matches=False)
            == "This phone is not registered for observer 1234."
        )

    def test_a_station_the_observer_may_not_report_for(self):
        assert "may not report" in reply("OP 1234 A1 1", station_allowed=False)

    def test_a_duplicate_is_already_received(self):
        assert (
            reply("OP 1234 A1 1", duplicate=True)
            == "Already received: OP from 1234. No need to resend."
        )

    def test_a_message_without_answers_says_nothing_was_recorded(self):
        assert reply("OP 1234") == (
            "OP 1234: nothing recorded. No answers after the observer ID. Please resend the corrected answers."
        )

    def test_a_too_long_message_says_where_it_was_cut(self):
        assert "Too long: read the first 1000 characters." in reply("PR 1234 RV 5 " + "x" * 2000)

    def test_many_problems_still_fit_in_one_sms(self):
        text = reply("PR 1234 RV 1 " + " ".join(f"Q{number} 5" for number in range(60)))
        assert len(text) <= MAX_REPLY_CHARS and text.endswith("…") and "Unknown: Q0, Q1" in text

    def test_long_typed_values_are_shortened_when_quoted(self):
        text = reply("OP 1234 A1 1 " + "zzzzzzzzzzzzzzzzzzzzzzzzzzz")
        assert '"zzzzzzzzzzz…"' in text

    @pytest.mark.parametrize("language", LANGUAGES)
    def test_header_problems_are_replied_in_every_language(self, language):
        for text in [
            "",
            "XX 1 A1 1",
            "OP A1 1",
            "OP 1x A1 1",
            "OP 1234 A3 99 Q1 1 long words here",
        ]:
            assert reply(text, language).strip()


PROBLEMS = st.builds(
    Problem,
    kind=st.sampled_from(PROBLEM_KINDS),
    code=st.text(max_size=5),
    value=st.text(max_size=30),
    detail=st.text(max_size=10),
)
ANY_PARSED = st.builds(
    ParsedMessage,
    form_code=st.none() | st.text(max_size=4),
    observer_id=st.none() | st.text(max_size=14),
    answers=st.dictionaries(st.text(max_size=3), st.integers() | st.text(max_size=5), max_size=5),
    comment=st.text(max_size=20),
    problems=st.lists(PROBLEMS, max_size=8),
)


class TestReplyProperties:
    @settings(max_examples=150, deadline=None)
    @given(
        ANY_PARSED,
        st.sampled_from(LANGUAGES + ("xx",)),
        st.booleans(),
        st.booleans(),
        st.booleans(),
        st.booleans(),
    )
    def test_any_parsed_message_gets_a_non_empty_reply(
        self, parsed, language, duplicate, found, phone, station
    ):
        text = reply_for(
            parsed,
            language,
            duplicate=duplicate,
            observer_found=found,
            phone_matches=phone,
            station_allowed=station,
        )
        assert isinstance(text, str) and text.strip()


DOCS = Path(__file__).resolve().parents[3] / "docs" / "sms.md"


class TestTheDocs:
    """docs/sms.md is what missions train observers with, so it must match the code."""

    def test_every_problem_kind_and_language_is_documented(self):
        text = DOCS.read_text(encoding="utf-8")
        missing = [kind for kind in PROBLEM_KINDS if f"`{kind}`" not in text]
        missing += [language for language in MESSAGES if f"`{language}`" not in text]
        assert not missing

    def test_the_example_replies_are_the_real_replies(self):
        rows = re.findall(
            r"^\| `([^`|]+)` \| ([^|]+) \|$", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE
        )
        examples = [
            (message, expected.strip().replace("\\<", "<").replace("\\>", ">"))
            for message, expected in rows
        ]
        assert len(examples) >= 10, "the pattern no longer finds the examples table"
        for message, expected in examples:
            assert reply(message) == expected, message
