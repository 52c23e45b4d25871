import openpyxl
import pytest

from pollwatch.formspec import dump_form, loads_form, validate_answers
from pollwatch.formspec.xlsform import XLSFormError, form_from_xlsform

SURVEY_HEADER = (
    "type", "name", "label::English (en)", "label::Azerbaijani (az)", "hint::English (en)",
    "hint::Azerbaijani (az)", "constraint", "constraint_message::English (en)",
    "constraint_message::Azerbaijani (az)", "relevant", "required", "sms_field",
)  # fmt: skip


def row(
    type_,
    name,
    en=None,
    az=None,
    constraint=None,
    message=None,
    relevant=None,
    required=None,
    sms=None,
    hint=None,
):
    return (
        type_, name, en, az, hint, hint and f"{hint} (az)", constraint, message,
        message and f"{message} (az)", relevant, required, sms,
    )  # fmt: skip


GOOD_ROWS = [
    row("begin_group", "arrival", "Arrival", "Gəliş"),
    row("select_one yn", "opened", "Opened on time?", "Vaxtında açıldı?", required="yes", sms="A1"),
    row(
        "integer",
        "late",
        "Minutes late",
        "Gecikmə",
        ". >= 0 and . <= 120",
        relevant="${opened} = '0'",
        sms="A2",
    ),
    row("note", "note_intro", "Thank you", "Təşəkkür"),
    row(
        "select_multiple materials",
        "missing",
        "Missing materials",
        "Çatışmayan",
        relevant="not(${opened} = '1')",
        sms="A3",
    ),
    row("end_group", None),
    row("begin_group", "count", "Count", "Sayma", relevant="${opened} != ''"),
    row("integer", "voters", "Voters", "Seçicilər", ". >= 0", sms="VT", hint="From the list"),
    row(
        "integer",
        "ballots",
        "Ballots",
        "Bülletenlər",
        ". <= ${voters}",
        "More ballots than voters",
        sms="BL",
    ),
    row("integer", "boxes", "Boxes", "Qutular", relevant="selected(${missing}, '2')", sms="BX"),
    row("text", "comment", "Comment", "Şərh", sms="CM"),
    row("image", "photo", "Photo", "Foto", sms="PH"),
    row("end_group", None),
]
CHOICES = [
    ("list_name", "name", "label::English (en)", "label::Azerbaijani (az)"),
    ("yn", "1", "Yes", "Bəli"),
    ("yn", "0", "No", "Xeyr"),
    ("materials", "1", "Ballots", "Bülletenlər"),
    ("materials", "2", "Boxes", "Qutular"),
]


def write_xlsform(path, rows, version="4"):
    workbook = openpyxl.Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(SURVEY_HEADER)
    for values in rows:
        survey.append(values)
    choices = workbook.create_sheet("choices")
    for values in CHOICES:
        choices.append(values)
    settings = workbook.create_sheet("settings")
    settings.append(("form_title", "form_id", "version"))
    settings.append(("Opening test", "opening_test", version))
    workbook.save(path)
    return path


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    path = write_xlsform(tmp_path_factory.mktemp("xls") / "opening.xlsx", GOOD_ROWS)
    return form_from_xlsform(path, code="OX", kind="checklist", phase="opening")


def test_it_maps_xlsform_types_groups_and_codes(imported):
    assert imported.code == "OX" and imported.phase == "opening" and imported.version == 4
    assert [group.code for group in imported.groups] == ["ARRIVAL", "COUNT"]
    kinds = {question.code: question.kind for question in imported.questions}
    assert kinds == {
        "A1": "single",
        "A2": "integer",
        "A3": "multiple",
        "VT": "integer",
        "BL": "integer",
        "BX": "integer",
        "CM": "text",
        "PH": "photo",
    }
    assert imported.question("A1").required is True
    assert imported.question("A1").option_codes() == ("1", "0")


