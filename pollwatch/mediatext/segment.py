"""Paragraphs and sentences of an item, as character spans of the original text.

Spans (not copies) so that every later result — mentions, evidence
sentences, direct speech — can be highlighted in the text the monitor sees.
The sentence rule is deliberately simple and language-neutral: a sentence
ends at ``.``, ``!``, ``?`` or ``…`` (optionally followed by closing quotes
or brackets) when whitespace and then an upper-case letter, a digit, an
opening quote or a dash follow, or at a line break. Known abbreviations
(Mr., Dr., St., г., им., ...) and single-letter initials ("I. Aliyev") do not
end a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr gen col lt sgt rev gov sen rep pres vs etc inc ltd co corp "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "г гг им ул д тел см т е др пр проф акад ген "
    "prof dos akad".split()
)
SENTENCE_END = re.compile(r"""[.!?…]+["'»”’)\]]*(?=\s+["'«“‘(\[\-–—]?[\w\d])""")
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def paragraphs(text: str) -> list[Span]:
    """Blank-line separated blocks, whitespace trimmed; a text without blank lines is one paragraph."""
    spans, position = [], 0
    for match in PARAGRAPH_BREAK.finditer(text):
        spans.append(Span(position, match.start()))
        position = match.end()
    spans.append(Span(position, len(text)))
    return [trimmed for span in spans if (trimmed := _trim(text, span)) is not None]


def sentences(text: str, within: Span | None = None) -> list[Span]:
    """Sentences of ``text`` (or of the part ``within``), in order, whitespace trimmed."""
    area = within or Span(0, len(text))
    spans: list[Span] = []
    for line in _lines(text, area):
        start = line.start
        for match in SENTENCE_END.finditer(text, line.start, line.end):
            if _is_abbreviation(text, line.start, match.start()):
                continue
            spans.append(Span(start, match.end()))
            start = match.end()
        spans.append(Span(start, line.end))
    return [trimmed for span in spans if (trimmed := _trim(text, span)) is not None]


def _lines(text: str, area: Span) -> list[Span]:
    lines, start = [], area.start
    while True:
        newline = text.find("\n", start, area.end)
        if newline < 0:
            lines.append(Span(start, area.end))
            return lines
        lines.append(Span(start, newline))
        start = newline + 1


def _is_abbreviation(text: str, line_start: int, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > line_start and text[word_start - 1].isalpha():
        word_start -= 1
    word = text[word_start:dot]
    if len(word) == 1 and word.isupper():
        return True  # an initial: "I. Aliyev"
    return word.lower() in ABBREVIATIONS


def _trim(text: str, span: Span) -> Span | None:
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None
