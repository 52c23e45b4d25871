"""Server-side SVG charts for the media report (no Django, no JavaScript).

Accessible: ``role="img"``, a ``<title>`` and a ``<desc>``, text labels on
the bars, and a legend; the palette is Okabe–Ito (blue / grey / vermillion),
distinguishable with the common colour-vision deficiencies. Every word
drawn comes from the caller (``Words``), in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from pollwatch.lib.charts import FONT, MIN_FONT_SIZE, text_width, wrap

# The width the media report shows a chart at (``svg.chart``'s max-width, 48rem, in a page at
# 1024 px and wider): drawn that wide, its text keeps its size (issue 16).
DISPLAY_WIDTH = 768
LABEL_SIZE = 12
LINE = 15
TONE_COLOURS = {"positive": "#0072B2", "neutral": "#BBBBBB", "negative": "#D55E00"}
TONE_TEXT = {"positive": "#ffffff", "neutral": "#1b1f24", "negative": "#1b1f24"}
# Okabe–Ito without its pale yellow (unreadable as a thin line on white), plus Tol's wine.
SERIES_COLOURS = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
]


@dataclass(frozen=True)
class Words:
    """The words the media charts draw; English unless the caller passes gettext's.

    Sentences carry ``%(name)s`` placeholders the chart fills in.
    """

    positive: str = "positive"
    neutral: str = "neutral"
    negative: str = "negative"
    tone_summary: str = (
        "%(subject)s: %(positive)s positive, %(neutral)s neutral, %(negative)s negative"
    )
    tone_count: str = "%(subject)s: %(count)s %(tone)s"
    days_summary: str = "%(days)s days from %(first)s to %(last)s; highest daily count %(largest)s"
    subject_items: str = "%(subject)s: %(count)s items"

    def tone(self, tone: str) -> str:
        """The word for "positive", "neutral" or "negative"."""
        return str(getattr(self, tone))


ENGLISH = Words()


@dataclass(frozen=True)
class ToneBar:
    label: str
    positive: int
    neutral: int
    negative: int

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative


def _lines(x: float, y: float, lines: Sequence[str], **attributes: str | int) -> str:
    """A ``<text>`` of one or more lines (``<tspan>``), the first line's baseline at ``y``."""
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attributes.items())
    if len(lines) == 1:
        return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(lines[0])}</text>'
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else LINE}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{spans}</text>'


def _svg_open(width: int, height: int, title: str, summary: str) -> list[str]:
    # Its size in px, drawn as shown: the page's CSS only narrows it on a narrower screen.
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'class="chart" font-family="{FONT}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(summary)}</desc>",
    ]


def tone_bars(
    bars: Sequence[ToneBar],
    *,
    title: str,
    width: int = DISPLAY_WIDTH,
    words: Words = ENGLISH,
) -> str:
    """One horizontal bar per subject, split into positive, neutral and negative counts.

    Bars share one scale (the largest total) so outlets' subjects compare by
    length; each segment wide enough for its count carries it. A long
    subject's name takes lines, never cut. Empty input gives "".
    """
    if not bars:
        return ""
    names = {bar.label: wrap(bar.label, 0.3 * width - 8, LABEL_SIZE) for bar in bars}
    widest = max(text_width(line, LABEL_SIZE) for lines in names.values() for line in lines)
    label_width, top = min(widest, 0.3 * width - 8) + 12, 8
    largest = max(bar.total for bar in bars) or 1
    plot = width - label_width - text_width(f"{largest}", MIN_FONT_SIZE) - 12
    rows = [max(26, LINE * len(names[bar.label]) + 11) for bar in bars]
    height = top + sum(rows) + 34
    summary = "; ".join(
        words.tone_summary
        % {
            "subject": bar.label,
            "positive": bar.positive,
            "neutral": bar.neutral,
            "negative": bar.negative,
        }
        for bar in bars
    )
    parts = _svg_open(width, height, title, summary)
    y = top
    for bar, row in zip(bars, rows, strict=True):
        parts.append(
            _lines(
                label_width - 8,
                y + 15,
                names[bar.label],
                font_size=LABEL_SIZE,
                text_anchor="end",
                fill="#1b1f24",
            )
        )
        x = float(label_width)
        for tone in ("positive", "neutral", "negative"):
            count = getattr(bar, tone)
            if not count:
                continue
            span = plot * count / largest
            tone_count = words.tone_count % {
                "subject": bar.label,
                "count": count,
                "tone": words.tone(tone),
            }
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 2}" width="{span:.1f}" height="20" '
                f'fill="{TONE_COLOURS[tone]}"><title>{escape(tone_count)}</title></rect>'
            )
            if span >= text_width(f"{count}", MIN_FONT_SIZE) + 6:
                parts.append(
                    f'<text x="{x + span / 2:.1f}" y="{y + 16}" font-size="{MIN_FONT_SIZE}" '
                    f'text-anchor="middle" fill="{TONE_TEXT[tone]}">{count}</text>'
                )
            x += span
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + 16}" font-size="{MIN_FONT_SIZE}" '
            f'fill="#5b6470">{bar.total}</text>'
        )
        y += row
    legend_y = y + 10
    # Each key after the one before, by its word's width.
    x = label_width
    for tone in ("positive", "neutral", "negative"):
        parts.append(
            f'<rect x="{x:.1f}" y="{legend_y}" width="12" height="12" fill="{TONE_COLOURS[tone]}"/>'
        )
        parts.append(
            f'<text x="{x + 16:.1f}" y="{legend_y + 10}" font-size="{MIN_FONT_SIZE}" '
            f'fill="#1b1f24">{escape(words.tone(tone))}</text>'
        )
        x += max(100, 16 + text_width(words.tone(tone), MIN_FONT_SIZE) + 20)
    parts.append("</svg>")
    return "".join(parts)


