"""The one check for text that enters pollwatch from outside (the intake contract's storable-text part).

Every boundary that takes text from people or machines — the observer API,
the SMS gateways, uploads, query strings and forms — runs what it received
through these functions, so that no later step (the database, the audit
chain's hash, an export) meets a value it cannot store or encode:

* **Unstorable characters.** A lone UTF-16 surrogate (``"\\ud800"``, legal in
  JSON, not in UTF-8) cannot be encoded, and PostgreSQL text cannot hold NUL.
  :func:`escape_unstorable` turns them into visible escapes (``\\ud800``,
  ``\\x00``) for *keeping* raw input; :func:`load_json` *refuses* them inside
  values that would be parsed and stored, naming the field.
* **Bytes that are not UTF-8** are kept as ``\\xff`` escapes (``backslashreplace``),
  so the raw record still shows every byte that came.
* **JSON shape.** Nesting deeper than ``max_depth``, integers longer than
  ``max_integer_digits``, NaN and infinities are refused with the path of the
  value (``answers.B2``), never a ``RecursionError`` or a 500 later on.

Pure: no Django. The web side (``pollwatch/submissions/boundary.py``) reads
request bodies with size limits and calls these.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

MAX_JSON_DEPTH = 32
"""Deeper than any form answer (a list inside an object inside the body is depth 3)."""

MAX_INTEGER_DIGITS = 30
"""Far more than any count; far below the 4,300 digits where Python refuses to parse an int."""

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnstorableInput(ValueError):
    """Input that cannot be stored or parsed as it is; ``field`` names where (``""`` for the whole)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return "\\x00" if char == "\x00" else f"\\u{ord(char):04x}"


def escape_unstorable(text: str) -> str:
    """``text`` with NUL and lone surrogates written as visible escapes; everything else unchanged."""
    return _UNSTORABLE.sub(_escape, text) if _UNSTORABLE.search(text) else text


def storable(value: Any) -> Any:
    """A JSON-like value (dicts, lists, strings, numbers) with every string, keys included, escaped."""
    if isinstance(value, str):
        return escape_unstorable(value)
    if isinstance(value, dict):
        return {escape_unstorable(str(k)): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value


def unstorable_problem(text: str) -> str | None:
    """A sentence naming the first unstorable character of ``text`` and where it is, or None."""
    match = _UNSTORABLE.search(text)
    if match is None:
        return None
    what = "a NUL character" if match.group() == "\x00" else "a lone surrogate"
    return f"contains {what} ({_escape(match)}) at character {match.start() + 1}"


@dataclass(frozen=True)
class DecodedBody:
    text: str
    """The body as text, every byte kept: invalid UTF-8 as ``\\xNN``. NUL stays NUL here,
    so a parser names it rightly; storing the text escapes it (:func:`escape_unstorable`)."""
    problem: str | None
    """Why the body is not clean UTF-8 text, or None."""


def decode_body(data: bytes) -> DecodedBody:
    """Bytes from the network as text, and whether they were valid UTF-8."""
    try:
        text = data.decode("utf-8")
        problem = None
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", "backslashreplace")
        problem = f"the body is not UTF-8 (byte 0x{data[exc.start]:02x} at position {exc.start})"
    return DecodedBody(text, problem)


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def _parse_int(digits: str, limit: int) -> int:
    if len(digits.lstrip("-")) > limit:
        raise _Refused(f"a number with {len(digits.lstrip('-')):,} digits (at most {limit})")
    return int(digits)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:20]} is too large")
    return value


def _parse_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a number JSON allows")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; a key given twice is refused (which value was meant cannot be known)."""
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise _Refused(f"the key {escape_unstorable(twice)[:60]!r} is given twice")
    return value


def load_json(
    text: str,
    *,
    max_depth: int = MAX_JSON_DEPTH,
    max_integer_digits: int = MAX_INTEGER_DIGITS,
    escape_text: bool = False,
) -> Any:
    """Parse ``text`` as JSON that every later step can store; raise :class:`UnstorableInput` otherwise.

    Refused, with the field's path where there is one: malformed JSON (line and
    column), a key given twice in one object, nesting deeper than ``max_depth``, integers longer than
    ``max_integer_digits``, NaN/Infinity and overflowing floats, and strings
    (values or keys) holding NUL or a lone surrogate — unless ``escape_text``,
    which keeps such strings with the characters escaped (for text a person
    typed that must not be lost, such as an SMS). Linear in the size of the text.
    """
    try:
        value = json.loads(
            text,
            parse_int=lambda digits: _parse_int(digits, max_integer_digits),
            parse_float=_parse_float,
            parse_constant=_parse_constant,
            object_pairs_hook=_object,
        )
    except _Refused as exc:
        raise UnstorableInput("", exc.message) from None
    except RecursionError:
        raise UnstorableInput("", f"nested more than {max_depth} levels deep") from None
    except json.JSONDecodeError as exc:
        raise UnstorableInput(
            "", f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    check_json_value(value, max_depth=max_depth, refuse_unstorable=not escape_text)
    return storable(value) if escape_text else value


def check_json_value(
    value: Any, *, max_depth: int = MAX_JSON_DEPTH, refuse_unstorable: bool = True
) -> None:
    """Walk a parsed JSON value without recursion; raise for depth and (unless told not to)
    unstorable strings."""
    stack: list[tuple[str, Any, int]] = [("", value, 1)]
    while stack:
        path, item, depth = stack.pop()
        if depth > max_depth:
            raise UnstorableInput(path, f"nested more than {max_depth} levels deep")
        if isinstance(item, str):
            problem = unstorable_problem(item) if refuse_unstorable else None
            if problem:
                raise UnstorableInput(path, problem)
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                problem = unstorable_problem(key) if refuse_unstorable else None
                if problem:
                    raise UnstorableInput(escape_unstorable(child_path), f"the name {problem}")
                stack.append((child_path, child, depth + 1))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", child, depth + 1) for i, child in enumerate(item))


_ROW_ID = re.compile(r"[0-9]{1,18}")


def row_id(value: object) -> int | None:
    """A database id from a parameter (ASCII digits that fit a 64-bit key), or None."""
    return int(value) if isinstance(value, str) and _ROW_ID.fullmatch(value) else None
