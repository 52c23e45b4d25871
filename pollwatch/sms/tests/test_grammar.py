"""The SMS grammar: what observers really type, good and malformed, and properties over random messages."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pollwatch.sms.grammar import (
    HEADER_PROBLEM_KINDS,
    MAX_MESSAGE_CHARS,
    PROBLEM_KINDS,
    ParsedMessage,
    normalise,
    parse_message,
)
from pollwatch.sms.replies import MESSAGES, reply_for
from pollwatch.sms.rules import FormRules, QuestionRule


def integer(code: str, minimum: int, maximum: int) -> QuestionRule:
    return QuestionRule(code, "integer", minimum=minimum, maximum=maximum)


def options(first: int, last: int) -> tuple[str, ...]:
    return tuple(str(number) for number in range(first, last + 1))


OPENING = FormRules(
    "OP",
    {
        "A1": QuestionRule("A1", "yes_no"),
        "A2": QuestionRule("A2", "yes_no"),
        "A3": integer("A3", 0, 20),
        "A4": QuestionRule("A4", "single", options=options(1, 4)),
        "A5": QuestionRule("A5", "multiple", options=options(1, 5)),
    },
)
RESULTS = FormRules(
    "PR",
    {
        "RV": integer("RV", 0, 5000),
        "BI": integer("BI", 0, 5000),
        "BC": integer("BC", 0, 5000),
        "IN": integer("IN", 0, 5000),
        "VA": integer("VA", 0, 5000),
        **{f"C{number}": integer(f"C{number}", 0, 5000) for number in range(1, 8)},
    },
)
INCIDENT = FormRules(
    "IN",
    {
        "T": QuestionRule("T", "single", options=options(1, 9)),
        "S": QuestionRule("S", "single", options=options(1, 3)),
        "D": QuestionRule("D", "text"),
    },
)
FORMS = {"OP": OPENING, "PR": RESULTS, "IN": INCIDENT}
# Like the shipped counting form: codes that are prefixes of others (D1, D10, D11, D13, D15).
PREFIX_CODE_FORMS = {
    "CT": FormRules(
        "CT",
        {
            **{f"D{n}": QuestionRule(f"D{n}", "yes_no") for n in (1, 2, 10, 11)},
            "D13": integer("D13", 1, 100),
            "D14": QuestionRule("D14", "multiple", options=options(1, 4)),
            "D15": QuestionRule("D15", "text"),
        },
    )
}
LANGUAGES = tuple(MESSAGES)


def parse(text: str) -> ParsedMessage:
    return parse_message(text, FORMS)


def kinds(parsed: ParsedMessage) -> list[str]:
    return [problem.kind for problem in parsed.problems]


def assert_answer_obeys_its_rule(rule: QuestionRule, answer: object) -> None:
    if rule.kind == "yes_no":
        assert answer in (0, 1)
    elif rule.kind == "integer":
        assert isinstance(answer, int)
        assert rule.minimum is None or answer >= rule.minimum
        assert rule.maximum is None or answer <= rule.maximum
    elif rule.kind == "single":
        assert answer in rule.options
    elif rule.kind == "multiple":
        assert isinstance(answer, list) and answer
        assert all(option in rule.options for option in answer)
        assert len(set(answer)) == len(answer)
    else:
        assert isinstance(answer, str) and answer.strip()


def assert_well_formed(parsed: ParsedMessage) -> None:
    """What every result promises, whatever came in."""
    assert all(problem.kind in PROBLEM_KINDS for problem in parsed.problems)
    assert parsed.ok == (parsed.status == "accepted")
    assert parsed.status in ("accepted", "partial", "rejected")
    if parsed.status == "partial":
        assert parsed.answers
        assert not any(problem.kind in HEADER_PROBLEM_KINDS for problem in parsed.problems)
    if parsed.answers:
        rules = FORMS[parsed.form_code]
        for code, answer in parsed.answers.items():
            assert_answer_obeys_its_rule(rules.questions[code], answer)
    if parsed.observer_id is not None:
        assert parsed.observer_id.isascii() and parsed.observer_id.isdigit()
    assert not any("Error" in problem.detail for problem in parsed.problems), (
        "the parser's safety net caught a bug"
    )
    for language in LANGUAGES + ("xx", ""):
        for flags in ({}, {"duplicate": True}, {"observer_found": False}, {"phone_matches": False}):
            reply = reply_for(parsed, language, **flags)
            assert isinstance(reply, str) and reply.strip()


class TestWellFormedMessages:
    def test_it_reads_the_design_example(self):
        parsed = parse("OP 1234 A1 1 A2 0 A3 12 A4 2 A5 135 @ long queue outside")
        assert parsed.form_code == "OP"
        assert parsed.observer_id == "1234"
        assert parsed.answers == {"A1": 1, "A2": 0, "A3": 12, "A4": "2", "A5": ["1", "3", "5"]}
        assert parsed.comment == "long queue outside"
        assert parsed.ok and parsed.status == "accepted"

    def test_it_reads_a_results_form(self):
        parsed = parse(
            "PR 1234 RV 1500 BI 900 BC 880 IN 12 VA 868 C1 400 C2 300 C3 100 C4 30 C5 20 C6 10 C7 8"
        )
        assert parsed.ok
        assert (
            parsed.answers["RV"] == 1500
            and parsed.answers["IN"] == 12
            and parsed.answers["C7"] == 8
        )

    def test_it_ignores_case_and_surrounding_whitespace_and_line_breaks(self):
        parsed = parse("  \n op 1234\r\na1 y\ta3 7 \n\n")
        assert parsed.ok and parsed.answers == {"A1": 1, "A3": 7}

    def test_it_accepts_common_separators_between_tokens_and_between_code_and_value(self):
        parsed = parse("OP-1234: a1=1, a2 0; a3:12. a4/3 a5=1-2")
        assert parsed.ok
        assert parsed.answers == {"A1": 1, "A2": 0, "A3": 12, "A4": "3", "A5": ["1", "2"]}

    def test_it_reads_codes_glued_to_answers_by_the_form_codes(self):
        parsed = parse("OP1234A11A20A312A42A5135")
        assert parsed.ok
        assert parsed.answers == {"A1": 1, "A2": 0, "A3": 12, "A4": "2", "A5": ["1", "3", "5"]}

    def test_glued_results_split_at_the_next_known_code(self):
        parsed = parse("PR 1234 RV1500BI900C1400C27")
        assert parsed.answers == {"RV": 1500, "BI": 900, "C1": 400, "C2": 7}

    def test_a_longer_code_wins_unless_it_is_left_without_an_answer(self):
        forms = PREFIX_CODE_FORMS
        assert parse_message("CT 1234 D11 1 D1 0", forms).answers == {"D11": 1, "D1": 0}
        assert parse_message("CT1234D11D20D1399", forms).answers == {"D1": 1, "D2": 0, "D13": 99}
        assert parse_message("CT 1234 D15 late start", forms).answers == {"D15": "late start"}
        # Glued text would swallow the rest ("00" for D15), so text needs a separator:
        # this message is refused rather than recorded as something nobody meant.
        parsed = parse_message("CT1234D1500", forms)
        assert parsed.answers == {} and parsed.status == "rejected"

    @pytest.mark.parametrize(
        "typed, meaning",
        [("1", 1), ("0", 0), ("y", 1), ("n", 0), ("YES", 1), ("no", 0), ("Yes", 1)],
    )
    def test_yes_no_accepts_one_zero_and_words(self, typed, meaning):
        assert parse(f"OP 1234 A1 {typed}").answers == {"A1": meaning}

    def test_yes_words_may_be_glued_to_the_next_code(self):
        assert parse("OP 1234 A1YESA2NO A1").answers == {"A1": 1, "A2": 0}

    def test_two_is_not_no(self):
        parsed = parse("OP 1234 A1 2 A3 1")
        assert parsed.answers == {"A3": 1}
        assert parsed.problems[0].kind == "bad_option" and parsed.problems[0].code == "A1"

    @pytest.mark.parametrize(
        "typed", ["A5 1,2,3", "A5 123", "A5 1 2 3", "A5 3;1;2", "A5 1/2/3", "A5 1,1,2,3"]
    )
    def test_multiple_choice_options_glued_or_separated(self, typed):
        assert parse(f"OP 1234 {typed} A3 4").answers == {"A5": ["1", "2", "3"], "A3": 4}

    def test_single_choice_accepts_a_leading_zero(self):
        assert parse("OP 1234 A4 04").answers == {"A4": "4"}

    def test_full_width_arabic_indic_and_persian_digits_become_ascii(self):
        assert parse("ＯＰ　１２３４ Ａ３ １２").answers == {"A3": 12}
        parsed = parse("OP ١٢٣٤ A3 ١٥ A4 ٣")
        assert parsed.observer_id == "1234" and parsed.answers == {"A3": 15, "A4": "3"}
        parsed = parse("OP ۱۲۳۴ A3 ۱۹")
        assert parsed.observer_id == "1234" and parsed.answers == {"A3": 19}

    def test_cyrillic_look_alike_letters_in_codes_read_as_latin(self):
        # О, Р, А, В, С, Е below are Cyrillic.
        parsed = parse("ОР 1234 А1 1 А3 5")
        assert parsed.form_code == "OP" and parsed.answers == {"A1": 1, "A3": 5}
        parsed = parse("рr 1234 Вс 800 ВI 900 С1 5")
        assert parsed.form_code == "PR" and parsed.answers == {"BC": 800, "BI": 900, "C1": 5}

    def test_the_comment_follows_the_at_sign_as_typed(self):
        parsed = parse("IN 1234 T3 S2 @ Observers  were\nasked to leave; police @ door")
        assert parsed.answers == {"T": "3", "S": "2"}
        assert parsed.comment == "Observers were asked to leave; police @ door"

    def test_a_full_width_at_sign_starts_the_comment(self):
        assert parse("OP 1234 A1 1 ＠ ok").comment == "ok"

    def test_a_comment_in_cyrillic_or_arabic_script_is_kept(self):
        assert parse("OP 1234 A1 1 @ Очередь у входа").comment == "Очередь у входа"
        assert (
            parse("OP 1234 A1 1 @ پولنگ اسٹیشن دیر سے کھلا").comment == "پولنگ اسٹیشن دیر سے کھلا"
        )

    def test_a_text_answer_runs_to_the_next_code_word(self):
        parsed = parse("IN 1234 D Ballot box was not Sealed, the staff said so T 4 S2")
        assert parsed.ok
        assert parsed.answers == {
            "D": "Ballot box was not Sealed, the staff said so",
            "T": "4",
            "S": "2",
        }

    def test_a_text_answer_runs_to_the_comment(self):
        parsed = parse("IN 1234 T4 D crowd outside @ photo sent")
        assert parsed.answers == {"T": "4", "D": "crowd outside"} and parsed.comment == "photo sent"

    def test_observer_ids_keep_leading_zeros(self):
        assert parse("OP 0042 A1 1").observer_id == "0042"

    def test_normalise_shows_what_the_parser_read(self):
        assert normalise("  ор ١٢٣٤\n а1=1 ＠ Long queue ") == "OP 1234 A1=1 @ Long queue"
        assert normalise("A\u200b1\x00 1") == "A1 1"
        assert normalise("") == ""


class TestMalformedMessages:
    @pytest.mark.parametrize("text", ["", " ", "   \n\t ", "\u200b", "\x00\x01"])
    def test_an_empty_message_is_rejected(self, text):
        parsed = parse(text)
        assert kinds(parsed) == ["empty"] and parsed.status == "rejected"
        assert parsed.problems[0].detail == "IN, OP, PR"

    @pytest.mark.parametrize(
        "text, typed", [("XX 1234 A1 1", "XX"), ("1234 OP A1 1", "1234"), ("OPX 1 A1 1", "OPX")]
    )
    def test_an_unknown_form_is_rejected_and_named(self, text, typed):
        parsed = parse(text)
        assert parsed.form_code is None and parsed.status == "rejected"
        assert parsed.problems[0].kind == "unknown_form" and parsed.problems[0].value == typed
        assert parsed.problems[0].detail == "IN, OP, PR"

    @pytest.mark.parametrize("text", ["OP", "OP A1 1 A3 5", "op @ hello"])
    def test_a_missing_observer_id_rejects_the_message(self, text):
        parsed = parse(text)
        assert "missing_observer" in kinds(parsed) and parsed.status == "rejected"
        assert parsed.observer_id is None

    @pytest.mark.parametrize(
        "text, typed",
        [
            ("OP 1234567890123 A1 1", "1234567890123"),
            ("OP X A1 1", "X"),
            ("OP #12 A1 1", "#12"),
        ],
    )
    def test_a_wrong_observer_id_rejects_the_message(self, text, typed):
        parsed = parse(text)
        assert parsed.problems[0].kind == "bad_observer" and parsed.problems[0].value == typed
        assert parsed.status == "rejected"
        # The answers are still read, for the log and for a coordinator fixing the id by hand.
        assert parsed.answers == {"A1": 1}

    def test_a_message_with_no_answers_is_rejected(self):
        parsed = parse("OP 1234 @ all fine")
        assert parsed.status == "rejected" and parsed.comment == "all fine"
        assert kinds(parsed) == ["missing_answer"]

    def test_unknown_codes_are_named_and_the_rest_kept(self):
        parsed = parse("OP 1234 A1 1 Q7 5 ZZ9 A3 4 B 2")
        assert parsed.answers == {"A1": 1, "A3": 4}
        assert [(p.kind, p.code, p.value) for p in parsed.problems] == [
            ("unknown_code", "Q7", "5"),
            ("unknown_code", "ZZ9", ""),
            ("unknown_code", "B", "2"),
        ]
        assert parsed.status == "partial"

    def test_out_of_range_values_carry_the_allowed_range(self):
        parsed = parse("OP 1234 A3 25 A1 1 PR")
        problem = parsed.problems[0]
        assert (problem.kind, problem.code, problem.value, problem.detail) == (
            "out_of_range",
            "A3",
            "25",
            "0-20",
        )
        assert parsed.answers == {"A1": 1}

    @pytest.mark.parametrize("typed", ["abc", "1Q", "12x", "٣a", "😀", "ILL"])
    def test_letters_for_numbers_are_not_numbers(self, typed):
        parsed = parse(f"PR 1234 RV {typed} BI 900")
        assert parsed.problems[0].kind == "not_a_number" and parsed.problems[0].code == "RV"
        assert parsed.answers == {"BI": 900}

    def test_bad_options_reject_that_answer_only(self):
        parsed = parse("OP 1234 A4 7 A5 1,2,9 A1 1")
        assert [(p.kind, p.code, p.value, p.detail) for p in parsed.problems] == [
            ("bad_option", "A4", "7", "1-4"),
            ("bad_option", "A5", "9", "1-5"),
        ]
        assert parsed.answers == {"A1": 1}

    @pytest.mark.parametrize(
        "typed, number", [("1,500", 1500), ("1.500", 1500), ("2,000,000", None), ("1٬200", 1200)]
    )
    def test_thousands_are_grouped_with_commas_or_points(self, typed, number):
        parsed = parse(f"PR 1234 RV {typed} BI 9")
        if number is None:
            assert (
                parsed.problems[0].kind == "out_of_range" and parsed.problems[0].value == "2000000"
            )
        else:
            assert parsed.ok and parsed.answers == {"RV": number, "BI": 9}

    @pytest.mark.parametrize("typed", ["12.5", "1,50", "5,1234", "1.500.5"])
    def test_a_decimal_or_odd_grouping_is_not_a_number_rather_than_its_first_digits(self, typed):
        parsed = parse(f"PR 1234 RV {typed} BI 9")
        assert parsed.problems[0].kind == "not_a_number" and parsed.problems[0].value == typed
        assert parsed.answers == {"BI": 9}

    def test_a_code_without_an_answer_is_missing(self):
        parsed = parse("OP 1234 A3 A4 2 A5")
        assert [(p.kind, p.code) for p in parsed.problems] == [
            ("missing_answer", "A3"),
            ("missing_answer", "A5"),
        ]
        assert parsed.answers == {"A4": "2"}

    def test_a_yes_no_code_alone_is_yes(self):
        # As in Apollo, where yes/no questions are checkboxes sent as the bare code.
        assert parse("OP 1234 A3 A4 2 A1").answers == {"A4": "2", "A1": 1}

    def test_a_repeated_code_keeps_the_first_answer(self):
        parsed = parse("OP 1234 A3 5 A1 1 A3 7")
        assert parsed.answers == {"A3": 5, "A1": 1}
        problem = parsed.problems[0]
        assert (problem.kind, problem.code, problem.value) == ("duplicate_code", "A3", "7")
        assert parsed.status == "partial"

    def test_a_repeated_code_keeps_the_first_even_when_the_first_was_wrong(self):
        parsed = parse("OP 1234 A3 25 A3 15")
        assert parsed.answers == {}
        assert kinds(parsed) == ["out_of_range", "duplicate_code"]

    def test_stray_words_are_reported_together(self):
        parsed = parse("OP 1234 A1 1 long queue outside A3 4 99")
        assert [(p.kind, p.value) for p in parsed.problems] == [
            ("unparsed_text", "long queue outside"),
            ("unparsed_text", "99"),
        ]
        assert parsed.answers == {"A1": 1, "A3": 4}

    def test_emoji_are_reported_and_do_not_hide_answers(self):
        parsed = parse("OP 1234 👍 A1 1 A3 4🙂")
        assert parsed.answers == {"A1": 1}
        assert kinds(parsed) == ["unparsed_text", "not_a_number"]

    def test_arabic_script_in_the_answers_is_reported(self):
        parsed = parse("OP 1234 A1 1 ووٹ A3 ہاں")
        assert parsed.answers == {"A1": 1}
        assert kinds(parsed) == ["unparsed_text", "not_a_number"]

    def test_cyrillic_words_in_the_answers_are_reported(self):
        parsed = parse("OP 1234 A1 да A3 5")
        assert parsed.answers == {"A3": 5}
        assert parsed.problems[0].kind == "bad_option" and parsed.problems[0].value == "да"

    def test_a_message_over_the_limit_is_read_up_to_the_limit(self):
        text = "PR 1234 RV 1500 " + "C1 5 " * 300
        parsed = parse(text)
        assert len(text) > MAX_MESSAGE_CHARS
        assert parsed.problems[0].kind == "too_long" and parsed.problems[0].detail == str(
            MAX_MESSAGE_CHARS
        )
        assert parsed.answers == {"RV": 1500, "C1": 5}
        assert parsed.status == "partial"

    def test_answers_after_the_limit_are_not_read(self):
        parsed = parse("OP 1234 A1 1" + " " * MAX_MESSAGE_CHARS + "A3 5")
        # Outer whitespace does not count; this one is inside the message.
        assert parsed.answers == {"A1": 1} and kinds(parsed) == ["too_long"]

    def test_a_million_characters_of_junk_do_not_hang(self):
        parsed = parse("😀" * 1_000_000)
        assert kinds(parsed) == ["too_long", "unknown_form"]

    def test_lone_surrogates_and_controls_do_not_break_it(self):
        parsed = parse("OP 1234 A1\ud800 1\x07 A3\x00 5")
        assert parsed.answers == {"A1": 1, "A3": 5}

    def test_no_forms_configured_means_every_form_is_unknown(self):
        parsed = parse_message("OP 1234 A1 1", {})
        assert kinds(parsed) == ["unknown_form"] and parsed.problems[0].detail == ""


SEPARATOR_CHOICES = [
    " ",
    "  ",
    ",",
    ", ",
    ";",
    " ; ",
    ".",
    ":",
    "-",
    "=",
    "/",
    "\n",
    "\r\n",
    "،",
    "\t",
]
LOOKALIKES = {
    "A": "А",
    "B": "В",
    "C": "С",
    "E": "Е",
    "O": "О",
    "P": "Р",
    "T": "Т",
    "H": "Н",
    "K": "К",
    "M": "М",
    "X": "Х",
}
DIGIT_SCRIPTS = ["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "０１２３４５６７８９"]
TEXT_WORDS = [
    "door",
    "was",
    "locked",
    "long",
    "queue",
    "police",
    "sealed",
    "ballot",
    "box",
    "staff",
    "TOLD",
    "Dim",
]


@st.composite
def disguised_code(draw, code: str) -> str:
    """A code as an observer might type it: any case, some letters from a Cyrillic keyboard."""
    characters = []
    for character in code:
        choice = draw(st.sampled_from(["upper", "lower", "cyrillic"]))
        if choice == "cyrillic" and character in LOOKALIKES:
            character = LOOKALIKES[character]
        characters.append(character.lower() if choice == "lower" else character)
    return "".join(characters)


@st.composite
def digits_in_some_script(draw, number: str) -> str:
    script = draw(st.sampled_from(DIGIT_SCRIPTS))
    return "".join(
        script[int(character)] if character.isdigit() else character for character in number
    )


@st.composite
def typed_answer(draw, rule: QuestionRule) -> tuple[str, object]:
    """(what the observer types, the answer it must parse to)."""
    if rule.kind == "yes_no":
        answer = draw(st.sampled_from([0, 1]))
        words = ["1", "y", "yes", "Y", "YES", "Yes"] if answer else ["0", "n", "no", "N", "NO"]
        return draw(st.sampled_from(words)), answer
    if rule.kind == "integer":
        answer = draw(st.integers(rule.minimum, rule.maximum))
        grouping = draw(st.sampled_from(["", ",", "."])) if answer >= 1000 else ""
        written = f"{answer:,}".replace(",", grouping)
        return draw(digits_in_some_script(written)), answer
    if rule.kind == "single":
        answer = draw(st.sampled_from(rule.options))
        return answer, answer
    if rule.kind == "multiple":
        chosen = draw(
            st.lists(
                st.sampled_from(rule.options), min_size=1, max_size=len(rule.options), unique=True
            )
        )
        joiner = draw(st.sampled_from(["", ",", " ", ";", "/", ", "]))
        return joiner.join(chosen), sorted(chosen, key=rule.options.index)
    words = draw(st.lists(st.sampled_from(TEXT_WORDS), min_size=1, max_size=6))
    return " ".join(words), " ".join(words)


@st.composite
def valid_message(draw, forms=FORMS) -> tuple[str, str, str, dict, str]:
    """(text, form code, observer id, answers, comment) for a message with only valid parts."""
    form_code = draw(st.sampled_from(sorted(forms)))
    rules = forms[form_code]
    observer_id = draw(st.from_regex(r"[0-9]{1,12}", fullmatch=True))
    codes = draw(st.lists(st.sampled_from(sorted(rules.questions)), min_size=1, unique=True))
    # Free text must be followed by a separator before the next code, so it goes last.
    codes.sort(key=lambda code: rules.questions[code].kind == "text")
    parts = [
        draw(disguised_code(form_code)),
        draw(st.sampled_from(SEPARATOR_CHOICES)),
        draw(digits_in_some_script(observer_id)),
    ]
    answers = {}
    for code in codes:
        rule = rules.questions[code]
        typed, answer = draw(typed_answer(rule))
        answers[code] = answer
        parts.append(draw(st.sampled_from(SEPARATOR_CHOICES)))
        parts.append(draw(disguised_code(code)))
        glue_allowed = rule.kind not in ("text",)
        parts.append(
            draw(st.sampled_from([""] + SEPARATOR_CHOICES if glue_allowed else SEPARATOR_CHOICES))
        )
        parts.append(typed)
    comment = draw(
        st.text(
            alphabet=string.ascii_letters
            + "  .,!?абвгдеёжзийклмнопрстуфхцчшщыэюяəğıöüçş"
            + "ابپتٹجچحخدڈرزسشکگلمنوہی",
            max_size=60,
        )
    )
    if comment.strip():
        parts.append(draw(st.sampled_from([" @ ", "@", " ＠"])) + comment)
    else:
        comment = ""
    text = (
        draw(st.sampled_from(["", " ", "\n"]))
        + "".join(parts)
        + draw(st.sampled_from(["", " ", "\n"]))
    )
    return text, form_code, observer_id, answers, " ".join(comment.split())


GARBAGE = st.one_of(
    st.text(max_size=8),
    st.sampled_from(
        [
            "@",
            "A",
            "a1",
            "99999",
            "Q7 5",
            "😀",
            "ووٹ",
            "да",
            "--",
            "١٢",
            "\x00",
            "\u200f",
            "YESNO",
            "A5 9",
        ]
    ),
)


@st.composite
def messy_message(draw) -> str:
    """A valid message with junk spliced in at random places."""
    text = draw(valid_message())[0]
    for _ in range(draw(st.integers(0, 4))):
        position = draw(st.integers(0, len(text)))
        text = text[:position] + draw(GARBAGE) + text[position:]
    return text


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class TestProperties:
    @FAST
    @given(st.text(max_size=300))
    def test_any_text_parses_and_gets_a_reply_in_every_language(self, text):
        assert_well_formed(parse(text))

    @settings(max_examples=20, deadline=None)
    @given(st.text(min_size=MAX_MESSAGE_CHARS - 50, max_size=MAX_MESSAGE_CHARS + 50))
    def test_long_text_parses(self, text):
        assert_well_formed(parse(text))

    @FAST
    @given(valid_message())
    def test_a_message_of_valid_answers_round_trips(self, message):
        text, form_code, observer_id, answers, comment = message
        parsed = parse(text)
        assert parsed.problems == []
        assert parsed.form_code == form_code
        assert parsed.observer_id == observer_id
        assert parsed.answers == answers
        assert parsed.comment == comment
        assert parsed.status == "accepted"

    @FAST
    @given(valid_message(PREFIX_CODE_FORMS))
    def test_a_message_round_trips_when_codes_are_prefixes_of_others(self, message):
        text, _, _, answers, _ = message
        parsed = parse_message(text, PREFIX_CODE_FORMS)
        assert parsed.problems == [] and parsed.answers == answers

    @FAST
    @given(messy_message())
    def test_messy_messages_keep_only_valid_answers(self, text):
        assert_well_formed(parse(text))

    @FAST
    @given(st.text(max_size=200))
    def test_normalise_is_idempotent_on_codes(self, text):
        once = normalise(text)
        assert normalise(once) == once
