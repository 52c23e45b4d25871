"""A small, safe expression language for skip logic, critical answers and cross-field checks.

Expressions are parsed with Python's ``ast`` module and accepted only if every
node is in a whitelist:

* names: question codes of the form (upper-case, e.g. ``A1``, ``VA``);
* numbers and short strings, and tuples/lists of them (for ``in``);
* ``+``, ``-``, ``*`` and unary ``-``/``+``;
* comparisons ``== != < <= > >= in``, ``not in`` (chains allowed);
* ``and``, ``or``, ``not``;
* ``sum(...)`` over names or expressions, with a range shorthand
  ``sum(C1..C7)`` meaning ``sum(C1, C2, ..., C7)``.

Anything else (attribute access, subscripts, other calls, lambdas,
comprehensions, ``**``, division, f-strings ...) is rejected when the
expression is compiled, with a ``ExpressionError`` naming what was refused.
Compiling happens when a form is loaded, so a bad expression never reaches
an observer.

Evaluation takes a mapping of question code to value. A name without a value
(unanswered or not relevant) makes the sub-expression *unknown*; ``and`` and
``or`` follow three-valued logic (``unknown or True`` is True), and an
expression that stays unknown evaluates to ``UNKNOWN``. Callers decide what
unknown means: skip logic treats it as "not relevant", a check as "cannot
be checked yet", a critical rule as "not raised".
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

MAX_EXPRESSION_LENGTH = 1000
CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9_]{0,15}")
MAX_RANGE = 200  # sum(C1..C500) is surely a typo
MAX_DEPTH = 40

# Two upper-case codes with the same letter prefix around "..", e.g. C1..C12.
_RANGE = re.compile(r"\b([A-Z][A-Z_]*?)(\d+)\s*\.\.\s*([A-Z][A-Z_]*?)(\d+)\b")


class ExpressionError(ValueError):
    """The expression is not in the allowed subset (raised when compiling)."""


class _Unknown:
    """The value of an expression over answers that are missing."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        # Guard against a caller using it as a boolean by accident.
        raise TypeError("UNKNOWN has no truth value; compare with `is UNKNOWN`")


UNKNOWN: Any = _Unknown()


class _Missing(Exception):
    pass


def expand_ranges(source: str) -> str:
    """Rewrite ``C1..C7`` into ``C1, C2, C3, C4, C5, C6, C7``.

    Raises ExpressionError if the two ends have different prefixes, run
    backwards, or span more than MAX_RANGE codes.
    """

    def repl(match: re.Match) -> str:
        prefix, start, prefix_end, end = match.groups()
        if prefix != prefix_end:
            raise ExpressionError(f"range {match.group(0)!r}: both ends must share the prefix")
        first, last = int(start), int(end)
        if last < first:
            raise ExpressionError(f"range {match.group(0)!r} runs backwards")
        if last - first >= MAX_RANGE:
            raise ExpressionError(f"range {match.group(0)!r} is longer than {MAX_RANGE}")
        return ", ".join(f"{prefix}{i}" for i in range(first, last + 1))

    return _RANGE.sub(repl, source)


_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
}
_NODE_NAMES = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.JoinedStr: "f-strings",
    ast.IfExp: "conditional expressions",
    ast.NamedExpr: "assignment (:=)",
    ast.Dict: "dicts",
    ast.Starred: "star arguments",
    ast.Await: "await",
    ast.Yield: "yield",
}


@dataclass(frozen=True)
class Expression:
    """A compiled, whitelisted expression; ``names`` are the question codes it reads."""

    source: str
    names: frozenset[str]
    _tree: ast.Expression

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """The value over ``values`` (code -> answer), or UNKNOWN if it needs a missing answer.

        Never raises for type mismatches between answers (e.g. text compared with
        a number): such an expression is UNKNOWN too.
        """
        try:
            return _eval(self._tree.body, values)
        except _Missing:
            return UNKNOWN
        except (TypeError, ValueError, OverflowError, MemoryError, RecursionError):
            return UNKNOWN

    def __str__(self) -> str:
        return self.source


