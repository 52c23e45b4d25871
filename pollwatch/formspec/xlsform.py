"""Import an XLSForm (the ODK spreadsheet format) as a FormSpec.

The spreadsheet is read by pyxform's own reader (``xls2json.parse_file_to_json``),
so anything ODK tools accept is read the same way here; this module only maps
pyxform's JSON to a FormSpec:

* ``select_one`` -> single, ``select_multiple`` -> multiple, ``integer``,
  ``text``, ``image`` -> photo; ``note`` and metadata (start, end,
  ``calculate`` ...) are skipped; other types are unsupported;
* ``begin_group`` -> a group (nested groups are flattened into the outer one;
  a group's ``relevant`` is and-ed into each of its questions); questions
  outside any group go into a group named after the form;
* ``constraint`` on an integer: a simple range (``. >= 0 and . <= 20``)
  becomes minimum/maximum; any other constraint that translates becomes a
  cross-field check with its ``constraint_message``;
* ``relevant``: ``${name}`` references, ``= != < <= > >=``, ``and``, ``or``,
  ``not(...)``, ``selected(${name}, 'x')`` and numbers or quoted option codes
  translate; anything else (XPath functions, arithmetic on text, ``div``,
  ``mod`` ...) is unsupported;
* ``required`` yes/true -> required;
* labels and hints per language from ``label::English (en)`` columns (the
  code in parentheses is the language; a column without a language is
  ``default_language``);
* the question code is the ``sms_field`` column when given, else the
  ``name`` upper-cased.

Unsupported parts are collected, each naming the row's question and the
text refused: with ``strict`` (the default) the import fails with all of them
listed; without, they are dropped and reported in ``warnings``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .expr import ExpressionError, compile_expression
from .spec import LANGUAGE_PATTERN, Check, FormSpec, FormSpecError, Group, Option, Question

_TYPES = {
    "select one": "single",
    "select all that apply": "multiple",
    "integer": "integer",
    "text": "text",
    "photo": "photo",
}
# Metadata and display-only rows: no answer from the observer.
_SKIPPED_TYPES = {
    "note", "calculate", "start", "end", "today", "deviceid", "subscriberid",
    "simserial", "phonenumber", "username", "email", "audit", "start-geopoint",
}  # fmt: skip
# Columns written "label::English" without a code; the rest must say "Name (code)".
_LANGUAGE_NAMES = {
    "english": "en", "azerbaijani": "az", "russian": "ru", "urdu": "ur", "french": "fr",
    "spanish": "es", "arabic": "ar", "ukrainian": "uk", "georgian": "ka", "armenian": "hy",
    "turkish": "tr", "persian": "fa", "portuguese": "pt", "german": "de",
}  # fmt: skip
_LANGUAGE_IN_PARENS = re.compile(r"\(([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)\)\s*$")
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}")
_SELECTED = re.compile(
    r"selected\(\s*\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}\s*,\s*(['\"])([^'\"]*)\2\s*\)"
)
_QUOTED = re.compile(r"(['\"])([^'\"]*)\1")
_SELF = re.compile(r"(?<![\w.$])\.(?![\w.])")


class XLSFormError(ValueError):
    """The XLSForm cannot be imported; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("XLSForm import failed:\n  " + "\n  ".join(self.problems))


