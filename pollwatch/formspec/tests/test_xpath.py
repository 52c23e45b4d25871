"""The XPath translator on its own: each supported shape, and each refusal naming its reason."""

from __future__ import annotations

import pytest

from pollwatch.formspec.xpath import Context, Field, Untranslatable, translate

FIELDS = {
    "station": Field("STATION", "text"),
    "voters": Field("VOTERS", "integer"),
    "late": Field("LATE", "integer"),
    "opened": Field("OPENED", "single", ("1", "0")),
    "seal": Field("SEAL", "single", ("ok", "broken", "other")),
    "missing": Field("MISSING", "multiple", ("a", "b")),
    "total": Field("TOTAL", "calculate", calculation="${voters} + ${late}"),
    "loop": Field("LOOP", "calculate", calculation="${loop} + 1"),
    "bad": Field("BAD", "calculate", calculation="if(${voters} > 1, 1, 0)"),
}


def xp(source: str, self_name: str | None = None) -> str:
    return translate(source, Context(FIELDS, self_name))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("${station} = '123'", "STATION == '123'"),
        ("'123' = ${station}", "STATION == '123'"),
        ("${opened} = '0'", "OPENED == 0"),
        ("${opened} = 0", "OPENED == 0"),
        ("${voters} >= '5'", "VOTERS >= 5"),
        ("5 < ${voters}", "VOTERS > 5"),
        ("${missing} = 'a'", "MISSING == ('a',)"),
        ("selected(${missing}, 'b')", "'b' in MISSING"),
        ("selected(${seal}, 'other')", "SEAL == 'other'"),
        ("selected(../seal, 'other')", "SEAL == 'other'"),
        ("${station} != ''", "STATION != ''"),
        (". >= 0 and . <= 10", "LATE >= 0 and LATE <= 10"),
        ("${total} > 10", "(VOTERS + LATE) > 10"),
        (
            "not(${opened} = '1') or ${late} > 3 and true()",
            "not (OPENED == 1) or LATE > 3 and 1 == 1",
        ),
        ("(${late} + 1) * 2 < ${voters}", "VOTERS > (LATE + 1) * 2"),
        ("-${late} < 007", "-LATE < 7"),
    ],
)
def test_it_translates_with_each_questions_type(source, expected):
    assert xp(source, self_name="late") == expected


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("${station} = ''", "is unanswered (= '') is not supported"),
        ("${late} div 2 = 1", "'div' is not supported"),
        ("${late} mod 2 = 1", "'mod' is not supported"),
        ("count-selected(${missing}) > 1", "count-selected() (how many choices were ticked)"),
        ("${seal} = 'lost'", "'lost' is not a choice of SEAL (its choices: ok, broken, other)"),
        ("${voters} = 'many'", "VOTERS is a number; 'many' is not one"),
        ("${station} = 123", "STATION is text and is compared with a number"),
        ("${station} < 'b'", "< between the text of STATION"),
        ("${nowhere} = 1", "there is no question named 'nowhere'"),
        ("${loop} > 1", "refers to itself"),
        ("${bad} > 1", "it reads calculate 'bad', which cannot be kept: if() has no equivalent"),
        ("${late} < 1 < 2", "chained comparison"),
        ("region = ${seal}", "'region' is not a reference"),
        ("'x'", "a condition needs a question"),
        (". > 1", "'.' (this question) means nothing here"),
        ("${late} > 1 )", "unexpected ')'"),
        ("${late} > #", "cannot read '#'"),
    ],
)
def test_it_refuses_with_the_reason(source, reason):
    with pytest.raises(Untranslatable) as info:
        xp(source)
    assert reason in str(info.value)


def test_a_choice_filter_reads_the_choices_columns():
    context = Context(
        FIELDS, None, {"name": "d1", "region": "1"}, frozenset({"name", "region", "x"})
    )
    assert translate("${opened} = region", context) == "OPENED == 1"
    assert translate("x = ''", context) == "1 == 1"  # an empty cell, as ODK reads it
    with pytest.raises(Untranslatable, match="'yes' is not a column of the choices sheet"):
        translate("region = yes", context)
