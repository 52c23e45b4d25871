"""Print styles of the statement (A4, running header with the audit head, page numbers)."""

PDF_CSS = """
@page {
  size: A4;
  margin: 18mm 16mm 20mm 16mm;
  @bottom-left { content: string(audit); font-size: 7pt; color: #555; }
  @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 8pt; color: #555; }
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
.annex li { margin-bottom: 1mm; }
"""
