"""The statement as one HTML document (page and PDF alike) and as PDF, via WeasyPrint.

The same template renders the web page, the downloadable HTML and the PDF;
charts are the analysis charts (``pollwatch.results.charts``) inline as SVG,
so the PDF shows exactly what the dashboards show. The audit chain's head
hash is printed so that any reader can later check the data behind the
statement was not changed (``pollwatch audit verify``).
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Max
from django.template.loader import render_to_string
from django.utils import timezone, translation

from pollwatch.audit.models import head_hash
from pollwatch.lib.charts import PDF_WIDTH
from pollwatch.reports.models import Statement
from pollwatch.reports.sections import SECTIONS
from pollwatch.results import charts


def sections_for(statement: Statement, *, inline_charts: bool = False) -> list[dict[str, Any]]:
    """Every section that has something to say, with its text (the analyst's, else the draft).

    ``inline_charts`` draws the charts into the document (PDF, HTML file);
    the web page loads them as images instead.
    """
    out = []
    for section in SECTIONS:
        context = section.context(statement.election)
        if context is None:
            continue
        suggestion = section.suggestion(context)
        text = statement.texts.get(section.KEY)
        out.append(
            {
                "key": section.KEY,
                "title": section.TITLE,
                "template": f"reports/sections/{section.KEY}.html",
                "context": context,
                "suggestion": suggestion,
                "text": text if text is not None else suggestion,
                "edited": text is not None,
                "methods": section.methods(context),
                "charts": {
                    name.replace("-", "_"): charts.svg(name, statement.election, width=PDF_WIDTH)
                    for name in section.CHARTS
                }
                if inline_charts
                else {},
            }
        )
    return out


def document_context(statement: Statement, *, for_pdf: bool = False) -> dict[str, Any]:
    """What the statement template needs; ``for_pdf`` inlines the charts (PDF and HTML file)."""
    sequence, digest = head_hash()
    sections = sections_for(statement, inline_charts=for_pdf)
    return {
        "mission": settings.SITE_NAME,
        **statement_map(statement, sections, for_pdf=for_pdf),
        "statement": statement,
        "election": statement.election,
        "for_pdf": for_pdf,
        "sections": sections,
        "has_methods": any(section["methods"] for section in sections),
        "audit_sequence": sequence,
        "audit_head": digest,
        "generated": timezone.now(),
        "introduction": statement.texts.get("introduction", ""),
    }


def leader_map(sections: list[dict[str, Any]], *, for_pdf: bool = False) -> str:
    """The quick-count page's map of the leader's estimated share by region, as its presenter
    drew it (``quick_count_context``); "" without a quick count or region boundaries.
    ``for_pdf`` draws the region names so that WeasyPrint prints them legibly."""
    from pollwatch.lib.svgmap import print_labels

    for section in sections:
        if section["key"] == "quick_count":
            drawn = str(section["context"].get("map") or "")
            return print_labels(drawn) if for_pdf else drawn
    return ""


def coverage_map(statement: Statement, *, for_pdf: bool = False) -> str:
    """The coverage page's map of reports received by region (its presenter, ``coverage_table``,
    mission-wide), without the stations' points; "" without region boundaries."""
    from pollwatch.lib.svgmap import print_labels
    from pollwatch.observers.access import Access
    from pollwatch.observers.models import Role
    from pollwatch.submissions.coverage import coverage_table

    access = Access(statement.election, {Role.COORDINATOR})
    drawn = str(coverage_table(access, with_stations=False)["map"] or "")
    return print_labels(drawn) if for_pdf and drawn else drawn


