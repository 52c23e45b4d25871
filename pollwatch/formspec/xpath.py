"""Translate XLSForm (XPath) expressions into pollwatch expressions, knowing each question's type.

Pure core (no Django). The XLSForm reader (``xlsform.py``) hands over an
expression as written in a ``relevant``, ``constraint``, ``required``,
``calculation`` or ``choice_filter`` cell; :func:`translate` parses it (a
small recursive-descent parser for the part of XPath 1.0 that XLSForms use)
and writes the same condition in the language of ``expr.py``, or raises
:class:`Untranslatable` saying exactly which part cannot be kept.

Why a parser and not text substitution: a literal's meaning depends on the
question it is compared with. ``${station} = '123'`` on a text question is a
comparison of text and must stay ``STATION == '123'``; on a select_one with
option codes made of digits, ``${q} = '01'`` compares with the option that
validate.py reads as the number 1, so it becomes ``Q == 1``; on an integer
question ``'5'`` is the number 5. A wrong guess here would not fail loudly: the
condition would simply never hold and every dependent answer would be
dropped. The parser also finds the literal that is not an option of the
question it tests, the division nobody can evaluate, and the function with no
equivalent, and names each.

Supported: ``${name}``, ``.`` (the question itself), ``../name`` and
``/data/.../name`` (written by pyxform for ``or_other``), numbers, quoted
text, ``= != < <= > >=``, ``and``, ``or``, ``not(...)``, ``selected(x, 'v')``,
``true()``, ``false()``, ``date('YYYY-MM-DD')``, ``+ - *`` and unary minus.
Decimal questions take arithmetic and comparison with numbers, as integers
do; date and time questions compare (in calendar and clock order) with
another such question or a literal in their stored form (``'2026-12-06'``,
``'07:30'``), and take no arithmetic; ``today()`` and ``now()`` are refused
(the phone and the server may disagree on the day, and a report checked
again tomorrow would change its verdict). A ``calculate`` row that a
condition reads is put in its place (in parentheses). ``= ''`` (is
unanswered) is refused: in pollwatch an unanswered question makes a
condition unknown, so it would never hold; ``!= ''`` (is answered) is kept.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

KINDS_WITH_OPTIONS = ("single", "multiple")
NUMBER_KINDS = ("integer", "decimal")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)(:00(\.0+)?)?")


class Untranslatable(ValueError):
    """The expression (or a part of it, named in the message) has no pollwatch equivalent."""


@dataclass(frozen=True)
class Field:
    """What the translator needs to know about one XLSForm row that an expression can read."""

    code: str
    kind: str  # a pollwatch question kind (single, integer, date ...); or "calculate"
    options: tuple[str, ...] = ()
    calculation: str | None = None  # the XPath of a calculate row


@dataclass
class Context:
    """Where an expression is read: the form's fields, the question ``.`` means, a choice's columns."""

    fields: Mapping[str, Field]
    self_name: str | None = None
    choice: Mapping[str, str] | None = None  # a choices-sheet row, for choice_filter
    columns: frozenset[str] = frozenset()  # every column of that choice list
    unsupported: Callable[[str], str | None] | None = None  # a name -> why it cannot be read
    _calculating: tuple[str, ...] = field(default_factory=tuple)


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<ref>\$\{\s*(?P<refname>[^}\s]+)\s*\})
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<number>\d+(?:\.\d*)?|\.\d+)
    | (?P<path>(?:\.\./)+[A-Za-z_][\w.-]*|(?:/[A-Za-z_][\w.-]*)+)
    | (?P<op>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,|\.)
    | (?P<name>[A-Za-z_][\w.:-]*)
    )""",
    re.VERBOSE,
)
_COMPARISONS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_FUNCTIONS_WITHOUT_EQUIVALENT = {
    "count-selected": "count-selected() (how many choices were ticked)",
    "string-length": "string-length()",
    "regex": "regex()",
    "if": "if()",
    "concat": "concat()",
    "today": "today() (the phone and the server may disagree on the day; compare with a fixed date such as '2026-12-06')",
    "now": "now() (compare with a fixed time such as '07:00')",
    "coalesce": "coalesce()",
    "jr:choice-name": "jr:choice-name()",
    "pulldata": "pulldata()",
    "position": "position() (repeats)",
    "indexed-repeat": "indexed-repeat() (repeats)",
    "count": "count() (repeats)",
    "sum": "sum() over a repeat",
    "int": "int()",
    "round": "round()",
    "number": "number()",
    "string": "string()",
    "once": "once()",
    "uuid": "uuid()",
    "random": "random()",
    "selected-at": "selected-at()",
    "contains": "contains()",
    "starts-with": "starts-with()",
    "ends-with": "ends-with()",
    "substr": "substr()",
    "boolean-from-string": "boolean-from-string()",
    "decimal-date-time": "decimal-date-time()",
    "date": "date()",
    "format-date": "format-date()",
    "max": "max()",
    "min": "min()",
}


