"""Issue 17's XLSForm cases, one test each: logic kept with its meaning, or refused with every
reason at once, each naming sheet, row and column (found items 5, 6 and 7)."""

from __future__ import annotations

import openpyxl
import pytest

from pollwatch.formspec import dump_form, loads_form, validate_answers
from pollwatch.formspec.xlsform import XLSFormError, form_from_xlsform


def xlsform(tmp_path, survey, choices=(), settings=None, name="form.xlsx"):
    """A workbook from rows of dicts (the first row's keys, plus any later ones, are the header)."""
    book = openpyxl.Workbook()
    # REGIONS lists one district under two regions, which XLSForm allows only when asked.
    sheets = [
        ("survey", survey),
        ("choices", choices),
        ("settings", [{"allow_choice_duplicates": "yes", **(settings or {})}]),
    ]
    for index, (title, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet(title)
        sheet.title = title
        header: list[str] = []
        for row in rows:
            header += [key for key in row if key not in header]
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(key) for key in header])
    path = tmp_path / name
    book.save(path)
    return path


def q(type_, name, label=None, **columns):
    return {"type": type_, "name": name, "label": label or name, **columns}


REGIONS = [
    {"list_name": "regions", "name": "north", "label": "North"},
    {"list_name": "regions", "name": "south", "label": "South"},
    {"list_name": "districts", "name": "d1", "label": "Hill", "region": "north"},
    {"list_name": "districts", "name": "d2", "label": "Lake", "region": "north"},
    {"list_name": "districts", "name": "d3", "label": "Coast", "region": "south"},
    {"list_name": "districts", "name": "dx", "label": "Border", "region": "north"},
    {"list_name": "districts", "name": "dx", "label": "Border", "region": "south"},
    {"list_name": "yn", "name": "yes", "label": "Yes"},
    {"list_name": "yn", "name": "no", "label": "No"},
]


def test_choice_filter_refuses_a_district_outside_the_chosen_region(tmp_path):
    path = xlsform(
        tmp_path,
        [
            q("select_one regions", "region"),
            q("select_one districts", "district", choice_filter="region=${region}"),
        ],
        REGIONS,
    )
    form = form_from_xlsform(path, code="CS")
    offered = {o.code: o.relevant for o in form.question("DISTRICT").options}
    assert offered["d3"] == "REGION == 'south'"
    # A choice listed under two regions is one choice, offered under either.
    assert offered["dx"] == "(REGION == 'north') or (REGION == 'south')"
    assert validate_answers(form, {"REGION": "north", "DISTRICT": "d1"}).ok
    assert validate_answers(form, {"REGION": "south", "DISTRICT": "dx"}).ok
    refused = validate_answers(form, {"REGION": "north", "DISTRICT": "d3"})
    assert refused.errors == [("DISTRICT", "DISTRICT: d3 is not offered with the answers given")]
    assert "DISTRICT" not in refused.answers
    assert loads_form(dump_form(form)) == form


def test_required_written_as_an_expression_is_kept(tmp_path):
    path = xlsform(
        tmp_path,
        [q("select_one yn", "problems"), q("text", "details", required="${problems} = 'yes'")],
        REGIONS,
    )
    form = form_from_xlsform(path, code="RQ")
    assert form.question("DETAILS").required_if == "PROBLEMS == 'yes'"
    assert validate_answers(form, {"PROBLEMS": "yes"}).errors == [
        ("DETAILS", "DETAILS: an answer is required")
    ]
    assert validate_answers(form, {"PROBLEMS": "no"}).ok


def test_a_quoted_number_on_a_text_question_stays_text(tmp_path):
    path = xlsform(
        tmp_path,
        [q("text", "station"), q("integer", "voters", relevant="${station} = '123'")],
    )
    form = form_from_xlsform(path, code="TL")
    assert form.question("VOTERS").relevant == "STATION == '123'"
    kept = validate_answers(form, {"STATION": "123", "VOTERS": 50})
    assert kept.answers == {"STATION": "123", "VOTERS": 50} and kept.ok


def test_option_code_01_is_the_option_not_an_octal_error(tmp_path):
    choices = [
        {"list_name": "n", "name": "01", "label": "One"},
        {"list_name": "n", "name": "02", "label": "Two"},
    ]
    path = xlsform(
        tmp_path, [q("select_one n", "q1"), q("text", "why", relevant="${q1} = '01'")], choices
    )
    form = form_from_xlsform(path, code="OC")
    assert form.question("WHY").relevant == "Q1 == 1"
    assert validate_answers(form, {"Q1": "01", "WHY": "x"}).answers["WHY"] == "x"
    assert "WHY" not in validate_answers(form, {"Q1": "02", "WHY": "x"}).answers


