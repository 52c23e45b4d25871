"""Every workbook of pyxform's own test suite (../shared/data/xlsform-examples/) is either imported
with its logic intact or refused with the list of every reason (issue 17).

Imported forms are checked by running pollwatch's evaluator (validate_answers) on sample
answers: relevance keeps or drops an answer, constraints and choice filters refuse what they
should. Refused forms must name, among their reasons, the ones listed here, and every reason
must name its sheet (and row, where the workbook has one). The forms get the code EX so that
each is judged on its content; how codes are chosen is tested in test_xlsform_found_cases.py.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from pollwatch.formspec import validate_answers
from pollwatch.formspec.xlsform import XLSFormError, form_from_xlsform

CANNOT_READ = "pyxform cannot read it"
LONG_CODE = "is too long or not a code"
UNUSED_CALCULATION = "pollwatch does not store calculated values"
NO_QUESTION = "no question an observer answers"

# file -> (reasons that must be among the problems, why it is refused)
REFUSED: dict[str, tuple[list[str], str]] = {
    "bug_example_xls__ODKValidateWarnings.xlsx": (
        ["survey row 3 (phone_number), type: question type 'phone number'"],
        "a phone-number question",
    ),
    "bug_example_xls__UCL_Biomass_Plot_Form.xlsx": (
        ["regex() has no equivalent", "repeat groups", LONG_CODE],
        "repeats and a regex constraint have no pollwatch equivalent",
    ),
    "bug_example_xls__bad_calc.xlsx": (
        [UNUSED_CALCULATION, NO_QUESTION],
        "only a calculation, which pollwatch would not store",
    ),
    "bug_example_xls__calculate_without_calculation.xls": (
        [CANNOT_READ, "Missing calculation"],
        "pyxform itself refuses it",
    ),
    "bug_example_xls__duplicate_columns.xlsx": (
        [CANNOT_READ, "Duplicate column header"],
        "pyxform itself refuses it",
    ),
    "bug_example_xls__group_name_test.xls": (
        [CANNOT_READ, "no name"],
        "pyxform itself refuses it",
    ),
    "example_xls__attribute_columns_test.xlsx": (
        ["public_key: encrypted", "instance: this column is not supported", "'datetime'"],
        "encryption, custom attributes and many types pollwatch lacks",
    ),
    "example_xls__bad_calc.xlsx": (
        [UNUSED_CALCULATION, NO_QUESTION],
        "only a calculation, which pollwatch would not store",
    ),
    "example_xls__calculate.xls": (
        ["survey row 2 (calculate_test), calculation", UNUSED_CALCULATION, NO_QUESTION],
        "only calculations, which pollwatch would not store",
    ),
    "example_xls__cascading_select_test_equivalent.xls": (
        ["if() has no equivalent", LONG_CODE],
        "relevance reads an if() calculation; names too long for question codes",
    ),
    "example_xls__case_insensitivity.xls": (
        ["'select one external'", "'osm'", "option code 'n1-c' must be letters, digits or _"],
        "external and OSM selects; choice codes with a hyphen",
    ),
    "example_xls__case_insensitivity.xlsx": (
        ["'select one external'", "'osm'", "option code 'n1-c' must be letters, digits or _"],
        "external and OSM selects; choice codes with a hyphen",
    ),
    "example_xls__choice_name_as_type.xls": (
        ["survey row 3 (atype), type: question type 'select one external'"],
        "an external select",
    ),
    "example_xls__field-list.xlsx": (
        ["survey row 3 (table_list_question), name: the question code 'TABLE_LIST_QUESTION'"],
        "a name too long for a question code (add sms_field)",
    ),
    "example_xls__flat_xlsform_test.xlsx": (
        ["public_key: encrypted", "required_message: this column", "'acknowledge'"],
        "encryption, required messages and many types pollwatch lacks",
    ),
    "example_xls__group.xls": (["'phone number' is not supported"], "a phone-number question"),
    "example_xls__group.xlsx": (["'phone number' is not supported"], "a phone-number question"),
    "example_xls__hidden.xls": (["'hidden' is not supported", NO_QUESTION], "a hidden question"),
    "example_xls__include.xls": (["'include' is not supported"], "an include of another form"),
    "example_xls__include.xlsx": (["'include' is not supported"], "an include of another form"),
    "example_xls__include_json.xls": (["'include' is not supported"], "an include"),
    "example_xls__include_json.xlsx": (["'include' is not supported"], "an include"),
    "example_xls__loop.xls": (
        ["loop groups are not supported", "(available_toilet_types_other, made by or_other)"],
        "a loop; or_other on a name too long for a code",
    ),
    "example_xls__loop.xlsx": (
        ["loop groups are not supported", "(available_toilet_types_other, made by or_other)"],
        "a loop; or_other on a name too long for a code",
    ),
    "example_xls__or_other.xlsx": (
        ["survey row 3 (fav_pastel), choice_filter: 'pastel=yes': 'yes' is not a column"],
        "the filter compares with a column 'yes' that does not exist (ODK reads it as empty)",
    ),
    "example_xls__pull_data.xlsx": (
        [UNUSED_CALCULATION, NO_QUESTION],
        "pull_data() calculation only",
    ),
    "example_xls__repeat_date_test.xls": (["repeat groups are not supported"], "a repeat"),
    "example_xls__simple_loop.xls": (["loop groups are not supported"], "a loop"),
    "example_xls__table-list.xls": (
        ["survey row 9 (happy_sad_michael), name", LONG_CODE],
        "names too long for question codes",
    ),
    "example_xls__tutorial.xls": (["survey row 2 (member), type: repeat groups"], "a repeat"),
    "example_xls__unknown_question_type.xls": (
        [CANNOT_READ, "'bind:relevant', 'relevance'"],
        "pyxform itself refuses it",
    ),
    "example_xls__widgets.xls": (
        ["'. >= today()': today()", "'trigger'", "${my_trigger} cannot be shown", "'dateTime'"],
        "today() in a date constraint, and many types pollwatch lacks",
    ),
    "example_xls__xlsform_spec_test.xlsx": (
        ["public_key: encrypted", "repeat groups", "'barcode'"],
        "encryption, repeats and many types pollwatch lacks",
    ),
    "example_xls__xml_escaping.xls": (
        ["survey row 4 (table_list_3), label: ${a} cannot be shown: it is a calculation"],
        "labels show calculated values, which pollwatch would not compute",
    ),
}

# file -> [(answers, answers kept, error codes)]
IMPORTED: dict[str, list[tuple[dict, dict, list[str]]]] = {
    "bug_example_xls__badly_named_choices_sheet.xls": [
        ({"AGE": 17, "NAME": "Ann"}, {"AGE": 17}, []),  # NAME applies from 18
        (
            {"AGE": 18, "NAME": "Ann", "COLOR": "red"},
            {"AGE": 18, "NAME": "Ann", "COLOR": "red"},
            [],
        ),
        ({"COLOR": "purple"}, {}, ["COLOR"]),
    ],
    "bug_example_xls__blank_second_row.xls": [({"VALUE": "12"}, {"VALUE": 12}, [])],
    "bug_example_xls__extra_columns.xls": [({"A": "x", "B": "y"}, {"A": "x", "B": "y"}, [])],
    "bug_example_xls__ict_survey_fails.xls": [
        ({"INTERNET_TEACH": "no"}, {"INTERNET_TEACH": "no"}, [])
    ],
    "bug_example_xls__spaces_in_choices_header.xls": [
        # constraint: not c and d together, with its message
        ({"MY_SELECT_ALL": "c d"}, {"MY_SELECT_ALL": ["c", "d"]}, ["CHECK"]),
        ({"MY_SELECT_ALL": "a c"}, {"MY_SELECT_ALL": ["a", "c"]}, []),
    ],
    "bug_example_xls__xl_date_ambiguous.xlsx": [
        # name3 has relevant 0: it never applies; names has a choice filter that always holds
        ({"NAME3": "x", "NAMES": "name3"}, {"NAMES": "name3"}, []),
    ],
    "bug_example_xls__xl_date_ambiguous_v1.xlsx": [
        # an Excel date cell as the default of a date question; names' choice filter always holds
        (
            {"CURRENT_DATE": "2026-12-06", "NAMES": "name1"},
            {"CURRENT_DATE": "2026-12-06", "NAMES": "name1"},
            [],
        ),
        ({"CURRENT_DATE": "06/12/2026"}, {}, ["CURRENT_DATE"]),
    ],
    "example_xls__default_time_demo.xls": [
        ({"START_TIME": "09:30:00.000+04:00"}, {"START_TIME": "09:30"}, []),
        ({"START_TIME": "9.30"}, {}, ["START_TIME"]),
    ],
    "example_xls__gps.xls": [
        ({"LOCATION": "40.4093 49.8671 12.5 4"}, {"LOCATION": "40.4093 49.8671 12.5 4"}, []),
        ({"LOCATION": "49.8671 200"}, {}, ["LOCATION"]),
    ],
    "example_xls__sms_info.xls": [
        (
            {"Q1": "30", "Q3": "1996-02-29", "GPS": "-1.2921 36.8219"},
            {"Q1": 30, "Q3": "1996-02-29", "GPS": "-1.2921 36.8219"},
            [],
        ),
        ({"Q3": "1997-02-29"}, {}, ["Q3"]),
    ],
    "example_xls__allow_comment_rows_test.xls": [({"FARMER_NAME": "x"}, {"FARMER_NAME": "x"}, [])],
    "example_xls__choice_filter_test.xlsx": [
        (
            {"STATE": "washington", "COUNTY": "pierce", "CITY": "tacoma"},
            {"STATE": "washington", "COUNTY": "pierce", "CITY": "tacoma"},
            [],
        ),
        ({"STATE": "texas", "COUNTY": "pierce"}, {"STATE": "texas"}, ["COUNTY"]),
        (
            {"STATE": "texas", "COUNTY": "king", "CITY": "tacoma"},
            {"STATE": "texas", "COUNTY": "king"},
            ["CITY"],
        ),
    ],  # fmt: skip
    "example_xls__choice_name_same_as_select_name.xls": [({"ZONE": "zone"}, {"ZONE": "zone"}, [])],
    "example_xls__extra_columns.xlsx": [({"A": "x"}, {"A": "x"}, [])],
    "example_xls__extra_sheet_names.xlsx": [({"TEST": "x"}, {"TEST": "x"}, [])],
    "example_xls__specify_other.xls": [
        ({"SEX": "male", "SEX_OTHER": "x"}, {"SEX": "male"}, []),
        ({"SEX": "other", "SEX_OTHER": "x"}, {"SEX": "other", "SEX_OTHER": "x"}, []),
    ],
    "example_xls__specify_other.xlsx": [
        ({"SEX": "male", "SEX_OTHER": "x"}, {"SEX": "male"}, []),
        ({"SEX": "other", "SEX_OTHER": "x"}, {"SEX": "other", "SEX_OTHER": "x"}, []),
    ],
    "example_xls__style_settings.xls": [({"YOUR_AGE": "4.5"}, {}, ["YOUR_AGE"])],
    "example_xls__survey_no_name.xlsx": [({"STATE": "x"}, {"STATE": "x"}, [])],
    "example_xls__text_and_integer.xls": [({"YOUR_AGE": "x"}, {}, ["YOUR_AGE"])],
    "example_xls__text_and_integer.xlsx": [({"YOUR_NAME": "x"}, {"YOUR_NAME": "x"}, [])],
    "example_xls__yes_or_no_question.xls": [({"GOOD_DAY": "maybe"}, {}, ["GOOD_DAY"])],
    "example_xls__yes_or_no_question.xlsx": [({"GOOD_DAY": "yes"}, {"GOOD_DAY": "yes"}, [])],
}


@pytest.fixture(scope="module")
def examples(shared_data) -> Path:
    return shared_data / "xlsform-examples"


def test_every_workbook_has_an_expected_outcome(examples):
    files = {path.name for path in examples.glob("*.xls*")}
    assert len(files) == 57
    assert files == set(REFUSED) | set(IMPORTED)
    assert not set(REFUSED) & set(IMPORTED)


def read(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyxform's own deprecation notes
        return form_from_xlsform(path, code="EX")


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_it_is_refused_with_every_reason(examples, name):
    expected, _why = REFUSED[name]
    with pytest.raises(XLSFormError) as info:
        read(examples / name)
    problems = info.value.problems
    for reason in expected:
        assert any(reason in problem for problem in problems), (reason, problems)
    for problem in problems:
        # Each names the sheet (with the row when the workbook has one), or is pyxform's own refusal.
        assert re.match(r"(survey|choices|settings)\b", problem) or CANNOT_READ in problem, problem
        assert "syntax error" not in problem, problem


@pytest.mark.parametrize("name", sorted(IMPORTED))
def test_it_is_imported_with_its_logic(examples, name):
    form = read(examples / name)
    for answers, kept, errors in IMPORTED[name]:
        result = validate_answers(form, answers)
        assert result.answers == kept, (answers, result)
        assert [code for code, _ in result.errors] == errors, (answers, result.errors)
