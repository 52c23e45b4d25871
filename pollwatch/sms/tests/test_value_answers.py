"""Decimal, date and time answers by SMS; a location is refused as not by SMS (issue 17)."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pollwatch.sms.grammar import parse_message
from pollwatch.sms.replies import MESSAGES, reply_for
from pollwatch.sms.rules import FormRules, QuestionRule

RULES = {
    "KV": FormRules(
        code="KV",
        questions={
            "AA": QuestionRule("AA", "decimal", minimum=0, maximum=100),
            "AB": QuestionRule("AB", "date", minimum="2026-01-01"),
            "AC": QuestionRule("AC", "time"),
            "AD": QuestionRule("AD", "geopoint"),
            "AE": QuestionRule("AE", "integer"),
            "AF": QuestionRule("AF", "multiple", options=("1", "2", "3")),
        },
    )
}


def parse(text):
    return parse_message(text, RULES)


@pytest.mark.parametrize(
    ("text", "answers"),
    [
        ("KV 1234 AA12.5 AB20261206 AC0730", {"AA": 12.5, "AB": "2026-12-06", "AC": "07:30"}),
        ("KV 1234 AA 12,5 AB 06.12.2026 AC 7:30", {"AA": 12.5, "AB": "2026-12-06", "AC": "07:30"}),
        ("KV 1234 AA12 AB2026-12-06 AC07.30", {"AA": 12, "AB": "2026-12-06", "AC": "07:30"}),
        ("KV 1234 AA0.125AB6/12/2026AC2359", {"AA": 0.125, "AB": "2026-12-06", "AC": "23:59"}),
        ("KV 1234 AA12,5 AF1,3", {"AA": 12.5, "AF": ["1", "3"]}),
        ("KV 1234 AA12, AF1,3", {"AA": 12, "AF": ["1", "3"]}),
    ],
)
def test_values_are_read_in_their_stored_form(text, answers):
    parsed = parse(text)
    assert parsed.problems == [] and parsed.answers == answers


@pytest.mark.parametrize(
    ("text", "kind", "value", "detail"),
    [
        ("KV 1234 AA1,500", "bad_format", "1,500", "12.5"),
        ("KV 1234 AA2.500", "bad_format", "2.500", "12.5"),
        ("KV 1234 AA1.1234567", "bad_format", "1.1234567", "12.5"),
        ("KV 1234 AA100.5", "out_of_range", "100.5", "0-100"),
        ("KV 1234 AB20261332", "bad_format", "20261332", "YYYYMMDD"),
        ("KV 1234 AB30.02.2026", "bad_format", "30.02.2026", "YYYYMMDD"),
        ("KV 1234 AB20251231", "out_of_range", "20251231", ">=2026-01-01"),
        ("KV 1234 AC2400", "bad_format", "2400", "HHMM"),
        ("KV 1234 AC7", "bad_format", "7", "HHMM"),
        ("KV 1234 AD 40.4093 49.8671", "not_by_sms", "40.4093 49.8671", ""),
    ],
)
def test_unreadable_values_are_named_never_guessed(text, kind, value, detail):
    parsed = parse(text)
    assert parsed.answers == {}
    assert [(p.kind, p.code, p.value, p.detail) for p in parsed.problems] == [
        (kind, text.split()[2][:2], value, detail)
    ]


def test_a_location_is_refused_whole_and_the_next_answer_still_read():
    parsed = parse("KV 1234 AD 40.4093 -49.8671 AE 3")
    assert parsed.answers == {"AE": 3}
    assert [p.kind for p in parsed.problems] == ["not_by_sms"]
    reply = reply_for(parsed, "en")
    assert "Not by SMS, use the app: AD." in reply


def test_the_reply_names_the_format_asked_for_in_every_language():
    parsed = parse("KV 1234 AB20261332 AC2500")
    assert "Wrong format: AB=20261332 (YYYYMMDD), AC=2500 (HHMM)." in reply_for(parsed, "en")
    for language in MESSAGES:
        assert "AB=20261332 (YYYYMMDD)" in reply_for(parsed, language)


@given(
    hundredths=st.integers(0, 10_000),
    mark=st.sampled_from([".", ","]),
    day=st.dates(min_value=datetime.date(2026, 1, 1), max_value=datetime.date(2099, 12, 31)),
    spelling=st.sampled_from(["%Y%m%d", "%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"]),
    clock=st.times(),
    separator=st.sampled_from([" ", "  ", ""]),
)
@settings(max_examples=300, deadline=None)
def test_any_value_written_a_documented_way_reads_back_canonically(
    hundredths, mark, day, spelling, clock, separator
):
    whole, cents = divmod(hundredths, 100)
    decimal = f"{whole}{mark}{cents:02d}" if cents else str(whole)
    text = (
        f"KV 1234 AA{separator}{decimal} AB{separator}{day.strftime(spelling)}"
        f" AC{separator}{clock.strftime('%H%M')}"
    )
    parsed = parse(text)
    assert parsed.problems == [], text
    assert parsed.answers == {
        "AA": hundredths / 100 if cents else whole,
        "AB": day.isoformat(),
        "AC": clock.strftime("%H:%M"),
    }