def compile_expression(
    source: str, known_names: frozenset[str] | set[str] | None = None
) -> Expression:
    """Parse and whitelist ``source``.

    ``known_names``, if given, is the set of codes the expression may read;
    any other name is an error. Raises ExpressionError with a message that
    says what was refused.
    """
    if not isinstance(source, str):
        raise ExpressionError(f"expression must be text, not {type(source).__name__}")
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"expression is longer than {MAX_EXPRESSION_LENGTH} characters")
    expanded = expand_ranges(source.strip())
    try:
        tree = ast.parse(expanded, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}") from None
    except (ValueError, MemoryError, RecursionError) as exc:
        raise ExpressionError(f"cannot parse: {exc}") from None
    names: set[str] = set()
    _check(tree.body, names, 0)
    if known_names is not None:
        unknown = sorted(names - set(known_names))
        if unknown:
            raise ExpressionError(f"unknown question code(s): {', '.join(unknown)}")
    return Expression(source=source, names=frozenset(names), _tree=tree)


def _check(node: ast.AST, names: set[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ExpressionError("expression is nested too deeply")
    if isinstance(node, ast.Name):
        if not CODE_PATTERN.fullmatch(node.id):
            raise ExpressionError(f"{node.id!r} is not a question code (codes are upper-case)")
        names.add(node.id)
        return
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ExpressionError(f"constant {value!r} is not allowed (numbers and text only)")
        if isinstance(value, str) and len(value) > 100:
            raise ExpressionError("text constants are limited to 100 characters")
        if isinstance(value, int) and abs(value) > 10**15:
            raise ExpressionError(f"number {value} is too large")
        return
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        for element in node.elts:
            if not isinstance(element, ast.Constant) and not (
                isinstance(element, ast.UnaryOp) and isinstance(element.operand, ast.Constant)
            ):
                raise ExpressionError("a list for `in` may hold only numbers and text")
            _check(element, names, depth + 1)
        return
    if isinstance(node, ast.BoolOp):
        for operand in node.values:
            _check(operand, names, depth + 1)
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.Not | ast.USub | ast.UAdd):
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        _check(node.operand, names, depth + 1)
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            symbol = {ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**"}.get(
                type(node.op)
            )
            raise ExpressionError(
                f"operator {symbol or type(node.op).__name__} is not allowed (only + - *)"
            )
        _check(node.left, names, depth + 1)
        _check(node.right, names, depth + 1)
        return
    if isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise ExpressionError(
                    f"comparison {type(op).__name__} is not allowed (use == != < <= > >= in)"
                )
        _check(node.left, names, depth + 1)
        for comparator in node.comparators:
            _check(comparator, names, depth + 1)
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id != "sum":
            called = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise ExpressionError(f"call to {called!r} is not allowed (only sum(...))")
        if node.keywords:
            raise ExpressionError("sum() takes no keyword arguments")
        if not node.args:
            raise ExpressionError("sum() needs at least one argument")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise ExpressionError("star arguments are not allowed")
            _check(arg, names, depth + 1)
        return
    what = _NODE_NAMES.get(type(node), type(node).__name__)
    raise ExpressionError(f"{what} not allowed")


def _eval(node: ast.AST, values: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        if node.id in values and values[node.id] is not None:
            return values[node.id]
        raise _Missing(node.id)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return tuple(_eval(element, values) for element in node.elts)
    if isinstance(node, ast.BoolOp):
        return _bool_op(node, values)
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, values)
        if isinstance(node.op, ast.Not):
            return not operand
        if isinstance(node.op, ast.USub):
            return -_number(operand)
        return +_number(operand)
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](
            _number(_eval(node.left, values)), _number(_eval(node.right, values))
        )
    if isinstance(node, ast.Compare):
        left = _eval(node.left, values)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, values)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Call):
        # Only sum() survives _check.
        return sum(_number(_eval(arg, values)) for arg in node.args)
    raise TypeError(f"unexpected node {type(node).__name__}")  # unreachable after _check


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{value!r} is not a number")
    return value


def _bool_op(node: ast.BoolOp, values: Mapping[str, Any]) -> Any:
    # Kleene logic: a missing answer only matters when it could change the result.
    missing = False
    for value_node in node.values:
        try:
            value = bool(_eval(value_node, values))
        except _Missing:
            missing = True
            continue
        if isinstance(node.op, ast.Or) and value:
            return True
        if isinstance(node.op, ast.And) and not value:
            return False
    if missing:
        raise _Missing("")
    return isinstance(node.op, ast.And)
