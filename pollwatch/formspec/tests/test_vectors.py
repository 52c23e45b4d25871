"""The shared expression test vectors, run through both evaluators.

``pollwatch/formspec/vectors.json`` lists ``{"expr", "answers", "expect"}``
cases (an optional ``note`` says why a case is there). ``expect`` is the value
(a list stands for a tuple), ``"unknown"``, or ``{"error": message}`` for an
expression refused when compiled. expr.py is the reference: after adding cases,
fill in ``expect`` with

    .venv/bin/python -m pollwatch.formspec.tests.test_vectors --write

and read the diff. The JavaScript evaluator (formlogic-0.1.js) runs under Node
through run_vectors.js; it must give the same value, of the same Python type
(int, float, bool, text, tuple), or refuse with the same message. Syntax errors
are worded by each parser, so for them only the refusal must match.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pollwatch.formspec.expr import UNKNOWN, ExpressionError, compile_expression

VECTORS = Path(__file__).resolve().parents[1] / "vectors.json"
RUNNER = Path(__file__).resolve().parent / "run_vectors.js"
SYNTAX_ERRORS = ("syntax error", "cannot parse")


def load_vectors() -> list[dict[str, Any]]:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def as_expression_value(answer: Any) -> Any:
    """Answers as validate.py hands them to expressions: lists become tuples."""
    if isinstance(answer, list):
        return tuple(as_expression_value(item) for item in answer)
    return answer


def python_result(vector: dict[str, Any]) -> Any:
    """The reference outcome in vectors.json's ``expect`` form."""
    try:
        expression = compile_expression(vector["expr"])
    except ExpressionError as exc:
        return {"error": str(exc)}
    answers = {code: as_expression_value(value) for code, value in vector["answers"].items()}
    value = expression.evaluate(answers)
    if isinstance(value, str) and value == "unknown":
        raise ValueError("a vector may not give the text 'unknown': expect could not tell it apart")
    return "unknown" if value is UNKNOWN else value


def canonical(outcome: Any) -> Any:
    """A comparable form keeping Python's types apart (True is not 1, 2 is not 2.0)."""
    if outcome == "unknown" and isinstance(outcome, str):
        return ("unknown",)
    if isinstance(outcome, dict) and "error" in outcome:
        message = outcome["error"]
        return ("error", "syntax" if message.startswith(SYNTAX_ERRORS) else message)
    return _typed(outcome)


def _typed(value: Any) -> Any:
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else value)
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, list | tuple):
        return ("tuple", tuple(_typed(item) for item in value))
    raise TypeError(f"unexpected value {value!r}")


def javascript_outcome(result: dict[str, Any]) -> Any:
    """run_vectors.js's answer in vectors.json's ``expect`` form."""
    if "crash" in result:
        return {"crash": result["crash"]}
    if "error" in result:
        return {"error": result["error"]}
    if result.get("unknown"):
        return "unknown"
    return _decode(result["value"])


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "int" in value:
        return int(value["int"])
    if isinstance(value, dict) and "float" in value:
        return float(value["float"])
    if isinstance(value, list):
        return tuple(_decode(item) for item in value)
    return value


def _label(index: int, vector: dict[str, Any]) -> str:
    return f"#{index} {vector['expr'][:60]!r} answers={json.dumps(vector['answers'])[:80]}"


def test_the_vectors_are_well_formed():
    vectors = load_vectors()
    assert len(vectors) >= 80
    for index, vector in enumerate(vectors):
        assert set(vector) <= {"expr", "answers", "expect", "note"}, _label(index, vector)
        assert isinstance(vector["expr"], str) and isinstance(vector["answers"], dict)
        assert "expect" in vector, f"{_label(index, vector)}: run this module with --write"
        for value in vector["answers"].values():
            # JSON.parse cannot tell 2.0 from 2, nor hold ints past 2**53 exactly.
            assert not (isinstance(value, float) and value.is_integer()), _label(index, vector)
            assert not (isinstance(value, int) and abs(value) > 2**53), _label(index, vector)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # "1and A1" is read as "1 and A1"
def test_python_gives_the_expected_results():
    failures = []
    for index, vector in enumerate(load_vectors()):
        got = python_result(vector)
        if canonical(got) != canonical(vector["expect"]):
            failures.append(f"{_label(index, vector)}: expected {vector['expect']!r}, got {got!r}")
    assert not failures, "\n".join(failures)


def test_javascript_gives_the_same_results_as_python():
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "Node.js is needed to run the JavaScript evaluator against the shared vectors "
            "(apt-get install nodejs); this test does not skip"
        )
    completed = subprocess.run(
        [node, str(RUNNER), str(VECTORS)], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)
    vectors = load_vectors()
    assert len(results) == len(vectors)
    failures = []
    for index, (vector, result) in enumerate(zip(vectors, results, strict=True)):
        got = javascript_outcome(result)
        expected = canonical(vector["expect"])
        if expected == ("error", "syntax") and "error" in result:
            continue  # refused by both; each parser words its syntax errors
        if "crash" in result or canonical(got) != expected:
            failures.append(f"{_label(index, vector)}: expected {vector['expect']!r}, got {got!r}")
    assert not failures, "\n".join(failures)


def write_expectations() -> int:
    """Fill in ``expect`` of every vector from expr.py; returns how many changed."""
    vectors = load_vectors()
    changed = 0
    for vector in vectors:
        got = python_result(vector)
        expect = list(got) if isinstance(got, tuple) else got
        if "expect" not in vector or canonical(vector["expect"]) != canonical(got):
            changed += 1
        vector["expect"] = _jsonable(expect)
    lines = ",\n".join("  " + json.dumps(vector, ensure_ascii=False) for vector in vectors)
    VECTORS.write_text("[\n" + lines + "\n]\n", encoding="utf-8")
    return changed


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("a vector may not expect inf or nan (JSON has no such numbers)")
    return value


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m pollwatch.formspec.tests.test_vectors --write")
    print(f"{write_expectations()} expectation(s) written to {VECTORS}")
