import re
from pathlib import Path

import pytest

from pollwatch.formspec import (
    FormSpecError,
    exitpoll_form,
    load_defaults,
    loads_form,
    results_form,
    validate_answers,
)
from pollwatch.formspec.spec import DEFAULT_LANGUAGES, YES_NO_LABELS

CANDIDATES = [("C1", "Ilham Aliyev"), ("C2", "Zahid Oruj"), ("C3", "Razi Nurullayev")]
# Characters that only Azerbaijani Latin, Cyrillic and Arabic script have: a
# text in the wrong script (an English text pasted as a translation) shows up.
SCRIPTS = {
    "ru": re.compile(r"[А-Яа-яЁё]"),
    "ur": re.compile(r"[\u0600-\u06FF]"),
    "az": re.compile(r"[A-Za-zƏəĞğİıÖöŞşÜüÇç]"),
}


@pytest.fixture(scope="module")
def forms():
    return load_defaults(CANDIDATES)


def test_the_shipped_forms_cover_every_phase_incidents_results_and_exit_poll(forms):
    assert [form.code for form in forms] == ["OP", "VT", "CL", "CT", "IC", "PR", "EP"]
    assert {form.phase for form in forms if form.kind == "checklist"} == {
        "opening",
        "voting",
        "closing",
        "counting",
    }
    assert {form.kind for form in forms} == {"checklist", "incident", "results", "exitpoll"}


def test_without_candidates_only_the_fixed_forms_load():
    assert [form.code for form in load_defaults()] == ["OP", "VT", "CL", "CT", "IC"]


def test_every_observer_facing_text_is_in_all_four_languages(forms):
    missing = [line for form in forms for line in form.missing_translations()]
    assert missing == []
    for form in forms:
        assert form.languages == DEFAULT_LANGUAGES
    for label in YES_NO_LABELS.values():
        assert set(label) == set(DEFAULT_LANGUAGES)


def test_every_translation_is_written_in_its_own_script(forms):
    wrong = []
    for form in forms:
        for where, text in form.texts():
            for language, pattern in SCRIPTS.items():
                if not pattern.search(text[language]):
                    wrong.append(f"{form.code} {where} [{language}]: {text[language]}")
            if (
                text["az"] == text["en"]
                and "{" not in text["en"]
                and not where.startswith("question C")
            ):
                wrong.append(f"{form.code} {where}: az text equals en")
    assert wrong == []


def test_urdu_is_written_right_to_left(forms):
    assert all(form.direction("ur") == "rtl" for form in forms)


def test_codes_are_unique_and_short_enough_for_sms(forms):
    assert len({form.code for form in forms}) == len(forms)
    for form in forms:
        codes = [question.code for question in form.questions]
        assert len(codes) == len(set(codes)), form.code
        assert all(len(code) <= 4 for code in codes), form.code


def test_every_critical_answer_has_a_severity_and_the_checklists_ask_the_core_questions(forms):
    by_code = {form.code: form for form in forms}
    for form in forms:
        for question in form.questions:
            if question.critical:
                assert question.severity in ("low", "medium", "high"), question.code
    assert "empty" in by_code["OP"].question("A5").label["en"]
    assert "secrecy" in by_code["VT"].question("B6").label["en"]
    assert "posted publicly" in by_code["CT"].question("D11").label["en"]
    assert by_code["IC"].question("I6").kind == "photo"


def test_the_results_form_checks_that_candidate_votes_add_up_to_valid_votes():
    form = results_form(CANDIDATES)
    assert [q.code for q in form.questions] == ["RV", "BI", "BC", "IN", "VA", "C1", "C2", "C3"]
    assert form.question("C2").label["ru"] == "Голоса за: Zahid Oruj"
    good = {"RV": 1000, "BI": 600, "BC": 590, "IN": 10, "VA": 580, "C1": 500, "C2": 50, "C3": 30}
    assert validate_answers(form, good).errors == []
    result = validate_answers(form, {**good, "C3": 20})
    assert [code for code, _ in result.errors] == ["CHECK"]
    assert "sum(C1, C2, C3) == VA" in result.errors[0][1]
    assert "C3=20" in result.errors[0][1]


def test_the_results_form_flags_impossible_protocols():
    form = results_form(CANDIDATES)
    stuffed = {"RV": 500, "BI": 600, "BC": 700, "IN": 0, "VA": 690, "C1": 690, "C2": 0, "C3": 0}
    result = validate_answers(form, stuffed)
    messages = " ".join(message for _, message in result.errors)
    assert "BC <= BI" in messages and "VA + IN == BC" in messages
    assert any("BI <= RV" in message for _, message in result.warnings)


def test_candidate_codes_must_be_valid_and_new():
    with pytest.raises(FormSpecError, match="already used"):
        results_form([("VA", "Valid")])
    with pytest.raises(FormSpecError, match="already used"):
        results_form([("C1", "A"), ("c1", "B")])
    with pytest.raises(FormSpecError, match="upper-case"):
        results_form([("C 1", "A")])
    with pytest.raises(FormSpecError, match="at least one"):
        results_form([])


def test_the_exit_poll_form_counts_interviewees_per_candidate_and_refusals():
    form = exitpoll_form(CANDIDATES)
    assert [q.code for q in form.questions] == ["C1", "C2", "C3", "RF"]
    assert form.kind == "exitpoll"
    assert validate_answers(form, {"C1": "40", "C2": 7, "C3": 3, "RF": 12}).answers == {
        "C1": 40,
        "C2": 7,
        "C3": 3,
        "RF": 12,
    }


def test_the_docs_example_loads_and_the_docs_list_every_shipped_form():
    docs = Path(__file__).resolve().parents[3] / "docs" / "forms.md"
    text = docs.read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    spec = loads_form(example, source="docs/forms.md")
    assert spec.missing_translations() == []
    for form in load_defaults(CANDIDATES):
        assert f"| {form.code} |" in text, form.code
