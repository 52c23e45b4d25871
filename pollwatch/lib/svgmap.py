"""Draw areas from GeoJSON geometries as an SVG choropleth (no Django, no JavaScript).

The projection is equirectangular with longitude scaled by the cosine of the
map's middle latitude, which is faithful enough for a country-sized map.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

# A sequential, colour-blind-safe blue scale (light = low, dark = high); grey = no data.
SCALE = ["#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"]
NO_DATA = "#d9d9d9"


@dataclass(frozen=True)
class MapArea:
    code: str
    name: str
    geometry: dict  # GeoJSON Polygon or MultiPolygon, [longitude, latitude]
    value: float | None  # 0..1, or None for no data
    label: str = ""


def rings(geometry: dict) -> list[Sequence[Sequence[float]]]:
    """The outer and inner rings of a Polygon or MultiPolygon."""
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"])
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    raise ValueError(f"expected a Polygon or MultiPolygon, got {geometry.get('type')!r}")


def validate_geometry(geometry: object) -> str | None:
    """None when the geometry can be drawn, else the reason."""
    if not isinstance(geometry, dict):
        return "geometry missing"
    try:
        found = rings(geometry)
    except (ValueError, KeyError, TypeError) as exc:
        return str(exc)
    for ring in found:
        if len(ring) < 4:
            return "a ring needs at least four positions"
        for position in ring:
            if not (isinstance(position, list | tuple) and len(position) >= 2):
                return "positions must be [longitude, latitude]"
            longitude, latitude = position[0], position[1]
            if not (isinstance(longitude, int | float) and isinstance(latitude, int | float)):
                return "coordinates must be numbers"
            if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
                return f"coordinate out of range: {longitude}, {latitude}"
    return None


def colour(value: float | None) -> str:
    if value is None or math.isnan(value):
        return NO_DATA
    index = min(len(SCALE) - 1, max(0, int(value * len(SCALE))))
    return SCALE[index]


def render_map(areas: Iterable[MapArea], *, width: int = 640, title: str = "") -> str:
    """An accessible SVG: one path per area with a <title> (name and label), and a legend."""
    drawn = [area for area in areas if area.geometry]
    if not drawn:
        return ""
    points = [(p[0], p[1]) for area in drawn for ring in rings(area.geometry) for p in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((north + south) / 2))
    span_x = max((east - west) * squeeze, 1e-9)
    span_y = max(north - south, 1e-9)
    scale = (width - 20) / span_x
    height = int(span_y * scale) + 20
    legend_height = 34

    def project(longitude: float, latitude: float) -> str:
        return (
            f"{10 + (longitude - west) * squeeze * scale:.1f},{10 + (north - latitude) * scale:.1f}"
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + legend_height}" '
        f'role="img" aria-label="{escape(title or "map")}" class="map">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for area in drawn:
        path = " ".join(
            "M" + " L".join(project(p[0], p[1]) for p in ring) + " Z"
            for ring in rings(area.geometry)
        )
        tooltip = escape(f"{area.name}: {area.label}" if area.label else area.name)
        parts.append(
            f'<path d="{path}" fill="{colour(area.value)}" fill-rule="evenodd" stroke="#ffffff" stroke-width="1" '
            f'data-code="{escape(area.code)}"><title>{tooltip}</title></path>'
        )
    y = height + 8
    step = 36
    for index, fill in enumerate(SCALE):
        parts.append(
            f'<rect x="{10 + index * step}" y="{y}" width="{step}" height="10" fill="{fill}"/>'
        )
    parts.append(f'<text x="10" y="{y + 24}" font-size="11" fill="#333">0 %</text>')
    parts.append(
        f'<text x="{10 + len(SCALE) * step}" y="{y + 24}" font-size="11" text-anchor="end" fill="#333">100 %</text>'
    )
    parts.append(
        f'<rect x="{30 + len(SCALE) * step}" y="{y}" width="14" height="10" fill="{NO_DATA}"/>'
    )
    parts.append(
        f'<text x="{48 + len(SCALE) * step}" y="{y + 9}" font-size="11" fill="#333">no data</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class MapPoint:
    """One place to mark, such as a polling station with an incident."""

    latitude: float
    longitude: float
    colour: str
    label: str = ""
    href: str = ""
    size: float = 4.0


def render_points(
    points: Sequence[MapPoint],
    backdrop: Iterable[MapArea] = (),
    *,
    width: int = 640,
    title: str = "",
) -> str:
    """An accessible SVG of points over grey areas (the areas only frame the points).

    The view is fitted to the points (and to the areas, when there are any), in the
    projection of :func:`render_map`. Each point is a circle with a <title>, inside a link
    when it has one; the most serious come last, so they are drawn on top.
    """
    placed = [
        p
        for p in points
        if isinstance(p.latitude, int | float)
        and isinstance(p.longitude, int | float)
        and -90 <= p.latitude <= 90
        and -180 <= p.longitude <= 180
    ]
    areas = [area for area in backdrop if area.geometry]
    coordinates = [(p.longitude, p.latitude) for p in placed]
    coordinates += [(q[0], q[1]) for area in areas for ring in rings(area.geometry) for q in ring]
    if not placed:
        return ""
    west, east = min(c[0] for c in coordinates), max(c[0] for c in coordinates)
    south, north = min(c[1] for c in coordinates), max(c[1] for c in coordinates)
    squeeze = math.cos(math.radians((north + south) / 2))
    span_x = max((east - west) * squeeze, 1e-3)
    span_y = max(north - south, 1e-3)
    scale = (width - 20) / span_x
    height = max(int(span_y * scale) + 20, 120)

    def xy(longitude: float, latitude: float) -> tuple[float, float]:
        return 10 + (longitude - west) * squeeze * scale, 10 + (north - latitude) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title or "map")}" class="map">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for area in areas:
        path = " ".join(
            "M" + " L".join("{:.1f},{:.1f}".format(*xy(q[0], q[1])) for q in ring) + " Z"
            for ring in rings(area.geometry)
        )
        parts.append(
            f'<path d="{path}" fill="#eeeeee" fill-rule="evenodd" stroke="#ffffff" '
            f'stroke-width="1" data-code="{escape(area.code)}"><title>{escape(area.name)}</title></path>'
        )
    for point in sorted(placed, key=lambda p: p.size):
        x, y = xy(point.longitude, point.latitude)
        circle = (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{point.size:g}" fill="{escape(point.colour)}" '
            f'fill-opacity="0.85" stroke="#ffffff" stroke-width="0.8">'
            f"<title>{escape(point.label)}</title></circle>"
        )
        if point.href:
            circle = f'<a href="{escape(point.href)}">{circle}</a>'
        parts.append(circle)
    parts.append("</svg>")
    return "".join(parts)


def convex_hull(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Andrew's monotone chain; the closed ring of the hull (first point repeated last)."""
    unique = sorted(set(points))
    if len(unique) < 3:
        return []

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for point in unique:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], point) <= 0:
            lower.pop()
        lower.append(point)
    upper: list[tuple[float, float]] = []
    for point in reversed(unique):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], point) <= 0:
            upper.pop()
        upper.append(point)
    hull = lower[:-1] + upper[:-1]
    return [*hull, hull[0]]
