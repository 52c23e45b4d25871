"""What the SMS grammar needs to know about a form: its code and each question's short code and limits.

``pollwatch.formspec`` builds these from a form definition (``FormSpec.sms_rules()``);
the SMS parser validates answers against them. Codes are upper-case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
    minimum: int | float | str | None = None  # integer, decimal (numbers), date ("YYYY-MM-DD")
    maximum: int | float | str | None = None
    options: tuple[
        str, ...
    ] = ()  # single / multiple: the allowed option codes, e.g. ("1", "2", "3")


@dataclass(frozen=True)
class FormRules:
    code: str  # e.g. "OP"
    questions: Mapping[str, QuestionRule] = field(default_factory=dict)
    version: int = 1