def statement_map(
    statement: Statement, sections: list[dict[str, Any]], *, for_pdf: bool = False
) -> dict[str, Any]:
    """The statement's one map and the section it follows: the quick count's leader map after
    the quick count; without one, the coverage map after the first section (the findings,
    drawn from the same observers' reports)."""
    drawn = leader_map(sections, for_pdf=for_pdf)
    if drawn:
        return {"leader_map": drawn, "coverage_map": "", "map_after": "quick_count"}
    drawn = coverage_map(statement, for_pdf=for_pdf) if sections else ""
    return {
        "leader_map": "",
        "coverage_map": drawn,
        "map_after": sections[0]["key"] if drawn else "",
    }


def render_html(statement: Statement) -> str:
    """The statement as one standalone HTML document with its charts inline."""
    return render_to_string("reports/document.html", document_context(statement, for_pdf=True))


def render_pdf(statement: Statement, html: str | None = None) -> bytes:
    """The statement as PDF; takes a few seconds for a statement with a dozen charts."""
    from weasyprint import HTML

    from pollwatch.reports.pdfstyle import pdf_css

    document = html if html is not None else render_html(statement)
    from weasyprint import CSS

    global renders
    renders += 1
    return HTML(string=document).write_pdf(stylesheets=[CSS(string=pdf_css())])


# PDFs rendered by this process: the tests read it to see a draft's PDF rendered once per version.
renders = 0
# A render lock older than this is taken to belong to a worker that died while rendering.
RENDER_LOCK_SECONDS = 120


def draft_version(statement: Statement) -> str:
    """Changes whenever anything a draft's PDF prints may have changed.

    The analyst's texts (``updated``), the audit chain's head (printed in the
    PDF, and moved by every audited change), the forms, the sample design and
    the official results: the same data versions the figures are stored by;
    and the language the PDF is drawn in (the reader's).
    """
    from pollwatch.results.design import design_version
    from pollwatch.results.official import official_version
    from pollwatch.submissions.models import Submission

    election = statement.election
    forms = Submission.objects.filter(election=election).aggregate(
        last=Max("updated"), count=Count("pk")
    )
    parts = [
        statement.pk,
        statement.updated.isoformat(),
        *head_hash(),
        forms["last"].isoformat() if forms["last"] else "",
        forms["count"],
        design_version(election),
        official_version(election),
        translation.get_language() or "",
    ]
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:24]


def draft_pdf(statement: Statement) -> bytes:
    """A draft's PDF, rendered once per data version and kept in the data folder.

    Rendering takes 4-7 s; every GET rendering anew let eight parallel GETs
    delay /healthz by 11 s. One request renders a version (it holds a lock
    file); the others wait for its file instead of rendering the same PDF.
    Figures are computed for the current data first (``in_place``), so the
    kept PDF matches its version. Older versions' files are removed.
    """
    from pollwatch.results.freshness import in_place

    folder = Path(settings.DATA_DIR) / "statement-pdfs"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{statement.pk}-{draft_version(statement)}.pdf"
    lock = target.with_suffix(".lock")
    owned = not target.exists() and _take(lock)
    if not owned:
        _wait_for(target, lock)
    if target.exists():
        return target.read_bytes()
    try:
        with in_place():
            pdf = render_pdf(statement)
        partial = target.with_suffix(".part")
        partial.write_bytes(pdf)
        partial.replace(target)  # readers see the whole file or none
        for old in folder.glob(f"{statement.pk}-*.pdf"):
            if old != target:
                old.unlink(missing_ok=True)
        return pdf
    finally:
        if owned:
            lock.unlink(missing_ok=True)


def _take(lock: Path) -> bool:
    """True if this request holds the render lock (taking over one left by a dead worker)."""
    try:
        if time.time() - lock.stat().st_mtime > RENDER_LOCK_SECONDS:
            lock.unlink(missing_ok=True)
    except FileNotFoundError:
        pass
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    return True


def _wait_for(target: Path, lock: Path) -> None:
    """Wait (without using the processor) while another request renders the same version.

    If that request fails or takes too long, the waiting one renders itself.
    """
    deadline = time.monotonic() + RENDER_LOCK_SECONDS
    while lock.exists() and not target.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