@dataclass(frozen=True)
class _Out:
    """A translated piece: its text, what it is, and how tightly it binds (for parentheses)."""

    text: str
    type: str  # "bool", "number", "text", or "field"
    precedence: int  # 1 or, 2 and, 3 not, 4 comparison, 5 + -, 6 *, 7 unary, 8 atom
    field: Field | None = None
    literal: str | None = None  # the raw text of a quoted literal or a choice column value


def translate(source: str, context: Context) -> str:
    """``source`` (XPath) as a pollwatch expression; Untranslatable naming the part refused."""
    parser = _Parser(_tokens(source), context)
    out = parser.disjunction()
    left = parser.peek()
    if left is not None:
        raise Untranslatable(f"unexpected {left[1]!r}")
    if out.literal is not None and out.field is None:
        raise Untranslatable("a condition needs a question to test, not only a constant")
    return out.text


def _tokens(source: str) -> list[tuple[str, str]]:
    tokens = []
    position = 0
    text = source.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise Untranslatable(f"cannot read {text[position:].strip()[:20]!r}")
        position = match.end()
        kind = str(match.lastgroup)
        if kind == "refname":
            kind = "ref"
        value = str(match.group("refname") if kind == "ref" else match.group(kind))
        if kind == "name" and value in ("and", "or", "div", "mod"):
            kind = "op"
        tokens.append((kind, value))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], context: Context):
        self.tokens = tokens
        self.at = 0
        self.context = context

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise Untranslatable("the expression ends too early")
        if value is not None and token[1] != value:
            raise Untranslatable(f"expected {value!r}, found {token[1]!r}")
        self.at += 1
        return token

    def accept(self, *values: str) -> str | None:
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in values:
            self.at += 1
            return token[1]
        return None

    def disjunction(self) -> _Out:
        parts = [self.conjunction()]
        while self.accept("or"):
            parts.append(self.conjunction())
        if len(parts) == 1:
            return parts[0]
        return _Out(" or ".join(_wrap(part, 1) for part in parts), "bool", 1)

    def conjunction(self) -> _Out:
        parts = [self.comparison()]
        while self.accept("and"):
            parts.append(self.comparison())
        if len(parts) == 1:
            return parts[0]
        return _Out(" and ".join(_wrap(part, 2) for part in parts), "bool", 2)

    def comparison(self) -> _Out:
        left = self.additive()
        op = self.accept(*_COMPARISONS)
        if op is None:
            return left
        right = self.additive()
        after = self.peek()
        if after is not None and after[1] in _COMPARISONS:
            raise Untranslatable(f"a chained comparison ({op} ... {after[1]}) is ambiguous")
        return _compare(op, left, right)

    def additive(self) -> _Out:
        out = self.multiplicative()
        while True:
            op = self.accept("+", "-")
            if op is None:
                return out
            right = self.multiplicative()
            out = _Out(f"{_wrap(_number(out), 5)} {op} {_wrap(_number(right), 6)}", "number", 5)

    def multiplicative(self) -> _Out:
        out = self.unary()
        while True:
            op = self.accept("*", "div", "mod")
            if op is None:
                return out
            if op in ("div", "mod"):
                raise Untranslatable(
                    f"'{op}' is not supported: pollwatch conditions have + - * only"
                )
            right = self.unary()
            out = _Out(f"{_wrap(_number(out), 6)} * {_wrap(_number(right), 7)}", "number", 6)

    def unary(self) -> _Out:
        if self.accept("-"):
            return _Out(f"-{_wrap(_number(self.unary()), 7)}", "number", 7)
        return self.primary()

    def primary(self) -> _Out:
        kind, value = self.take()
        if kind == "op" and value == "(":
            inner = self.disjunction()
            self.take(")")
            return _Out(f"({inner.text})", inner.type, 8, inner.field, inner.literal)
        if kind == "op" and value == ".":
            if self.context.self_name is None:
                raise Untranslatable("'.' (this question) means nothing here")
            return self.reference(self.context.self_name)
        if kind == "ref":
            return self.reference(value)
        if kind == "path":
            return self.reference(value.rsplit("/", 1)[-1])
        if kind == "string":
            return _literal(value[1:-1])
        if kind == "number":
            return _Out(_number_text(value), "number", 8)
        if kind == "name":
            if self.peek() == ("op", "("):
                return self.call(value)
            return self.column(value)
        raise Untranslatable(f"unexpected {value!r}")

    def reference(self, name: str) -> _Out:
        fields = self.context.fields
        if name not in fields:
            why = self.context.unsupported(name) if self.context.unsupported else None
            raise Untranslatable(why or f"there is no question named {name!r}")
        target = fields[name]
        if target.kind != "calculate":
            return _Out(target.code, "field", 8, target)
        if name in self.context._calculating:
            raise Untranslatable(f"the calculation of {name!r} refers to itself")
        if not target.calculation:
            raise Untranslatable(f"calculate {name!r} has no calculation")
        inner = Context(
            fields,
            None,
            self.context.choice,
            self.context.columns,
            self.context.unsupported,
            (*self.context._calculating, name),
        )
        try:
            text = translate(target.calculation, inner)
        except Untranslatable as exc:
            raise Untranslatable(
                f"it reads calculate {name!r}, which cannot be kept: {exc}"
            ) from None
        return _Out(f"({text})", "number", 8)

    def column(self, name: str) -> _Out:
        choice = self.context.choice
        if choice is None:
            raise Untranslatable(
                f"{name!r} is not a reference; write ${{{name}}} for a question, '{name}' for text"
            )
        if name not in choice and name in self.context.columns:
            return _literal("")  # an empty cell, as in ODK (e.g. the choice or_other adds)
        if name not in choice:
            raise Untranslatable(
                f"{name!r} is not a column of the choices sheet; quote it ('{name}') to mean the text"
            )
        return _literal(str(choice[name]))

    def call(self, name: str) -> _Out:
        self.take("(")
        arguments: list[_Out] = []
        if not self.accept(")"):
            arguments.append(self.disjunction())
            while self.accept(","):
                arguments.append(self.disjunction())
            self.take(")")
        if name in ("true", "false") and not arguments:
            return _Out("1 == 1" if name == "true" else "1 == 0", "bool", 4)
        if name == "not" and len(arguments) == 1:
            return _Out(f"not {_wrap(arguments[0], 4)}", "bool", 3)
        if name == "selected" and len(arguments) == 2:
            return _selected(*arguments)
        if name == "date" and len(arguments) == 1 and arguments[0].literal is not None:
            if not _is_date(arguments[0].literal):
                raise Untranslatable(
                    f"date({arguments[0].literal!r}) is not a day written YYYY-MM-DD"
                )
            return arguments[0]
        why = _FUNCTIONS_WITHOUT_EQUIVALENT.get(name, f"{name}()")
        raise Untranslatable(f"{why} has no equivalent in pollwatch conditions")


