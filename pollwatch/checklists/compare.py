"""Two versions of a form side by side: which questions were added, removed or changed.

Works on ``FormSpec.to_dict()`` so that every part a definition holds (labels
in each language, options, relevance, required rules, ranges, alerts) is
compared, including parts added to the format later. Pure: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Change:
    """One part of a question (or of the form) that differs: its text before and after."""

    part: str
    before: str
    after: str


@dataclass(frozen=True)
class QuestionDiff:
    code: str
    status: str  # added, removed, changed, same
    group: str
    label: str
    changes: list[Change] = field(default_factory=list)
    summary: str = ""  # an added or removed question: its kind, options and rules


def compare(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[list[Change], list[QuestionDiff]]:
    """(changes to the form itself, one row per question in either version, the new order
    first and the removed questions after)."""
    form_changes = _changes(
        {k: v for k, v in before.items() if k not in {"groups", "version"}},
        {k: v for k, v in after.items() if k not in {"groups", "version"}},
    )
    old = _questions(before)
    new = _questions(after)
    rows = []
    for code, (group, question) in new.items():
        if code not in old:
            rows.append(
                QuestionDiff(
                    code,
                    "added",
                    group,
                    _first(question.get("label")),
                    [],
                    _summary(question, group),
                )
            )
            continue
        old_group, old_question = old[code]
        changes = _changes(old_question, question)
        if old_group != group:
            changes.insert(0, Change("group", old_group, group))
        status = "changed" if changes else "same"
        rows.append(QuestionDiff(code, status, group, _first(question.get("label")), changes))
    for code, (group, question) in old.items():
        if code not in new:
            rows.append(
                QuestionDiff(
                    code,
                    "removed",
                    group,
                    _first(question.get("label")),
                    [],
                    _summary(question, group),
                )
            )
    return form_changes, rows


def _questions(spec: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        question["code"]: (group.get("code", ""), question)
        for group in spec.get("groups", [])
        for question in group.get("questions", [])
    }


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    changes = []
    for key in [*before, *(k for k in after if k not in before)]:
        if key == "code":
            continue
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key == "options":
            changes.extend(_option_changes(old or [], new or []))
        elif isinstance(old, dict) or isinstance(new, dict):
            for language in [*(old or {}), *(k for k in (new or {}) if k not in (old or {}))]:
                was, now = (old or {}).get(language), (new or {}).get(language)
                if was != now:
                    changes.append(Change(f"{key} ({language})", _text(was), _text(now)))
        else:
            changes.append(Change(key, _text(old), _text(new)))
    return changes


def _option_changes(before: list[dict], after: list[dict]) -> list[Change]:
    old = {option["code"]: option for option in before}
    new = {option["code"]: option for option in after}
    changes = []
    for code, option in new.items():
        if code not in old:
            changes.append(Change(f"option {code}", "", f"added: {_text(option['label'])}"))
        else:
            for change in _changes(old[code], option):
                changes.append(Change(f"option {code} {change.part}", change.before, change.after))
    for code, option in old.items():
        if code not in new:
            changes.append(Change(f"option {code}", f"removed: {_text(option['label'])}", ""))
    if list(old) != list(new) and set(old) == set(new):
        changes.append(Change("option order", " ".join(old), " ".join(new)))
    return changes


def _summary(question: dict[str, Any], group: str) -> str:
    """'integer in group G; minimum 0; relevant A1 == 0': what a reader checks first."""
    parts = [f"{question.get('kind', '')} in group {group}"]
    if question.get("options"):
        parts.append("options " + ", ".join(str(o["code"]) for o in question["options"]))
    for key, value in question.items():
        if key not in {"code", "kind", "label", "hint", "options"}:
            parts.append(f"{key} {_text(value)}")
    return "; ".join(parts)


def _first(label: Any) -> str:
    if isinstance(label, dict):
        return next(iter(label.values()), "")
    return _text(label)


def _text(value: Any) -> str:
    """A value as a reader sees it: a label's languages as 'en: …; ru: …'."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{language}: {text}" for language, text in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    return str(value)
