"""Decimal, date, time and geopoint questions (issue 17): spec ranges, stored forms, XPath, XLSForm."""

from __future__ import annotations

import json

import pytest

from pollwatch.formspec import dump_form, loads_form, validate_answers
from pollwatch.formspec.spec import FormSpec, FormSpecError
from pollwatch.formspec.xlsform import XLSFormError, form_from_xlsform
from pollwatch.formspec.xpath import Context, Field, Untranslatable, translate

from .test_xlsform_found_cases import q, xlsform

FORM = """
code: KV
kind: checklist
languages: [en]
name: Kinds
groups:
  - code: G
    label: G
    questions:
      - {code: WEIGHT, kind: decimal, label: Weight, minimum: 0, maximum: 99.5}
      - {code: DAY, kind: date, label: Day, minimum: 2026-01-01, maximum: "2026-12-31"}
      - {code: OPENED, kind: time, label: Opened}
      - {code: CLOSED, kind: time, label: Closed}
      - {code: PLACE, kind: geopoint, label: Place}
checks:
  - {expression: "OPENED < CLOSED", message: Opened after it closed}
  - {expression: "WEIGHT * 2 <= 150", message: Too heavy}
"""


@pytest.fixture
def form() -> FormSpec:
    return loads_form(FORM)


def answers(form, **given):
    return validate_answers(form, given)


def test_a_yaml_date_bound_is_kept_as_iso_text_and_round_trips(form):
    assert form.question("DAY").minimum == "2026-01-01"
    assert loads_form(dump_form(form)) == form


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("minimum: 0, maximum: 99.5", r"minimum 100 is above maximum 99.5"),
        ("kind: time, label: Opened", r"'OPENED': minimum applies to integer, decimal and date"),
        (
            "minimum: 2026-01-01,",
            r"'DAY': minimum must be a date written YYYY-MM-DD, not '2026-02-30'",
        ),
    ],
)
def test_bad_bounds_are_refused_naming_the_question(change, message):
    replacement = {
        "minimum: 0, maximum: 99.5": "minimum: 100, maximum: 99.5",
        "kind: time, label: Opened": "kind: time, label: Opened, minimum: 1",
        "minimum: 2026-01-01,": "minimum: '2026-02-30',",
    }[change]
    with pytest.raises(FormSpecError, match=message):
        loads_form(FORM.replace(change, replacement))


def test_values_are_stored_in_their_canonical_form(form):
    result = answers(
        form,
        WEIGHT="12.50",
        DAY="2026-12-06",
        OPENED="07:05:00.000+04:00",
        CLOSED="20:00",
        PLACE="40.40930 49.8671 -3.0 4.50",
    )
    assert result.errors == []
    assert result.answers == {
        "WEIGHT": 12.5,
        "DAY": "2026-12-06",
        "OPENED": "07:05",
        "CLOSED": "20:00",
        "PLACE": "40.4093 49.8671 -3 4.5",
    }
    # What is stored is plain JSON and reads back the same.
    assert json.loads(json.dumps(result.answers)) == result.answers