def trend_lines(
    days: Sequence[str],
    series: Mapping[str, Sequence[int]],
    *,
    title: str,
    width: int = DISPLAY_WIDTH,
    words: Words = ENGLISH,
) -> str:
    """Items per day per subject as lines, one colour per subject with a legend; "" without data.

    The legend has as many columns as its longest name allows (three at most);
    a name too long for one column takes lines, never cut.
    """
    if not days or not series:
        return ""
    largest = max((max(values) for values in series.values() if values), default=0) or 1
    left, right, top, plot_height = max(40, text_width(f"{largest}") + 10), 12, 10, 180
    plot_width = width - left - right
    key = 16 + 16  # the colour's mark before a name and the gap after it
    widest = max(text_width(name) for name in series) + key
    columns = max(1, min(3, len(series), int(plot_width // widest)))
    column_width = plot_width / columns
    names = {name: wrap(name, column_width - key) for name in series}
    legend_rows = [
        max(len(names[name]) for name in list(series)[row : row + columns])
        for row in range(0, len(series), columns)
    ]
    height = top + plot_height + 30 + sum(LINE * lines + 4 for lines in legend_rows)
    step = plot_width / max(len(days) - 1, 1)

    def point(index: int, value: int) -> str:
        return f"{left + index * step:.1f},{top + plot_height - plot_height * value / largest:.1f}"

    summary = words.days_summary % {
        "days": len(days),
        "first": days[0],
        "last": days[-1],
        "largest": largest,
    }
    size = MIN_FONT_SIZE
    parts = [
        *_svg_open(width, height, title, summary),
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - right}" y2="{top + plot_height}" stroke="#5b6470"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_height}" stroke="#5b6470"/>',
        f'<text x="{left - 4}" y="{top + 10}" font-size="{size}" text-anchor="end" fill="#1b1f24">{largest}</text>',
        f'<text x="{left - 4}" y="{top + plot_height}" font-size="{size}" text-anchor="end" fill="#1b1f24">0</text>',
        f'<text x="{left}" y="{top + plot_height + 14}" font-size="{size}" fill="#1b1f24">{escape(days[0])}</text>',
        f'<text x="{width - right}" y="{top + plot_height + 14}" font-size="{size}" text-anchor="end" fill="#1b1f24">{escape(days[-1])}</text>',
    ]
    row_top = top + plot_height + 28
    for number, (name, values) in enumerate(series.items()):
        colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
        points = " ".join(point(i, v) for i, v in enumerate(values))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{escape(words.subject_items % {'subject': name, 'count': sum(values)})}"
            "</title></polyline>"
        )
        row = number // columns
        if number and number % columns == 0:
            row_top += LINE * legend_rows[row - 1] + 4
        x = left + (number % columns) * column_width
        parts.append(f'<rect x="{x:.1f}" y="{row_top - 9}" width="12" height="4" fill="{colour}"/>')
        parts.append(_lines(x + 16, row_top - 3 + 2, names[name], font_size=size, fill="#1b1f24"))
    parts.append("</svg>")
    return "".join(parts)
