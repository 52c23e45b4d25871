"""The XForm's relevants and checks mean what pollwatch's expressions mean, unanswered questions included.

Each expression's two XPath conditions are run by a real XPath 1.0 engine
(lxml's libxml2) over an instance where unanswered questions are empty, as in
ODK, and compared with pollwatch's own three-valued evaluation.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from pollwatch.formspec import UNKNOWN, loads_form
from pollwatch.formspec.xform import Untranslatable, to_xpath, xform, xlsform_rows

SPEC = loads_form(
    """
code: X
kind: checklist
languages: [en, ru]
name: {en: X, ru: Икс}
groups:
  - code: G
    label: G
    questions:
      - {code: Y, kind: yes_no, label: y}
      - {code: N, kind: integer, label: n, minimum: -5, maximum: 50}
      - {code: K, kind: integer, label: k}
      - code: S
        kind: single
        label: s
        options: [{code: "1", label: a}, {code: "2", label: b}, {code: x, label: c}]
      - code: M
        kind: multiple
        label: m
        options: [{code: "1", label: a}, {code: "2", label: b}, {code: "3", label: c}]
      - {code: T, kind: text, label: t}
      - {code: Z, kind: integer, label: z, relevant: "Y == 1 and not (N > K)"}
checks:
  - {expression: "N + K == 10", message: {en: N and K add to 10}}
  - {expression: "S != 'x' or 2 in M", message: {en: x needs 2}, level: warning}
"""
)
EXPRESSIONS = [
    "Y == 1",
    "N > 3 and K < 2",
    "not (N == K)",
    "Y == 0 or N >= 5",
    "S in (1, 2)",
    "S not in (1, 'x')",
    "S == 'x'",
    "2 in M",
    "3 not in M",
    "N + K == 10",
    "sum(N, K) > 4",
    "N * 2 - K != 0",
    "-N < K",
    "not (Y == 1 or S == 'x')",
    "0 <= N <= 5",
    "T != ''",
    "Y",
    "N",
    "Y and N",
    "not Y",
    "Y == 1 and not (N > K)",
    "S != 'x' or 2 in M",
]


def _selected(context, nodes, value):
    text = nodes[0].text if isinstance(nodes, list) and nodes else ""
    return str(value) in (text or "").split()


def xpath_is_true(condition: str, answers: dict[str, str]) -> bool:
    instance = etree.Element("data")
    for question in SPEC.questions:
        etree.SubElement(instance, question.code).text = answers.get(question.code, "")
    path = re.sub(r"\$\{([A-Z0-9_]+)\}", r"\1", condition)
    return bool(etree.XPath(path, extensions={(None, "selected"): _selected})(instance))


def as_pollwatch(answers: dict[str, str]) -> dict:
    """The values validate_answers hands the expressions (option codes of digits as numbers)."""
    env: dict = {}
    for code, text in answers.items():
        if code in ("Y", "N", "K"):
            env[code] = int(text)
        elif code == "S":
            env[code] = int(text) if text.isdigit() else text
        elif code == "M":
            env[code] = tuple(int(part) if part.isdigit() else part for part in text.split())
        else:
            env[code] = text
    return env


answer_sets = st.fixed_dictionaries(
    {},
    optional={
        "Y": st.sampled_from(["0", "1"]),
        "N": st.integers(-5, 12).map(str),
        "K": st.integers(-5, 12).map(str),
        "S": st.sampled_from(["1", "2", "x"]),
        "M": st.lists(st.sampled_from(["1", "2", "3"]), min_size=1, unique=True).map(" ".join),
        "T": st.sampled_from(["a", "b c"]),
    },
)


@pytest.mark.parametrize("source", EXPRESSIONS)
@settings(max_examples=60, deadline=None)
@given(answers=answer_sets)
def test_the_xpath_agrees_with_pollwatch_on_every_answer_set(source, answers):
    spec = SPEC if source in SPEC._compiled else _with(source)
    holds, fails = to_xpath(spec, source)
    value = spec.expression(source).evaluate(as_pollwatch(answers))
    assert xpath_is_true(holds, answers) == (value is True), (holds, value)
    assert xpath_is_true(fails, answers) == (value is not UNKNOWN and not value), (fails, value)


def _with(source: str):
    """SPEC with ``source`` as one more check, so it is compiled against the form."""
    data = SPEC.to_dict()
    data["checks"] = [*data.get("checks", []), {"expression": source, "message": {"en": "m"}}]
    from pollwatch.formspec.spec import FormSpec

    return FormSpec.from_dict(data)


@pytest.mark.parametrize("source", ["M == 2", "S", "1 in S"])
def test_what_has_no_xpath_equivalent_is_refused_by_name(source):
    with pytest.raises(Untranslatable):
        to_xpath(_with(source), source)


def test_rows_carry_labels_in_every_language_ranges_and_checks_as_notes():
    sheets, notes = xlsform_rows(SPEC, "e-X", [("D1-001", "D1-001 · School")])
    survey = {row.get("name"): row for row in sheets["survey"]}
    assert survey["N"]["constraint"] == ". >= -5 and . <= 50"
    assert survey["Z"]["relevant"] == to_xpath(SPEC, "Y == 1 and not (N > K)")[0]
    assert survey["check_1"]["type"] == "note"
    assert survey["check_1"]["relevant"] == to_xpath(SPEC, "N + K == 10")[1]
    assert "${K}" in survey["check_1"]["label::English (en)"]
    # A text missing in one language is shown in the first, never as ODK's "-".
    assert survey["Y"]["label::Russian (ru)"] == "y"
    assert sheets["settings"][0]["default_language"] == "English (en)"
    assert notes == []


def test_a_check_that_does_not_translate_is_left_to_the_server_and_noted():
    spec = _with("M == 2")
    result = xform(spec, "e-X", [("D1-001", "School")])
    assert any("M == 2" in note and "server" in note for note in result.notes)
    assert b"check_3" not in result.xml.encode()


def test_a_form_without_stations_is_refused():
    with pytest.raises(ValueError, match="station"):
        xform(SPEC, "e-X", [])


KINDS = loads_form(
    """