def test_a_whole_decimal_is_stored_as_a_whole_number_and_noise_is_rounded(form):
    assert answers(form, WEIGHT=12.0).answers["WEIGHT"] == 12
    assert isinstance(answers(form, WEIGHT="12").answers["WEIGHT"], int)
    assert answers(form, WEIGHT=0.1 + 0.2).answers["WEIGHT"] == 0.3


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("WEIGHT", "1e3", "WEIGHT: '1e3' is not a number written like 12.5"),
        ("WEIGHT", "NaN", "WEIGHT: 'NaN' is not a number written like 12.5"),
        ("WEIGHT", float("inf"), "WEIGHT: inf is not a number pollwatch can store"),
        ("WEIGHT", "1.1234567", "WEIGHT: '1.1234567' has more than 6 decimals"),
        ("WEIGHT", "12,5", "WEIGHT: '12,5' is not a number written like 12.5"),
        ("WEIGHT", True, "WEIGHT: True is not a number"),
        ("WEIGHT", "100", "WEIGHT: 100 is above the maximum 99.5"),
        ("DAY", "2026-02-30", "DAY: '2026-02-30' is not a day of the calendar"),
        ("DAY", "06.12.2026", "DAY: '06.12.2026' is not a date written YYYY-MM-DD"),
        ("DAY", "2025-12-31", "DAY: 2025-12-31 is below the minimum 2026-01-01"),
        ("OPENED", "24:00", "OPENED: '24:00' is not a time written HH:MM (24 hours)"),
        ("OPENED", "7:30", "OPENED: '7:30' is not a time written HH:MM (24 hours)"),
        ("PLACE", "40.4 49.8 1 2 3", "PLACE: '40.4 49.8 1 2 3' is not a location written"),
        ("PLACE", "91 10", "PLACE: latitude 91 is outside -90..90"),
        ("PLACE", "10 -180.5", "PLACE: longitude -180.5 is outside -180..180"),
        ("PLACE", "10 10 0 -1", "PLACE: accuracy -1 is below 0"),
        ("PLACE", {"lat": 1, "lon": 2}, "PLACE: {'lat': 1, 'lon': 2} is not a location written"),
    ],
)
def test_bad_values_are_refused_naming_the_question_and_the_value(form, code, value, message):
    result = answers(form, **{code: value})
    assert code not in result.answers
    assert any(text.startswith(message) for _, text in result.errors), result.errors


def test_checks_compare_times_and_compute_with_decimals(form):
    result = answers(form, OPENED="21:00", CLOSED="20:00", WEIGHT="80.5")
    assert [text.split(":")[0] for _, text in result.errors] == [
        "OPENED < CLOSED",
        "WEIGHT * 2 <= 150",
    ]


FIELDS = {
    "weight": Field("WEIGHT", "decimal"),
    "day": Field("DAY", "date"),
    "other_day": Field("OTHER_DAY", "date"),
    "opened": Field("OPENED", "time"),
    "place": Field("PLACE", "geopoint"),
    "voters": Field("VOTERS", "integer"),
}


def xp(source: str, self_name: str | None = None) -> str:
    return translate(source, Context(FIELDS, self_name))


@pytest.mark.parametrize(
    ("source", "self_name", "expected"),
    [
        (". >= 0.5", "weight", "WEIGHT >= 0.5"),
        ("${weight} * 2 < ${voters}", None, "VOTERS > WEIGHT * 2"),
        (". >= '2026-01-01'", "day", "DAY >= '2026-01-01'"),
        (". <= date('2026-12-31')", "day", "DAY <= '2026-12-31'"),
        ("${day} <= ${other_day}", None, "DAY <= OTHER_DAY"),
        (". > '07:00:00'", "opened", "OPENED > '07:00'"),
        ("${place} != ''", None, "PLACE != ''"),
    ],
)
def test_xpath_on_the_new_kinds_is_translated(source, self_name, expected):
    assert xp(source, self_name) == expected


@pytest.mark.parametrize(
    ("source", "self_name", "reason"),
    [
        (". <= today()", "day", "today() (the phone and the server may disagree on the day"),
        (". >= 5", "day", "DAY is a date and is compared with a number (5)"),
        (". > '2026-13-01'", "day", "DAY is a date; '2026-13-01' is not a day written YYYY-MM-DD"),
        (". > date('soon')", "day", "date('soon') is not a day written YYYY-MM-DD"),
        (". > '7:00:30'", "opened", "OPENED is a time; '7:00:30' is not a time written HH:MM"),
        ("${day} + 1 > 3", None, "arithmetic on DAY, a date question"),
        ("${place} = '1 2'", None, "PLACE is a location; it is not compared with '1 2'"),
        ("${day} < ${opened}", None, "DAY is a date and is compared with OPENED, a time question"),
        (". > 0.5", "place", "PLACE is a geopoint and is compared with a number"),
    ],
)
def test_xpath_that_has_no_meaning_on_the_new_kinds_is_refused(source, self_name, reason):
    with pytest.raises(Untranslatable) as info:
        xp(source, self_name)
    assert reason in str(info.value)


