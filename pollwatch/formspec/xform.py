"""A FormSpec as an ODK XForm, for ODK Collect and Enketo: XLSForm rows made here, the XForm by pyxform.

Pure core (no Django). :func:`xform` writes the form as XLSForm sheets
(survey, choices, settings) and lets pyxform's own converter make the XForm,
so what ODK tools read is what pyxform writes. The mapping (docs/odk.md):

* ``station``: a required select_one of the stations given (the observer's
  deployments); the server checks it again;
* yes_no -> select_one with choices 1 (yes) and 0 (no), as pollwatch stores
  them; single -> select_one; multiple -> select_multiple; integer; decimal;
  date; time; geopoint; text; photo -> image (at most 2048 pixels on a side, as the phone can shrink it);
* each group -> a group shown as one page (``field-list``);
* ``required`` -> required (``required_if`` -> its XPath); ``default`` and
  ``read_only`` as they are; ``${CODE}`` in a label is pyxform's own
  reference; ``minimum``/``maximum`` -> a constraint; a choice's condition
  (from an XLSForm choice_filter) is left to the server;
* ``relevant`` -> an XPath relevant with the same three-valued meaning: a
  question whose rule reads an unanswered question does not apply
  (:func:`to_xpath`);
* cross-field checks (error and warning alike) -> a note shown after the
  last question the check reads, only while the answers break it. As in the
  observer app, a check never stops the observer from sending: the server
  flags the report instead;
* ``start``, ``end`` and ``meta/instanceID`` (pyxform adds the last).

What does not translate is left out and listed in :attr:`XForm.notes`; the
server's validation checks it on arrival as it does for every report.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .expr import ExpressionError
from .spec import YES_NO_LABELS, FormSpec, Question
from .xlsform import _LANGUAGE_NAMES

STATION_FIELD = "station"
MAX_PIXELS = 2048
_LANGUAGE_TITLES = {code: name.title() for name, code in _LANGUAGE_NAMES.items()}
STATION_LABEL = {
    "en": "Polling station",
    "az": "Seçki məntəqəsi",
    "ru": "Избирательный участок",
    "ur": "پولنگ اسٹیشن",
}
_XPATH_OPERATORS = {
    ast.Eq: "=",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}


class Untranslatable(ValueError):
    """An expression that has no XPath equivalent here; the message says what."""


@dataclass(frozen=True)
class XForm:
    """The XForm XML text and what was left for the server to check (one line each)."""

    xml: str
    notes: tuple[str, ...] = field(default_factory=tuple)


def xform(spec: FormSpec, form_id: str, stations: Sequence[tuple[str, str]]) -> XForm:
    """The XForm of ``spec`` with id ``form_id``, version ``spec.version``, and a station list.

    ``stations`` are (code, label) pairs, at least one. Raises ValueError when
    there is none, and pyxform's PyXFormError if pyxform refuses the rows
    (a bug here, not the caller's).
    """
    from pyxform.xls2xform import convert

    if not stations:
        raise ValueError("an XForm needs at least one station to choose")
    sheets, notes = xlsform_rows(spec, form_id, stations)
    result = convert(sheets, warnings=[], form_name="data")
    return XForm(xml=result.xform, notes=tuple(notes))


def xlsform_rows(
    spec: FormSpec, form_id: str, stations: Sequence[tuple[str, str]]
) -> tuple[dict[str, list[dict[str, str]]], list[str]]:
    """The XLSForm sheets (survey, choices, settings) as rows, and the notes on what was left out."""
    columns = {language: _column(language) for language in spec.languages}

    def texts(column: str, text: dict[str, str]) -> dict[str, str]:
        # Every language gets a text (the first language's when it has none): ODK shows "-" otherwise.
        fallback = text.get(spec.languages[0]) or next(iter(text.values()), "")
        return {
            f"{column}::{columns[language]}": text.get(language) or fallback
            for language in spec.languages
        }

    survey: list[dict[str, str]] = [
        {"type": "start", "name": "start"},
        {"type": "end", "name": "end"},
        {
            "type": f"select_one {STATION_FIELD}s",
            "name": STATION_FIELD,
            "required": "yes",
            **texts("label", STATION_LABEL),
        },
    ]
    choices: list[dict[str, str]] = [
        {"list_name": f"{STATION_FIELD}s", "name": code, **texts("label", {"en": label})}
        for code, label in stations
    ]
    choices += [
        {"list_name": "yes_no", "name": value, **texts("label", YES_NO_LABELS[value])}
        for value in ("1", "0")
    ]
    notes: list[str] = []
    checks_after = _checks_by_last_question(spec)
    kinds = {question.code: question.kind for question in spec.questions}
    for group in spec.groups:
        survey.append(
            {
                "type": "begin_group",
                "name": f"group_{_xml_name(group.code)}",
                "appearance": "field-list",
                **texts("label", group.label),
            }
        )
        for question in group.questions:
            row = _question_row(question, texts)
            if question.options:
                choices += [
                    {"list_name": f"q_{question.code}", "name": option.code}
                    | texts("label", option.label)
                    for option in question.options
                ]
            if question.relevant is not None:
                try:
                    row["relevant"] = to_xpath(spec, question.relevant, kinds)[0]
                except Untranslatable as exc:
                    notes.append(
                        f"{question.code}: relevant {question.relevant!r} is not in the XForm "
                        f"({exc}); the server drops the answer when the question does not apply"
                    )
            if question.required_if is not None:
                try:
                    row["required"] = to_xpath(spec, question.required_if, kinds)[0]
                except Untranslatable as exc:
                    notes.append(
                        f"{question.code}: required when {question.required_if!r} is not in the"
                        f" XForm ({exc}); the server asks for the answer"
                    )
            if any(option.relevant is not None for option in question.options):
                notes.append(
                    f"{question.code}: every choice shows in the XForm; the server refuses a"
                    " choice whose condition (choice filter) does not hold"
                )
            survey.append(row)
            for number, check in checks_after.get(question.code, []):
                try:
                    broken = to_xpath(spec, check.expression, kinds)[1]
                except Untranslatable as exc:
                    notes.append(
                        f"check {check.expression!r} is not in the XForm ({exc}); "
                        "the server checks it"
                    )
                    continue
                names = sorted(spec.expression(check.expression).names)
                shown = ", ".join(f"{name} = ${{{name}}}" for name in names)
                message = {lang: f"⚠ {text} ({shown})" for lang, text in check.message.items()}
                survey.append(
                    {
                        "type": "note",
                        "name": f"check_{number}",
                        "relevant": broken,
                        **texts("label", message),
                    }
                )
        survey.append({"type": "end_group"})
    settings = {
        "form_id": form_id,
        "form_title": spec.name.get(spec.languages[0]) or spec.code,
        "version": str(spec.version),
        "default_language": columns[spec.languages[0]],
    }
    return {"survey": survey, "choices": choices, "settings": [settings]}, notes


def _question_row(question: Question, texts) -> dict[str, str]:
    kind = {
        "yes_no": "select_one yes_no",
        "single": f"select_one q_{question.code}",
        "multiple": f"select_multiple q_{question.code}",
        "integer": "integer",
        "decimal": "decimal",
        "date": "date",
        "time": "time",
        "geopoint": "geopoint",
        "text": "text",
        "photo": "image",
    }[question.kind]
    row = {"type": kind, "name": question.code, **texts("label", question.label)}
    if question.hint:
        row |= texts("hint", question.hint)
    if question.required:
        row["required"] = "yes"
    if question.default is not None:
        row["default"] = question.default
    if question.read_only:
        row["read_only"] = "yes"
    if question.kind == "photo":
        row["parameters"] = f"max-pixels={MAX_PIXELS}"
    bounds = []
    # XPath compares a date with date('...'), never with a string (which it reads as NaN).
    bound = "date('{}')" if question.kind == "date" else "{}"
    if question.minimum is not None:
        bounds.append(". >= " + bound.format(question.minimum))
    if question.maximum is not None:
        bounds.append(". <= " + bound.format(question.maximum))
    if bounds:
        row["constraint"] = " and ".join(bounds)
        # Numbers only: the same message reads in every language.
        low = "" if question.minimum is None else str(question.minimum)
        high = "" if question.maximum is None else str(question.maximum)
        row |= texts("constraint_message", {"en": f"{low} … {high}".strip()})
    return row


def _checks_by_last_question(spec: FormSpec) -> dict[str, list[tuple[int, Any]]]:
    """Each check under the last question (in form order) it reads, numbered from 1."""
    order = {question.code: index for index, question in enumerate(spec.questions)}
    placed: dict[str, list[tuple[int, Any]]] = {}
    for number, check in enumerate(spec.checks, 1):
        names = spec.expression(check.expression).names
        last = max(names, key=order.__getitem__) if names else spec.questions[-1].code
        placed.setdefault(last, []).append((number, check))
    return placed


def to_xpath(spec: FormSpec, source: str, kinds: dict[str, str] | None = None) -> tuple[str, str]:
    """(holds, fails): two XPath conditions over ``${CODE}`` references for one of the form's expressions.

    pollwatch's expressions have three values: an expression reading an
    unanswered question is unknown unless the rest decides it (Kleene logic,
    see ``expr``). XPath has two, and reads an empty answer as "" (or NaN), so
    each expression becomes two: *holds* is true exactly when pollwatch
    evaluates it to ``True`` (skip logic asks for exactly that), *fails* exactly
    when it evaluates to something false (a check is broken only then). Raises Untranslatable for what has
    no equivalent (e.g. comparing a multiple-choice answer with ``==``).
    """
    if kinds is None:
        kinds = {question.code: question.kind for question in spec.questions}
    try:
        tree = spec.expression(source)._tree
    except KeyError:
        raise ExpressionError(f"{source!r} is not an expression of form {spec.code}") from None
    holds, fails = _Translator(kinds).condition(tree.body)
    if not isinstance(tree.body, ast.Compare | ast.BoolOp) and not (
        isinstance(tree.body, ast.UnaryOp) and isinstance(tree.body.op, ast.Not)
    ):
        # Skip logic asks for exactly True: a bare value (``A1``, ``N + 1``) never is one.
        holds = "false()"
    return holds, fails


class _Translator:
    def __init__(self, kinds: dict[str, str]) -> None:
        self.kinds = kinds

    def condition(self, node: ast.AST) -> tuple[str, str]:
        if isinstance(node, ast.BoolOp):
            parts = [self.condition(value) for value in node.values]
            each_holds, each_fails = [p[0] for p in parts], [p[1] for p in parts]
            if isinstance(node.op, ast.And):
                return _join(each_holds, "and"), _join(each_fails, "or")
            return _join(each_holds, "or"), _join(each_fails, "and")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            holds, fails = self.condition(node.operand)
            return fails, holds
        if isinstance(node, ast.Compare):
            pairs = []
            left = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                pairs.append(self.comparison(left, op, right))
                left = right
            return _join([p[0] for p in pairs], "and"), _join([p[1] for p in pairs], "or")
        if isinstance(node, ast.Constant):
            return ("true()", "false()") if node.value else ("false()", "true()")
        if isinstance(node, ast.Name) and self.kinds.get(node.id) in ("single", "multiple"):
            raise Untranslatable(f"the truth of the choice answer {node.id}")
        # A number (or text) used as a condition: true when answered and not zero (not empty).
        value, names = self.value(node)
        if isinstance(node, ast.Name) and self.kinds.get(node.id) in _ANSWERED_ONLY:
            return _answered(names), "false()"
        return _known(names, f"{value} != 0"), _known(names, f"{value} = 0")

    def comparison(self, left: ast.AST, op: ast.cmpop, right: ast.AST) -> tuple[str, str]:
        if isinstance(op, ast.In | ast.NotIn):
            test, names = self.membership(left, right)
            holds, fails = _known(names, test), _known(names, f"not({test})")
            return (holds, fails) if isinstance(op, ast.In) else (fails, holds)
        if _is_empty_text(left) or _is_empty_text(right):
            # ``X != ''`` asks whether X is answered: its plain value, whatever its kind.
            left_text, left_names = self.value(left)
            right_text, right_names = self.value(right)
        else:
            left_text, left_names = self.value(left, beside=right)
            right_text, right_names = self.value(right, beside=left)
        symbol = _XPATH_OPERATORS[type(op)]
        names = left_names | right_names
        test = f"{left_text} {symbol} {right_text}"
        return _known(names, test), _known(names, f"not({test})")

    def membership(self, left: ast.AST, right: ast.AST) -> tuple[str, set[str]]:
        if isinstance(right, ast.Name):
            if self.kinds.get(right.id) != "multiple" or not isinstance(left, ast.Constant):
                raise Untranslatable("`in` a question other than a multiple choice")
            return f"selected(${{{right.id}}}, {_quote(str(left.value))})", {right.id}
        if not isinstance(right, ast.Tuple | ast.List | ast.Set):
            raise Untranslatable("`in` something other than a list")
        if isinstance(left, ast.Name) and self.kinds.get(left.id) == "multiple":
            raise Untranslatable(f"a multiple-choice answer ({left.id}) `in` a list")
        value, names = self.value(left)
        options = [self.value(element)[0] for element in right.elts]
        if not options:
            return "false()", names
        return "(" + " or ".join(f"{value} = {option}" for option in options) + ")", names

    def value(self, node: ast.AST, beside: ast.AST | None = None) -> tuple[str, set[str]]:
        """An XPath value and the question codes it reads; ``beside``: what it is compared with.

        XPath compares with ``<`` only numbers: a date question's value is one
        (days), so a date text beside it becomes ``date('...')``; a time is
        compared as its minute of the day (``decimal-time`` is a fraction of
        the day, rounded to the minute so that 07:30 equals 07:30).
        """
        beside_kind = self.kinds.get(beside.id) if isinstance(beside, ast.Name) else None
        if isinstance(node, ast.Name):
            kind = self.kinds.get(node.id)
            if kind == "multiple":
                raise Untranslatable(f"the multiple-choice answer {node.id} used as a value")
            if kind == "geopoint":
                raise Untranslatable(f"the location {node.id} used as a value")
            if kind == "time" and beside is not None:
                return f"round(decimal-time(${{{node.id}}}) * 1440)", {node.id}
            return f"${{{node.id}}}", {node.id}
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and beside_kind == "date":
                return f"date({_quote(node.value)})", set()
            if isinstance(node.value, str) and beside_kind == "time":
                hours, _, minutes = node.value.partition(":")
                if not (hours.isdigit() and minutes.isdigit()):
                    raise Untranslatable(f"{node.value!r} compared with a time")
                return str(int(hours) * 60 + int(minutes)), set()
            if isinstance(node.value, str):
                return _quote(node.value), set()
            return repr(node.value), set()
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand, names = self.value(node.operand)
            return (f"-({operand})" if isinstance(node.op, ast.USub) else operand), names
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            left, left_names = self.value(node.left)
            right, right_names = self.value(node.right)
            return f"({left} {_ARITHMETIC[type(node.op)]} {right})", left_names | right_names
        if isinstance(node, ast.Call):  # only sum(...) compiles
            parts = [self.value(arg) for arg in node.args]
            names = set().union(*(p[1] for p in parts))
            return "(" + " + ".join(p[0] for p in parts) + ")", names
        raise Untranslatable(f"{type(node).__name__} used as a value")


_ANSWERED_ONLY = ("text", "photo", "date", "time", "geopoint")


def _is_empty_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == ""


def _known(names: set[str], test: str) -> str:
    """``test``, but only once every question it reads is answered (else pollwatch says unknown)."""
    if not names:
        return f"({test})"
    return f"({_answered(names)} and {test})"


def _answered(names: set[str]) -> str:
    return " and ".join(f"${{{name}}} != ''" for name in sorted(names))


def _join(parts: list[str], operator: str) -> str:
    return parts[0] if len(parts) == 1 else "(" + f" {operator} ".join(parts) + ")"


def _quote(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    raise Untranslatable("text holding both kinds of quote")


def _column(language: str) -> str:
    """The XLSForm column suffix for a language: ``English (en)``, or ``xx (xx)`` for an unnamed one."""
    return f"{_LANGUAGE_TITLES.get(language, language)} ({language})"


def _xml_name(code: str) -> str:
    cleaned = "".join(char if char.isalnum() or char in "_-." else "_" for char in code)
    return cleaned if cleaned[:1].isalpha() or cleaned[:1] == "_" else f"_{cleaned}"
