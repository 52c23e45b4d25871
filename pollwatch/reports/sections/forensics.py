"""Forensic tests of the official results: warning signs with their plain-language readings."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from pollwatch.elections.models import Election

KEY = "forensics"
TITLE = gettext_lazy("Statistical analysis of the official results")
CHARTS = ["fingerprint", "integer-turnout"]


def context(election: Election) -> dict[str, Any] | None:
    from pollwatch.results.presenters import latest_forensics

    run, figures = latest_forensics(election)
    if run is None:
        return None
    return {
        **figures,
        "warnings": [t for t in figures["tests"] if t["flag"] and not t["descriptive"]],
        "run": run,
    }


def suggestion(ctx: dict[str, Any]) -> str:
    if not ctx["warnings"]:
        return (
            "Statistical tests of the official per-station results show no warning sign of "
            "manipulation beyond what honest regional differences explain."
        )
    return (
        "Statistical tests of the official per-station results show warning signs that "
        "call for scrutiny: " + "; ".join(t["reading"] for t in ctx["warnings"]) + "."
    )


def methods(ctx: dict[str, Any]) -> list[str]:
    """Every test with its reading; descriptive ones describe the results, they prove nothing alone."""
    sentences = [
        "Tests marked descriptive describe the shape of the results: a flag on them alone is no "
        "evidence of manipulation, as honest regional differences can produce it."
    ]
    for test in ctx["tests"]:
        marks = [
            m for m, on in (("descriptive", test["descriptive"]), ("flagged", test["flag"])) if on
        ]
        sentences.append(
            f"{test['title']}{' (' + ', '.join(marks) + ')' if marks else ''}: {test['reading']}."
        )
    return sentences
