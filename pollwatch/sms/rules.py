"""What the SMS grammar needs to know about a form: its code and each question's short code and limits.

``pollwatch.formspec`` builds these from a form definition (``FormSpec.sms_rules()``);
the SMS parser validates answers against them. Codes are upper-case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

QUESTION_KINDS = ("yes_no", "integer", "single", "multiple", "text")


@dataclass(frozen=True)
class QuestionRule:
    code: str  # e.g. "A1"
    kind: str  # one of QUESTION_KINDS; photo questions cannot be answered by SMS and are left out
    minimum: int | None = None  # integers only
    maximum: int | None = None
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
