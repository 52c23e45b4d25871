import pytest

from pollwatch.formspec import FormSpecError, dump_form, load_defaults, load_form, loads_form
from pollwatch.sms.rules import FormRules, QuestionRule

EXAMPLE = """
code: OP
version: 2
kind: checklist
phase: opening
languages: [en, ru]
name: {en: Opening, ru: Открытие}
groups:
  - code: ARRIVAL
    label: {en: Arrival, ru: Прибытие}
    questions:
      - code: a1
        kind: yes_no
        required: true
        label: {en: "Opened on time?", ru: "Открылся вовремя?"}
      - code: A2
        kind: integer
        minimum: 0
        maximum: 600
        relevant: "A1 == 0"
        label: {en: Minutes late, ru: Опоздание в минутах}
      - code: A3
        kind: single
        critical: "A3 in (3, 4)"
        severity: high
        label: {en: Assessment, ru: Оценка}
        options:
          - {code: 1, label: {en: Good, ru: Хорошо}}
          - {code: 3, label: {en: Bad, ru: Плохо}}
          - {code: 4, label: {en: Very bad, ru: Очень плохо}}
      - code: A4
        kind: photo
        label: {en: Photo, ru: Фото}
checks:
  - expression: "A2 <= 600"
    level: warning
    message: {en: Too late, ru: Слишком поздно}
"""


def test_a_form_survives_a_yaml_round_trip():
    spec = loads_form(EXAMPLE)
    again = loads_form(dump_form(spec))
    assert again == spec
    assert again.fingerprint() == spec.fingerprint()


def test_every_default_form_survives_a_yaml_round_trip(tmp_path):
    for spec in load_defaults([("C1", "First"), ("C2", "Second")]):
        path = tmp_path / f"{spec.code}.yaml"
        path.write_text(dump_form(spec), encoding="utf-8")
        assert load_form(path) == spec


def test_question_codes_are_upper_cased_and_option_codes_are_text():
    spec = loads_form(EXAMPLE)
    assert spec.question("A1").kind == "yes_no"
    assert spec.question("A3").option_codes() == ("1", "3", "4")


def test_the_fingerprint_changes_with_any_change_to_the_content():
    spec = loads_form(EXAMPLE)
    assert len(spec.fingerprint()) == 64
    changed = loads_form(EXAMPLE.replace("maximum: 600", "maximum: 700"))
    assert changed.fingerprint() != spec.fingerprint()
    relabelled = loads_form(EXAMPLE.replace("Опоздание", "Задержка"))
    assert relabelled.fingerprint() != spec.fingerprint()


def test_the_fingerprint_ignores_the_version_number_and_the_yaml_layout():
    spec = loads_form(EXAMPLE)
    assert (
        loads_form(EXAMPLE.replace("version: 2", "version: 3")).fingerprint() == spec.fingerprint()
    )
    reordered = EXAMPLE.replace(
        "        minimum: 0\n        maximum: 600\n", "        maximum: 600\n        minimum: 0\n"
    )
    assert reordered != EXAMPLE
    assert loads_form(reordered).fingerprint() == spec.fingerprint()


def test_sms_rules_leave_out_photo_questions():
    rules = loads_form(EXAMPLE).sms_rules()
    assert isinstance(rules, FormRules)
    assert rules.code == "OP" and rules.version == 2
    assert list(rules.questions) == ["A1", "A2", "A3"]
    assert rules.questions["A2"] == QuestionRule(code="A2", kind="integer", minimum=0, maximum=600)
    assert rules.questions["A3"].options == ("1", "3", "4")


def test_text_direction_follows_the_language():
    spec = loads_form(EXAMPLE)
    assert spec.direction("ur") == "rtl"
    assert spec.direction("az") == "ltr"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('relevant: "A1 == 0"', "relevant: \"__import__('os')\""),
            r"form 'OP', question 'A2', relevant .*__import__.*not allowed",
        ),
        (
            ('relevant: "A1 == 0"', 'relevant: "A9 == 0"'),
            r"question 'A2', relevant 'A9 == 0': unknown question code\(s\): A9",
        ),
        (
            ('critical: "A3 in (3, 4)"', 'critical: "A3.real"'),
            r"question 'A3', critical 'A3.real': attribute access",
        ),
        (('expression: "A2 <= 600"', 'expression: "A2 / 2"'), r"form 'OP', check 'A2 / 2'"),
        (("kind: integer", "kind: datetime"), r"question 'A2': kind 'datetime'"),
        (("code: A2", "code: A1"), r"question 'A1': code is used twice"),
        (("minimum: 0", "minimum: 900"), r"minimum 900 is above maximum 600"),
        (("kind: checklist", "kind: survey"), r"kind 'survey'"),
        (("phase: opening", "phase: lunch"), r"phase 'lunch'"),
        (("version: 2", "version: two"), r"version must be a whole number"),
        (("severity: high", "severity: apocalyptic"), r"severity 'apocalyptic'"),
        (
            ("        label: {en: Minutes late, ru: Опоздание в минутах}", "        label: [x]"),
            r"question 'A2' label must map",
        ),
        (("      - code: A2", "      - colour: red\n        code: A2"), r"unknown key\(s\) colour"),
        (
            (
                "          - {code: 4, label: {en: Very bad, ru: Очень плохо}}",
                "          - {code: 3, label: {en: Bad, ru: Плохо}}",
            ),
            r"option code '3' is used twice",
        ),
    ],
)
def test_a_bad_definition_is_refused_naming_form_question_and_text(change, message):
    old, new = change
    assert old in EXAMPLE
    with pytest.raises(FormSpecError, match=message):
        loads_form(EXAMPLE.replace(old, new, 1), source="op.yaml")


def test_every_problem_is_listed_at_once():
    bad = EXAMPLE.replace("kind: checklist", "kind: survey").replace(
        "phase: opening", "phase: lunch"
    )
    with pytest.raises(FormSpecError) as info:
        loads_form(bad)
    assert len(info.value.problems) == 2


def test_broken_yaml_is_a_form_error_naming_the_file():
    with pytest.raises(FormSpecError, match="op.yaml: not valid YAML"):
        loads_form("code: [unclosed", source="op.yaml")
    with pytest.raises(FormSpecError, match="must be a mapping"):
        loads_form("- just a list")


def test_an_alias_bomb_or_deep_nesting_is_refused_before_it_is_built(tmp_path):
    # The same check for `pollwatch load-forms` as for the forms page: nine levels of
    # nine aliases would expand to 387 million values.
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\ncode: *i\n", encoding="utf-8")
    with pytest.raises(FormSpecError, match="bomb.yaml: its anchors and aliases"):
        load_form(bomb)
    with pytest.raises(FormSpecError, match="form: the YAML is nested too deeply"):
        loads_form("a: " + "[" * 50_000 + "]" * 50_000)
