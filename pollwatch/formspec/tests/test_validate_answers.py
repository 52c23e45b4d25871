from hypothesis import given, settings
from hypothesis import strategies as st

from pollwatch.formspec import load_defaults, loads_form, results_form, validate_answers

FORM = loads_form(
    """
code: TS
kind: checklist
phase: voting
languages: [en, ru]
name: {en: Test, ru: Тест}
groups:
  - code: G
    label: {en: Group, ru: Группа}
    questions:
      - {code: A1, kind: yes_no, required: true, critical: "A1 == 0", severity: high, label: {en: Open, ru: Открыт}}
      - {code: A2, kind: integer, minimum: 0, maximum: 600, required: true, relevant: "A1 == 0", label: {en: Late, ru: Опоздание}}
      - code: A3
        kind: single
        critical: "A3 in (3, 4)"
        label: {en: Assessment, ru: Оценка}
        options: [{code: 1, label: {en: Good, ru: Хорошо}}, {code: 3, label: {en: Bad, ru: Плохо}}, {code: 4, label: {en: Awful, ru: Ужасно}}]
      - code: A4
        kind: multiple
        label: {en: Missing, ru: Нет}
        options: [{code: 1, label: {en: Ballots, ru: Бюллетени}}, {code: 2, label: {en: Box, ru: Урна}}, {code: 3, label: {en: Ink, ru: Чернила}}]
      - {code: A5, kind: integer, relevant: "2 in A4", label: {en: How many boxes, ru: Сколько урн}}
      - {code: A6, kind: text, label: {en: Comment, ru: Комментарий}}
      - {code: A7, kind: photo, label: {en: Photo, ru: Фото}}
checks:
  - expression: "A5 <= 10"
    message: {en: Too many boxes, ru: Слишком много урн}
"""
)


def test_valid_answers_are_coerced_to_their_kinds():
    result = validate_answers(
        FORM,
        {
            "a1": "no",
            "A2": "15",
            "A3": 1,
            "A4": "2 1",
            "A5": 2.0,
            "A6": " late ",
            "A7": "photo-1.jpg",
        },
    )
    assert result.errors == []
    assert result.answers == {
        "A1": 0,
        "A2": 15,
        "A3": "1",
        "A4": ["1", "2"],
        "A5": 2,
        "A6": "late",
        "A7": "photo-1.jpg",
    }
    assert result.ok


def test_sms_style_multiple_answers_are_split_into_options():
    assert validate_answers(FORM, {"A1": 1, "A4": "13"}).answers["A4"] == ["1", "3"]
    assert validate_answers(FORM, {"A1": 1, "A4": 31}).answers["A4"] == ["1", "3"]
    assert validate_answers(FORM, {"A1": 1, "A4": 2}).answers["A4"] == ["2"]


def test_type_errors_name_the_question():
    result = validate_answers(FORM, {"A1": "maybe", "A3": [1], "A6": {"x": 1}})
    assert [code for code, _ in result.errors] == ["A1", "A3", "A6"]
    assert result.errors[0][1].startswith("A1: 'maybe' is not yes (1) or no (0)")


def test_integers_are_whole_numbers_within_range():
    for bad, reason in [
        ("1.5", "not a whole number"),
        (True, "not a whole number"),
        (-1, "below the minimum 0"),
        (601, "above the maximum 600"),
    ]:
        result = validate_answers(FORM, {"A1": 0, "A2": bad})
        [(code, message)] = result.errors
        assert code == "A2" and message.startswith("A2: ") and reason in message
        assert "A2" not in result.answers


def test_a_photo_answer_is_a_reference_not_the_image():
    result = validate_answers(FORM, {"A1": 1, "A7": "data:image/jpeg;base64,/9j/4AAQ"})
    assert result.errors == [
        ("A7", "A7: a photo answer must be a reference to the stored image, not the image itself")
    ]
    assert (
        validate_answers(FORM, {"A1": 1, "A7": "sha256:" + "0" * 64}).answers["A7"]
        == "sha256:" + "0" * 64
    )


def test_option_codes_must_exist():
    result = validate_answers(FORM, {"A1": 1, "A3": "2", "A4": [1, 9]})
    assert result.errors == [
        ("A3", "A3: '2' is not one of the options 1, 3, 4"),
        ("A4", "A4: 9 is not one of the options 1, 2, 3"),
    ]


