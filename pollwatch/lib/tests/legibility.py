"""What a reader sees of a chart's text, measured from its SVG: size as shown, boxes, overlaps.

A chart drawn as SVG is shown at ``min(its width, the width it is given)``
(``max-width: 100%``), so its text is scaled by that width over the
viewBox's. Text boxes come from each ``<text>`` (and its ``<tspan>`` lines)
after the transforms of the text and of every enclosing group, its font
size, weight and anchor. Widths are measured with DejaVu Sans, the font the
charts ask for, when it is installed (fontTools), else estimated at 0.6 em a
character (0.66 em bold).
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SVG = "{http://www.w3.org/2000/svg}"
FONT_FILES = {
    False: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    True: "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
}
# Above the baseline and below it, in em (DejaVu Sans: ascender 0.76, descender 0.24).
ASCENT, DESCENT = 0.76, 0.24
Matrix = tuple[float, float, float, float, float, float]  # a b c d e f, as in SVG
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@cache
def _advances(bold: bool) -> tuple[dict[int, float], float] | None:
    """Advance width in em of each character of DejaVu Sans (or bold), if the font is there."""
    path = Path(FONT_FILES[bold])
    try:
        from fontTools.ttLib import TTFont
    except ImportError:  # pragma: no cover - fontTools comes with WeasyPrint
        return None
    if not path.exists():
        return None
    font = TTFont(str(path), lazy=True)
    units = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    widths = {
        code: metrics[name][0] / units
        for code, name in font.getBestCmap().items()
        if name in metrics
    }
    return widths, 0.6


def text_width(text: str, font_size: float, bold: bool = False) -> float:
    """The width of one line of text in px."""
    advances = _advances(bold)
    if advances is None:
        return len(text) * font_size * (0.66 if bold else 0.6)
    widths, fallback = advances
    return font_size * sum(widths.get(ord(char), fallback) for char in text)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + c * b2,
        b * a2 + d * b2,
        a * c2 + c * d2,
        b * c2 + d * d2,
        a * e2 + c * f2 + e,
        b * e2 + d * f2 + f,
    )


def _transform(text: str | None) -> Matrix:
    """The matrix of an SVG transform attribute (translate, rotate, scale, matrix)."""
    matrix = IDENTITY
    for name, args in re.findall(r"(\w+)\s*\(([^)]*)\)", text or ""):
        values = [float(v) for v in re.split(r"[\s,]+", args.strip()) if v]
        if name == "translate":
            step = (1.0, 0.0, 0.0, 1.0, values[0], values[1] if len(values) > 1 else 0.0)
        elif name == "scale":
            sy = values[1] if len(values) > 1 else values[0]
            step = (values[0], 0.0, 0.0, sy, 0.0, 0.0)
        elif name == "rotate":
            angle = math.radians(values[0])
            cos, sin = math.cos(angle), math.sin(angle)
            step = (cos, sin, -sin, cos, 0.0, 0.0)
            if len(values) == 3:
                cx, cy = values[1], values[2]
                step = _multiply(
                    _multiply((1.0, 0.0, 0.0, 1.0, cx, cy), step), (1.0, 0.0, 0.0, 1.0, -cx, -cy)
                )
        elif name == "matrix":
            step = tuple(values)  # type: ignore[assignment]
        else:
            raise ValueError(f"transform {name!r} not handled")
        matrix = _multiply(matrix, step)
    return matrix


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _px(value: str | None) -> float:
    return float((value or "0").removesuffix("px"))


@dataclass(frozen=True)
class TextBox:
    """One line of text as shown on the page, in px of the page."""

    text: str
    font_size: float
    x0: float
    y0: float
    x1: float
    y1: float
    role: str
    element: int  # which <text> the line belongs to
    whole: str  # all its lines

    def overlap(self, other: TextBox) -> float:
        """How far the two boxes overlap in their narrower direction, in px (0 if apart)."""
        width = min(self.x1, other.x1) - max(self.x0, other.x0)
        height = min(self.y1, other.y1) - max(self.y0, other.y0)
        return max(0.0, min(width, height))


@dataclass(frozen=True)
class Shown:
    """A chart's SVG as shown at a given width: its size and text."""

    width: float
    height: float
    boxes: list[TextBox]