def _wrap(out: _Out, precedence: int) -> str:
    return out.text if out.precedence > precedence else f"({out.text})"


def _number_text(text: str) -> str:
    # "01" is 1 (Python would refuse the leading zero); "2." is 2.0.
    if re.fullmatch(r"\d+", text):
        return str(int(text))
    return repr(float(text))


def _literal(raw: str) -> _Out:
    return _Out(repr(raw), "text", 8, literal=raw)


def _number(out: _Out) -> _Out:
    if out.field is not None and out.field.kind not in NUMBER_KINDS:
        raise Untranslatable(f"arithmetic on {out.field.code}, a {out.field.kind} question")
    if out.literal is not None:
        if not re.fullmatch(r"-?\d+(\.\d+)?", out.literal.strip()):
            raise Untranslatable(f"arithmetic on the text {out.literal!r}")
        return _Out(_number_text(out.literal.strip()), "number", 8)
    return out


def _as_option(target: Field, raw: str) -> str:
    """An option code as validate.py hands it to expressions: digits read as a number."""
    if target.options and raw not in target.options:
        raise Untranslatable(
            f"{raw!r} is not a choice of {target.code} (its choices: {', '.join(target.options)})"
        )
    return str(int(raw)) if raw.isdigit() else repr(raw)


def _compare(op: str, left: _Out, right: _Out) -> _Out:
    if left.field is None and right.field is not None:
        flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        return _compare(flipped, right, left)
    python_op = _COMPARISONS[op]
    target = left.field
    if target is not None and right.literal is not None:
        raw = right.literal
        if raw == "":
            if op == "!=":
                return _Out(f"{target.code} != ''", "bool", 4)
            raise Untranslatable(
                f"testing whether {target.code} is unanswered (= '') is not supported;"
                " != '' (is answered) is"
            )
        if target.kind == "geopoint":
            raise Untranslatable(f"{target.code} is a location; it is not compared with {raw!r}")
        if target.kind in KINDS_WITH_OPTIONS:
            if op not in ("=", "!="):
                raise Untranslatable(f"{op} on the choice of {target.code} has no meaning")
            value = _as_option(target, raw)
            if target.kind == "multiple":
                # XPath compares the space-separated list: exactly this one choice.
                value = f"({value},)"
            return _Out(f"{target.code} {python_op} {value}", "bool", 4)
        if target.kind in NUMBER_KINDS:
            if not re.fullmatch(r"-?\d+(\.\d+)?", raw.strip()):
                raise Untranslatable(f"{target.code} is a number; {raw!r} is not one")
            return _Out(f"{target.code} {python_op} {_number_text(raw.strip())}", "bool", 4)
        if target.kind == "date":
            if not _is_date(raw.strip()):
                raise Untranslatable(
                    f"{target.code} is a date; {raw!r} is not a day written YYYY-MM-DD"
                )
            return _Out(f"{target.code} {python_op} {raw.strip()!r}", "bool", 4)
        if target.kind == "time":
            clock = _CLOCK.fullmatch(raw.strip())
            if clock is None:
                raise Untranslatable(
                    f"{target.code} is a time; {raw!r} is not a time written HH:MM"
                )
            return _Out(f"{target.code} {python_op} '{clock[1]}:{clock[2]}'", "bool", 4)
        if op not in ("=", "!="):
            raise Untranslatable(f"{op} between the text of {target.code} and {raw!r}")
        return _Out(f"{target.code} {python_op} {repr(raw)}", "bool", 4)
    if target is not None and right.type == "number" and target.kind == "text":
        raise Untranslatable(
            f"{target.code} is text and is compared with a number; quote the number to compare text"
        )
    if target is not None and target.kind in ("date", "time", "geopoint"):
        other = right.field.kind if right.field is not None else right.type
        if target.kind == "geopoint" or other != target.kind:
            raise Untranslatable(
                f"{target.code} is a {target.kind} and is compared with {_what(right)}"
            )
    if left.literal is not None and right.literal is not None:
        # Only in a choice_filter, where a column of the choice was put in: decide it now.
        if op not in ("=", "!="):
            raise Untranslatable(f"{op} between two texts")
        holds = (left.literal == right.literal) == (op == "=")
        return _Out("1 == 1" if holds else "1 == 0", "bool", 4)
    return _Out(f"{_wrap(left, 4)} {python_op} {_wrap(right, 4)}", "bool", 4)


def _is_date(text: str) -> bool:
    if not _ISO_DATE.fullmatch(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _what(out: _Out) -> str:
    if out.field is not None:
        return f"{out.field.code}, a {out.field.kind} question"
    return f"a {out.type} ({out.text})"


def _selected(target: _Out, value: _Out) -> _Out:
    field = target.field
    if field is None or field.kind not in KINDS_WITH_OPTIONS:
        raise Untranslatable("selected() needs a select_one or select_multiple question first")
    if value.literal is None:
        raise Untranslatable("selected() needs a choice in quotes as its second argument")
    option = _as_option(field, value.literal)
    if field.kind == "multiple":
        return _Out(f"{option} in {field.code}", "bool", 4)
    return _Out(f"{field.code} == {option}", "bool", 4)
