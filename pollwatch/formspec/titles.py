"""An incident's readable title, made from its form and answers (no Django).

Staff triage incidents by reading them, not by decoding ``B10``: a title is the
alarming questions in the staff's language with their answers, then the
observer's own words, e.g. ``Ballot box seal broken: Yes — 'seal was cut before
we arrived'``. The Incidents and Coverage pages, the preliminary statement and
intake (which keeps the title as the incident's summary for exports) all use
:func:`incident_title`, so the same incident reads the same everywhere.

Every lookup falls back rather than fails: a form version that lost a question
shows its code, a missing answer says so, a language the form lacks uses the
form's first language, then English, then any.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .spec import YES_NO_LABELS, FormSpec, Question, Text

NOTE_CHARS = 160
NO_ANSWER = "no answer"
# The free text after "@" in an SMS, stored beside the answers by intake.
COMMENT_KEY = "_comment"


def text_in(text: Text, language: str, languages: Iterable[str] = ()) -> str:
    """``text`` in ``language``, else the form's first language, English, or any it has."""
    for choice in (language, *list(languages)[:1], "en"):
        if text.get(choice):
            return text[choice]
    return next((words for words in text.values() if words), "")


def answer_text(
    question: Question, value: Any, language: str, languages: Iterable[str] = ()
) -> str:
    """One stored answer in words: option labels, Yes/No, numbers and text as they are."""
    if value is None or value == "" or value == []:
        return NO_ANSWER
    languages = tuple(languages)
    if question.kind == "yes_no":
        label = YES_NO_LABELS.get(str(int(value)) if isinstance(value, bool) else str(value))
        return text_in(label, language, languages) if label else str(value)
    if question.kind in ("single", "multiple"):
        labels = {option.code: option.label for option in question.options}
        codes = value if isinstance(value, list | tuple) else [value]
        return ", ".join(
            text_in(labels[str(code)], language, languages) if str(code) in labels else str(code)
            for code in codes
        )
    if question.kind == "text":
        return _quoted(str(value))
    if question.kind == "geopoint":
        return geopoint_text(str(value))
    return str(value)


def geopoint_text(value: str) -> str:
    """``"40.4093 49.8671 0 8"`` as ``40.4093, 49.8671 (±8 m)``: the coordinates, the accuracy when known."""
    parts = value.split()
    if len(parts) < 2:
        return value
    shown = f"{parts[0]}, {parts[1]}"
    return f"{shown} (±{parts[3]} m)" if len(parts) == 4 else shown


def incident_title(
    spec: FormSpec | None,
    answers: Mapping[str, Any],
    codes: Iterable[str] = (),
    *,
    language: str = "en",
    form_name: str = "",
) -> str:
    """The title of an incident: its alarming answers (``codes``) and the observer's note.

    With no alarming answer (an incident form filled without one), the form's
    first answered choice question stands in, e.g. the incident's type. The
    note is the SMS comment, else the first text answer, cut to NOTE_CHARS.
    """
    questions = {q.code: q for q in spec.questions} if spec is not None else {}
    languages = spec.languages if spec is not None else ()
    codes = [code for code in codes if not code.startswith("_")]
    if not codes:
        codes = [
            q.code
            for q in questions.values()
            if q.kind in ("single", "multiple", "yes_no") and answers.get(q.code) not in (None, "")
        ][:1]
    parts = [
        _part(questions.get(code), code, answers.get(code), language, languages) for code in codes
    ]
    title = "; ".join(parts)
    if not title:
        title = text_in(spec.name, language, languages) if spec is not None else form_name
        title = title or form_name or "Incident"
    note = _note(questions, answers, exclude=set(codes))
    return f"{title} — {_quoted(note)}" if note else title


def _part(question: Question | None, code: str, value: Any, language: str, languages) -> str:
    if question is None:  # the form's version no longer has this question
        shown = (
            NO_ANSWER
            if value in (None, "")
            else _quoted(str(value))
            if isinstance(value, str)
            else str(value)
        )
        return f"{code}: {shown}"
    label = text_in(question.label, language, languages) or code
    answer = answer_text(question, value, language, languages)
    # A question ends in "?" already: "Opened on time? No" reads better than "time?: No".
    return f"{label} {answer}" if label.endswith(("?", ":", "؟")) else f"{label}: {answer}"


def _note(questions: Mapping[str, Question], answers: Mapping[str, Any], exclude: set[str]) -> str:
    comment = answers.get(COMMENT_KEY)
    if isinstance(comment, str) and comment.strip():
        return comment.strip()
    for question in questions.values():
        value = answers.get(question.code)
        if question.kind == "text" and question.code not in exclude and isinstance(value, str):
            if value.strip():
                return value.strip()
    return ""


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > NOTE_CHARS:
        text = text[: NOTE_CHARS - 1].rstrip() + "…"
    return f"'{text}'"
