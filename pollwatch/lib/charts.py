"""Server-side charts: Vega-Lite specs built with altair, rendered to SVG or PNG by vl-convert.

One chart serves the dashboard, the PDF and the export (DESIGN §2), so every
chart function takes plain Python data (lists of dicts, or the dicts the
stats cores return) and returns an altair chart whose spec carries
everything: title, axis titles, a ``description`` in words, width, colours
and font sizes. Whoever draws the spec (``render_svg`` for pages and
WeasyPrint, ``render_png`` for exports, a browser) gets the same picture.
``width`` is the whole drawing's: pass the width the chart is shown at
(``PAGE_COLUMN_WIDTH``, ``PDF_WIDTH``) so that it is never shrunk and its
text stays at the sizes of the one shared style, ``THEME``.

Accessibility: colours come from the Okabe–Ito palette, which stays
distinguishable under the common colour-vision deficiencies, and no chart
tells things apart by colour alone (names are written on the axis or next to
the line, references and groups also differ in shape). The description
becomes the SVG's ``aria-label``.

Data handed to Vega-Lite stays small: the functions take aggregates (one row
per candidate, area, bin or cell), never one row per polling station.
No Django here: this runs in the CLI and in notebooks too. So every word a chart
draws is the caller's: titles as parameters, the rest in ``Words`` (English by
default; the Django callers pass the reader's language).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import vl_convert
from lxml import etree

# Okabe & Ito (2008), "Color Universal Design". The yellow is last but one and
# black last because yellow is faint on white and black reads as "reference".
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
# Shapes for references (official result, announced exit polls) and groups:
# the second cue besides colour.
SHAPES: tuple[str, ...] = ("diamond", "triangle-down", "square", "cross", "triangle-up", "circle")
# Widths are of the whole drawing, in CSS px (1/96 in): a column of an analysis page at the
# narrowest desktop width, 1024 px ((1024 px − 2 × 1rem − 2rem gap) / 2; at 1366 px the column
# is 544 px and the chart keeps its size), and the A4 statement's text width (210 mm less
# 2 × 16 mm margins = 178 mm = 672 px, less the body's default 8 px margins; measured with
# WeasyPrint). Drawn at the width it is shown at, a chart's text keeps its size.
PAGE_COLUMN_WIDTH = 480
PDF_WIDTH = 656
DEFAULT_WIDTH = 560
MIN_FONT_SIZE = 11
RENDER_CACHE_SIZE = 256
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


@dataclass(frozen=True)
class Words:
    """Every word the charts draw, in the reader's language; English unless the caller says otherwise.

    Charts take their words from the caller, so this module stays free of
    Django: the Django callers pass a ``Words`` filled with gettext
    (``pollwatch.results.charts.words``). Sentences carry ``%(name)s``
    placeholders that the chart fills in; a percentage such as the interval
    level comes in with its sign ("95 %"), so no word has a bare "%" to format.
    """

    # estimates_chart, convergence_chart
    share_of_valid_votes: str = "share of valid votes"
    candidate: str = "candidate"
    reference: str = "reference"
    estimates_description: str = "Estimated %(what)s with %(level)s intervals: %(values)s"
    stations_reported: str = "stations reported"
    latest_estimate: str = "%(value)s after %(stations)s stations"
    convergence_description: str = (
        "Estimated %(what)s as stations reported, from %(first)s stations on, "
        "with %(level)s intervals. Latest: %(latest)s."
    )
    # coverage_chart
    area: str = "area"
    sampled_stations_reported: str = "sampled stations reported"
    newly_included: str = "newly included"
    other_areas: str = "other areas"
    reported_of_sampled: str = "%(reported)s of %(sampled)s (%(share)s)"
    below_threshold: str = "below threshold"
    threshold: str = "threshold %(share)s"
    coverage_description: str = (
        "Share of sampled stations reported by area (threshold %(threshold)s): %(values)s. "
        "%(below)s of %(areas)s areas below the threshold."
    )
    # proportions_chart
    answer: str = "answer"
    group: str = "group"
    proportions_description: str = (
        "Estimated %(what)s by %(label)s and %(group)s with %(level)s intervals. %(values)s."
    )
    # fingerprint_heatmap
    turnout_percent: str = "turnout %"
    leader_share_percent: str = "leader's share %"
    stations_per_cell: str = "stations per cell (log scale)"
    fingerprint_description: str = "Turnout against the leader's share for %(stations)s stations"
    densest_cell: str = (
        "the densest cell is turnout %(turnout)s, leader's share %(share)s "
        "(%(stations)s stations); %(corner)s stations (%(corner_share)s) have both above %(high)s"
    )
    fraud_fit: str = "Fraud-model fit: %(incremental)s of stations incrementally and %(extreme)s extremely rigged"
    # integer_histogram
    turnout: str = "turnout"
    leader_share: str = "leader's share"
    stations_per_bin: str = "stations per %(width)s-point bin"
    observed_stations: str = "observed stations"
    null_mean: str = "null mean"
    null_band: str = "null 95 % band"
    whole_percent_above: str = "whole percent above the band"
    histogram_description: str = (
        "Stations by %(what)s in %(width)s-point bins (%(stations)s stations) against the "
        "%(level)s band of a binomial null from %(replicates)s replicates: %(spikes)s of "
        "%(bins)s whole-percent bins lie above the band"
    )
    largest_excess: str = "the largest excess at %(values)s"
    excess: str = "%(at)s (%(stations)s stations, null %(mean)s, band %(low)s–%(high)s)"
    # digit_chart
    numbers: str = "numbers"
    observed: str = "observed"
    expected: str = "expected"
    digit_description: str = "Observed (expected) %(what)s by %(digit)s: %(values)s."
    # bar_chart
    bar_description: str = "%(what)s by %(by)s: %(values)s."
    # nothing_yet
    nothing_yet: str = "Nothing to draw yet"


ENGLISH = Words()


def _vega_lite_version() -> str | None:
    """The Vega-Lite version altair validates against, if vl-convert bundles it (else its latest)."""
    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return major_minor if major_minor in vl_convert.get_vegalite_versions() else None


VEGA_LITE_VERSION = _vega_lite_version()


def _percent(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f} %"


def _level(level: float) -> str:
    """An interval's level as "95 %"."""
    return f"{100 * level:g} %"


def _number(value: float | None) -> str:
    """A count as 1,234; other numbers with three significant digits."""
    if value is None:
        return "–"
    if float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _value(value: float | None, percent: bool) -> str:
    return _percent(value) if percent else _number(value)


