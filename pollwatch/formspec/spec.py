"""Form definitions: frozen dataclasses, loaded from and dumped to YAML.

A ``FormSpec`` is checked completely when it is built (``__post_init__``):
codes, kinds, options, ranges and every expression. A spec that exists is
therefore valid; a bad one raises ``FormSpecError`` listing every problem,
each naming the form, the question and the offending text. The YAML format
is described in docs/forms.md.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from pollwatch.sms.rules import FormRules, QuestionRule

from .expr import CODE_PATTERN, Expression, ExpressionError, compile_expression

FORM_KINDS = ("checklist", "incident", "results", "exitpoll")
PHASES = ("opening", "voting", "closing", "counting", "any")
QUESTION_KINDS = (
    "yes_no", "single", "multiple", "integer", "decimal", "date", "time", "geopoint", "text", "photo",
)  # fmt: skip
# minimum/maximum: whole numbers on integer, numbers on decimal, "YYYY-MM-DD" on date.
RANGED_KINDS = ("integer", "decimal", "date")
ISO_DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
SEVERITIES = ("low", "medium", "high", "critical")
CHECK_LEVELS = ("error", "warning")
DEFAULT_LANGUAGES = ("en", "az", "ru", "ur")
# Scripts written right to left; the observer app sets dir="rtl" for these.
RTL_LANGUAGES = frozenset({"ar", "ckb", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi"})

FORM_CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9]{0,9}")
OPTION_CODE_PATTERN = re.compile(r"[A-Za-z0-9_]{1,20}")
LANGUAGE_PATTERN = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")

# yes_no answers are stored as 1 (yes) and 0 (no), as the SMS grammar sends them.
YES_NO_LABELS: dict[str, dict[str, str]] = {
    "1": {"en": "Yes", "az": "Bəli", "ru": "Да", "ur": "ہاں"},
    "0": {"en": "No", "az": "Xeyr", "ru": "Нет", "ur": "نہیں"},
}

Text = dict[str, str]


class FormSpecError(ValueError):
    """A form definition is invalid; ``problems`` lists every fault found."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(
            "; ".join(self.problems)
            if len(self.problems) < 2
            else "\n  " + "\n  ".join(self.problems)
        )


@dataclass(frozen=True)
class Option:
    """One choice of a single or multiple question; ``code`` is what SMS and storage use.

    ``relevant`` (an expression, optional) offers the choice only while it is
    true, as an XLSForm ``choice_filter`` does (cascading selects): the app
    hides the choice and the server refuses it otherwise.
    """

    code: str
    label: Text
    relevant: str | None = None


@dataclass(frozen=True)
class Question:
    """One question. ``relevant`` and ``critical`` are expressions (see ``expr``).

    ``required`` applies only while the question is relevant; ``required_if``
    (an expression) makes it required only while that holds too. ``critical``
    is true for an answer that must raise an alert, with ``severity``
    (medium when not given). ``default`` is the answer the app fills in first
    and ``read_only`` shows it without letting the observer change it (both
    from XLSForm; the server treats the answer like any other).
    """

    code: str
    kind: str
    label: Text
    hint: Text = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    minimum: int | float | str | None = None
    maximum: int | float | str | None = None
    required: bool = False
    relevant: str | None = None
    critical: str | None = None
    severity: str | None = None
    required_if: str | None = None
    default: str | None = None
    read_only: bool = False

    @property
    def alert_severity(self) -> str:
        return self.severity or "medium"

    def option_codes(self) -> tuple[str, ...]:
        return tuple(option.code for option in self.options)


@dataclass(frozen=True)
class Group:
    """A section of the form, shown as one page or fieldset."""

    code: str
    label: Text
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Check:
    """A cross-field rule that must hold, e.g. ``VA + IN == BC``.

    ``level`` error rejects the submission's consistency; warning only flags it.
    """

    expression: str
    message: Text
    level: str = "error"