def test_a_required_question_must_be_answered_only_while_it_applies():
    assert validate_answers(FORM, {"A1": 0}).errors == [("A2", "A2: an answer is required")]
    assert validate_answers(FORM, {"A1": 1}).errors == []
    assert validate_answers(FORM, {}).errors == [("A1", "A1: an answer is required")]


def test_answers_to_questions_that_do_not_apply_are_dropped_with_a_warning():
    result = validate_answers(FORM, {"A1": 1, "A2": 30, "A4": [1], "A5": 3})
    assert "A2" not in result.answers and "A5" not in result.answers
    assert [code for code, _ in result.warnings] == ["A2", "A5"]
    assert "does not apply (A1 == 0)" in result.warnings[0][1]


def test_unknown_codes_and_duplicates_are_warnings():
    result = validate_answers(FORM, {"A1": 1, "ZZ": 4, "a1": 0})
    assert result.answers == {"A1": 1}
    assert [code for code, _ in result.warnings] == ["ZZ", "A1"]


def test_critical_answers_are_listed_in_form_order():
    assert validate_answers(FORM, {"A1": 0, "A2": 5, "A3": 4}).critical == ["A1", "A3"]
    assert validate_answers(FORM, {"A1": 1, "A3": 1}).critical == []


def test_cross_field_checks_report_the_values_and_the_message_in_the_asked_language():
    result = validate_answers(FORM, {"A1": 1, "A4": [2], "A5": 11}, language="ru")
    assert result.errors == [("CHECK", "A5 <= 10: Слишком много урн (A5=11)")]


def test_a_check_over_unanswered_questions_is_not_an_error():
    assert validate_answers(FORM, {"A1": 1}).errors == []


def test_a_result_form_with_a_wrong_sum_is_an_error_with_the_codes():
    form = results_form([("C1", "A"), ("C2", "B")])
    result = validate_answers(
        form, {"RV": 100, "BI": 50, "BC": 50, "IN": 0, "VA": 50, "C1": 20, "C2": 20}
    )
    assert result.errors == [
        (
            "CHECK",
            "sum(C1, C2) == VA: Candidate votes must add up to the valid ballots (C1=20, C2=20, VA=50)",
        )
    ]


def test_it_does_not_raise_on_a_non_mapping():
    assert validate_answers(FORM, ["A1", 1]).errors[0][0] == "FORM"  # type: ignore[arg-type]


ANYTHING = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.binary(max_size=5),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=8,
)
KEYS = (
    st.sampled_from(["A1", "a2", "A3", "A4", "A5", "A6", "A7", "B1", ""])
    | st.text(max_size=5)
    | st.integers()
)
DEFAULTS = load_defaults([("C1", "A"), ("C2", "B")])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, ANYTHING, max_size=8))
def test_validation_never_raises_on_arbitrary_answers(answers):
    result = validate_answers(FORM, answers)
    assert set(result.answers) <= {q.code for q in FORM.questions}
    assert all(
        isinstance(code, str) and isinstance(message, str)
        for code, message in result.errors + result.warnings
    )


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(DEFAULTS),
    st.dictionaries(
        st.sampled_from(["A1", "B6", "D13", "D12", "RV", "VA", "C1", "C2", "RF", "I1", "I2"]),
        ANYTHING | st.integers(-5, 5),
        max_size=10,
    ),
)
def test_validation_never_raises_on_the_default_forms(form, answers):
    validate_answers(form, answers)


def test_an_answer_whose_condition_cannot_be_decided_is_kept_and_not_required():
    # A2 applies when A1 is 0. Without A1 (an SMS with a few answers) nothing shows that A2
    # does not apply: a given A2 is kept; a missing A2 is not required (only A1 is).
    kept = validate_answers(FORM, {"A2": 15})
    assert kept.answers == {"A2": 15}
    assert [code for code, _ in kept.errors] == ["A1"]
    assert not any(code == "A2" for code, _ in kept.warnings)
    # Once A1 says the question does not apply, its answer is dropped with a warning.
    dropped = validate_answers(FORM, {"A1": 1, "A2": 15})
    assert "A2" not in dropped.answers and any(code == "A2" for code, _ in dropped.warnings)