def shown(svg: str, display_width: float) -> Shown:
    """The chart's text boxes when the SVG is shown ``display_width`` px wide at most."""
    root = ET.fromstring(svg)
    width, height = _px(root.get("width")), _px(root.get("height"))
    view = [float(v) for v in (root.get("viewBox") or f"0 0 {width} {height}").split()]
    scale = min(width, display_width) / view[2]
    page: Matrix = (scale, 0.0, 0.0, scale, -view[0] * scale, -view[1] * scale)
    boxes: list[TextBox] = []
    _walk(root, page, "", boxes, inherited={})
    return Shown(view[2] * scale, view[3] * scale, boxes)


INHERITED = ("font-size", "font-weight", "text-anchor", "font-family")


def _walk(
    element: ET.Element, matrix: Matrix, role: str, boxes: list[TextBox], inherited: dict
) -> None:
    if element.get("opacity") == "0" or element.get("display") == "none":
        return  # Vega hides labels it drops for overlap this way
    matrix = _multiply(matrix, _transform(element.get("transform")))
    roles = [c for c in (element.get("class") or "").split() if c.startswith("role-")]
    if roles:
        # Each axis's labels get their own role, so that repeats are found per axis.
        role = roles[0] + (f"@{id(element)}" if roles[0] == "role-axis-label" else "")
    style = {**inherited, **{k: element.get(k) for k in INHERITED if element.get(k)}}
    if element.tag == f"{SVG}text":
        boxes.extend(_text_boxes(element, matrix, role, style))
        return
    for child in element:
        _walk(child, matrix, role, boxes, style)


def _text_boxes(element: ET.Element, matrix: Matrix, role: str, style: dict) -> list[TextBox]:
    size = _px(style.get("font-size") or "16")
    bold = (style.get("font-weight") or "normal") in ("bold", "bolder", "600", "700", "800", "900")
    anchor = style.get("text-anchor") or "start"
    x, y = _px(element.get("x")), _px(element.get("y"))
    lines: list[tuple[str, float]] = []
    spans = element.findall(f"{SVG}tspan")
    if spans:
        dy = 0.0
        for span in spans:
            dy += _px(span.get("dy"))
            lines.append(("".join(span.itertext()), dy))
    else:
        lines.append(("".join(element.itertext()), 0.0))
    # The scale of the text on the page: the length of a unit vector through the matrix.
    shown_size = size * math.hypot(matrix[0], matrix[1])
    boxes = []
    whole = " ".join(line for line, _ in lines)
    for line, dy in lines:
        if not line.strip():
            continue
        width = text_width(line, size, bold)
        left = {"start": 0.0, "middle": -width / 2, "end": -width}[anchor]
        corners = [
            _apply(matrix, x + left + dx, y + dy + dv)
            for dx in (0.0, width)
            for dv in (-ASCENT * size, DESCENT * size)
        ]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        boxes.append(
            TextBox(line, shown_size, min(xs), min(ys), max(xs), max(ys), role, id(element), whole)
        )
    return boxes


def problems(svg: str, display_width: float, min_font_size: float = 11) -> list[str]:
    """Everything a reader would stumble on, in words; empty when the chart reads well.

    Text smaller than ``min_font_size`` px as shown; text boxes overlapping by
    more than 1 px; text cut by the edge of the drawing; labels shortened
    with "…"; the same label twice on one axis.
    """
    chart = shown(svg, display_width)
    found = []
    for box in chart.boxes:
        if box.font_size < min_font_size - 0.01:
            found.append(f"{box.text!r} is {box.font_size:.1f} px")
        if box.x0 < -1 or box.y0 < -1 or box.x1 > chart.width + 1 or box.y1 > chart.height + 1:
            found.append(
                f"{box.text!r} is cut by the edge ({box.x0:.0f}..{box.x1:.0f} of {chart.width:.0f} "
                f"× {box.y0:.0f}..{box.y1:.0f} of {chart.height:.0f} px)"
            )
        if "…" in box.text:
            found.append(f"{box.text!r} is truncated")
    for i, box in enumerate(chart.boxes):
        for other in chart.boxes[i + 1 :]:
            if box.overlap(other) > 1:
                found.append(f"{box.text!r} overlaps {other.text!r} by {box.overlap(other):.1f} px")
    labels: dict[str, dict[int, str]] = {}
    for box in chart.boxes:
        if box.role.startswith("role-axis-label@"):
            labels.setdefault(box.role, {})[box.element] = box.whole
    for axis in labels.values():
        texts = list(axis.values())
        repeated = sorted({t for t in texts if texts.count(t) > 1})
        if repeated:
            found.append(f"axis labels repeat: {', '.join(repeated)}")
    return found