@dataclass(frozen=True)
class FormSpec:
    """A complete form definition of one version. Build it and it is valid, or FormSpecError.

    ``source`` names where the definition came from when that is another tool's
    form (``xlsform:<form_id>``): installing a form with another source under
    the same code replaces a different form, which needs the user's consent.
    """

    code: str
    name: Text
    kind: str
    phase: str
    version: int
    languages: tuple[str, ...]
    groups: tuple[Group, ...]
    checks: tuple[Check, ...] = ()
    source: str | None = None
    _compiled: dict[str, Expression] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        _validate_spec(self)

    def __hash__(self) -> int:
        # The generated hash would fail on the label dicts; equal specs share code, version and content.
        return hash((self.code, self.version, self.fingerprint()))

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question in form order."""
        return tuple(question for group in self.groups for question in group.questions)

    def question(self, code: str) -> Question:
        """The question with this code; KeyError if none."""
        for question in self.questions:
            if question.code == code:
                return question
        raise KeyError(code)

    def expression(self, source: str) -> Expression:
        """The compiled form of one of this form's expressions."""
        return self._compiled[source]

    def direction(self, language: str) -> str:
        """``rtl`` or ``ltr`` for the observer app."""
        return "rtl" if language.split("-")[0] in RTL_LANGUAGES else "ltr"

    def texts(self) -> Iterator[tuple[str, Text]]:
        """Every observer-facing text as (where, {language: text}); hints only when given."""
        yield f"form {self.code} name", self.name
        for group in self.groups:
            yield f"group {group.code} label", group.label
            for question in group.questions:
                yield f"question {question.code} label", question.label
                if question.hint:
                    yield f"question {question.code} hint", question.hint
                for option in question.options:
                    yield f"question {question.code} option {option.code} label", option.label
        for index, check in enumerate(self.checks, 1):
            yield f"check {index} ({check.expression}) message", check.message

    def missing_translations(self) -> list[str]:
        """One line per observer-facing text lacking one of the form's languages."""
        missing = []
        for where, text in self.texts():
            for language in self.languages:
                if not (text.get(language) or "").strip():
                    missing.append(f"{self.code}: {where}: no {language!r} text")
        return missing

    def to_dict(self) -> dict[str, Any]:
        """Plain data in the YAML layout; defaults are left out so files stay short."""
        return {
            "code": self.code,
            "version": self.version,
            "kind": self.kind,
            "phase": self.phase,
            "languages": list(self.languages),
            "name": dict(self.name),
            "groups": [
                {
                    "code": group.code,
                    "label": dict(group.label),
                    "questions": [_question_to_dict(question) for question in group.questions],
                }
                for group in self.groups
            ],
            **({"source": self.source} if self.source else {}),
            **(
                {
                    "checks": [
                        {
                            "expression": check.expression,
                            "message": dict(check.message),
                            **({"level": check.level} if check.level != "error" else {}),
                        }
                        for check in self.checks
                    ]
                }
                if self.checks
                else {}
            ),
        }

    def fingerprint(self) -> str:
        """sha256 (hex) of the canonical JSON of the definition, its version number left out.

        It identifies the content: any change to codes, texts, options, rules or
        checks changes it, so the app gives a definition with a new fingerprint
        a new version, and re-installing an unchanged file (whatever version
        number it carries) is recognised as the same definition.
        """
        content = self.to_dict()
        del content["version"]
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def sms_rules(self) -> FormRules:
        """What the SMS grammar needs; photo questions cannot come by SMS and are left out."""
        rules = {
            question.code: QuestionRule(
                code=question.code,
                kind=question.kind,
                minimum=question.minimum,
                maximum=question.maximum,
                options=question.option_codes(),
            )
            for question in self.questions
            if question.kind != "photo"
        }
        return FormRules(
            code=self.code,
            questions=rules,
            version=self.version,
            ranks=tuple(question.code for question in self.questions),
        )

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None) -> FormSpec:
        """Build from plain data (parsed YAML); FormSpecError on any fault, naming ``source``."""
        return _spec_from_dict(data, source)


def _question_to_dict(question: Question) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": question.code,
        "kind": question.kind,
        "label": dict(question.label),
    }
    if question.hint:
        out["hint"] = dict(question.hint)
    if question.options:
        out["options"] = [
            {
                "code": option.code,
                "label": dict(option.label),
                **({"relevant": option.relevant} if option.relevant is not None else {}),
            }
            for option in question.options
        ]
    for name in ("minimum", "maximum", "relevant", "critical", "severity"):
        value = getattr(question, name)
        if value is not None:
            out[name] = value
    if question.required:
        out["required"] = True
    # Left out when unset, so the fingerprint of a form without them does not change.
    for name in ("required_if", "default"):
        value = getattr(question, name)
        if value is not None:
            out[name] = value
    if question.read_only:
        out["read_only"] = True
    return out


