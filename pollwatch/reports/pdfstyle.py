"""Print styles of the statement (A4, cover, contents with page numbers, audit head in the footer)."""

import re

PDF_CSS = """
@page {
  size: A4;
  margin: 18mm 16mm 20mm 16mm;
  @bottom-left { content: string(audit); font-size: 7pt; color: #555; }
  @bottom-right { content: PAGE_OF_PAGES; font-size: 8pt; color: #555; }
}
body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.4; color: #111; }
h1 { font-size: 18pt; margin: 0 0 4mm 0; }
h2 { font-size: 13pt; margin: 7mm 0 2mm 0; border-bottom: 1px solid #999; page-break-after: avoid; }
h3 { font-size: 11pt; page-break-after: avoid; }
.audit { string-set: audit content(); font-size: 8pt; color: #333; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; font-size: 8.5pt; }
th, td { border-bottom: 1px solid #ccc; padding: 1mm 2mm; text-align: left; vertical-align: top; }
.num { text-align: right; }
figure { margin: 3mm 0; page-break-inside: avoid; }
figure svg { max-width: 100%; height: auto; }
.analyst-text { white-space: pre-line; }
.no-print { display: none; }
.small { font-size: 8pt; color: #444; }
.override-notice { border-left: 3pt solid #E69F00; padding: 1mm 3mm; background: #fff7e6; }
.annex { page-break-before: always; font-size: 9pt; }
/* The cover: a page of its own, without the footer's page number. */
@page cover { @bottom-right { content: none; } }
.cover { page: cover; page-break-after: always; padding-top: 45mm; }
.cover h1 { font-size: 24pt; margin: 6mm 0; bookmark-level: none; }
.cover-mission { font-size: 14pt; font-weight: bold; letter-spacing: 0.02em; }
.cover-kind { font-size: 12pt; text-transform: uppercase; letter-spacing: 0.05em; }
.cover-election { font-size: 13pt; margin-top: 8mm; }
.cover-audit { margin-top: 60mm; border-top: 1px solid #999; padding-top: 3mm; }
.cover-audit .audit { font-size: 9pt; }
/* The contents, with each heading's page (WeasyPrint's target-counter). */
.contents { page-break-after: always; }
.contents h2 { bookmark-level: none; }
.contents ol { list-style: none; padding: 0; margin: 4mm 0; }
.contents li { margin: 2mm 0; }
.contents a { color: #111; text-decoration: none; }
.contents a::after { content: leader(". ") target-counter(attr(href), page); }
section > h2, .annex > h2 { bookmark-level: 1; }
.annex h3 { bookmark-level: 2; }
/* The map at the text's width; its names and legend stay at print size (9-10 pt). */
.map-section { page-break-inside: avoid; }
.map-figure { margin: 3mm 0; }
.map-figure svg.map { width: 100%; height: auto; }
.map-figure figcaption svg { max-width: 100%; }
.annex li { margin-bottom: 1mm; }
"""


def pdf_css() -> str:
    """The print styles, with the footer's "page N of M" in the active language."""
    from django.utils.translation import gettext

    words = gettext("page %(page)s of %(pages)s")
    tokens = []
    for part in re.split(r"(%\(page\)s|%\(pages\)s)", words):
        if part == "%(page)s":
            tokens.append("counter(page)")
        elif part == "%(pages)s":
            tokens.append("counter(pages)")
        elif part:
            tokens.append('"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return PDF_CSS.replace("PAGE_OF_PAGES", " ".join(tokens))
