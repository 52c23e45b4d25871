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

TONE_COLOURS = {"positive": "#0072B2", "neutral": "#BBBBBB", "negative": "#D55E00"}
TONE_TEXT = {"positive": "#ffffff", "neutral": "#1b1f24", "negative": "#1b1f24"}
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, sans-serif"
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


def tone_bars(
    bars: Sequence[ToneBar], *, title: str, width: int = 640, words: Words = ENGLISH
) -> str:
    """One horizontal bar per subject, split into positive, neutral and negative counts.

    Bars share one scale (the largest total) so outlets' subjects compare by
    length; each segment wide enough carries its count. Empty input gives "".
    """
    if not bars:
        return ""
    label_width, row, top = 180, 26, 8
    plot = width - label_width - 50
    largest = max(bar.total for bar in bars) or 1
    height = top + row * len(bars) + 34
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
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="chart" font-family="{FONT}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(summary)}</desc>",
    ]
    for index, bar in enumerate(bars):
        y = top + index * row
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 15}" font-size="12" text-anchor="end" '
            f'fill="#1b1f24">{escape(bar.label[:28])}</text>'
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
                f'<rect x="{x:.1f}" y="{y + 2}" width="{span:.1f}" height="{row - 6}" '
                f'fill="{TONE_COLOURS[tone]}"><title>{escape(tone_count)}</title></rect>'
            )
            if span >= 16:
                parts.append(
                    f'<text x="{x + span / 2:.1f}" y="{y + 15}" font-size="11" text-anchor="middle" '
                    f'fill="{TONE_TEXT[tone]}">{count}</text>'
                )
            x += span
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + 15}" font-size="11" fill="#5b6470">{bar.total}</text>'
        )
    legend_y = top + row * len(bars) + 10
    # Each key after the one before, by its word's length (about 0.62 em a character).
    x = label_width
    for tone in ("positive", "neutral", "negative"):
        parts.append(
            f'<rect x="{x}" y="{legend_y}" width="12" height="12" fill="{TONE_COLOURS[tone]}"/>'
        )
        parts.append(
            f'<text x="{x + 16}" y="{legend_y + 10}" font-size="11" fill="#1b1f24">'
            f"{escape(words.tone(tone))}</text>"
        )
        x += max(100, 16 + round(7 * len(words.tone(tone))) + 20)
    parts.append("</svg>")
    return "".join(parts)


def trend_lines(
    days: Sequence[str],
    series: Mapping[str, Sequence[int]],
    *,
    title: str,
    width: int = 640,
    words: Words = ENGLISH,
) -> str:
    """Items per day per subject as lines, one colour per subject with a legend; "" without data."""
    if not days or not series:
        return ""
    left, right, top, plot_height = 40, 12, 10, 180
    legend_rows = (len(series) + 2) // 3
    height = top + plot_height + 30 + legend_rows * 18
    plot_width = width - left - right
    largest = max((max(values) for values in series.values() if values), default=0) or 1
    step = plot_width / max(len(days) - 1, 1)

    def point(index: int, value: int) -> str:
        return f"{left + index * step:.1f},{top + plot_height - plot_height * value / largest:.1f}"

    summary = words.days_summary % {
        "days": len(days),
        "first": days[0],
        "last": days[-1],
        "largest": largest,
    }
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="chart" font-family="{FONT}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(summary)}</desc>",
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - right}" y2="{top + plot_height}" stroke="#5b6470"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_height}" stroke="#5b6470"/>',
        f'<text x="{left - 4}" y="{top + 10}" font-size="11" text-anchor="end" fill="#1b1f24">{largest}</text>',
        f'<text x="{left - 4}" y="{top + plot_height}" font-size="11" text-anchor="end" fill="#1b1f24">0</text>',
        f'<text x="{left}" y="{top + plot_height + 14}" font-size="11" fill="#1b1f24">{escape(days[0])}</text>',
        f'<text x="{width - right}" y="{top + plot_height + 14}" font-size="11" text-anchor="end" fill="#1b1f24">{escape(days[-1])}</text>',
    ]
    for number, (name, values) in enumerate(series.items()):
        colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
        points = " ".join(point(i, v) for i, v in enumerate(values))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{escape(words.subject_items % {'subject': name, 'count': sum(values)})}"
            "</title></polyline>"
        )
        x = left + (number % 3) * (plot_width / 3)
        y = top + plot_height + 28 + (number // 3) * 18
        parts.append(f'<rect x="{x:.1f}" y="{y - 9}" width="12" height="4" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + 16:.1f}" y="{y - 3}" font-size="11" fill="#1b1f24">{escape(name[:30])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