def test_an_odk_form_with_the_four_types_imports_with_its_logic(tmp_path):
    path = xlsform(
        tmp_path,
        [
            q(
                "decimal",
                "turnout",
                constraint=". >= 0.5 and . <= 100",
                constraint_message="0.5-100",
            ),
            q("date", "visit", constraint=". >= date('2026-12-01')", default="2026-12-06"),
            q("time", "opened", default="07:00:00"),
            q("time", "closed", constraint=". > ${opened}"),
            q("geopoint", "where", required="yes"),
            q("text", "why_late", relevant="${opened} > '07:30'"),
        ],
    )
    form = form_from_xlsform(path, code="KX")
    kinds = [(x.code, x.kind) for x in form.questions]
    assert kinds == [
        ("TURNOUT", "decimal"), ("VISIT", "date"), ("OPENED", "time"), ("CLOSED", "time"),
        ("WHERE", "geopoint"), ("WHY_LATE", "text"),
    ]  # fmt: skip
    assert form.question("OPENED").default == "07:00"
    good = {
        "TURNOUT": "61.25", "VISIT": "2026-12-06", "OPENED": "07:45", "CLOSED": "20:00",
        "WHERE": "40.4093 49.8671 0 5", "WHY_LATE": "queue",
    }  # fmt: skip
    result = validate_answers(form, good)
    assert result.errors == [] and result.answers["WHY_LATE"] == "queue"
    bad = {**good, "TURNOUT": "0.25", "VISIT": "2026-11-30", "OPENED": "07:00", "CLOSED": "06:00"}
    result = validate_answers(form, bad)
    assert "WHY_LATE" not in result.answers  # relevant only after 07:30
    failed = [text.split(":")[0] for _, text in result.errors]
    assert failed == [
        "TURNOUT >= 0.5 and TURNOUT <= 100",
        "VISIT >= '2026-12-01'",
        "CLOSED > OPENED",
    ]
    assert validate_answers(form, {**good, "WHERE": ""}).errors == [
        ("WHERE", "WHERE: an answer is required")
    ]


def test_bad_defaults_and_today_are_refused_with_every_reason(tmp_path):
    path = xlsform(
        tmp_path,
        [
            q("decimal", "turnout", default="1e3"),
            q("date", "visit", constraint=". <= today()"),
            q("time", "opened", default="7 am"),
            q("dateTime", "stamp"),
        ],
    )
    with pytest.raises(XLSFormError) as info:
        form_from_xlsform(path, code="KX")
    starts = [problem.split(":")[0] for problem in info.value.problems]
    assert starts == [
        "survey row 2 (turnout), default",
        "survey row 3 (visit), constraint",
        "survey row 4 (opened), default",
        "survey row 5 (stamp), type",
        "survey",  # every question was refused
    ]


def test_answers_read_as_words_show_a_location_as_coordinates(form):
    from pollwatch.formspec.titles import answer_text

    assert answer_text(form.question("PLACE"), "40.4093 49.8671 0 8", "en") == (
        "40.4093, 49.8671 (±8 m)"
    )
    assert answer_text(form.question("PLACE"), "40.4093 49.8671", "en") == "40.4093, 49.8671"
    assert answer_text(form.question("WEIGHT"), 12.5, "en") == "12.5"
    assert answer_text(form.question("DAY"), "2026-12-06", "en") == "2026-12-06"


def test_a_location_has_no_default():
    with pytest.raises(FormSpecError, match="'PLACE': a geopoint question has no default"):
        loads_form(
            FORM.replace(
                "kind: geopoint, label: Place", "kind: geopoint, label: Place, default: '1 2'"
            )
        )
