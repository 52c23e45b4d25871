"""Incident titles read as the question, the answer and the observer's words, whatever is missing."""

from __future__ import annotations

from pollwatch.formspec.spec import loads_form
from pollwatch.formspec.titles import NOTE_CHARS, incident_title

SPEC = loads_form(
    """
code: VO
version: 1
kind: checklist
phase: voting
languages: [az, en]
name: {az: Səsvermə, en: Voting}
groups:
  - code: G
    label: {en: Voting}
    questions:
      - {code: B1, kind: yes_no, critical: "B1 == 1", label: {en: Ballot box seal broken, az: Möhür qırılıb}}
      - {code: B2, kind: yes_no, critical: "B2 == 0", label: {en: "Was the ink applied?"}}
      - code: B3
        kind: single
        label: {en: Kind}
        options:
          - {code: "1", label: {en: Violence}}
          - {code: "2", label: {en: Ballot stuffing, az: Bülleten atılması}}
      - code: B4
        kind: multiple
        label: {en: Who}
        options:
          - {code: a, label: {en: Police}}
          - {code: b, label: {en: Officials}}
      - {code: B5, kind: integer, minimum: 0, maximum: 100, label: {en: Voters turned away}}
      - {code: B9, kind: text, label: {en: Comments}}
"""
)


def test_a_critical_answer_reads_as_question_answer_and_note():
    answers = {"B1": 1, "B9": "seal was cut before we arrived"}
    assert (
        incident_title(SPEC, answers, ["B1"])
        == "Ballot box seal broken: Yes — 'seal was cut before we arrived'"
    )


def test_a_question_mark_is_not_followed_by_a_colon():
    assert incident_title(SPEC, {"B2": 0}, ["B2"]) == "Was the ink applied? No"


def test_several_critical_answers_are_joined_and_options_read_as_labels():
    answers = {"B1": 1, "B3": "2", "B4": ["a", "b"], "B5": 12}
    assert incident_title(SPEC, answers, ["B1", "B3", "B4", "B5"]) == (
        "Ballot box seal broken: Yes; Kind: Ballot stuffing; Who: Police, Officials; "
        "Voters turned away: 12"
    )


def test_the_sms_comment_is_the_note_before_any_text_answer():
    answers = {"B1": 1, "B9": "typed in the form", "_comment": "sent after @"}
    assert incident_title(SPEC, answers, ["B1"]).endswith("— 'sent after @'")


def test_another_language_falls_back_to_the_forms_first_then_english():
    assert incident_title(SPEC, {"B3": "2"}, ["B3"], language="az") == "Kind: Bülleten atılması"
    assert incident_title(SPEC, {"B1": 1}, ["B1"], language="ru").startswith("Möhür qırılıb: ")


def test_a_missing_answer_says_so():
    assert incident_title(SPEC, {}, ["B1"]) == "Ballot box seal broken: no answer"


def test_a_question_the_form_no_longer_has_shows_its_code_and_answer():
    assert incident_title(SPEC, {"Z7": "3"}, ["Z7"]) == "Z7: '3'"
    assert incident_title(SPEC, {}, ["Z7"]) == "Z7: no answer"


def test_an_unknown_option_shows_its_code():
    assert incident_title(SPEC, {"B3": "9"}, ["B3"]) == "Kind: 9"


def test_an_incident_form_without_a_critical_answer_shows_its_first_choice():
    assert incident_title(SPEC, {"B3": "1", "B9": "shouting"}, []) == (
        "Kind: Violence — 'shouting'"
    )


def test_nothing_answered_falls_back_to_the_form_name_or_the_given_name():
    assert incident_title(SPEC, {}, []) == "Voting"
    assert incident_title(None, {}, [], form_name="Incident report") == "Incident report"
    assert incident_title(None, {}, []) == "Incident"


def test_a_long_note_is_cut_and_whitespace_folded():
    title = incident_title(SPEC, {"B1": 1, "B9": "word \n" * 100}, ["B1"])
    note = title.split(" — ")[1]
    assert len(note) == NOTE_CHARS + 2 and note.endswith("…'") and "\n" not in note


def test_the_location_and_other_private_keys_are_never_parts():
    assert incident_title(SPEC, {"B1": 1, "_location": {"lat": 1}}, ["_location", "B1"]) == (
        "Ballot box seal broken: Yes"
    )