def _interval(low: float | None, high: float | None, percent: bool) -> str:
    """The interval as " (70.1–72.3)", in the unit of its estimate; empty when there is none."""
    if low is None or high is None:
        return ""
    if percent:
        return f" ({100 * low:.1f}–{100 * high:.1f})"
    return f" ({_number(low)}–{_number(high)})"


def _finite(value: Any) -> float | None:
    """A float, or None for a missing or non-finite value (JSON has no NaN; Vega-Lite skips nulls)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _colours(
    names: Sequence[str], given: Mapping[str, str | None], palette: Sequence[str]
) -> list[str]:
    """The given colour of each name, else the palette's, in order."""
    return [given.get(name) or palette[i % len(palette)] for i, name in enumerate(names)]


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _as_series(chart: Any, name: str) -> Any:
    """The chart with a constant ``series`` field, to name its layer in a shared colour legend.

    Layers drawn from one table can then share one colour scale with set
    colours; a Vega-Lite ``datum`` encoding cannot carry a scale.
    """
    return chart.transform_calculate(series=json.dumps(name))


def _cycle(values: Sequence[str], count: int) -> list[str]:
    return [values[i % len(values)] for i in range(count)]


def _axis_format(percent: bool) -> str:
    # "~f" drops trailing zeros; a bare "," would print 100 as "1e+2".
    return ".0%" if percent else ",~f"


# Character widths of DejaVu Sans (the charts' font) in em, by kind of character: enough to
# wrap titles and labels before Vega lays them out. Bold text is about 8 % wider (Cyrillic and
# Arabic about 15 %).
_NARROW = set("iljI.,:;'!|()[]{} ،؛")
_SEMI = set("frt-–")
_WIDE = set("mwMW%@—")
# Cyrillic (the Russian charts): its wide letters, lower and upper case.
_CYRILLIC_WIDE = set("мыюфжшщ")
_CYRILLIC_UPPER_WIDE = set("ЦДОЪФМЫШЖЮЩ")
# Arabic letters by width as DejaVu Sans draws them alone (joined, most are narrower).
_ARABIC = (
    (set("آأإاٱ"), 0.34),
    (set("دذءرزژؤوةه"), 0.56),
    (set("عغمجحخچ"), 0.7),
    (set("لنقئىيیك"), 0.86),
    (set("کگطظبتثپف"), 1.06),
    (set("صضسش"), 1.26),
)


def _char_width(char: str) -> float:
    """About how wide ``char`` is, in em of regular DejaVu Sans."""
    if char in _NARROW:
        return 0.34
    if "\u0400" <= char <= "\u04ff":
        if char in _CYRILLIC_WIDE:
            return 0.95
        if char in _CYRILLIC_UPPER_WIDE:
            return 1.1
        return 0.78 if char.isupper() else 0.66
    if "\u0600" <= char <= "\u06ff":
        if "\u064b" <= char <= "\u065f" or char == "\u0670":
            return 0.0  # vowel marks sit on their letter
        return next((em for letters, em in _ARABIC if char in letters), 0.8)
    if char in _SEMI:
        return 0.44
    if char in _WIDE:
        return 0.95
    return 0.72 if char.isupper() else 0.64


def text_width(text: str, font_size: float = MIN_FONT_SIZE, bold: bool = False) -> float:
    """About how wide ``text`` is drawn, in px (on the wide side), in any of the interface's
    languages (Latin, Cyrillic and Arabic letters)."""
    em = 0.0
    for char in text:
        width = _char_width(char)
        if bold:
            width *= 1.08 if char < "\u0400" else 1.15
        em += width
    return em * font_size


def wrap(
    text: str, width: float, font_size: float = MIN_FONT_SIZE, bold: bool = False
) -> list[str]:
    """``text`` in lines no wider than ``width`` px, broken between words (a longer word stays whole)."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and text_width(f"{lines[-1]} {word}", font_size, bold) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _js(value: Any) -> str:
    """A value as a Vega expression literal (JSON, with the two line separators JS rejects escaped)."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _wrapped_labels(labels: Sequence[str], width: float) -> tuple[dict[str, Any], int]:
    """Axis properties that draw each long category label in lines, and the most lines any takes.

    The data keeps the whole name (descriptions, tooltips); only the axis
    breaks it, so nothing is cut with "…". Vega centres a label's first line
    on its row: a label of n lines is moved up by (n − 1) half lines.
    """
    lines = {label: wrap(label, width) for label in labels}
    long = {label: parts for label, parts in lines.items() if len(parts) > 1}
    most = max((len(parts) for parts in lines.values()), default=1)
    if not long:
        return {}, most
    raise_by = {label: (len(parts) - 1) * LINE_HEIGHT / 2 for label, parts in long.items()}
    return {
        "labelExpr": f"{_js(long)}[datum.label] || datum.label",
        "labelOffset": {"expr": f"-({_js(raise_by)}[datum.label] || 0)"},
    }, most


def _category_axis(labels: Sequence[str], chart_width: int, share: float = 0.36) -> tuple[Any, int]:
    """A y axis whose labels take at most ``share`` of the chart's width, in lines; and the most lines."""
    wrapped, most = _wrapped_labels(labels, share * chart_width)
    # The title goes above the labels, ending where they end: Vega places a turned title
    # by a label width of its own and lays it over long labels.
    properties: dict[str, Any] = {
        "labelLimit": chart_width,
        "titleAngle": 0,
        "titleAlign": "right",
        "titleBaseline": "bottom",
        "titleX": -9,
        "titleY": -6,
    }
    return alt.Axis(**properties, **wrapped), most


def _title(text: str, width: float) -> str | list[str]:
    """An axis title, in lines when it is longer than ``width`` px."""
    lines = wrap(text, width, 12, bold=True)
    return lines if len(lines) > 1 else text


def _row_step(lines: int, minimum: int = 24) -> int:
    """The height of a category's row: at least ``minimum``, more when its label takes lines."""
    return max(minimum, LINE_HEIGHT * lines + 8)


