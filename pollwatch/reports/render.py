"""The statement as one HTML document (page and PDF alike) and as PDF, via WeasyPrint.

The same template renders the web page, the downloadable HTML and the PDF;
charts are the analysis charts (``pollwatch.results.charts``) inline as SVG,
so the PDF shows exactly what the dashboards show. The audit chain's head
hash is printed so that any reader can later check the data behind the
statement was not changed (``pollwatch audit verify``).
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from pollwatch.audit.models import head_hash
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
                    name.replace("-", "_"): charts.svg(name, statement.election)
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


def render_html(statement: Statement) -> str:
    """The statement as one standalone HTML document with its charts inline."""
    return render_to_string("reports/document.html", document_context(statement, for_pdf=True))


def render_pdf(statement: Statement, html: str | None = None) -> bytes:
    """The statement as PDF; takes a few seconds for a statement with a dozen charts."""
    from weasyprint import HTML

    from pollwatch.reports.pdfstyle import PDF_CSS

    document = html if html is not None else render_html(statement)
    from weasyprint import CSS

    return HTML(string=document).write_pdf(stylesheets=[CSS(string=PDF_CSS)])
