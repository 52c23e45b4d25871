"""What the SMS grammar needs to know about a form: its code and each question's short code and limits.

``pollwatch.formspec`` builds these from a form definition (``FormSpec.sms_rules()``);
the SMS parser validates answers against them. Codes are upper-case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

QUESTION_KINDS = (
    "yes_no",
    "integer",
    "decimal",
    "date",
    "time",
    "geopoint",
    "single",
    "multiple",
    "text",
)


@dataclass(frozen=True)
class QuestionRule:
    code: str  # e.g. "A1"
    # One of QUESTION_KINDS; photo questions cannot be answered by SMS and are left out.
    # A geopoint question is kept so that an answer to it gets a clear "not by SMS" reply.
    kind: str
    # int on integer, int or float on decimal, "YYYY-MM-DD" on date: each compares with its
    # kind's answers only (Any, so that the integer reader need not narrow it).
    minimum: Any = None
    maximum: Any = None
    options: tuple[
        str, ...
    ] = ()  # single / multiple: the allowed option codes, e.g. ("1", "2", "3")


@dataclass(frozen=True)
class FormRules:
    code: str  # e.g. "OP"
    questions: Mapping[str, QuestionRule] = field(default_factory=dict)
    version: int = 1
    # Every question's code in the form's order, photo questions included: NEMO's
    # numbered answers ("1.15" is question 1) count them as the printed form does.
    # Empty: the order of ``questions``.
    ranks: tuple[str, ...] = ()

    @property
    def ranked_codes(self) -> tuple[str, ...]:
        return self.ranks or tuple(self.questions)
