"""Broadcast transcripts with timestamps (SubRip .srt and WebVTT .vtt): cues and seconds per subject.

Pure: no Django. A transcript is a list of cues, each a time range and the
words spoken in it. A subject gets the whole duration of every cue that
names it (by the same matcher the coding uses); a cue naming two subjects
counts for both, as a sentence about two subjects counts for both in print.

Tolerant of what subtitle tools write: a byte-order mark, CRLF or CR line
ends, ``,`` or ``.`` before the milliseconds in either format, hours left
out (``01:02.500``), WebVTT cue settings after the end time, NOTE, STYLE
and REGION blocks, cue identifiers or none, markup such as ``<i>``,
``<v Speaker>`` and ``{\\an8}``. Strict where a wrong figure would follow:
a cue without a readable timing line, or ending before it starts, is an
error naming the cue's number and line, and nothing of the file is used.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

FORMATS = ("srt", "vtt")
_TIME = r"(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?"
TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s+.*)?$")
_MARKUP = re.compile(r"<[^>\n]*>|\{\\[^}\n]*\}")
_VTT_SKIPPED = ("NOTE", "STYLE", "REGION")


class TranscriptError(ValueError):
    """The transcript cannot be read; the message names the cue and line at fault."""


@dataclass(frozen=True)
class Cue:
    """The ``number``-th cue (1-based, in file order), its timing line's ``line``, times in seconds."""

    number: int
    line: int
    start: float
    end: float
    text: str

    @property
    def seconds(self) -> float:
        return self.end - self.start


def transcript_format(text: str, name: str = "") -> str | None:
    """``"vtt"`` or ``"srt"`` when ``text`` (or the file ``name``) is a timed transcript, else None."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in FORMATS:
        return suffix
    head = text.lstrip("\ufeff").lstrip()
    if head.startswith("WEBVTT"):
        return "vtt"
    lines = [line.strip() for line in head.splitlines()[:3]]
    if len(lines) >= 2 and lines[0].isdigit() and TIMING.match(lines[1]):
        return "srt"
    return None


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str | None) -> float:
    return (
        int(hours or 0) * 3600
        + int(minutes) * 60
        + int(seconds)
        + (int(millis.ljust(3, "0")) / 1000 if millis else 0.0)
    )


def clean_cue_text(lines: Iterable[str]) -> str:
    """The words of a cue: markup dropped, entities decoded, lines joined by spaces."""
    words = " ".join(_MARKUP.sub("", line).strip() for line in lines)
    return " ".join(html.unescape(words).split())


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks as (number of their first line, their lines)."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not current:
                first = number
            current.append(line.rstrip())
        elif current:
            blocks.append((first, current))
            current = []
    if current:
        blocks.append((first, current))
    return blocks


def parse_transcript(text: str, name: str = "transcript", kind: str | None = None) -> list[Cue]:
    """The cues of an SRT or WebVTT transcript, in file order.

    Raises ``TranscriptError`` (``name: cue 3 (line 12): …``) on the first
    cue that cannot be read, or when there is no cue at all.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    kind = kind or transcript_format(text, name) or "srt"
    blocks = _blocks(text)
    if kind == "vtt":
        if not blocks or not blocks[0][1][0].startswith("WEBVTT"):
            raise TranscriptError(f"{name}: line 1: a WebVTT file starts with WEBVTT")
        blocks = blocks[1:]
    cues: list[Cue] = []
    for first, lines in blocks:
        if kind == "vtt" and lines[0].split(" ", 1)[0] in _VTT_SKIPPED and "-->" not in lines[0]:
            continue
        number = len(cues) + 1
        timing_at = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        if timing_at is None and cues and not lines[0].strip().isdigit():
            # A blank line inside a cue's text (common in hand-made SRT): the text goes on.
            previous = cues[-1]
            more = clean_cue_text(lines)
            cues[-1] = Cue(
                previous.number,
                previous.line,
                previous.start,
                previous.end,
                f"{previous.text} {more}".strip(),
            )
            continue
        if timing_at is None:
            raise TranscriptError(
                f"{name}: cue {number} (line {first}): no timing line "
                f"(expected e.g. 00:00:01,000 --> 00:00:04,000), found {lines[0][:60]!r}"
            )
        line_number = first + timing_at
        match = TIMING.match(lines[timing_at])
        if match is None:
            raise TranscriptError(
                f"{name}: cue {number} (line {line_number}): unreadable timing "
                f"{lines[timing_at].strip()[:60]!r} (expected e.g. 00:00:01,000 --> 00:00:04,000)"
            )
        groups = match.groups()
        if any(int(groups[i]) > 59 for i in (1, 2, 5, 6)):
            raise TranscriptError(
                f"{name}: cue {number} (line {line_number}): minutes and seconds run to 59 "
                f"({lines[timing_at].strip()[:60]})"
            )
        start, end = _seconds(*groups[:4]), _seconds(*groups[4:])
        if end < start:
            raise TranscriptError(
                f"{name}: cue {number} (line {line_number}): ends before it starts "
                f"({lines[timing_at].strip()[:60]})"
            )
        cues.append(Cue(number, line_number, start, end, clean_cue_text(lines[timing_at + 1 :])))
    if not cues:
        raise TranscriptError(f"{name}: no cue with a timing line")
    return cues


def transcript_text(cues: Iterable[Cue]) -> str:
    """The spoken words, one cue per line: the text the item is coded on."""
    return "\n".join(cue.text for cue in cues if cue.text)


def seconds_per_subject(
    cues: Iterable[Cue], subjects_in: Callable[[str], Iterable[str]]
) -> dict[str, float]:
    """Subject id -> seconds of air time of the cues whose text names it (``subjects_in``):
    the length of the union of those cues' spans, so overlapping cues (captions stacked
    on screen, two speakers at once) count their common time once."""
    spans: dict[str, list[tuple[float, float]]] = {}
    for cue in cues:
        for subject in set(subjects_in(cue.text)):
            spans.setdefault(subject, []).append((cue.start, cue.end))
    totals: dict[str, float] = {}
    for subject, found in spans.items():
        total, reach = 0.0, float("-inf")
        for start, end in sorted(found):
            if end > reach:
                total += end - max(start, reach)
                reach = end
        totals[subject] = total
    return totals


def whole_seconds(seconds: float) -> int:
    """Seconds rounded half up (42.5 → 43), not to even as ``round`` does (42.5 → 42)."""
    return math.floor(seconds + 0.5)