def _validate_spec(spec: FormSpec) -> None:
    where = f"form {spec.code!r}"
    problems: list[str] = []
    if not isinstance(spec.code, str) or not FORM_CODE_PATTERN.fullmatch(spec.code):
        problems.append(
            f"{where}: code must be 1-10 upper-case letters and digits, starting with a letter"
        )
    if spec.kind not in FORM_KINDS:
        problems.append(f"{where}: kind {spec.kind!r} is not one of {', '.join(FORM_KINDS)}")
    if spec.phase not in PHASES:
        problems.append(f"{where}: phase {spec.phase!r} is not one of {', '.join(PHASES)}")
    if isinstance(spec.version, bool) or not isinstance(spec.version, int) or spec.version < 1:
        problems.append(f"{where}: version must be a whole number >= 1, not {spec.version!r}")
    if not spec.languages or not all(
        isinstance(lang, str) and LANGUAGE_PATTERN.fullmatch(lang) for lang in spec.languages
    ):
        problems.append(
            f"{where}: languages must be a non-empty list of language codes like en, az, ru, ur"
        )
    elif len(set(spec.languages)) != len(spec.languages):
        problems.append(f"{where}: a language is listed twice")
    if not spec.groups:
        problems.append(f"{where}: has no groups")
    problems += _text_problems(where, "name", spec.name)

    codes: list[str] = []
    group_codes: set[str] = set()
    for group in spec.groups:
        if group.code in group_codes:
            problems.append(f"{where}: group code {group.code!r} is used twice")
        group_codes.add(group.code)
        problems += _text_problems(where, f"group {group.code!r} label", group.label)
        if not group.questions:
            problems.append(f"{where}: group {group.code!r} has no questions")
        for question in group.questions:
            problems += _question_problems(where, question)
            if question.code in codes:
                problems.append(
                    f"{where}, question {question.code!r}: code is used twice in the form"
                )
            codes.append(question.code)

    known = frozenset(codes)
    compiled: dict[str, Expression] = {}

    def compile_into(context: str, source: Any) -> None:
        try:
            compiled[source] = compile_expression(source, known)
        except ExpressionError as exc:
            problems.append(f"{context} {source!r}: {exc}")

    for question in spec.questions:
        for name in ("relevant", "critical", "required_if"):
            source = getattr(question, name)
            if source is not None:
                compile_into(f"{where}, question {question.code!r}, {name}", source)
        for option in question.options:
            if option.relevant is not None:
                compile_into(
                    f"{where}, question {question.code!r}, option {option.code!r}, relevant",
                    option.relevant,
                )
    for check in spec.checks:
        compile_into(f"{where}, check", check.expression)
        if check.level not in CHECK_LEVELS:
            problems.append(f"{where}, check {check.expression!r}: level must be error or warning")
        problems += _text_problems(where, f"check {check.expression!r} message", check.message)
    if problems:
        raise FormSpecError(problems)
    spec._compiled.update(compiled)


def _text_problems(where: str, what: str, text: Any) -> list[str]:
    if not isinstance(text, Mapping) or not text:
        return [f"{where}: {what} must map language codes to text, e.g. {{en: ...}}"]
    if not all(isinstance(key, str) and isinstance(value, str) for key, value in text.items()):
        return [f"{where}: {what}: every language code and text must be a string"]
    return []


def _question_problems(where: str, question: Question) -> list[str]:
    here = f"{where}, question {question.code!r}"
    problems = []
    if not isinstance(question.code, str) or not CODE_PATTERN.fullmatch(question.code):
        problems.append(
            f"{here}: code must be upper-case letters, digits or _ (at most 16), starting with a letter"
        )
    if question.kind not in QUESTION_KINDS:
        problems.append(f"{here}: kind {question.kind!r} is not one of {', '.join(QUESTION_KINDS)}")
    problems += _text_problems(where, f"question {question.code!r} label", question.label)
    if question.hint:
        problems += _text_problems(where, f"question {question.code!r} hint", question.hint)
    if question.kind in ("single", "multiple"):
        if not question.options:
            problems.append(f"{here}: a {question.kind} question needs options")
        seen: set[str] = set()
        for option in question.options:
            if isinstance(option.code, str) and len(option.code) > 20:
                problems.append(
                    f"{here}: option code {option.code!r} is {len(option.code)} characters long;"
                    " at most 20 are allowed"
                )
            elif not isinstance(option.code, str) or not OPTION_CODE_PATTERN.fullmatch(option.code):
                problems.append(f"{here}: option code {option.code!r} must be letters, digits or _")
            elif option.code.upper() in seen:
                problems.append(f"{here}: option code {option.code!r} is used twice")
            else:
                seen.add(option.code.upper())
            problems += _text_problems(
                where, f"question {question.code!r} option {option.code!r} label", option.label
            )
    elif question.options:
        problems.append(f"{here}: only single and multiple questions have options")
    problems += _range_problems(here, question)
    if not isinstance(question.required, bool):
        problems.append(f"{here}: required must be true or false")
    for name in ("relevant", "critical", "required_if"):
        value = getattr(question, name)
        if value is not None and not isinstance(value, str):
            problems.append(f"{here}: {name} must be an expression in quotes")
    if question.default is not None and not isinstance(question.default, str):
        problems.append(f"{here}: default must be text")
    if not isinstance(question.read_only, bool):
        problems.append(f"{here}: read_only must be true or false")
    if question.kind == "photo" and (question.default is not None or question.read_only):
        problems.append(f"{here}: a photo question has no default and cannot be read-only")
    if question.kind == "geopoint" and question.default is not None:
        problems.append(f"{here}: a geopoint question has no default (the phone finds the place)")
    if question.severity is not None and question.severity not in SEVERITIES:
        problems.append(
            f"{here}: severity {question.severity!r} is not one of {', '.join(SEVERITIES)}"
        )
    if question.severity is not None and question.critical is None:
        problems.append(f"{here}: severity is given but no critical rule")
    return problems