code: KX
kind: checklist
languages: [en]
name: Kinds
groups:
  - code: G
    label: G
    questions:
      - {code: W, kind: decimal, label: w, minimum: 0.5, maximum: 99.5}
      - {code: D, kind: date, label: d, minimum: "2026-01-01"}
      - {code: E, kind: date, label: e}
      - {code: O, kind: time, label: o}
      - {code: C, kind: time, label: c}
      - {code: P, kind: geopoint, label: p, required: true}
      - {code: L, kind: text, label: l, relevant: "O > '07:30' and D <= '2026-12-06'"}
checks:
  - {expression: "O < C", message: {en: opened after closing}}
  - {expression: "D <= E", message: {en: order}}
  - {expression: "W * 2 <= 150", message: {en: heavy}}
"""
)


@pytest.mark.parametrize(
    ("source", "holds"),
    [
        (
            "O > '07:30' and D <= '2026-12-06'",
            "((${O} != '' and round(decimal-time(${O}) * 1440) > 450)"
            " and (${D} != '' and ${D} <= date('2026-12-06')))",
        ),
        (
            "O < C",
            "(${C} != '' and ${O} != '' and"
            " round(decimal-time(${O}) * 1440) < round(decimal-time(${C}) * 1440))",
        ),
        ("D <= E", "(${D} != '' and ${E} != '' and ${D} <= ${E})"),
        ("W * 2 <= 150", "(${W} != '' and (${W} * 2) <= 150)"),
    ],
)
def test_dates_compare_as_dates_and_times_as_minutes_of_the_day(source, holds):
    assert to_xpath(KINDS, source)[0] == holds


def test_the_new_kinds_become_odk_types_with_their_ranges():
    survey = xlsform_rows(KINDS, "e-KX", [("1", "One")])[0]["survey"]
    rows = {row["name"]: row for row in survey if "name" in row}
    assert [rows[code]["type"] for code in "WDOP"] == ["decimal", "date", "time", "geopoint"]
    assert rows["W"]["constraint"] == ". >= 0.5 and . <= 99.5"
    assert rows["D"]["constraint"] == ". >= date('2026-01-01')"
    xml = xform(KINDS, "e-KX", [("1", "One")]).xml
    for code, kind in (("W", "decimal"), ("D", "date"), ("O", "time"), ("P", "geopoint")):
        assert re.search(rf'nodeset="/data/group_G/{code}"[^>]*type="{kind}"', xml), (code, kind)


def test_a_location_is_never_a_value_in_a_condition():
    data = KINDS.to_dict()
    data["checks"] = [{"expression": "P == '1 2'", "message": {"en": "m"}}]
    from pollwatch.formspec.spec import FormSpec

    with pytest.raises(Untranslatable, match="location P"):
        to_xpath(FormSpec.from_dict(data), "P == '1 2'")