def form_from_xlsform(
    path: str | Path,
    code: str | None = None,
    kind: str = "checklist",
    phase: str = "any",
    version: int | None = None,
    default_language: str = "en",
    strict: bool = True,
    warnings: list[str] | None = None,
) -> FormSpec:
    """Read the XLSForm at ``path`` as a FormSpec with form code ``code``.

    Without ``code``, the settings sheet's ``form_id`` (else the file name) is
    used, upper-cased with anything but letters and digits removed and cut to
    10 characters; pass ``code`` for a short SMS keyword.
    ``version`` defaults to the settings sheet's version when it is a whole
    number, else 1. Raises XLSFormError (all problems listed) if anything is
    unsupported and ``strict``, or if the result is not a valid form.
    """
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import parse_file_to_json

    if warnings is None:
        warnings = []
    try:
        survey = parse_file_to_json(str(path), default_language=default_language, warnings=[])
    except PyXFormError as exc:
        raise XLSFormError([f"{path}: pyxform cannot read it: {exc}"]) from None
    if code is None:
        raw_code = str(survey.get("id_string") or Path(path).stem)
        code = re.sub(r"[^A-Z0-9]", "", raw_code.upper())[:10]
    importer = _Importer(default_language)
    importer.walk(survey.get("children", []), group=None, group_relevant=None)
    problems = importer.problems
    if problems and strict:
        raise XLSFormError(problems)
    warnings.extend(problems)

    title = survey.get("title") or survey.get("id_string") or code
    title_text = (
        importer.text(title)
        if isinstance(title, Mapping)
        else {lang: str(title) for lang in importer.languages or [default_language]}
    )
    groups = importer.groups
    if importer.loose:
        groups.insert(0, Group(code="MAIN", label=title_text, questions=tuple(importer.loose)))
    if version is None:
        raw_version = str(survey.get("version") or "1").strip()
        version = int(raw_version) if raw_version.isdigit() and 0 < int(raw_version) < 2**31 else 1
    languages = importer.languages or [default_language]
    try:
        return FormSpec(
            code=code,
            name=title_text,
            kind=kind,
            phase=phase,
            version=version,
            languages=tuple(languages),
            groups=tuple(groups),
            checks=tuple(importer.checks),
        )
    except FormSpecError as exc:
        raise XLSFormError(exc.problems) from None