def _ticks(width: int, per: int = 80) -> int:
    """How many ticks a quantitative axis of a chart this wide should aim for."""
    return max(3, width // per)


def _value_axis(percent: bool, width: int, **properties: Any) -> Any:
    """A quantitative axis: whole percents (never "1% 1% 2%") or counts with thousands separators."""
    if percent:
        properties.setdefault("tickMinStep", 0.01)
    return alt.Axis(format=_axis_format(percent), tickCount=_ticks(width), **properties)


def _legend(title: str | None, labels: Sequence[str], width: float, **properties: Any) -> Any:
    """A legend under the plot, in as many columns as fit ``width`` px.

    Vega starts it at the plot's left edge, right of the axis labels: pass
    the width from there to the drawing's right edge.
    """
    # A symbol, its offset and the padding between columns besides each label.
    widest = max((text_width(str(label)) for label in labels), default=0) + 44
    if any("\u0600" <= char <= "\u06ff" for label in labels for char in str(label)):
        # Vega measures Arabic as drawn (joined letters, narrower than alone): more room
        # between columns keeps labels apart however their width is reckoned.
        properties.setdefault("columnPadding", THEME["legend"]["columnPadding"] + 10)
        widest += 10
    columns = max(1, min(len(labels), int((width - 8) // widest)))
    if widest > width - 8:
        # Wider than the room even alone in its column: in lines, never cut with "…".
        lines = {str(label): wrap(str(label), width - 8 - 44) for label in labels}
        long = {label: parts for label, parts in lines.items() if len(parts) > 1}
        if long:
            properties.setdefault("labelExpr", f"{_js(long)}[datum.label] || datum.label")
    return alt.Legend(title=title, columns=columns, **properties)


LINE_HEIGHT = 13
FONT = "DejaVu Sans, Verdana, sans-serif"
TITLE_SIZE = 15
# One style for every chart: the text sizes, fonts and spacing a reader needs, set once.
THEME: dict[str, Any] = {
    # DejaVu Sans (fonts-dejavu-core, see docs/deployment.md) is the statement's font and the one
    # vl-convert measures with; a wide font, so a browser that falls back to Arial or Helvetica
    # only gets more room.
    "font": FONT,
    # No ARIA of Vega's own on marks and guides: its generated sentences ("Y-axis titled …
    # for a discrete scale") are English whatever the chart's language, and the root <svg>
    # is one image labelled with the chart's description (``_accessible_svg``).
    "aria": False,
    "padding": 4,
    "title": {
        "fontSize": TITLE_SIZE,
        "subtitleFontSize": 12,
        "anchor": "start",
        "frame": "bounds",
        "offset": 10,
        "lineHeight": 19,
    },
    "axis": {
        "labelFontSize": MIN_FONT_SIZE,
        "titleFontSize": 12,
        "titlePadding": 8,
        "labelPadding": 4,
        "labelOverlap": "greedy",
        "labelSeparation": 8,
        "labelLineHeight": LINE_HEIGHT,
        "labelLimit": 1000,
        "titleLimit": 1000,
    },
    "axisX": {"labelFlush": True},
    "legend": {
        "labelFontSize": MIN_FONT_SIZE,
        "titleFontSize": 12,
        "orient": "bottom",
        "direction": "horizontal",
        "labelLimit": 1000,
        "titleLimit": 1000,
        "titleOrient": "top",
        "columnPadding": 14,
        "rowPadding": 6,
    },
    "header": {"labelFontSize": MIN_FONT_SIZE, "titleFontSize": 12},
    "text": {"fontSize": MIN_FONT_SIZE, "lineHeight": LINE_HEIGHT},
    "view": {"strokeWidth": 1},
}


def _finish(chart: Any, *, title: str, description: str, width: int, height: Any = None) -> Any:
    """Title, description (after the title), size and the shared style (``THEME``), all inside the spec.

    ``width`` is the whole drawing's, axes, labels and legend included
    (Vega-Lite's autosize "fit-x"): the chart is drawn at the width it is
    shown at, never shrunk. The title is broken into lines that fit it.
    Configured at the top level, as Vega-Lite requires; the charts are
    therefore finished pictures and cannot be layered or concatenated further.
    """
    # role="img" hides the SVG's own text from screen readers: the label must name the chart too.
    separator = " " if title.endswith((".", ":", "?", "!")) else ". "
    lines = wrap(title, width - 2 * THEME["padding"], TITLE_SIZE, bold=True)
    properties: dict[str, Any] = {
        "title": alt.TitleParams(text=lines if len(lines) > 1 else title),
        "description": title + separator + description,
        "width": width,
        "autosize": alt.AutoSizeParams(type="fit-x", contains="padding"),
    }
    if height is not None:
        properties["height"] = height
    return chart.properties(**properties).configure(**THEME)


def estimates_chart(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str,
    axis_title: str | None = None,
    references: Sequence[Mapping[str, Any]] | None = None,
    percent: bool = True,
    name_title: str | None = None,
    level: float = 0.95,
    palette: Sequence[str] = PALETTE,
    width: int = DEFAULT_WIDTH,
    words: Words = ENGLISH,
) -> alt.LayerChart:
    """Point estimates with interval bars, one row per name, in the order given.

    ``rows``: dicts with ``name``, ``estimate``, ``low``, ``high`` (fractions
    when ``percent``; ``low``/``high`` may be None) and an optional
    ``colour``. ``references``: optional dicts with ``name``, ``value`` and
    ``label`` (e.g. "official result", "announced exit poll"), drawn as open
    black markers, one shape per label, named in a legend. ``level`` only
    words the description ("95 % intervals"). ``axis_title`` and
    ``name_title`` default to ``words``' "share of valid votes" and "candidate".
    """
    axis_title = axis_title or words.share_of_valid_votes
    name_title = name_title or words.candidate
    names = [str(row["name"]) for row in rows]
    colours = _colours(names, {str(r["name"]): r.get("colour") for r in rows}, palette)
    data: list[dict[str, Any]] = []
    for row, name, colour in zip(rows, names, colours, strict=True):
        estimate, low, high = (
            _finite(row["estimate"]),
            _finite(row.get("low")),
            _finite(row.get("high")),
        )
        data.append(
            {
                "name": name,
                "estimate": estimate,
                "low": low,
                "high": high,
                "colour": colour,
                "text": _value(estimate, percent) + _interval(low, high, percent),
            }
        )
    name_axis, lines = _category_axis(names, width, share=0.3)
    y = alt.Y("name:N", sort=names, title=name_title, axis=name_axis)
    x_axis = _value_axis(percent, width)
    base = alt.Chart(alt.Data(values=data))
    interval = base.mark_rule(strokeWidth=3).encode(
        x=alt.X("low:Q", title=axis_title, axis=x_axis, scale=alt.Scale(zero=True)),
        x2="high:Q",
        y=y,
        color=alt.Color("colour:N", scale=None),
    )
    point = base.mark_point(filled=True, size=90, opacity=1).encode(
        x="estimate:Q", y=y, color=alt.Color("colour:N", scale=None)
    )
    # The numbers go in a column right of the plot, where no marker can cover them.
    text = base.mark_text(align="left").encode(
        x=alt.value({"expr": "width + 10"}), y=y, text="text:N"
    )
    layers = [interval, point, text]

    description = words.estimates_description % {
        "what": axis_title,
        "level": _level(level),
        "values": "; ".join(f"{d['name']} {d['text']}" for d in data),
    }
    if references:
        reference_data: list[dict[str, Any]] = [
            {"name": str(r["name"]), "value": _finite(r["value"]), "label": str(r["label"])}
            for r in references
        ]
        labels = _unique([r["label"] for r in reference_data])
        layers.append(
            alt.Chart(alt.Data(values=reference_data))
            # Just below the estimate's line, so that a reference on the estimate hides neither.
            .mark_point(
                filled=False, size=150, strokeWidth=2, color="#000000", opacity=1, yOffset=8
            )
            .encode(
                x="value:Q",
                y=y,
                shape=alt.Shape(
                    "label:N",
                    scale=alt.Scale(domain=labels, range=_cycle(SHAPES, len(labels))),
                    legend=_legend(words.reference, labels, 0.7 * width - 140),
                ),
            )
        )
        for label in labels:
            description += f". {label}: " + "; ".join(
                f"{r['name']} {_value(r['value'], percent)}"
                for r in reference_data
                if r["label"] == label
            )
    return _finish(
        alt.layer(*layers),
        title=title,
        description=description + ".",
        width=width,
        height=alt.Step(_row_step(lines, 30)),
    )


def convergence_chart(
    points: Sequence[Mapping[str, Any]],
    *,
    title: str,
    axis_title: str | None = None,
    percent: bool = True,
    level: float = 0.95,
    palette: Sequence[str] = PALETTE,
    width: int = DEFAULT_WIDTH,
    height: int = 320,
    words: Words = ENGLISH,
) -> alt.LayerChart:
    """How estimates settle as stations report: a line and a shaded interval band per name.

    ``points``: dicts with ``stations`` (stations reported so far), ``name``,
    ``estimate``, ``low``, ``high`` (fractions when ``percent``) and an
    optional ``colour``; one point per name and arrival count, in any order.
    Each line is labelled with its name at its last point, so the legend is
    not the only key.
    """
    axis_title = axis_title or words.share_of_valid_votes
    names = _unique([str(p["name"]) for p in points])
    given: dict[str, str | None] = {}
    for p in points:
        given.setdefault(str(p["name"]), p.get("colour"))
    colours = _colours(names, given, palette)
    data: list[dict[str, Any]] = sorted(
        (
            {
                "stations": int(p["stations"]),
                "name": str(p["name"]),
                "estimate": _finite(p["estimate"]),
                "low": _finite(p.get("low")),
                "high": _finite(p.get("high")),
            }
            for p in points
        ),
        key=lambda d: (names.index(d["name"]), d["stations"]),
    )
    latest = {d["name"]: d for d in data}  # sorted by stations, so the last one wins
    values = [v for d in data for v in (d["estimate"], d["low"], d["high"]) if v is not None]
    top = _nice_top(max(values, default=1.0), percent)
    bottom = min(0.0, min(values, default=0.0))
    # Each line is named at its end; labels of close values are moved apart, and when
    # they cannot all fit beside the plot the legend names the lines instead.
    labels = _end_labels(
        [
            (d["name"], d["estimate"], f"{d['name']} {_value(d['estimate'], percent)}")
            for d in latest.values()
            if d["estimate"] is not None
        ],
        domain=(bottom, top),
        height=height,
        width=0.28 * width,
    )
    colour = alt.Color(
        "name:N",
        scale=alt.Scale(domain=names, range=colours),
        legend=None if labels else _legend(None, names, width - 60, symbolOpacity=1),
    )
    counts = [d["stations"] for d in data] or [0, 1]
    x = alt.X(
        "stations:Q",
        title=words.stations_reported,
        axis=alt.Axis(format=",d", tickMinStep=1, tickCount=_ticks(width, 90)),
        # The lines end at the plot's right edge, where their leaders and labels start.
        scale=alt.Scale(domain=[min(counts), max(counts)], nice=False, zero=False),
    )
    y_axis = _value_axis(percent, height)
    y_scale = alt.Scale(domain=[bottom, top], nice=False)
    base = alt.Chart(alt.Data(values=data))
    band = base.mark_area(opacity=0.2).encode(
        x=x,
        y=alt.Y("low:Q", title=axis_title, axis=y_axis, scale=y_scale),
        y2="high:Q",
        color=colour,
    )
    line = base.mark_line(strokeWidth=2).encode(x=x, y="estimate:Q", color=colour)
    layers = [band, line]
    if labels:
        label_base = alt.Chart(alt.Data(values=labels))
        layers += [
            # A short leader in the line's colour from its end to its label, moved or not.
            label_base.mark_rule(strokeWidth=1.5).encode(
                x=alt.value({"expr": "width"}),
                x2=alt.value({"expr": "width + 8"}),
                y="end:Q",
                y2="label_at:Q",
                color=colour,
            ),
            # Black, not the line's colour: orange or sky-blue text is too faint on white.
            label_base.mark_text(align="left", baseline="middle", color="#000000").encode(
                x=alt.value({"expr": "width + 10"}), y="label_at:Q", text="lines:N"
            ),
        ]
    latest_words = "; ".join(
        f"{d['name']} "
        + words.latest_estimate
        % {
            "value": _value(d["estimate"], percent) + _interval(d["low"], d["high"], percent),
            "stations": f"{d['stations']:,}",
        }
        for d in latest.values()
    )
    first = min((d["stations"] for d in data), default=0)
    description = words.convergence_description % {
        "what": axis_title,
        "first": f"{first:,}",
        "level": _level(level),
        "latest": latest_words,
    }
    return _finish(
        alt.layer(*layers),
        title=title,
        description=description,
        width=width,
        height=height,
    )


def _nice_top(value: float, percent: bool) -> float:
    """The top of a value axis: the next 10 % (shares) or the next 1, 2 or 5 × 10ⁿ above ``value``."""
    if percent:
        return min(1.0, math.ceil(value * 10 - 1e-9) / 10) if value <= 1 else value
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _end_labels(
    items: Sequence[tuple[str, float, str]],
    *,
    domain: tuple[float, float],
    height: int,
    width: float,
) -> list[dict[str, Any]]:
    """Labels for line ends, each at its line's height unless it must move to clear another.

    ``items``: (name, end value, text). Works in pixels (the value axis
    runs over ``domain`` in ``height`` px): labels are stacked from the top,
    each below the one before, then pushed back up from the bottom. Empty
    when they do not fit in the plot's height (the caller shows a legend).
    """
    low, high = domain
    span = (high - low) or 1.0
    texts = [wrap(text, width) for _, _, text in items]
    sizes = [LINE_HEIGHT * len(lines) + 3.0 for lines in texts]
    if sum(sizes) > height:
        return []
    # Pixels from the plot's top to each label's middle, from the top down.
    centres = [height * (high - value) / span for _, value, _ in items]
    order = sorted(range(len(items)), key=lambda i: centres[i])
    bottom = 0.0
    for i in order:  # downwards: each below the one above
        centres[i] = max(centres[i], bottom + sizes[i] / 2)
        bottom = centres[i] + sizes[i] / 2
    top = float(height)
    for i in reversed(order):  # upwards: none below the plot
        centres[i] = min(centres[i], top - sizes[i] / 2)
        top = centres[i] - sizes[i] / 2
    # Vega puts a label's first line at its y and the others below.
    return [
        {
            "name": items[i][0],
            "end": items[i][1],
            "lines": texts[i],
            "label_at": high - (centres[i] - sizes[i] / 2 + LINE_HEIGHT / 2 + 1.5) * span / height,
        }
        for i in order
    ]


# Other areas, newly included ones.
COVERAGE_SHADES = ("#56B4E9", "#0072B2")


def coverage_chart(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str,
    threshold: float = 0.8,
    width: int = DEFAULT_WIDTH,
    words: Words = ENGLISH,
) -> alt.LayerChart:
    """Share of sampled stations that reported, one bar per area, with the threshold as a rule.

    ``rows``: dicts with ``area``, ``reported``, ``sampled`` and
    ``newly_included`` (bool), in display order. Newly included areas get a
    darker shade and " (newly included)" after their name; areas under the
    threshold say "below threshold" in bold in the column of numbers right of
    the bars, so neither depends on colour. An area with no sampled station counts as 0 %.
    """
    data: list[dict[str, Any]] = []
    for row in rows:
        reported, sampled = int(row["reported"]), int(row["sampled"])
        coverage = reported / sampled if sampled else 0.0
        newly = bool(row.get("newly_included"))
        below = coverage < threshold
        count = words.reported_of_sampled % {
            "reported": f"{reported:,}",
            "sampled": f"{sampled:,}",
            "share": _percent(coverage, 0),
        }
        data.append(
            {
                "area": str(row["area"]) + (f" ({words.newly_included})" if newly else ""),
                "coverage": coverage,
                "kind": words.newly_included if newly else words.other_areas,
                "text": count + (f" {words.below_threshold}" if below else ""),
                # Drawn in two lines, to keep the column narrow.
                "lines": [count] + ([words.below_threshold] if below else []),
                "below": below,
            }
        )
    areas = [d["area"] for d in data]
    area_axis, lines = _category_axis(areas, width, share=0.3)
    lines = max([lines, *(len(d["lines"]) for d in data)])
    kinds = [words.other_areas, words.newly_included]
    y = alt.Y("area:N", sort=areas, title=words.area, axis=area_axis)
    base = alt.Chart(alt.Data(values=data))
    bars = base.mark_bar().encode(
        x=alt.X(
            "coverage:Q",
            title=words.sampled_stations_reported,
            axis=_value_axis(True, width),
            # Reserve stations can take an area past 100 %; the bar must still show it.
            scale=alt.Scale(domain=[0, max([1.0, *(d["coverage"] for d in data)])]),
        ),
        y=y,
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(domain=kinds, range=list(COVERAGE_SHADES)),
            legend=_legend(None, kinds, 0.7 * width - 140),
        ),
    )
    # The numbers go in a column right of the plot: beside a bar near 100 % they would
    # run off the drawing (Vega sizes the plot before it places them).
    column = alt.value({"expr": "width + 10"})
    text = (
        base.transform_filter("!datum.below")
        .mark_text(align="left")
        .encode(x=column, y=y, text="lines:N")
    )
    below_text = (
        base.transform_filter("datum.below")
        .mark_text(align="left", fontWeight="bold")
        .encode(x=column, y=y, text="lines:N")
    )
    rule = (
        alt.Chart(alt.Data(values=[{"threshold": threshold}]))
        .mark_rule(color="#000000", strokeDash=[6, 4], strokeWidth=1.5)
        .encode(x="threshold:Q")
    )
    rule_label = (
        alt.Chart(
            alt.Data(
                values=[
                    {
                        "threshold": threshold,
                        "text": words.threshold % {"share": _percent(threshold, 0)},
                    }
                ]
            )
        )
        .mark_text(align="center", baseline="bottom", dy=-4)
        .encode(x="threshold:Q", y=alt.value(0), text="text:N")
    )
    short = [d for d in data if d["below"]]
    description = words.coverage_description % {
        "threshold": _percent(threshold, 0),
        "values": "; ".join(f"{d['area']} {d['text']}" for d in data),
        "below": len(short),
        "areas": len(data),
    }
    return _finish(
        alt.layer(bars, rule, text, below_text, rule_label),
        title=title,
        description=description,
        width=width,
        height=alt.Step(_row_step(lines)),
    )


def proportions_chart(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str,
    axis_title: str,
    percent: bool = True,
    label_title: str | None = None,
    group_title: str | None = None,
    level: float = 0.95,
    palette: Sequence[str] = PALETTE,
    width: int = DEFAULT_WIDTH,
    words: Words = ENGLISH,
) -> alt.LayerChart:
    """Estimates with intervals for labels × groups (e.g. checklist answers by region or phase).

    ``rows``: dicts with ``label``, ``group``, ``estimate``, ``low``, ``high``
    (fractions when ``percent``). Each label gets a row; its groups sit side by
    side within the row, told apart by colour and shape, in the order they
    first appear. Readable up to about 10 labels × 6 groups. ``label_title``
    and ``group_title`` default to ``words``' "answer" and "group".
    """
    label_title = label_title or words.answer
    group_title = group_title or words.group
    labels = _unique([str(r["label"]) for r in rows])
    groups = _unique([str(r["group"]) for r in rows])
    data: list[dict[str, Any]] = [
        {
            "label": str(r["label"]),
            "group": str(r["group"]),
            "estimate": _finite(r["estimate"]),
            "low": _finite(r.get("low")),
            "high": _finite(r.get("high")),
        }
        for r in rows
    ]
    # One group needs no legend: the axis title and the chart's title name it.
    legend = _legend(group_title, groups, 0.6 * width - 30) if len(groups) > 1 else None
    colour = alt.Color(
        "group:N",
        scale=alt.Scale(domain=groups, range=_cycle(palette, len(groups))),
        legend=legend,
    )
    shape = alt.Shape(
        "group:N",
        scale=alt.Scale(domain=groups, range=_cycle(SHAPES, len(groups))),
        legend=legend,
    )
    label_axis, lines = _category_axis(labels, width, share=0.4)
    y = alt.Y("label:N", sort=labels, title=label_title, axis=label_axis)
    offset = alt.YOffset("group:N", sort=groups)
    base = alt.Chart(alt.Data(values=data))
    interval = base.mark_rule(strokeWidth=2).encode(
        x=alt.X(
            "low:Q",
            title=axis_title,
            axis=_value_axis(percent, width),
            scale=alt.Scale(zero=True),
        ),
        x2="high:Q",
        y=y,
        yOffset=offset,
        color=colour,
    )
    point = base.mark_point(filled=True, size=60, opacity=1).encode(
        x="estimate:Q", y=y, yOffset=offset, color=colour, shape=shape
    )
    parts = []
    for label in labels:
        entries = [d for d in data if d["label"] == label]
        parts.append(
            f"{label}: "
            + ", ".join(
                f"{d['group']} {_value(d['estimate'], percent)}"
                f"{_interval(d['low'], d['high'], percent)}"
                for d in entries
            )
        )
    description = words.proportions_description % {
        "what": axis_title,
        "label": label_title,
        "group": group_title,
        "level": _level(level),
        "values": "; ".join(parts),
    }
    return _finish(
        alt.layer(interval, point),
        title=title,
        description=description,
        width=width,
        # Each label's row holds its groups side by side and its label's lines.
        height=len(labels) * _row_step(lines, 12 * len(groups) + 8),
    )


def fingerprint_heatmap(
    fingerprint: Mapping[str, Any],
    *,
    title: str,
    width: int = DEFAULT_WIDTH,
    words: Words = ENGLISH,
) -> alt.Chart:
    """The turnout × leader-share fingerprint as a heat map of stations per cell.

    ``fingerprint``: the dict returned by
    ``pollwatch.stats.forensics_fingerprint.fingerprint`` (its
    ``turnout_edges``, ``share_edges`` and ``counts``, already a 2-D
    histogram of at most 100 × 100 cells; empty cells are left out). The
    colour scale is viridis on a log scale, so that the thin smear of
    rigged stations shows beside the dense blob of clean ones.
    """
    turnout_edges = [100 * float(e) for e in fingerprint["turnout_edges"]]
    share_edges = [100 * float(e) for e in fingerprint["share_edges"]]
    counts = fingerprint["counts"]
    cells: list[dict[str, Any]] = [
        {
            "turnout": turnout_edges[i],
            "turnout_end": turnout_edges[i + 1],
            "share": share_edges[j],
            "share_end": share_edges[j + 1],
            "stations": int(count),
        }
        for i, row in enumerate(counts)
        for j, count in enumerate(row)
        if count
    ]
    stations = sum(cell["stations"] for cell in cells)
    chart = (
        alt.Chart(alt.Data(values=cells))
        .mark_rect()
        .encode(
            x=alt.X(
                "turnout:Q",
                title=words.turnout_percent,
                scale=alt.Scale(domain=[turnout_edges[0], turnout_edges[-1]], nice=False),
                axis=alt.Axis(tickCount=_ticks(width)),
            ),
            x2="turnout_end:Q",
            y=alt.Y(
                "share:Q",
                title=words.leader_share_percent,
                scale=alt.Scale(domain=[share_edges[0], share_edges[-1]], nice=False),
            ),
            y2="share_end:Q",
            color=alt.Color(
                "stations:Q",
                scale=alt.Scale(scheme="viridis", type="log"),
                legend=alt.Legend(title=words.stations_per_cell, gradientLength=200),
            ),
        )
    )
    description = words.fingerprint_description % {"stations": f"{stations:,}"}
    if cells:
        densest = max(cells, key=lambda cell: cell["stations"])
        corner = sum(c["stations"] for c in cells if c["turnout"] >= 80 and c["share"] >= 80)
        description += ": " + words.densest_cell % {
            "turnout": f"{densest['turnout']:g}–{densest['turnout_end']:g} %",
            "share": f"{densest['share']:g}–{densest['share_end']:g} %",
            "stations": f"{densest['stations']:,}",
            "corner": f"{corner:,}",
            "corner_share": _percent(corner / stations),
            "high": "80 %",
        }
    if fingerprint.get("incremental_fraud") is not None:
        description += ". " + words.fraud_fit % {
            "incremental": _percent(fingerprint["incremental_fraud"], 0),
            "extreme": _percent(fingerprint.get("extreme_fraud"), 0),
        }
    if fingerprint.get("reading"):
        description += f" ({fingerprint['reading']})"
    # Square cells leave room for the axes and the legend under the plot.
    return _finish(
        chart, title=title, description=description + ".", width=width, height=int(0.7 * width)
    )


# The colours of the observed stations, the null mean, the null band and the spikes.
HISTOGRAM_COLOURS = ("#000000", "#0072B2", "#56B4E9", "#D55E00")


def integer_histogram(
    histogram: Mapping[str, Any],
    *,
    title: str,
    width: int = DEFAULT_WIDTH,
    height: int = 300,
    words: Words = ENGLISH,
) -> alt.LayerChart:
    """Stations per 0.1-pp bin against the binomial null band, where whole-percent spikes show.

    ``histogram``: the dict returned by
    ``pollwatch.stats.forensics_integer.percentage_histogram`` (``bins`` as
    left edges, ``bin_width``, ``observed``, ``null_mean``, ``null_low``,
    ``null_high``, ``which``, ``stations``, ``replicates``). Whole-percent
    bins above the band are marked with a triangle, not only a colour.
    """
    width_pp = float(histogram["bin_width"])
    lefts = [float(b) for b in histogram["bins"]]
    centres = histogram.get("bin_centres") or [round(b + width_pp / 2, 6) for b in lefts]
    data: list[dict[str, Any]] = [
        {
            "left": left,
            "observed": int(observed),
            "null_mean": float(mean),
            "null_low": float(low),
            "null_high": float(high),
        }
        for left, observed, mean, low, high in zip(
            lefts,
            histogram["observed"],
            histogram["null_mean"],
            histogram["null_low"],
            histogram["null_high"],
            strict=True,
        )
    ]
    if data:
        # Steps are drawn from each left edge to the next: close the last bin.
        data.append({**data[-1], "left": round(lefts[-1] + width_pp, 6)})
    spikes: list[dict[str, Any]] = [
        {"centre": float(centre), **d}
        # data has one row more than centres, the closing one: zip stops before it.
        for centre, d in zip(centres, data, strict=False)
        if abs(centre - round(centre)) < 1e-6 and d["observed"] > d["null_high"]
    ]
    turnout = histogram.get("which", "turnout") == "turnout"
    what = words.turnout if turnout else words.leader_share
    names = (words.observed_stations, words.null_mean, words.null_band, words.whole_percent_above)
    shown = len(names) if spikes else len(names) - 1
    series = list(names[:shown])
    colour_scale = alt.Scale(domain=series, range=list(HISTOGRAM_COLOURS[:shown]))
    x = alt.X(
        "left:Q",
        title=words.turnout_percent if turnout else words.leader_share_percent,
        scale=alt.Scale(domain=[lefts[0], lefts[-1] + width_pp] if lefts else [0, 100], nice=False),
        axis=alt.Axis(tickCount=_ticks(width)),
    )
    y_title = words.stations_per_bin % {"width": f"{width_pp:g}"}
    # Each series' legend symbol is drawn like its mark (a line, a dashed line, a shaded
    # square, a triangle), so the legend still reads printed in black and white.
    symbols = dict(zip(names, ("stroke", "stroke", "square", "triangle-down"), strict=True))
    colour = alt.Color(
        "series:N",
        scale=colour_scale,
        legend=_legend(
            None,
            series,
            width - 60,
            symbolOpacity=1,
            symbolType=alt.ExprRef(f"{_js(symbols)}[datum.value] || 'circle'"),
            symbolDash=alt.ExprRef(f"datum.value === {_js(words.null_mean)} ? [4, 2] : []"),
            symbolStrokeWidth=2,
        ),
    )
    base = alt.Chart(alt.Data(values=data))
    band = (
        _as_series(base, words.null_band)
        .mark_area(interpolate="step-after", opacity=0.5)
        .encode(
            x=x,
            y=alt.Y("null_low:Q", title=y_title, axis=_value_axis(False, height, tickMinStep=1)),
            y2="null_high:Q",
            color=colour,
        )
    )
    mean = (
        _as_series(base, words.null_mean)
        .mark_line(interpolate="step-after", strokeWidth=1, strokeDash=[4, 2])
        .encode(x=x, y="null_mean:Q", color=colour)
    )
    observed = (
        _as_series(base, words.observed_stations)
        .mark_line(interpolate="step-after", strokeWidth=1.2)
        .encode(x=x, y="observed:Q", color=colour)
    )
    layers = [band, mean, observed]
    if spikes:
        layers.append(
            _as_series(alt.Chart(alt.Data(values=spikes)), words.whole_percent_above)
            .mark_point(shape="triangle-down", filled=True, size=50, yOffset=-7, opacity=1)
            .encode(x="centre:Q", y="observed:Q", color=colour)
        )
    whole_bins = sum(1 for c in centres if abs(c - round(c)) < 1e-6)
    description = words.histogram_description % {
        "what": what,
        "width": f"{width_pp:g}",
        "stations": f"{int(histogram.get('stations', 0)):,}",
        "level": "95 %",
        "replicates": f"{int(histogram.get('replicates', 0)):,}",
        "spikes": len(spikes),
        "bins": whole_bins,
    }
    if spikes:
        largest = sorted(spikes, key=lambda s: s["observed"] - s["null_mean"], reverse=True)[:3]
        excesses = "; ".join(
            words.excess
            % {
                "at": f"{s['centre']:g} %",
                "stations": f"{s['observed']:,}",
                "mean": f"{s['null_mean']:.0f}",
                "low": f"{s['null_low']:.0f}",
                "high": f"{s['null_high']:.0f}",
            }
            for s in largest
        )
        description += "; " + words.largest_excess % {"values": excesses}
    return _finish(
        alt.layer(*layers), title=title, description=description + ".", width=width, height=height
    )


def digit_chart(
    observed: Sequence[float],
    expected: Sequence[float],
    *,
    title: str,
    x_title: str,
    y_title: str | None = None,
    percent: bool = False,
    width: int = DEFAULT_WIDTH,
    height: int = 260,
    words: Words = ENGLISH,
) -> alt.LayerChart:
    """Observed digit frequencies as bars, the expected ones as a line with points.

    ``observed`` and ``expected`` are equal-length sequences indexed by digit
    (0–9), both counts or both shares (then pass ``percent=True``).
    ``y_title`` defaults to ``words``' "numbers".
    """
    y_title = y_title or words.numbers
    if len(observed) != len(expected):
        raise ValueError(f"{len(observed)} observed but {len(expected)} expected frequencies")
    data: list[dict[str, Any]] = [
        {"digit": digit, "observed": _finite(o), "expected": _finite(e)}
        for digit, (o, e) in enumerate(zip(observed, expected, strict=True))
    ]
    series = {words.observed: "#56B4E9", words.expected: "#000000"}
    colour_scale = alt.Scale(domain=list(series), range=list(series.values()))
    x = alt.X("digit:O", title=x_title, axis=alt.Axis(labelAngle=0))
    colour = alt.Color(
        "series:N", scale=colour_scale, legend=_legend(None, list(series), width - 60)
    )
    base = alt.Chart(alt.Data(values=data))
    bars = (
        _as_series(base, words.observed)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("observed:Q", title=y_title, axis=_value_axis(percent, height)),
            color=colour,
        )
    )
    line = (
        _as_series(base, words.expected)
        .mark_line(point=alt.OverlayMarkDef(filled=True, size=50), strokeWidth=1.5)
        .encode(x=x, y="expected:Q", color=colour)
    )
    description = words.digit_description % {
        "what": y_title,
        "digit": x_title,
        "values": "; ".join(
            f"{d['digit']}: {_value(d['observed'], percent)} ({_value(d['expected'], percent)})"
            for d in data
        ),
    }
    return _finish(
        alt.layer(bars, line),
        title=title,
        description=description,
        width=width,
        height=height,
    )


def bar_chart(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str,
    x_title: str,
    y_title: str,
    palette: Sequence[str] = PALETTE,
    width: int = DEFAULT_WIDTH,
    words: Words = ENGLISH,
) -> alt.LayerChart:
    """Horizontal bars with their values written beside them, in the order given.

    ``rows``: dicts with ``label``, ``value`` and an optional ``colour``
    (default: the palette's first colour for every bar, as the labels already
    name them). ``x_title`` names the values, ``y_title`` the labels.
    """
    data: list[dict[str, Any]] = [
        {
            "label": str(r["label"]),
            "value": _finite(r["value"]),
            "colour": r.get("colour") or palette[0],
            "text": _number(_finite(r["value"])),
        }
        for r in rows
    ]
    labels = [d["label"] for d in data]
    label_axis, lines = _category_axis(labels, width, share=0.3)
    y = alt.Y("label:N", sort=labels, title=y_title, axis=label_axis)
    base = alt.Chart(alt.Data(values=data))
    bars = base.mark_bar().encode(
        x=alt.X(
            "value:Q",
            title=_title(x_title, 0.6 * width),
            axis=_value_axis(False, width, tickMinStep=1),
        ),
        y=y,
        color=alt.Color("colour:N", scale=None),
    )
    # The numbers go in a column right of the plot, clear of the bars, negative ones too.
    text = base.mark_text(align="left").encode(
        x=alt.value({"expr": "width + 10"}), y=y, text="text:N"
    )
    description = words.bar_description % {
        "what": x_title,
        "by": y_title,
        "values": "; ".join(f"{d['label']} {d['text']}" for d in data),
    }
    return _finish(
        alt.layer(bars, text),
        title=title,
        description=description,
        width=width,
        height=alt.Step(_row_step(lines)),
    )


def nothing_yet(title: str, *, width: int = DEFAULT_WIDTH, words: Words = ENGLISH) -> alt.Chart:
    """A placeholder with the chart's title that says there is nothing to draw yet."""
    chart = (
        alt.Chart(alt.Data(values=[{"text": words.nothing_yet}]))
        .mark_text(fontSize=14, color="#555555")
        .encode(text="text:N")
    )
    return _finish(chart, title=title, description=f"{words.nothing_yet}.", width=width, height=60)


def chart_spec(chart: Any) -> dict[str, Any]:
    """The Vega-Lite spec of an altair chart; a dict is taken to be a spec already."""
    if isinstance(chart, Mapping):
        return dict(chart)
    # Schema validation costs five times the conversion on a chart with a few hundred
    # rows, on every render and cache hit; the builders here are validated by their tests.
    spec: dict[str, Any] = chart.to_dict(validate=False)
    return spec


def canonical_json(spec: Mapping[str, Any]) -> str:
    """The spec as JSON with sorted keys and no spaces: equal specs give equal text (and hash)."""
    return json.dumps(
        spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


class _RenderCache:
    """A thread-safe LRU of rendered charts keyed by (format, scale, sha256 of the spec).

    Dashboards redraw the same charts on every poll; a hit costs building
    and hashing the spec (a few milliseconds) instead of a 40–300 ms render.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, float, str], str | bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, float, str]) -> str | bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[str, float, str], value: str | bytes) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_cache = _RenderCache(RENDER_CACHE_SIZE)


def clear_render_cache() -> None:
    """Forget every rendered chart (tests; or after changing fonts on the machine)."""
    _cache.clear()


def _aria_label(spec: Mapping[str, Any]) -> str:
    """The spec's description, else its title's text, else "chart"."""
    if spec.get("description"):
        return str(spec["description"])
    title = spec.get("title")
    if isinstance(title, Mapping):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(str(line) for line in title)
    return str(title) if title else "chart"


def _accessible_svg(svg: str, *, label: str, id_prefix: str) -> str:
    """vl-convert's SVG made fit to inline in a page under a strict CSP and in a PDF.

    vl-convert gives the root <svg> no role or label (Vega puts ARIA only on
    the marks), so the root becomes role="img" with the description as its
    aria-label. Its ids (clip paths, gradients) are "clip1", "gradient_0" in
    every chart; two charts inline in one page would then clip each other,
    so ids get a prefix taken from the spec's hash. Vega emits no script, but
    a caller's spec could carry a javascript: link: scripts, event handler
    attributes and such links are removed.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.fromstring(svg.encode("utf-8"), parser)
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise ValueError(f"vl-convert returned {root.tag!r}, not an <svg> element")
    for script in list(root.iter(f"{{{SVG_NAMESPACE}}}script", "script")):
        script.getparent().remove(script)
    renamed: dict[str, str] = {}
    for element in root.iter(etree.Element):
        for name in list(element.attrib):
            value = element.attrib[name]
            if name.lower().startswith("on") or (
                name in ("href", XLINK_HREF) and value.strip().lower().startswith("javascript:")
            ):
                del element.attrib[name]
        if element.get("id"):
            renamed[element.attrib["id"]] = id_prefix + element.attrib["id"]
            element.set("id", renamed[element.attrib["id"]])
    if renamed:
        reference = re.compile(r"url\(#([^)]+)\)")
        for element in root.iter(etree.Element):
            for name, value in element.attrib.items():
                if "url(#" in value:
                    element.set(
                        name,
                        reference.sub(
                            lambda m: f"url(#{renamed.get(m.group(1), m.group(1))})", value
                        ),
                    )
                elif (
                    name in ("href", XLINK_HREF) and value.startswith("#") and value[1:] in renamed
                ):
                    element.set(name, "#" + renamed[value[1:]])
    root.set("role", "img")
    root.set("aria-label", label)
    return etree.tostring(root, encoding="unicode")


def _render(kind: str, chart: Any, scale: float) -> str | bytes:
    spec = chart_spec(chart)
    text = canonical_json(spec)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    key = (kind, float(scale), digest)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    # No external data: a spec's data URL would otherwise make the server fetch it.
    result: str | bytes
    if kind == "svg":
        svg = vl_convert.vegalite_to_svg(text, vl_version=VEGA_LITE_VERSION, allowed_base_urls=[])
        result = _accessible_svg(svg, label=_aria_label(spec), id_prefix=f"chart-{digest[:10]}-")
    else:
        result = vl_convert.vegalite_to_png(
            text, vl_version=VEGA_LITE_VERSION, scale=scale, allowed_base_urls=[]
        )
    _cache.put(key, result)
    return result


def render_svg(chart: Any) -> str:
    """The chart (an altair chart or a Vega-Lite dict) as an accessible SVG string.

    The root <svg> has role="img" and the chart's description as aria-label,
    fixed width and height in pixels and a viewBox (style it with
    ``max-width: 100%; height: auto`` to shrink it), no script and no style
    element or attribute. Ids are unique per spec (the same chart twice
    repeats identical definitions), so several charts can share one page. Rendered once per distinct spec (LRU cache); the
    first render in a process starts vl-convert's engine (about 0.3 s).
    Specs may not load external data.
    """
    result = _render("svg", chart, 1.0)
    assert isinstance(result, str)
    return result


def render_png(chart: Any, scale: float = 2) -> bytes:
    """The chart (an altair chart or a Vega-Lite dict) as PNG bytes, ``scale`` × its pixel size."""
    result = _render("png", chart, scale)
    assert isinstance(result, bytes)
    return result
