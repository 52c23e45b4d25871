"""Sections of the preliminary statement: each a small module with the same shape (DESIGN §6.2).

A section module has ``KEY``, ``TITLE``, ``context(election) -> dict | None``
(None when the section has nothing to say, e.g. no media monitoring) and
``suggestion(context) -> str`` (the plain-language draft an analyst starts
from, written for a journalist: no design terms) and ``methods(context) ->
list[str]`` (the technical sentences — estimator, strata, test statistics —
for the statement's Methods annex; [] when there are none); its template is
``reports/sections/<KEY>.html``, given the context plus ``text`` (the
analyst's words) and ``charts`` (inline SVG by name). Adding a section means
copying one module and its template and listing it here.
"""

from __future__ import annotations

from types import ModuleType

from pollwatch.reports.sections import (
    exit_polls,
    findings,
    forensics,
    incidents,
    media,
    official,
    quick_count,
)

SECTIONS: list[ModuleType] = [
    findings,
    incidents,
    quick_count,
    exit_polls,
    official,
    forensics,
    media,
]