class _Importer:
    def __init__(self, default_language: str):
        self.default_language = default_language
        self.languages: list[str] = []
        self.problems: list[str] = []
        self.groups: list[Group] = []
        self.loose: list[Question] = []
        self.checks: list[Check] = []
        self.codes: dict[str, str] = {}  # XLSForm name -> question code
        self.bad_languages: set[str] = set()

    def language(self, column: str) -> str:
        if column == "default":
            return self.default_language
        match = _LANGUAGE_IN_PARENS.search(column)
        if match:
            return match.group(1).lower()
        name = column.strip().lower()
        if name in _LANGUAGE_NAMES:
            return _LANGUAGE_NAMES[name]
        if not LANGUAGE_PATTERN.fullmatch(name) and column not in self.bad_languages:
            self.bad_languages.add(column)
            self.problems.append(
                f"language column {column!r}: name the language with its code, e.g. 'English (en)'"
            )
        return name

    def text(self, value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if isinstance(value, Mapping):
            out = {
                self.language(str(key)): str(text)
                for key, text in value.items()
                if text is not None
            }
        else:
            out = {self.default_language: str(value)}
        for lang in out:
            if lang not in self.languages:
                self.languages.append(lang)
        return out

    def walk(
        self, children: list, group: list[Question] | None, group_relevant: str | None
    ) -> None:
        # First pass gives every question its code, so a relevant may name a later question.
        self._collect_codes(children)
        for child in children:
            kind = child.get("type")
            name = child.get("name", "?")
            bind = child.get("bind") or {}
            if kind == "group" and name == "meta":
                continue
            if kind == "group":
                relevant = self.expression(bind.get("relevant"), name, "group relevant")
                combined = _and(group_relevant, relevant)
                if group is None:
                    questions: list[Question] = []
                    self.walk(child.get("children", []), questions, combined)
                    if questions:
                        self.groups.append(
                            Group(
                                code=_code(name),
                                label=self.text(child.get("label"))
                                or {self.default_language: name},
                                questions=tuple(questions),
                            )
                        )
                else:
                    self.walk(child.get("children", []), group, combined)
                continue
            if kind == "repeat":
                self.problems.append(f"{name}: repeat groups are not supported")
                continue
            if kind in _SKIPPED_TYPES:
                continue
            if kind not in _TYPES:
                self.problems.append(f"{name}: question type {kind!r} is not supported")
                continue
            question = self.question(child, _TYPES[kind], group_relevant)
            if question is not None:
                (group if group is not None else self.loose).append(question)

    def _collect_codes(self, children: list) -> None:
        for child in children:
            if child.get("type") == "group":
                self._collect_codes(child.get("children", []))
            elif "name" in child:
                self.codes[child["name"]] = _code(child.get("sms_field") or child["name"])

    def question(
        self, child: Mapping[str, Any], kind: str, group_relevant: str | None
    ) -> Question | None:
        name = child["name"]
        code = self.codes[name]
        bind = child.get("bind") or {}
        options = tuple(
            Option(
                code=str(choice.get("name")),
                label=self.text(choice.get("label"))
                or {self.default_language: str(choice.get("name"))},
            )
            for choice in child.get("choices") or ()
        )
        minimum = maximum = None
        constraint = bind.get("constraint")
        if constraint:
            translated = self.expression(constraint, name, "constraint", self_code=code)
            if translated is not None:
                bounds = _range(translated, code) if kind == "integer" else None
                if bounds is not None:
                    minimum, maximum = bounds
                else:
                    message = self.text(bind.get("jr:constraintMsg")) or {
                        self.default_language: f"{code}: {constraint}"
                    }
                    self.checks.append(Check(expression=translated, message=message))
        relevant = _and(group_relevant, self.expression(bind.get("relevant"), name, "relevant"))
        required = str(bind.get("required", "")).strip().lower() in ("yes", "true", "true()", "1")
        return Question(
            code=code,
            kind=kind,
            label=self.text(child.get("label")) or {self.default_language: name},
            hint=self.text(child.get("hint")),
            options=options,
            minimum=minimum,
            maximum=maximum,
            required=required,
            relevant=relevant,
        )

    def expression(
        self, source: Any, name: str, what: str, self_code: str | None = None
    ) -> str | None:
        """Translate an XLSForm expression, or record why not and return None."""
        if source is None or not str(source).strip():
            return None
        source = str(source)
        try:
            translated = _translate(source, self.codes, self_code)
            compile_expression(translated, set(self.codes.values()))
        except (ExpressionError, KeyError) as exc:
            reason = f"unknown question {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)
            self.problems.append(f"{name}: {what} {source!r} is not supported ({reason})")
            return None
        return translated


def _translate(source: str, codes: Mapping[str, str], self_code: str | None) -> str:
    text = _SELECTED.sub(lambda m: f"({_literal(m.group(3))} in {codes[m.group(1)]})", source)
    text = _REFERENCE.sub(lambda m: codes[m.group(1)], text)
    if self_code is not None:
        text = _SELF.sub(self_code, text)
    text = _QUOTED.sub(lambda m: _literal(m.group(2)), text)
    # XPath equality is a single "="; leave != <= >= alone.
    text = re.sub(r"(?<![!<>=])=(?!=)", "==", text)
    if re.search(r"==\s*''|''\s*==", text):
        # An unanswered question makes our expression unknown, so "= ''" would silently never hold.
        raise ExpressionError(
            "testing for an unanswered question (= '') is not supported; != '' is"
        )
    return re.sub(r"\bnot\s*\(", "not (", text)


def _literal(value: str) -> str:
    return value if value.isdigit() else repr(value)


def _range(expression: str, code: str) -> tuple[int | None, int | None] | None:
    """(minimum, maximum) if the expression is only bounds on ``code``, else None."""
    minimum = maximum = None
    for part in re.split(r"\s+and\s+", expression.strip()):
        match = re.fullmatch(rf"\(?\s*{code}\s*(>=|<=|>|<)\s*(-?\d+)\s*\)?", part.strip())
        if not match:
            return None
        op, number = match.group(1), int(match.group(2))
        if op == ">=":
            minimum = number if minimum is None else max(minimum, number)
        elif op == ">":
            minimum = number + 1 if minimum is None else max(minimum, number + 1)
        elif op == "<=":
            maximum = number if maximum is None else min(maximum, number)
        else:
            maximum = number - 1 if maximum is None else min(maximum, number - 1)
    return minimum, maximum


def _and(first: str | None, second: str | None) -> str | None:
    if first and second:
        return f"({first}) and ({second})"
    return first or second


def _code(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", str(name)).upper()
