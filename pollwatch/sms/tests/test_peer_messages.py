"""The SMS grammar against a table: every case of issue 17 and every message of Apollo's and NEMO's parser tests.

``peer_messages.tsv`` is ``../shared/data/peer-sms/messages.tsv``: the messages
NDI's Apollo (apollo/messaging/test_messaging.py,
apollo/formsframework/test_formsframework.py) and the Carter Center's NEMO
(spec/models/sms/decoder_spec.rb) feed their parsers, with what each parser
does. ``PEER_OUTCOMES`` gives, for each, what pollwatch does: the observer id,
the answers kept, the problems reported (kind, code, what was typed). Where it
differs from the peer on purpose the last column says why; everywhere else it
keeps at least what the peer keeps.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from pollwatch.sms.grammar import MAX_MESSAGE_CHARS, ParsedMessage, parse_message
from pollwatch.sms.replies import MESSAGES, reply_for
from pollwatch.sms.rules import FormRules, QuestionRule

PEER_MESSAGES = Path(__file__).with_name("peer_messages.tsv")
LETTERS = tuple("ABCDE")
DIGITS_1_5 = tuple("12345")


def integer(code: str, minimum: int | None = None, maximum: int | None = None) -> QuestionRule:
    return QuestionRule(code, "integer", minimum=minimum, maximum=maximum)


def form(code: str, *questions: QuestionRule) -> FormRules:
    return FormRules(code, {question.code: question for question in questions})


# The forms the peer messages assume (the README beside messages.tsv).
PEER_FORMS = {
    "XA": form(
        "XA",
        integer("AA", 0, 9999),
        integer("BA", 0, 9999),
        integer("D", 0, 9999),
        QuestionRule("EA", "multiple", options=DIGITS_1_5),
    ),
    "TC": form("TC", integer("AA")),
    "TCF": form("TCF", integer("AA"), QuestionRule("AB", "multiple", options=("1", "2"))),
    "TIF": form("TIF", integer("A"), integer("B")),
    "BX": form(
        "BX",
        integer("AA"),
        QuestionRule("BB", "yes_no"),
        QuestionRule("BC", "yes_no"),
        QuestionRule("AC", "single", options=("1", "2", "3", "4")),
    ),
    "ABC": form("ABC", integer("Q1"), integer("Q2")),
    "TXT": form("TXT", QuestionRule("Q1", "text"), integer("Q2")),
    "SEL": form("SEL", integer("Q1"), QuestionRule("Q2", "single", options=LETTERS)),
    "MUL": form("MUL", integer("Q1"), QuestionRule("Q2", "multiple", options=LETTERS)),
    "APX": form("APX", integer("Q1"), QuestionRule("Q2", "multiple", options=DIGITS_1_5)),
    "MID": form(
        "MID",
        QuestionRule("Q1", "single", options=LETTERS),
        QuestionRule("Q2", "text"),
        integer("Q3"),
    ),
    "END": form(
        "END",
        QuestionRule("Q1", "single", options=LETTERS),
        integer("Q2"),
        QuestionRule("Q3", "text"),
    ),
    "MAX": form("MAX", integer("Q1", maximum=20)),
    "MIN": form("MIN", integer("Q1", minimum=20)),
    "ONE": form("ONE", integer("Q1")),
}

# label: (observer id, answers kept, problems as (kind, code, typed), why it differs from the peer)
# fmt: off
PEER_OUTCOMES: dict[str, tuple[str | None, dict, list[tuple[str, str, str]], str]] = {
    "A1": ('403794', {'AA': 1, 'BA': 2}, [], ""),
    "A2": ('403794', {'EA': ['1', '3', '5'], 'AA': 3}, [('missing_answer', 'D', ''), ('missing_answer', 'BA', '')], "Apollo reports the leftover 'DBA' as 'Invalid text'; we name D and BA, the codes left without an answer."),
    "A3": ('403794', {'EA': ['1', '3', '5'], 'AA': 3}, [('unknown_code', 'ZX1', ''), ('unknown_code', 'CV2', ''), ('missing_answer', 'D', ''), ('missing_answer', 'BA', '')], 'as A2, and ZX1, CV2 are named as unknown codes.'),
    "A4": ('403794', {'EA': ['1', '3', '5'], 'AA': 3}, [('unknown_code', 'ZX1', ''), ('unknown_code', 'CV2', ''), ('missing_answer', 'D', ''), ('missing_answer', 'BA', ''), ('unparsed_text', '', 'THIS IS A TEST')], 'as A3; the glued words are reported as text nobody could place.'),
    "A5": ('111111', {'AA': 2}, [], 'the form serial is kept on the result (parsed.serial), as Apollo keeps it.'),
    "A6": ('123456', {'AA': 1, 'BA': 2}, [], ""),
    "A7": (None, {}, [('unknown_form', '', '2014')], 'Apollo returns all None; we say which form codes exist.'),
    "A8": ('403794', {'AA': 2, 'AB': ['1', '2']}, [], ""),
    "A9": ('403794', {'A': 1, 'B': 1}, [], ""),
    "A10": (None, {}, [('unknown_form', '', 'AV403794')], 'AV is not one of these forms, so: unknown form (Apollo found the participant, then no answers).'),
    "A11": ('403794', {'AA': 1, 'BA': 2}, [], ""),
    "A12": ('403794', {'AA': 1, 'BA': 2}, [], ""),
    "A13": ('403794', {'AA': 1, 'BA': 2}, [], ""),
    "A14": ('403794', {'AA': 1, 'BA': 2}, [], ""),
    "A15": ('403794', {'AA': 1, 'BA': 0}, [], ""),
    "A16": ('403794', {'AA': 1, 'BA': 2}, [], ""),
    "A17": ('403794', {'AA': 2, 'BB': 1, 'BC': 1}, [], ""),
    "A18": ('403794', {'BB': 1, 'AA': 2, 'AC': '3'}, [], ""),
    "A19": ('403794', {'AA': 1500}, [], ""),
    "A20": ('403794', {}, [('not_a_number', 'AA', '12.5')], 'deliberately different: Apollo strips the point and records 125; a decimal is not a number here.'),
    "A21": ('403794', {}, [('out_of_range', 'AA', '10000')], "AA is given Apollo's 0-9999 range in this table."),
    "A22": ('403794', {}, [('bad_option', 'EA', '6')], ""),
    "A23": ('403794', {'EA': ['1', '3', '5']}, [], ""),
    "A24": ('403794', {'AA': 1, 'BA': 2}, [('duplicate_code', 'AA', '3')], 'deliberately different: Apollo keeps the last AA; the first answer wins here (docs/sms.md), and the reply says so.'),
    "A25": ('403794', {}, [('missing_answer', '', '')], ""),
    "A26": ('403794', {'AA': 1, 'BA': 2, 'D': 3}, [], ""),
    "A27": ('403794', {'AA': 1}, [], 'deliberately different: full-width letters and digits are read (Apollo refuses them without TRANSLITERATE_INPUT).'),
    "N1": (None, {}, [('unknown_form', '', 'XYZ')], ""),
    "N2": (None, {}, [('unknown_form', '', 'lasjdalfksldjal')], ""),
    "N3": ('1234', {'Q1': 'weather is very cold', 'Q2': 234}, [], ""),
    "N4": ('1234', {'Q1': 15}, [], ""),
    "N5": ('1234', {}, [('not_a_number', 'Q1', '1d')], ""),
    "N6": ('1234', {'Q1': 15}, [('unknown_code', 'Q2', '8')], 'deliberately different: NEMO fails the whole message; we keep Q1 and name Q2.'),
    "N7": ('1234', {'Q1': 15, 'Q2': 8}, [('duplicate_code', 'Q2', '9')], 'deliberately different: NEMO fails the whole message; we keep the first Q2 and say so.'),
    "N8": ('1234', {'Q1': 15, 'Q2': 8}, [], ""),
    "N9": ('1234', {'Q1': 15, 'Q2': 'B'}, [], ""),
    "N10": ('1234', {'Q1': 15}, [('bad_option', 'Q2', '6')], ""),
    "N11": ('1234', {'Q1': 15}, [('bad_option', 'Q2', 'h')], ""),
    "N12": ('1234', {'Q1': 15}, [('bad_option', 'Q2', 'banana')], 'deliberately different: an option is its code; NEMO can be set to accept option names.'),
    "N13": ('1234', {'Q1': 15, 'Q2': 'B'}, [], ""),
    "N14": ('1234', {'Q1': 15, 'Q2': ['B', 'D']}, [], ""),
    "N15": ('1234', {'Q1': 15, 'Q2': ['B', 'D']}, [], ""),
    "N16": ('1234', {'Q1': 15}, [('bad_option', 'Q2', '3')], ""),
    "N17": ('1234', {'Q1': 15}, [('bad_option', 'Q2', 'h')], ""),
    "N18": ('1234', {'Q1': 15}, [('bad_option', 'Q2', 'h,k')], ""),
    "N19": ('1234', {'Q1': 15}, [('bad_option', 'Q2', '.B')], 'the empty item between the two points is the bad part, as NEMO says.'),
    "N20": ('1234', {'Q1': 15, 'Q2': ['2', '4']}, [], ""),
    "N21": ('1234', {'Q1': 15}, [('bad_option', 'Q2', 'no')], ""),
    "N22": ('1234', {'Q1': 15}, [('bad_option', 'Q2', 'no,nope')], "NEMO names 'no, nope'; we name the same parts."),
    "N23": ('1234', {'Q1': 7}, [], ""),
    "N24": ('1234', {}, [('not_a_number', 'Q1', '1.15')], 'ONE.Q1 is an integer question here, which refuses 1.15; a decimal question (kind decimal) would take it.'),
    "N25": ('1234', {}, [('not_a_number', 'Q1', '15.2.2')], ""),
    "N26": ('1234', {'Q1': 'foo bar', 'Q2': 15}, [], ""),
    "N27": ('1234', {'Q1': 'A', 'Q2': 'foo bar', 'Q3': 15}, [], ""),
    "N28": ('1234', {'Q1': 'A', 'Q2': 15, 'Q3': 'foo bar'}, [], ""),
    "N29": ('1234', {'Q1': 'A', 'Q2': 'foo bar', 'Q3': 15}, [], ""),
    "N30": ('1234', {'Q1': 'A', 'Q2': 'foo bar', 'Q3': 15}, [('unparsed_text', '', 'baz')], "deliberately different: NEMO fails the whole message; we keep Q3=15 and report 'baz'."),
    "N31": ('1234', {}, [('out_of_range', 'Q1', '21')], ""),
    "N32": ('1234', {}, [('out_of_range', 'Q1', '19')], ""),
    "N33": ('1234', {}, [('missing_answer', '', '')], ""),
    "N34": (None, {}, [('unknown_form', '', 'n000')], "deliberately different: NEMO's authentication code before the form is not part of our grammar (the phone is checked instead)."),
    "N35": ('1234', {'Q1': 15}, [], ""),
    "N36": (None, {'Q2': 8}, [('bad_observer', '', '1.15')], "deliberately different: NEMO identifies the sender by phone alone; our grammar needs the observer id, so '1.15' is a wrong id and the message is refused (the reply asks for the id)."),
    "N37": ('1234', {'Q1': 15, 'Q2': 8}, [], "NEMO's numbered answers: N. is the form's Nth question."),
    "N38": ('1234', {'Q1': 15, 'Q2': ['B', 'D']}, [], 'options after a space belong to the answer while they read as options.'),
}
# fmt: on

# Issue 17 "Found" items 3 and 4, and more cases of our own, on the same forms.
OWN_CASES = [
    # An unknown code is named; every other answer is kept.
    ("XA403794ZZ1AA2BA3", "403794", {"AA": 2, "BA": 3}, [("unknown_code", "ZZ1", "")]),
    ("XA403794AA2ZZ1BA3", "403794", {"AA": 2, "BA": 3}, [("unknown_code", "ZZ1", "")]),
    # A code is never the answer of the question before it.
    ("XA403794AABA2", "403794", {"BA": 2}, [("missing_answer", "AA", "")]),
    # A yes/no code alone is yes.
    ("BX403794BBAA2AC3", "403794", {"BB": 1, "AA": 2, "AC": "3"}, []),
    ("BX 403794 BB BC 0 AA 2", "403794", {"BB": 1, "BC": 0, "AA": 2}, []),
    ("BX403794BBZZ1", "403794", {"BB": 1}, [("unknown_code", "ZZ1", "")]),
    ("BX403794BB2", "403794", {}, [("bad_option", "BB", "2")]),
    # Apollo's serial and "!" marker, glued or spaced.
    ("TC111111X321AA2", "111111", {"AA": 2}, []),
    ("TC 111111 X321 AA 2", "111111", {"AA": 2}, []),
    ("XA403794!AA1BA2", "403794", {"AA": 1, "BA": 2}, []),
    # O for 0 and I or l for 1 where a digit is expected; never in a word.
    ("XA4O3794AA1BA2", "403794", {"AA": 1, "BA": 2}, []),
    ("XA403794AA1O BA l", "403794", {"AA": 10, "BA": 1}, []),
    ("XA403794AA ILL", "403794", {}, [("not_a_number", "AA", "ILL")]),
    ("XA403794AA15LONG", "403794", {"AA": 15}, [("unparsed_text", "", "LONG")]),
    ("XA403794AA12x BA2", "403794", {"BA": 2}, [("not_a_number", "AA", "12x")]),
    # The observer id: the digits after the form code, 1 to 12 of them.
    ("XA 1234567890123 AA1", None, {"AA": 1}, [("bad_observer", "", "1234567890123")]),
    ("XA 12#4 AA1", None, {"AA": 1}, [("bad_observer", "", "12#4")]),
    ("XA AA1", None, {"AA": 1}, [("missing_observer", "", "")]),
    # Multiple choice: one bad part refuses the answer and is named exactly.
    ("APX 1234 Q1.15 Q2.2,4,no", "1234", {"Q1": 15}, [("bad_option", "Q2", "no")]),
    ("MUL 1234 Q2..B", "1234", {}, [("bad_option", "Q2", ".B")]),
    ("MUL 1234 Q2.abhk", "1234", {}, [("bad_option", "Q2", "h,k")]),
    ("APX 1234 Q2 1,,2", "1234", {}, [("bad_option", "Q2", ",2")]),
    ("APX 1234 Q2 1 3 Q1 4", "1234", {"Q2": ["1", "3"], "Q1": 4}, []),
    (
        "APX 1234 Q2 1 3 long queue",
        "1234",
        {"Q2": ["1", "3"]},
        [("unparsed_text", "", "long queue")],
    ),
]


# NEMO's numbered answers ("1.15" is the first question's answer), read when the answers start so.
RANK_CASES = [
    ("ABC 1234 1. 15 2. 8", "1234", {"Q1": 15, "Q2": 8}, []),
    ("ABC 1234 2.8 1.15", "1234", {"Q1": 15, "Q2": 8}, []),
    ("ONE 1234 1.15 2.8", "1234", {"Q1": 15}, [("unknown_code", "2", "8")]),
    ("ABC 1234 1.15 0.3", "1234", {"Q1": 15}, [("unknown_code", "0", "3")]),
    ("ABC 1234 1.15 2.8 2.9", "1234", {"Q1": 15, "Q2": 8}, [("duplicate_code", "Q2", "9")]),
    ("ABC 1234 1.1,500 2.7", "1234", {"Q1": 1500, "Q2": 7}, []),
    ("MID 1234 1.a 2.foo bar 3.15", "1234", {"Q1": "A", "Q2": "foo bar", "Q3": 15}, []),
    ("END 1234 1.a 2.15 3.foo bar", "1234", {"Q1": "A", "Q2": 15, "Q3": "foo bar"}, []),
    ("MUL 1234 1.15 2.b d", "1234", {"Q1": 15, "Q2": ["B", "D"]}, []),
    ("APX 1234 2.2 4 1.15", "1234", {"Q1": 15, "Q2": ["2", "4"]}, []),
    ("APX 1234 1.15 2.2,4,no", "1234", {"Q1": 15}, [("bad_option", "Q2", "no")]),
    # A message written with codes: a number with a point is a number, never a question.
    ("ABC 1234 Q1 5 2.8", "1234", {"Q1": 5}, [("unparsed_text", "", "2.8")]),
    ("ABC 1234 12.5", "1234", {}, [("unparsed_text", "", "12.5")]),
]


def outcome(parsed: ParsedMessage) -> tuple[str | None, dict, list[tuple[str, str, str]]]:
    problems = [(problem.kind, problem.code, problem.value) for problem in parsed.problems]
    return parsed.observer_id, parsed.answers, problems


def peer_rows() -> list[dict[str, str]]:
    with PEER_MESSAGES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_every_peer_message_has_an_outcome():
    assert [row["label"] for row in peer_rows()] == list(PEER_OUTCOMES)


@pytest.mark.parametrize("row", peer_rows(), ids=lambda row: row["label"])
def test_peer_message(row):
    observer_id, answers, problems, _why = PEER_OUTCOMES[row["label"]]
    assert outcome(parse_message(row["message"], PEER_FORMS)) == (observer_id, answers, problems)


@pytest.mark.parametrize(
    "text, observer_id, answers, problems", OWN_CASES + RANK_CASES, ids=lambda c: str(c)
)
def test_own_case(text, observer_id, answers, problems):
    assert outcome(parse_message(text, PEER_FORMS)) == (observer_id, answers, problems)


def test_numbered_answers_count_photo_questions_as_the_printed_form_does():
    # Question 2 is a photo (not in the SMS rules): "3." is the third question, C.
    rules = FormRules("PH", {"A": integer("A"), "C": integer("C")}, ranks=("A", "B", "C"))
    parsed = parse_message("PH 1234 1.4 2.7 3.9", {"PH": rules})
    assert outcome(parsed) == ("1234", {"A": 4, "C": 9}, [("unknown_code", "B", "7")])


def test_numbered_answers_read_decimals_and_dates_after_the_number():
    rules = FormRules(
        "W",
        {
            "A": QuestionRule("A", "decimal"),
            "B": integer("B"),
            "D": QuestionRule("D", "date"),
        },
    )
    parsed = parse_message("W 12 1.12.5 2.7 3.05.12.2026", {"W": rules})
    assert outcome(parsed) == ("12", {"A": 12.5, "B": 7, "D": "2026-12-05"}, [])


def test_the_form_serial_is_kept():
    assert parse_message("TC111111X321AA2", PEER_FORMS).serial == "321"
    assert parse_message("TC111111AA2", PEER_FORMS).serial == ""


def test_a_one_sided_range_reads_as_at_most_or_at_least():
    assert parse_message("MAX 1234 Q1. 21", PEER_FORMS).problems[0].detail == "<=20"
    assert parse_message("MIN 1234 Q1. 19", PEER_FORMS).problems[0].detail == ">=20"


@pytest.mark.parametrize("language", sorted(MESSAGES))
@pytest.mark.parametrize(
    "text, named",
    [
        ("MUL 1234 Q1.15 Q2.abhk", "Q2=h,k (A,B,C,D,E)"),
        ("APX 1234 Q1.15 Q2.2,4,no", "Q2=no (1-5)"),
        ("XA403794ZZ1AA2BA3", "ZZ1"),
        ("XA403794AABA2", "AA"),
        ("MAX 1234 Q1. 21 @ x", "Q1=21 (<=20)"),
        ("XA403794AA15LONG", '"LONG"'),
    ],
)
def test_the_reply_names_exactly_the_bad_part_in_every_language(language, text, named):
    assert named in reply_for(parse_message(text, PEER_FORMS), language)


def test_the_scanner_is_linear_on_a_10_kb_body(monkeypatch):
    monkeypatch.setattr("pollwatch.sms.grammar.MAX_MESSAGE_CHARS", 100_000)
    for body in ("AA1BA2ZZ1" * 1200, "EA 1,2,3, " * 1100, "AA 12x " * 1500, "Q2.abhk," * 1300):
        started = time.perf_counter()
        parsed = parse_message(("MUL 1234 " if "abhk" in body else "XA 403794 ") + body, PEER_FORMS)
        assert time.perf_counter() - started < 2.0, body[:20]
        assert parsed.observer_id is not None


def test_a_10_kb_message_is_read_quickly():
    # Read up to MAX_MESSAGE_CHARS; and the scanner itself stays linear on a long body.
    glued = "AA1BA2ZZ1" * 1200
    started = time.perf_counter()
    parsed = parse_message("XA403794" + glued, PEER_FORMS)
    spaced = parse_message("XA 403794 " + "EA 1,2,3, " * 1100, PEER_FORMS)
    assert time.perf_counter() - started < 1.0
    assert len(glued) > 10_000 and parsed.problems[0].kind == "too_long"
    assert parsed.answers == {"AA": 1, "BA": 2} and spaced.problems[0].detail == str(
        MAX_MESSAGE_CHARS
    )
