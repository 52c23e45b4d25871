"""Validation of one submission against a form: types, ranges, options, skip logic, checks.

``validate_answers`` never raises on bad input: whatever arrives (from the
web app, an SMS, an import) gets a ``Validation`` saying what was kept and
what was wrong, each message naming the question code.

Coerced answer values:

* yes_no: 1 (yes) or 0 (no); accepts booleans, 1/0, "yes"/"no", "y"/"n", "true"/"false";
* integer: int; accepts whole floats and digit strings;
* single: the option code (text), matched case-insensitively;
* multiple: a list of option codes in the form's option order; accepts a
  list, or a string "1 3", "1,3" or (when every option code is one character) "13";
* decimal: a number, finite, at most MAX_DECIMALS decimals: a float, or an
  int when it is whole (12, not 12.0: JSON and the app's evaluator cannot
  tell them apart, so neither may Python's);
  accepts numbers and text like "12.5", "-0.25" (a decimal point, no
  exponent); a computed number (0.1 + 0.2) is rounded to MAX_DECIMALS;
* date: text "YYYY-MM-DD", a real day;
* time: text "HH:MM" (24 hours); accepts "HH:MM:SS", "HH:MM:SS.sss" and an
  offset such as "+04:00" or "Z", as ODK Collect sends them, and keeps the
  local hour and minute the observer saw;
* geopoint: text "lat lon [alt [acc]]" (as ODK writes it), decimal
  degrees with latitude in -90..90 and longitude in -180..180, altitude and
  accuracy in metres (accuracy >= 0); each number at most MAX_DECIMALS decimals;
* text: text, at most MAX_TEXT_LENGTH characters;
* photo: a reference to the stored image (e.g. "sha256:..."), at most
  MAX_PHOTO_REFERENCE_LENGTH characters; a ``data:`` URL is refused, so the
  caller must store the image before validating.

In expressions an option code made of digits reads as a number, so
``A4 in (1, 2)`` works for a single question and ``3 in A5`` for a multiple one.
Dates and times are their text, so ``D1 <= '2026-12-06'``, ``D1 <= D2`` and
``T1 >= '07:00'`` compare them in calendar and clock order.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .expr import UNKNOWN
from .spec import FormSpec, Question, is_iso_date

MAX_TEXT_LENGTH = 5000
MAX_PHOTO_REFERENCE_LENGTH = 500
_YES = {"1", "yes", "y", "true"}
_NO = {"0", "no", "n", "false"}
_INTEGER = re.compile(r"[+-]?\d{1,15}")
MAX_DECIMALS = 6
_DECIMAL = re.compile(r"[+-]?(\d{1,15}(\.\d*)?|\.\d+)")
_TIME = re.compile(
    r"(?P<hour>[01]\d|2[0-3]):(?P<minute>[0-5]\d)(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?"
)


@dataclass(frozen=True)
class Validation:
    """The outcome of validating one submission.

    ``answers``: coerced values of the relevant, valid answers only (code -> value);
    ``errors`` and ``warnings``: (code, message) pairs, where code is a question
    code, or "CHECK" for a cross-field check (its message names the codes);
    ``critical``: codes of questions whose answer raised an alert, in form order.
    """

    answers: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    critical: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_answers(
    spec: FormSpec, answers: Mapping[str, Any], language: str = "en"
) -> Validation:
    """Validate ``answers`` (question code -> raw value) against ``spec``.

    Unknown codes and answers to questions that do not apply (skip logic) are
    dropped with a warning (an answer whose question's condition cannot be
    decided, because it reads an answer not given, is kept); bad values, missing required answers and failed
    error-level checks are errors. Check messages are given in ``language``
    when the form has it, else in the form's first language.
    """
    result = Validation()
    try:
        _validate(spec, answers, language, result)
    except Exception as exc:  # noqa: BLE001 - the contract is: never raise on input
        result.errors.append(
            ("FORM", f"the submission could not be validated: {type(exc).__name__}")
        )
    return result


def _validate(
    spec: FormSpec, answers: Mapping[str, Any], language: str, result: Validation
) -> None:
    if not isinstance(answers, Mapping):
        result.errors.append(("FORM", "answers must be a mapping of question code to answer"))
        return
    questions = {question.code: question for question in spec.questions}
    given: dict[str, Any] = {}
    for raw_code, value in answers.items():
        code = raw_code.strip().upper() if isinstance(raw_code, str) else None
        if code not in questions:
            result.warnings.append(
                (
                    str(raw_code)[:40],
                    f"{str(raw_code)[:40]}: no such question in form {spec.code}; ignored",
                )
            )
            continue
        if code in given:
            result.warnings.append((code, f"{code}: answered twice; the first answer is kept"))
            continue
        if _is_blank(value):
            continue
        given[code] = value

    coerced: dict[str, Any] = {}
    for code, value in given.items():
        try:
            coerced[code] = _coerce(questions[code], value)
        except ValueError as exc:
            result.errors.append((code, f"{code}: {exc}"))

    # Relevance in form order: a question that does not apply hides its answer
    # from the questions after it, as the observer app would.
    env: dict[str, Any] = {
        code: _expression_value(questions[code], value) for code, value in coerced.items()
    }
    for question in spec.questions:
        code = question.code
        relevant: Any = True
        if question.relevant is not None:
            relevant = spec.expression(question.relevant).evaluate(env)
        if relevant is UNKNOWN and code in given:
            # Whether it applies hangs on an answer not given (an SMS may carry a few answers
            # only): the answer is kept, since nothing shows it does not apply.
            relevant = True
        if relevant is not True:
            env.pop(code, None)
            if code in given:
                result.warnings.append(
                    (
                        code,
                        f"{code}: answer dropped; the question does not apply ({question.relevant})",
                    )
                )
            continue
        if code in coerced:
            refused = _options_not_offered(spec, question, coerced[code], env)
            if refused:
                env.pop(code, None)
                result.errors.append(
                    (code, f"{code}: {', '.join(refused)} is not offered with the answers given")
                )
                continue
            result.answers[code] = coerced[code]
        elif code not in given and _required(spec, question, env):
            result.errors.append((code, f"{code}: an answer is required"))

    for question in spec.questions:
        if question.critical is not None and question.code in result.answers:
            if spec.expression(question.critical).evaluate(env) is True:
                result.critical.append(question.code)

    for check in spec.checks:
        outcome = spec.expression(check.expression).evaluate(env)
        if outcome is UNKNOWN or outcome:
            continue
        message = (
            check.message.get(language)
            or check.message.get(spec.languages[0])
            or next(iter(check.message.values()))
        )
        names = sorted(spec.expression(check.expression).names)
        values = ", ".join(f"{name}={env[name]}" for name in names if name in env)
        entry = ("CHECK", f"{check.expression}: {message} ({values})")
        (result.errors if check.level == "error" else result.warnings).append(entry)


def _required(spec: FormSpec, question: Question, env: Mapping[str, Any]) -> bool:
    if question.required_if is not None:
        # An XLSForm "required" written as an expression: required only while it holds.
        return spec.expression(question.required_if).evaluate(env) is True
    return question.required


def _options_not_offered(
    spec: FormSpec, question: Question, value: Any, env: Mapping[str, Any]
) -> list[str]:
    """The chosen option codes whose ``relevant`` (a choice filter) does not hold."""
    chosen = value if isinstance(value, list) else [value]
    return [
        option.code
        for option in question.options
        if option.relevant is not None
        and option.code in chosen
        and spec.expression(option.relevant).evaluate(env) is not True
    ]


def _is_blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, list | tuple | set | frozenset) and len(value) == 0)
    )


def _coerce(question: Question, value: Any) -> Any:
    """The stored value of one answer; ValueError with an observer-readable reason."""
    kind = question.kind
    if kind == "yes_no":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int | float) and value in (0, 1):
            return int(value)
        if isinstance(value, str) and value.strip().lower() in _YES:
            return 1
        if isinstance(value, str) and value.strip().lower() in _NO:
            return 0
        raise ValueError(f"{_show(value)} is not yes (1) or no (0)")
    if kind == "integer":
        return _in_range(question, _integer(value))
    if kind == "decimal":
        return _in_range(question, _decimal(value))
    if kind == "date":
        if not is_iso_date(value):
            shaped = isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
            raise ValueError(
                f"{_show(value)} is not a day of the calendar"
                if shaped
                else f"{_show(value)} is not a date written YYYY-MM-DD"
            )
        return _in_range(question, value)
    if kind == "time":
        return _time(value)
    if kind == "geopoint":
        return _geopoint(value)
    if kind == "single":
        return _option(question, value)
    if kind == "multiple":
        return _options(question, value)
    # text and photo
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"expected text, got {type(value).__name__}")
    text = str(value).strip()
    if kind == "photo" and (len(text) > MAX_PHOTO_REFERENCE_LENGTH or text.startswith("data:")):
        # Image bytes belong in storage (raw, with their sha256), not in the answers.
        raise ValueError(
            "a photo answer must be a reference to the stored image, not the image itself"
        )
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"text is longer than {MAX_TEXT_LENGTH} characters")
    return text


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{_show(value)} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    raise ValueError(f"{_show(value)} is not a whole number")


def _in_range(question: Question, value: Any) -> Any:
    minimum: Any = question.minimum  # of the question's kind, as spec.py checked
    maximum: Any = question.maximum
    if minimum is not None and value < minimum:
        raise ValueError(f"{value} is below the minimum {minimum}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{value} is above the maximum {maximum}")
    return value


def _decimal(value: Any) -> int | float:
    """A finite number, at most MAX_DECIMALS decimals, whole ones as int; ValueError otherwise."""
    number = _finite_decimal(value)
    return int(number) if number.is_integer() else number


def _finite_decimal(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{_show(value)} is not a number")
    if isinstance(value, int | float):
        if not math.isfinite(value) or abs(value) >= 1e15:
            raise ValueError(f"{_show(value)} is not a number pollwatch can store")
        # A number computed by a device (0.1 + 0.2) carries binary noise; keep what it meant.
        return round(float(value), MAX_DECIMALS) + 0.0
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        text = value.strip()
        decimals = len(text.partition(".")[2])
        if decimals > MAX_DECIMALS:
            raise ValueError(f"{_show(value)} has more than {MAX_DECIMALS} decimals")
        return float(text) + 0.0
    raise ValueError(f"{_show(value)} is not a number written like 12.5")


def _time(value: Any) -> str:
    """ "HH:MM" from "HH:MM", "HH:MM:SS" or ODK's "HH:MM:SS.sss+04:00" (the local clock is kept)."""
    match = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{_show(value)} is not a time written HH:MM (24 hours)")
    return f"{match['hour']}:{match['minute']}"


