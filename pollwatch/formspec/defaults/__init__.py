"""The forms pollwatch ships: four checklists, an incident form, and the PVT and exit-poll builders.

The checklists follow the common international standard (OSCE/ODIHR
observation forms; Declaration of Principles for International Election
Observation, 2005). Every observer-facing text is in English, Azerbaijani
(Latin script), Russian and Urdu. The result and exit-poll forms depend on
the election's candidates, so they are built from a YAML template by
``results_form`` and ``exitpoll_form``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from ..expr import CODE_PATTERN
from ..spec import FormSpec, FormSpecError, load_form

DEFAULTS_DIR = Path(__file__).parent
CHECKLIST_FILES = ("opening.yaml", "voting.yaml", "closing.yaml", "counting.yaml", "incident.yaml")

Candidates = Sequence[tuple[str, str]]


def load_defaults(candidates: Candidates | None = None) -> list[FormSpec]:
    """The shipped forms: OP, VT, CL, CT and IC; with ``candidates`` also PR and EP."""
    forms = [load_form(DEFAULTS_DIR / name) for name in CHECKLIST_FILES]
    if candidates is not None:
        forms += [results_form(candidates), exitpoll_form(candidates)]
    return forms


def results_form(candidates: Candidates, version: int = 1) -> FormSpec:
    """The PVT result form (code PR) for ``candidates``, a list of (code, name), e.g. ("C1", "Aliyev").

    Adds one required integer question per candidate and the check that the
    candidates' votes add up to the valid ballots (VA). Candidate codes must
    be upper-case question codes not already on the form (RV, BI, BC, IN, VA).
    Change ``version`` whenever the candidate list changes for a running election.
    """
    data, template = _template("results-template.yaml")
    questions = _candidate_questions(data, template, candidates)
    data["checks"].append(
        {
            "expression": "sum({}) == VA".format(", ".join(code for code, _ in questions)),
            "message": template["sum_message"],
        }
    )
    data["version"] = version
    return FormSpec.from_dict(data, source="results form")


def exitpoll_form(candidates: Candidates, version: int = 1) -> FormSpec:
    """The exit-poll tally form (code EP): interviewees per candidate code, then refusals (RF)."""
    data, template = _template("exitpoll-template.yaml")
    _candidate_questions(data, template, candidates)
    data["version"] = version
    return FormSpec.from_dict(data, source="exit-poll form")


def _template(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    data = yaml.safe_load((DEFAULTS_DIR / name).read_text(encoding="utf-8"))
    template = data.pop("template")
    return data, template


def _candidate_questions(
    data: dict[str, Any], template: dict[str, Any], candidates: Candidates
) -> list[tuple[str, str]]:
    if not candidates:
        raise FormSpecError(["at least one candidate is needed"])
    existing = {question["code"] for group in data["groups"] for question in group["questions"]}
    problems = []
    seen: set[str] = set()
    normalised = []
    for entry in candidates:
        try:
            code, name = entry
        except (TypeError, ValueError):
            problems.append(f"candidate {entry!r} must be a (code, name) pair")
            continue
        code = str(code).strip().upper()
        if not CODE_PATTERN.fullmatch(code):
            problems.append(
                f"candidate code {code!r} must be upper-case letters and digits, e.g. C1"
            )
        elif code in existing or code in seen:
            problems.append(f"candidate code {code!r} is already used on the form")
        seen.add(code)
        normalised.append((code, str(name).strip()))
    if problems:
        raise FormSpecError(problems)
    group = next(group for group in data["groups"] if group["code"] == template["candidate_group"])
    new = [
        {
            "code": code,
            "kind": "integer",
            "minimum": 0,
            "maximum": 100000,
            "required": True,
            # A proper name is written the same in every language.
            "label": {
                lang: text.replace("{name}", name)
                for lang, text in template["candidate_label"].items()
            },
            "hint": copy.deepcopy(template["candidate_hint"]),
        }
        for code, name in normalised
    ]
    group["questions"][0:0] = new
    return normalised