def test_it_reads_labels_and_hints_per_language(imported):
    assert imported.languages == ("en", "az")
    assert imported.question("A1").label == {"en": "Opened on time?", "az": "Vaxtında açıldı?"}
    assert imported.question("VT").hint == {"en": "From the list", "az": "From the list (az)"}
    assert imported.groups[0].label["az"] == "Gəliş"
    assert imported.question("A3").options[1].label == {"en": "Boxes", "az": "Qutular"}


def test_simple_constraints_become_ranges_and_others_checks(imported):
    assert (imported.question("A2").minimum, imported.question("A2").maximum) == (0, 120)
    assert (imported.question("VT").minimum, imported.question("VT").maximum) == (0, None)
    [check] = imported.checks
    assert check.expression == "BL <= VT"
    assert check.message == {
        "en": "More ballots than voters",
        "az": "More ballots than voters (az)",
    }


def test_relevant_expressions_are_translated(imported):
    assert imported.question("A2").relevant == "A1 == 0"
    assert imported.question("A3").relevant == "not (A1 == 1)"
    assert imported.question("BX").relevant == "(A1 != '') and (2 in A3)"


def test_the_imported_form_validates_and_round_trips(imported):
    result = validate_answers(
        imported, {"A1": "0", "A2": 30, "A3": "2", "BX": 1, "VT": 10, "BL": 12}
    )
    assert result.answers["A2"] == 30 and result.answers["BX"] == 1
    assert result.errors == [("CHECK", "BL <= VT: More ballots than voters (BL=12, VT=10)")]
    assert loads_form(dump_form(imported)) == imported
    assert "PH" not in imported.sms_rules().questions


def test_unsupported_parts_are_all_reported_clearly(tmp_path):
    rows = [
        *GOOD_ROWS[:-1],
        row("geoshape", "area", "Area", "Sahə"),
        row("text", "why", "Why", "Niyə", relevant="string-length(${comment}) > 3"),
        row("integer", "odd", "Odd", "Tək", ". mod 2 = 1"),
        row("text", "unanswered", "Blank", "Boş", relevant="${comment} = ''"),
        GOOD_ROWS[-1],
    ]
    path = write_xlsform(tmp_path / "bad.xlsx", rows)
    with pytest.raises(XLSFormError) as info:
        form_from_xlsform(path, code="OX")
    problems = info.value.problems
    assert len(problems) == 4
    assert problems[0].startswith(
        "survey row 14 (area), type: question type 'geoshape' is not supported"
    )
    assert problems[1].startswith(
        "survey row 15 (why), relevant: 'string-length(${comment}) > 3': string-length()"
    )
    assert problems[2].startswith("survey row 16 (odd), constraint: '. mod 2 = 1': 'mod'")
    assert "unanswered" in problems[3] and problems[3].startswith("survey row 17 (unanswered)")

    warnings: list[str] = []
    form = form_from_xlsform(path, code="OX", strict=False, warnings=warnings)
    assert warnings == problems
    # A question whose rule cannot be kept is left out whole, never kept without its rule.
    assert {"AREA", "WHY", "ODD", "UNANSWERED"}.isdisjoint(q.code for q in form.questions)


def test_a_file_pyxform_cannot_read_is_an_import_error(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a spreadsheet")
    with pytest.raises(XLSFormError, match="pyxform cannot read it"):
        form_from_xlsform(path, code="OX")


def test_language_columns_without_a_code_are_understood_or_reported(tmp_path):
    workbook = openpyxl.Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(("type", "name", "label::English", "label::Klingon"))
    survey.append(("text", "a1", "Comment", "ghItlh"))
    workbook.save(tmp_path / "names.xlsx")
    with pytest.raises(XLSFormError, match="language column 'Klingon'.*English \\(en\\)"):
        form_from_xlsform(tmp_path / "names.xlsx", code="NM")


def test_without_a_code_a_form_id_that_does_not_fit_is_refused_not_cut(tmp_path):
    path = write_xlsform(tmp_path / "opening.xlsx", GOOD_ROWS)
    with pytest.raises(XLSFormError, match="settings row 2, form_id: 'opening_test'"):
        form_from_xlsform(path)