def test_default_read_only_calculate_label_references_and_constraint_messages(tmp_path):
    path = xlsform(
        tmp_path,
        [
            q("integer", "registered", default="0"),
            q("integer", "voted", "Voted of ${registered}", read_only="yes"),
            q("calculate", "total", calculation="${registered} + ${voted}"),
            q(
                "integer",
                "late",
                constraint=". >= 0 and . <= 120",
                constraint_message="At most two hours",
            ),
            q("text", "why", relevant="${total} > 10"),
        ],
    )
    form = form_from_xlsform(path, code="DF")
    assert form.question("REGISTERED").default == "0"
    assert form.question("VOTED").read_only is True
    assert form.question("VOTED").label == {"en": "Voted of ${REGISTERED}"}
    assert form.question("WHY").relevant == "(REGISTERED + VOTED) > 10"
    [check] = form.checks
    assert (check.expression, check.message) == (
        "LATE >= 0 and LATE <= 120",
        {"en": "At most two hours"},
    )
    result = validate_answers(form, {"REGISTERED": 8, "VOTED": 5, "LATE": 130, "WHY": "x"})
    assert result.answers["WHY"] == "x"
    assert result.errors == [("CHECK", "LATE >= 0 and LATE <= 120: At most two hours (LATE=130)")]


def test_a_21_character_option_code_names_the_limit(tmp_path):
    choices = [{"list_name": "c", "name": "a" * 21, "label": "Long"}]
    with pytest.raises(XLSFormError) as info:
        form_from_xlsform(xlsform(tmp_path, [q("select_one c", "pick")], choices), code="OL")
    assert info.value.problems == [
        f"survey row 2 (pick): form 'OL', question 'PICK': option code '{'a' * 21}' is 21"
        " characters long; at most 20 are allowed"
    ]


def test_or_other_is_kept_not_reported_as_text_the_user_never_wrote(tmp_path):
    path = xlsform(tmp_path, [q("select_one yn or_other", "seal")], REGIONS)
    form = form_from_xlsform(path, code="OO")
    assert form.question("SEAL").option_codes() == ("yes", "no", "other")
    assert form.question("SEAL_OTHER").relevant == "SEAL == 'other'"
    assert "SEAL_OTHER" in validate_answers(form, {"SEAL": "other", "SEAL_OTHER": "x"}).answers


def test_or_other_on_a_long_name_names_the_code_to_shorten(tmp_path):
    path = xlsform(tmp_path, [q("select_one yn or_other", "ballot_box_seal")], REGIONS)
    with pytest.raises(XLSFormError) as info:
        form_from_xlsform(path, code="OO")
    [problem] = info.value.problems
    assert problem.startswith("survey row 2 (ballot_box_seal_other, made by or_other), name:")
    assert "sms_field" in problem and "syntax" not in problem


def test_pyxform_string_and_int_aliases_are_text_and_integer(tmp_path):
    form = form_from_xlsform(xlsform(tmp_path, [q("string", "name"), q("int", "age")]), code="AL")
    assert [(x.code, x.kind) for x in form.questions] == [("NAME", "text"), ("AGE", "integer")]


def test_every_problem_is_listed_at_once_with_sheet_row_and_column(tmp_path):
    choices = [*REGIONS, {"list_name": "c", "name": "b" * 21, "label": "Long"}]
    path = xlsform(
        tmp_path,
        [
            q("geoshape", "area"),
            q("select_one c", "pick"),
            q("text", "why", relevant="string-length(${pick}) > 3"),
            q("select_one districts", "district", choice_filter="region=${pick} div 2"),
            q("integer", "odd", constraint=". mod 2 = 1"),
            q("calculate", "lost", calculation="1 + 1"),
        ],
        choices,
        settings={"form_id": "election_day_opening"},
    )
    with pytest.raises(XLSFormError) as info:
        form_from_xlsform(path)
    problems = info.value.problems
    starts = [problem.split(":")[0] for problem in problems]
    assert starts == [
        "settings row 2, form_id",
        "survey row 2 (area), type",
        "survey row 4 (why), relevant",
        "survey row 5 (district), choice_filter",
        "survey row 6 (odd), constraint",
        "survey row 7 (lost), calculation",
        "survey row 3 (pick)",
    ]
    assert problems[3].endswith(
        "'div' is not supported: pollwatch conditions have + - * only (for choices row 4"
        " (districts/d1), choices row 5 (districts/d2), choices row 6 (districts/d3), 2 more)"
    )
    assert "is 21 characters long" in problems[-1]


def test_a_relevant_naming_a_choice_the_list_lacks_is_refused(tmp_path):
    path = xlsform(
        tmp_path, [q("select_one yn", "a"), q("text", "b", relevant="${a} = 'Yes'")], REGIONS
    )
    with pytest.raises(XLSFormError, match=r"'Yes' is not a choice of A \(its choices: yes, no\)"):
        form_from_xlsform(path, code="RC")


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        ({"form_id": "opening"}, "OPENING"),
        ({"form_id": "election_day_opening", "code": "edo"}, "EDO"),
    ],
)
def test_the_form_code_comes_from_the_settings_sheet(tmp_path, settings, code):
    path = xlsform(tmp_path, [q("text", "a")], settings=settings)
    assert form_from_xlsform(path).code == code
    assert form_from_xlsform(path).source == f"xlsform:{settings['form_id']}"
    assert form_from_xlsform(path, code="OTHER").code == "OTHER"