def _range_problems(here: str, question: Question) -> list[str]:
    """minimum/maximum: a whole number (integer), a number (decimal), an ISO date (date)."""
    problems = []
    bounds = []
    for name in ("minimum", "maximum"):
        value = getattr(question, name)
        if value is None:
            continue
        if question.kind not in RANGED_KINDS:
            problems.append(f"{here}: {name} applies to integer, decimal and date questions only")
        elif question.kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append(f"{here}: {name} must be a whole number, not {value!r}")
        elif question.kind == "decimal" and (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            problems.append(f"{here}: {name} must be a number, not {value!r}")
        elif question.kind == "date" and not is_iso_date(value):
            problems.append(f"{here}: {name} must be a date written YYYY-MM-DD, not {value!r}")
        else:
            bounds.append(value)
    if len(bounds) == 2 and bounds[0] > bounds[1]:
        problems.append(f"{here}: minimum {bounds[0]} is above maximum {bounds[1]}")
    return problems


def is_iso_date(value: Any) -> bool:
    """True for text "YYYY-MM-DD" naming a real day (2026-02-30 is not one)."""
    if not isinstance(value, str) or not ISO_DATE_PATTERN.fullmatch(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


_FORM_KEYS = {
    "code", "version", "kind", "phase", "languages", "name", "groups", "checks", "source",
}  # fmt: skip
_GROUP_KEYS = {"code", "label", "questions"}
_QUESTION_KEYS = {
    "code", "kind", "label", "hint", "options", "minimum", "maximum",
    "required", "relevant", "critical", "severity", "required_if", "default", "read_only",
}  # fmt: skip
_OPTION_KEYS = {"code", "label", "relevant"}
_CHECK_KEYS = {"expression", "message", "level"}


def _spec_from_dict(data: Any, source: str | None) -> FormSpec:
    origin = f"{source}: " if source else ""
    if not isinstance(data, Mapping):
        raise FormSpecError([f"{origin}a form definition must be a mapping of keys to values"])
    code = data.get("code")
    where = f"{origin}form {code!r}"
    problems: list[str] = []

    def unknown_keys(mapping: Mapping, allowed: set[str], what: str) -> None:
        extra = sorted(str(key) for key in mapping if key not in allowed)
        if extra:
            problems.append(f"{where}: {what}: unknown key(s) {', '.join(extra)}")

    def listing(value: Any, what: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            problems.append(f"{where}: {what} must be a list")
            return []
        return value

    unknown_keys(data, _FORM_KEYS, "form")
    languages = tuple(listing(data.get("languages"), "languages"))
    first_language = languages[0] if languages and isinstance(languages[0], str) else "en"

    def text(value: Any) -> Any:
        # A bare string is a text in the form's first language.
        if isinstance(value, str):
            return {first_language: value}
        if isinstance(value, Mapping):
            return {str(key): value[key] for key in value}
        return value if value is not None else {}

    groups = []
    for index, raw_group in enumerate(listing(data.get("groups"), "groups"), 1):
        if not isinstance(raw_group, Mapping):
            problems.append(f"{where}: group {index} must be a mapping")
            continue
        unknown_keys(raw_group, _GROUP_KEYS, f"group {raw_group.get('code', index)!r}")
        questions = []
        for raw in listing(raw_group.get("questions"), f"group {index} questions"):
            if not isinstance(raw, Mapping):
                problems.append(f"{where}: group {index}: each question must be a mapping")
                continue
            unknown_keys(raw, _QUESTION_KEYS, f"question {raw.get('code')!r}")
            options = []
            for raw_option in listing(raw.get("options"), f"question {raw.get('code')!r} options"):
                if not isinstance(raw_option, Mapping):
                    problems.append(
                        f"{where}: question {raw.get('code')!r}: each option needs code and label"
                    )
                    continue
                option_code = raw_option.get("code")
                unknown_keys(raw_option, _OPTION_KEYS, f"option {option_code!r}")
                # YAML reads 1 as an int; option codes are text.
                options.append(
                    Option(
                        code=str(option_code) if option_code is not None else "",
                        label=text(raw_option.get("label")),
                        relevant=raw_option.get("relevant"),
                    )
                )
            questions.append(
                Question(
                    code=_upper(raw.get("code")),
                    kind=cast(str, raw.get("kind")),
                    label=text(raw.get("label")),
                    hint=text(raw.get("hint")),
                    options=tuple(options),
                    minimum=_date_as_text(raw.get("minimum")),
                    maximum=_date_as_text(raw.get("maximum")),
                    required=raw.get("required", False),
                    relevant=raw.get("relevant"),
                    critical=raw.get("critical"),
                    severity=raw.get("severity"),
                    required_if=raw.get("required_if"),
                    default=_text_or_none(raw.get("default")),
                    read_only=raw.get("read_only", False),
                )
            )
        groups.append(
            Group(
                code=str(raw_group.get("code") or f"G{index}"),
                label=text(raw_group.get("label")),
                questions=tuple(questions),
            )
        )
    checks = []
    for raw in listing(data.get("checks"), "checks"):
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: each check needs expression and message")
            continue
        unknown_keys(raw, _CHECK_KEYS, f"check {raw.get('expression')!r}")
        checks.append(
            Check(
                expression=cast(str, raw.get("expression")),
                message=text(raw.get("message")),
                level=raw.get("level", "error"),
            )
        )
    if problems:
        raise FormSpecError(problems)
    try:
        return FormSpec(
            code=cast(str, code),
            name=text(data.get("name")),
            kind=cast(str, data.get("kind")),
            phase=data.get("phase", "any"),
            version=data.get("version", 1),
            languages=languages,
            groups=tuple(groups),
            checks=tuple(checks),
            source=data.get("source"),
        )
    except FormSpecError as exc:
        if source:
            raise FormSpecError([f"{source}: {problem}" for problem in exc.problems]) from None
        raise


def _text_or_none(value: Any) -> Any:
    # YAML reads a default of 3 as an int; defaults are kept as the text typed.
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _date_as_text(value: Any) -> Any:
    # YAML reads an unquoted 2026-12-06 as a date; date bounds are kept as ISO text.
    return value.isoformat() if isinstance(value, datetime.date) else value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


# A form has a few thousand values; YAML anchors and aliases (&, *) can make a
# small file expand to billions of them (an "alias bomb").
MAX_YAML_VALUES = 500_000


def loads_form(text: str, source: str | None = None, *, name: str | None = None) -> FormSpec:
    """Parse one form from YAML text; FormSpecError (naming ``name``, else ``source``) on any fault.

    YAML nested past Python's recursion limit, or whose aliases expand to more
    than MAX_YAML_VALUES values, is refused before it is built into objects.
    """
    where = name or source or "form"
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise FormSpecError([f"{where}: not valid YAML: {exc}"]) from None
    except RecursionError:
        raise FormSpecError([f"{where}: the YAML is nested too deeply to be a form"]) from None
    if root is not None:
        _check_yaml_size(root, where)
    data = yaml.safe_load(text)
    return FormSpec.from_dict(data, source)


def _check_yaml_size(root: yaml.Node, where: str) -> None:
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        if id(node) not in sizes:
            if isinstance(node, yaml.SequenceNode):
                children = [size(child) for child in node.value]
            elif isinstance(node, yaml.MappingNode):
                children = [size(key) + size(value) for key, value in node.value]
            else:
                children = []
            sizes[id(node)] = min(1 + sum(children), MAX_YAML_VALUES + 1)
        return sizes[id(node)]

    try:
        total = size(root)
    except RecursionError:
        raise FormSpecError([f"{where}: the YAML is nested too deeply to be a form"]) from None
    if total > MAX_YAML_VALUES:
        raise FormSpecError(
            [
                f"{where}: its anchors and aliases (&, *) expand to more than"
                f" {MAX_YAML_VALUES:,} values: refused as an alias bomb"
            ]
        )


def load_form(path: str | Path) -> FormSpec:
    """Load one form from a YAML file."""
    path = Path(path)
    return loads_form(path.read_text(encoding="utf-8"), source=str(path))


def dump_form(spec: FormSpec) -> str:
    """The form as YAML; ``loads_form(dump_form(spec)) == spec``."""
    return yaml.safe_dump(spec.to_dict(), allow_unicode=True, sort_keys=False, width=100)
