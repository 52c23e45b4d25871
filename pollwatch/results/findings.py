"""Checklist findings: the share of observed stations with each alarming answer, by phase and region.

A finding is the answer a question's ``critical`` rule alerts on (e.g.
``B6 == 0``: "secrecy of the vote ensured?" answered no). Yes/no questions
without a rule report the share of "yes". One submission per station and
form counts (as for the quick count); the proportions and intervals come
from :mod:`pollwatch.stats.proportions`, with the stations' areas as strata.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Election, PollingStation
from pollwatch.results.estimates import (
    counted_per_station,
    frame_for,
    region_code,
    submissions_fingerprint,
)
from pollwatch.results.freshness import fresh
from pollwatch.stats.proportions import findings

EQUALS = re.compile(r"^\s*(?P<code>[A-Z][A-Z0-9_]*)\s*==\s*(?P<value>-?\d+)\s*$")
IN_SET = re.compile(r"^\s*(?P<code>[A-Z][A-Z0-9_]*)\s+in\s+\((?P<values>[^)]*)\)\s*$")


def finding_of(question: Any) -> list[str] | None:
    """The answers a question's critical rule alerts on, when the rule is a plain ``==`` or ``in``."""
    rule = question.critical or ""
    if match := EQUALS.match(rule):
        if match["code"] == question.code:
            return [match["value"]]
    if match := IN_SET.match(rule):
        if match["code"] == question.code:
            return [v.strip().strip("'\"") for v in match["values"].split(",") if v.strip()]
    return None


def _label(text: dict[str, str], language: str = "en") -> str:
    return text.get(language) or next(iter(text.values()), "")


def _option_label(question: Any, value: str) -> str:
    labels = {str(o.code): _label(o.label) for o in question.options}
    return labels.get(str(value), str(value))


def _questions(form: Form) -> list[dict[str, Any]]:
    out = []
    for question in form.spec.questions:
        if question.kind not in ("yes_no", "single", "multiple"):
            continue
        finding = finding_of(question)
        label = _label(question.label).rstrip("?").strip()
        if finding is None and question.kind != "yes_no":
            continue
        if finding is None:
            short = f"{label}: yes"
        elif question.kind == "yes_no":
            short = f"{label}: {'no' if finding == ['0'] else 'yes'}"
        else:
            short = f"{label}: " + " or ".join(_option_label(question, v) for v in finding)
        out.append(
            {
                "code": question.code,
                "kind": question.kind,
                "label": short,
                "finding": finding,
                "critical": finding is not None,
            }
        )
    return out


def findings_for(election: Election, *, confidence: float = 0.95) -> dict[str, Any]:
    """Per checklist form (phase): one row per question with the national share and per-region shares."""
    return fresh(
        f"findings:{election.pk}:{confidence}",
        submissions_fingerprint(election, Form.Kind.CHECKLIST),
        lambda: _compute_findings(election, confidence),
    )


def _compute_findings(election: Election, confidence: float) -> dict[str, Any]:
    frame = frame_for(election)
    phases = []
    rows_all = []
    regions_seen: set[str] = set()
    for form in Form.objects.filter(
        election=election, kind=Form.Kind.CHECKLIST, active=True
    ).order_by("pk"):
        submissions = counted_per_station(election, Form.Kind.CHECKLIST, form_code=form.code)
        if not submissions:
            phases.append(
                {
                    "form": form.code,
                    "name": _label(form.spec.name),
                    "phase": form.phase,
                    "stations": 0,
                    "rows": [],
                }
            )
            continue
        places = {
            pk: (path, stratum)
            for pk, path, stratum in PollingStation.objects.filter(
                pk__in=list(submissions)
            ).values_list("pk", "area_path", "stratum")
        }
        ids = sorted(submissions)
        stratum = np.array([frame.stratum_of(*places[i]) for i in ids], dtype=object)
        regions = [region_code(places[i][0]) for i in ids]
        regions_seen.update(regions)
        questions = _questions(form)
        rows = findings(
            stratum,
            frame.population,
            [submissions[i][0] for i in ids],
            questions,
            by=regions,
            confidence=confidence,
        )
        shaped = []
        for question, row in zip(questions, rows, strict=True):
            national = row["national"]
            shaped.append(
                {
                    "form": form.code,
                    "phase": form.phase,
                    "code": row["code"],
                    "short": question["label"],
                    "critical": question["critical"],
                    "estimate": national["estimate"],
                    "low": national["ci"][0],
                    "high": national["ci"][1],
                    "stations": national["stations"],
                    "hits": national["hits"],
                    "sentence": row["sentence"],
                    "warnings": national["warnings"],
                    "by": {
                        region: {
                            "estimate": r["estimate"],
                            "low": r["ci"][0],
                            "high": r["ci"][1],
                            "stations": r["stations"],
                        }
                        for region, r in row["by"].items()
                    },
                }
            )
        rows_all += shaped
        phases.append(
            {
                "form": form.code,
                "name": _label(form.spec.name),
                "phase": form.phase,
                "stations": len(ids),
                "rows": shaped,
            }
        )
    critical = sorted(
        (r for r in rows_all if r["critical"] and r["estimate"] is not None),
        key=lambda r: -(r["estimate"] or 0),
    )
    result = {
        "phases": phases,
        "rows": critical,
        "regions": sorted(regions_seen),
        "region_names": {code: info["name"] for code, info in frame.regions.items()},
        "confidence": confidence,
    }
    return result