def _geopoint(value: Any) -> str:
    """ "lat lon [alt [acc]]", each part a plain decimal; the ranges checked."""
    parts = value.split() if isinstance(value, str) else []
    if len(parts) not in (2, 3, 4) or not all(_DECIMAL.fullmatch(part) for part in parts):
        raise ValueError(
            f"{_show(value)} is not a location written 'latitude longitude'"
            " or 'latitude longitude altitude accuracy'"
        )
    numbers = [_decimal(part) for part in parts]
    if not -90 <= numbers[0] <= 90:
        raise ValueError(f"latitude {parts[0]} is outside -90..90")
    if not -180 <= numbers[1] <= 180:
        raise ValueError(f"longitude {parts[1]} is outside -180..180")
    if len(numbers) == 4 and numbers[3] < 0:
        raise ValueError(f"accuracy {parts[3]} is below 0")
    return " ".join(_plain_number(number) for number in numbers)


def _plain_number(number: int | float) -> str:
    """12.0 -> "12", 41.7151 -> "41.7151": never an exponent."""
    text = f"{number:.{MAX_DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _option(question: Question, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(
            f"{_show(value)} is not one of the options {', '.join(question.option_codes())}"
        )
    wanted = str(value).strip().upper()
    for code in question.option_codes():
        if code.upper() == wanted:
            return code
    raise ValueError(
        f"{_show(value)} is not one of the options {', '.join(question.option_codes())}"
    )


def _options(question: Question, value: Any) -> list[str]:
    codes = question.option_codes()
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # an SMS parser may hand over "13" as the number 13
    if isinstance(value, str):
        parts = [part for part in re.split(r"[\s,;]+", value.strip()) if part]
        upper = {code.upper() for code in codes}
        if (
            len(parts) == 1
            and parts[0].upper() not in upper
            and all(len(code) == 1 for code in codes)
        ):
            # SMS style: "A513" means options 1 and 3 when every code is one character.
            parts = list(parts[0])
    elif isinstance(value, list | tuple | set | frozenset):
        parts = list(value)
    else:
        parts = [value]
    chosen = {_option(question, part) for part in parts}
    # A list, not a tuple: answers go to JSON and come back as lists, and must compare equal.
    return [code for code in codes if code in chosen]


def _expression_value(question: Question, value: Any) -> Any:
    if question.kind == "single":
        return _number_if_digits(value)
    if question.kind == "multiple":
        return tuple(_number_if_digits(code) for code in value)
    return value


def _number_if_digits(code: str) -> int | str:
    return int(code) if code.isdigit() else code


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
