"""Draw areas from GeoJSON geometries as an SVG choropleth (no Django, no JavaScript).

The projection is equirectangular with longitude scaled by the cosine of the
map's middle latitude, which is faithful enough for a country-sized map.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

# A sequential, colour-blind-safe blue scale in five classes (light = low, dark = high),
# each with its label; a value is classed by its whole percent, as tables round it.
CLASSES = [
    (0, "#deebf7", "0–19 %"),
    (20, "#9ecae1", "20–39 %"),
    (40, "#4292c6", "40–59 %"),
    (60, "#2171b5", "60–79 %"),
    (80, "#084594", "80–100 %"),
]
SCALE = [fill for _, fill, _ in CLASSES]
NO_DATA = "#d9d9d9"
FONT = "DejaVu Sans, Verdana, sans-serif"
LABEL_SIZE = 12  # px at the map's own width; the zoom script keeps it on screen
LEGEND_SIZE = 12  # px, the legend is drawn at its own size and never shrunk
EM = 0.6  # a character's width in em, a little generous for DejaVu Sans


@dataclass(frozen=True)
class MapArea:
    code: str
    name: str
    geometry: dict  # GeoJSON Polygon or MultiPolygon, [longitude, latitude]
    value: float | None  # 0..1, or None for no data
    label: str = ""  # the tooltip after the name
    figure: str = ""  # a short second line under the name on the map, e.g. "84 %"


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
    percent = round(100 * value)
    return next(fill for lower, fill, _ in reversed(CLASSES) if percent >= lower)


@dataclass(frozen=True)
class MapPoint:
    """One place to mark, such as a polling station with an incident."""

    latitude: float
    longitude: float
    colour: str
    label: str = ""
    href: str = ""
    size: float = 4.0
    group: str = ""  # what kind of point, for the legend and a cluster's tooltip ("reported")


@dataclass(frozen=True)
class Projection:
    """Longitude and latitude to map units (px at the map's own width)."""

    west: float
    north: float
    squeeze: float
    scale: float
    margin: float = 10.0

    def xy(self, longitude: float, latitude: float) -> tuple[float, float]:
        return (
            self.margin + (longitude - self.west) * self.squeeze * self.scale,
            self.margin + (self.north - latitude) * self.scale,
        )


def fit(coordinates: Sequence[tuple[float, float]], width: int) -> tuple[Projection, int]:
    """The projection that fits the coordinates into ``width``, and the height it needs."""
    west, east = min(c[0] for c in coordinates), max(c[0] for c in coordinates)
    south, north = min(c[1] for c in coordinates), max(c[1] for c in coordinates)
    squeeze = math.cos(math.radians((north + south) / 2))
    span_x = max((east - west) * squeeze, 1e-9)
    span_y = max(north - south, 1e-9)
    scale = (width - 20) / span_x
    return Projection(west, north, squeeze, scale), int(span_y * scale) + 20


def text_width(text: str, size: float = LABEL_SIZE) -> float:
    return len(text) * size * EM


def _polygons(geometry: dict) -> list[list[Sequence[Sequence[float]]]]:
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def _ring_area(ring: Sequence[tuple[float, float]]) -> float:
    return abs(
        sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:], strict=True)) / 2
    )


def _inside(rings_xy: list[list[tuple[float, float]]], x: float, y: float) -> bool:
    inside = False
    for ring in rings_xy:
        for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
    return inside


def pole_of_inaccessibility(
    rings_xy: list[list[tuple[float, float]]], rounds: int = 4
) -> tuple[float, float, float]:
    """The inside point farthest from the edges of a polygon (outer ring first, then holes).

    A grid search refined around the best point a few times (numpy, vectorised):
    (x, y, distance to the nearest edge), close enough to place a label.
    """
    import numpy as np

    segments = np.array(
        [(*a, *b) for ring in rings_xy for a, b in zip(ring[:-1], ring[1:], strict=True)],
        dtype=float,
    )
    ax, ay, bx, by = segments.T
    dx, dy = bx - ax, by - ay
    length2 = np.where(dx * dx + dy * dy == 0, 1e-12, dx * dx + dy * dy)
    outer = np.array(rings_xy[0])
    low, high = outer.min(axis=0), outer.max(axis=0)
    centre, half = (low + high) / 2, (high - low) / 2
    best = (float(centre[0]), float(centre[1]), -math.inf)
    steps = 24
    for _ in range(rounds):
        gx, gy = np.meshgrid(
            np.linspace(centre[0] - half[0], centre[0] + half[0], steps),
            np.linspace(centre[1] - half[1], centre[1] + half[1], steps),
        )
        px, py = gx.ravel()[:, None], gy.ravel()[:, None]
        t = np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0, 1)
        distance = np.hypot(px - (ax + t * dx), py - (ay + t * dy)).min(axis=1)
        crosses = ((ay > py) != (by > py)) & (
            px < ax + (py - ay) * dx / np.where(dy == 0, 1e-12, dy)
        )
        inside = crosses.sum(axis=1) % 2 == 1
        distance = np.where(inside, distance, -distance)
        index = int(distance.argmax())
        if distance[index] > best[2]:
            best = (float(px[index, 0]), float(py[index, 0]), float(distance[index]))
        centre = np.array(best[:2])
        half = half * 2.5 / steps
    return best


@functools.lru_cache(maxsize=512)
def _remembered_pole(rings_xy: tuple[tuple[tuple[float, float], ...], ...]):
    """The pole of a shape already drawn (a page that refreshes itself redraws the same map)."""
    return pole_of_inaccessibility([list(ring) for ring in rings_xy])


def _room(rings_xy: list[list[tuple[float, float]]], x: float, y: float) -> float:
    """Half the width of the polygon's inside around x on the horizontal line at y (0 if outside)."""
    crossings = sorted(
        x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        for ring in rings_xy
        for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:], strict=True)
        if (y1 > y) != (y2 > y)
    )
    for left, right in zip(crossings[::2], crossings[1::2], strict=False):
        if left <= x <= right:
            return min(x - left, right - x)
    return 0.0


@dataclass(frozen=True)
class Label:
    """Where an area's name goes, and whether it fits there at the map's own size."""

    code: str
    x: float
    y: float  # the middle of the text block
    lines: tuple[str, ...]
    width: float  # of the longest line, in map units at the map's own size
    room: float  # the width free around x at the text's top, middle and bottom

    @property
    def fits(self) -> bool:
        return self.width <= self.room

    @property
    def height(self) -> float:
        return len(self.lines) * LABEL_SIZE * 1.2


def place_label(area: MapArea, projection: Projection) -> Label | None:
    """The label of an area at the pole of inaccessibility of its largest part."""
    parts = [
        [[projection.xy(p[0], p[1]) for p in ring] for ring in polygon]
        for polygon in _polygons(area.geometry)
        if polygon and len(polygon[0]) >= 4
    ]
    if not parts or not area.name:
        return None
    largest = max(parts, key=lambda rings_xy: _ring_area(rings_xy[0]))
    x, y, _ = _remembered_pole(tuple(tuple(ring) for ring in largest))
    label = None
    for lines in ((area.name, area.figure), (area.name,)) if area.figure else ((area.name,),):
        height = len(lines) * LABEL_SIZE * 1.2
        room = 2 * min(_room(largest, x, y + dy) for dy in (-height / 2, 0, height / 2))
        label = Label(area.code, x, y, lines, max(text_width(line) for line in lines) + 4, room)
        if label.fits:
            break
    return label


@dataclass
class Cluster:
    x: float
    y: float
    members: list[MapPoint]


def cluster_points(placed: Sequence[tuple[float, float, MapPoint]], cell: float) -> list[Cluster]:
    """Points gathered by a square grid of ``cell`` map units, each group at its members' mean."""
    cells: dict[tuple[int, int], list[tuple[float, float, MapPoint]]] = {}
    for x, y, point in placed:
        cells.setdefault((int(x // cell), int(y // cell)), []).append((x, y, point))
    return [
        Cluster(
            sum(m[0] for m in members) / len(members),
            sum(m[1] for m in members) / len(members),
            [m[2] for m in members],
        )
        for members in cells.values()
    ]


def _point_svg(x: float, y: float, point: MapPoint) -> str:
    circle = (
        f'<g class="map-point" data-at="{x:.1f} {y:.1f}" transform="translate({x:.1f} {y:.1f})">'
        f'<circle r="{point.size:g}" fill="{escape(point.colour)}" '
        f'stroke="#102a43" stroke-width="1"><title>{escape(point.label)}</title></circle></g>'
    )
    if point.href:
        circle = f'<a href="{escape(point.href)}">{circle}</a>'
    return circle


def _cluster_svg(cluster: Cluster, cell: float) -> str:
    """A pie of the members' colours, sized by their number, with the number written on it."""
    count = len(cluster.members)
    radius = min(cell * 0.48, 5 + 1.4 * math.sqrt(count))
    groups: dict[tuple[str, str], int] = {}
    for member in sorted(cluster.members, key=lambda m: -m.size):
        key = (member.colour, member.group)
        groups[key] = groups.get(key, 0) + 1
    tooltip = ", ".join(f"{n} {group}".strip() for (_, group), n in groups.items())
    parts = [
        f'<g class="map-cluster" data-count="{count}" data-at="{cluster.x:.1f} {cluster.y:.1f}" '
        f'transform="translate({cluster.x:.1f} {cluster.y:.1f})"><title>{escape(tooltip)}</title>'
    ]
    if len(groups) == 1:
        parts.append(f'<circle r="{radius:.1f}" fill="{escape(next(iter(groups))[0])}"/>')
    else:
        start = -math.pi / 2
        for (fill, _), n in groups.items():
            end = start + 2 * math.pi * n / count
            large = 1 if end - start > math.pi else 0
            x1, y1 = radius * math.cos(start), radius * math.sin(start)
            x2, y2 = radius * math.cos(end), radius * math.sin(end)
            parts.append(
                f'<path d="M0,0 L{x1:.1f},{y1:.1f} A{radius:.1f},{radius:.1f} 0 {large} 1 '
                f'{x2:.1f},{y2:.1f} Z" fill="{escape(fill)}"/>'
            )
            start = end
    parts.append(
        f'<circle r="{radius:.1f}" fill="none" stroke="#102a43" stroke-width="1"/>'
        f'<text y="4" text-anchor="middle" font-size="11" font-weight="bold" fill="#102a43" '
        f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{count}</text></g>'
    )
    return "".join(parts)


@dataclass(frozen=True)
class Legend:
    """What the colours and points mean; drawn at its own size beside the map, never shrunk."""

    title: str = ""
    classes: Sequence[tuple[str, str]] = tuple((fill, label) for _, fill, label in CLASSES)
    no_data: str = "no data"
    points: Sequence[tuple[str, str]] = ()  # (colour, label) of the kinds of points
    cluster: str = ""  # e.g. "a number: stations grouped there"


def render_legend(legend: Legend, *, max_width: int = 320) -> str:
    """The legend as its own small SVG, its text at ``LEGEND_SIZE`` px, items wrapped in rows.

    Laid out left to right on right-to-left pages too (``direction="ltr"``), where each
    label still reads right to left: otherwise its text would start at its swatch and run
    over the previous item."""
    size = LEGEND_SIZE
    row = size + 10
    items: list[tuple[str, str, str]] = [("rect", fill, label) for fill, label in legend.classes]
    if legend.no_data:
        items.append(("rect", NO_DATA, legend.no_data))
    items += [("circle", fill, label) for fill, label in legend.points]
    if legend.cluster:
        items.append(("cluster", "#ffffff", legend.cluster))
    parts = []
    y = 0.0
    used = 0.0
    # The title in lines that fit (bold text is about 10 % wider), never cut at the edge.
    for line in _wrap(legend.title, max_width / 1.1, size):
        parts.append(
            f'<text x="0" y="{y + size:.0f}" font-size="{size}" font-weight="bold">'
            f"{escape(line)}</text>"
        )
        used = max(used, 1.1 * text_width(line, size))
        y += row
    x = 0.0
    for shape, fill, label in items:
        width = 14 + 6 + text_width(label, size) + 14
        if x and x + width > max_width:
            x, y = 0.0, y + row
        if shape == "rect":
            parts.append(
                f'<rect x="{x:.0f}" y="{y + 2:.0f}" width="14" height="14" fill="{fill}" '
                f'stroke="#627d98" stroke-width="0.5"/>'
            )
        elif shape == "circle":
            parts.append(
                f'<circle cx="{x + 7:.0f}" cy="{y + 9:.0f}" r="5" fill="{escape(fill)}" '
                f'stroke="#102a43"/>'
            )
        else:
            parts.append(
                f'<circle cx="{x + 7:.0f}" cy="{y + 9:.0f}" r="7.5" fill="#ffffff" '
                f'stroke="#102a43"/><text x="{x + 7:.0f}" y="{y + 13:.0f}" '
                f'font-size="{size - 1}" font-weight="bold" text-anchor="middle">3</text>'
            )
        parts.append(
            f'<text x="{x + 20:.0f}" y="{y + 14:.0f}" font-size="{size}">{escape(label)}</text>'
        )
        x += width
        used = max(used, x)
    height = y + row
    width = min(max_width, math.ceil(used))
    words = "; ".join(label for _, _, label in items)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map-legend" direction="ltr" width="{width}" '
        f'height="{height:.0f}" viewBox="0 0 {width} {height:.0f}" font-family="{FONT}" '
        f'fill="#243b53" role="img" aria-label="{escape(legend.title or "legend")}: '
        f'{escape(words)}">{"".join(parts)}</svg>'
    )


def _wrap(text: str, width: float, size: float) -> list[str]:
    """``text`` in lines of whole words at most ``width`` px wide (a longer word keeps its line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def print_labels(svg: str) -> str:
    """A map from :func:`render_map` with its names drawn for print: a white halo under dark text.

    The names' halo is a white stroke painted under the fill (``paint-order``), which
    WeasyPrint does not support: it paints the stroke over the letters. For the PDF the
    names are drawn twice instead, the halo first and the text without a stroke on top.
    """
    start = svg.find('<g class="map-labels"')
    if start < 0:
        return svg
    end = svg.index("</g>", start) + len("</g>")
    labels = svg[start:end]
    halo = labels.replace('fill="#102a43"', 'fill="#ffffff"', 1).replace(
        'class="map-labels"', 'class="map-labels-halo" aria-hidden="true"', 1
    )
    text = labels.replace('stroke="#ffffff" stroke-width="3"', 'stroke="none"', 1)
    return svg[:start] + halo + text + svg[end:]


def _controls(zoom: Sequence[str] | None) -> str:
    """The zoom in, zoom out and reset buttons (``zoom`` gives their words), hidden until
    the zoom script shows them."""
    if not zoom:
        return ""
    zoom_in, zoom_out, reset = zoom
    return (
        '<div class="map-controls" hidden>'
        f'<button type="button" data-zoom="in" title="{escape(zoom_in)}" '
        f'aria-label="{escape(zoom_in)}">+</button>'
        f'<button type="button" data-zoom="out" title="{escape(zoom_out)}" '
        f'aria-label="{escape(zoom_out)}">−</button>'
        f'<button type="button" data-zoom="reset">{escape(reset)}</button></div>'
    )


def render_map(
    areas: Iterable[MapArea],
    *,
    width: int = 640,
    title: str = "",
    points: Sequence[MapPoint] = (),
    legend: Legend | None = None,
    zoom: Sequence[str] | None = None,
    name: str = "map",
    cluster_over: int = 60,
    cluster_cell: float = 28.0,
) -> str:
    """An accessible map: the areas shaded by value, their names where they fit, points, a legend.

    Returns a ``<figure>`` holding the map's SVG (one path per area with a
    <title>, names placed at each area's pole of inaccessibility and shown only
    where they fit, points gathered into numbered clusters when there are more
    than ``cluster_over``) and the legend's own SVG (without ``legend``: the five
    classes under the map's title). ``zoom`` gives the words of the zoom in, zoom
    out and reset buttons, shown by ``pollwatch/map-<v>.js``; without it the map is
    static (as a PDF needs). ``name`` tells maps apart so that a refreshed map
    keeps its zoom.
    """
    drawn = [area for area in areas if area.geometry]
    if not drawn:
        return ""
    placed_points = [
        p
        for p in points
        if isinstance(p.latitude, int | float)
        and isinstance(p.longitude, int | float)
        and -90 <= p.latitude <= 90
        and -180 <= p.longitude <= 180
    ]
    coordinates = [(p[0], p[1]) for area in drawn for ring in rings(area.geometry) for p in ring]
    coordinates += [(p.longitude, p.latitude) for p in placed_points]
    projection, height = fit(coordinates, width)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="map" direction="ltr" role="img" aria-label="{escape(title or "map")}" '
        f'font-family="{FONT}"{' tabindex="0"' if zoom else ""}>'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    parts.append('<g class="map-areas">')
    for area in drawn:
        path = " ".join(
            "M" + " L".join("{:.1f},{:.1f}".format(*projection.xy(p[0], p[1])) for p in ring) + " Z"
            for ring in rings(area.geometry)
        )
        tooltip = escape(f"{area.name}: {area.label}" if area.label else area.name)
        parts.append(
            f'<path d="{path}" fill="{colour(area.value)}" fill-rule="evenodd" stroke="#ffffff" '
            f'stroke-width="1" vector-effect="non-scaling-stroke" '
            f'data-code="{escape(area.code)}"><title>{tooltip}</title></path>'
        )
    parts.append("</g>")
    if placed_points:
        parts.append('<g class="map-points">')
        located = [(*projection.xy(p.longitude, p.latitude), p) for p in placed_points]
        if len(located) > cluster_over:
            for cluster in cluster_points(located, cluster_cell):
                if len(cluster.members) == 1:
                    parts.append(_point_svg(cluster.x, cluster.y, cluster.members[0]))
                else:
                    parts.append(_cluster_svg(cluster, cluster_cell))
        else:
            for x, y, point in sorted(located, key=lambda item: item[2].size):
                parts.append(_point_svg(x, y, point))
        parts.append("</g>")
    parts.append(
        f'<g class="map-labels" font-size="{LABEL_SIZE}" text-anchor="middle" fill="#102a43" '
        f'stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke" '
        f'pointer-events="none">'
    )
    for area in drawn:
        label = place_label(area, projection)
        if label is None:
            continue
        top = label.y - label.height / 2 + LABEL_SIZE * 0.95
        lines = escape(label.lines[0]) + "".join(
            f'<tspan x="{label.x:.1f}" dy="1.2em">{escape(line)}</tspan>'
            for line in label.lines[1:]
        )
        hidden = "" if label.fits else ' visibility="hidden"'
        parts.append(
            f'<text x="{label.x:.1f}" y="{top:.1f}" data-code="{escape(label.code)}" '
            f'data-width="{label.width:.1f}" data-room="{label.room:.1f}"{hidden}>{lines}</text>'
        )
    parts.append("</g></svg>")
    key = render_legend(legend or Legend(title=title))
    return (
        f'<figure class="map-figure" data-map="{escape(name)}">{_controls(zoom)}{"".join(parts)}'
        f"<figcaption>{key}</figcaption></figure>"
    )


def render_points(
    points: Sequence[MapPoint],
    backdrop: Iterable[MapArea] = (),
    *,
    width: int = 640,
    title: str = "",
    zoom: Sequence[str] | None = None,
    name: str = "points",
) -> str:
    """An accessible SVG of points over grey areas (the areas only frame the points).

    The view is fitted to the points (and to the areas, when there are any), in the
    projection of :func:`render_map`. Each point is a circle with a <title>, inside a link
    when it has one; the most serious come last, so they are drawn on top. With ``zoom``
    (the words of the buttons, as for :func:`render_map`) the SVG comes in a zoomable
    ``<figure>``, and the points keep their size as one zooms in.
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
        f'role="img" aria-label="{escape(title or "map")}" class="map"'
        f"{' tabindex="0"' if zoom else ''}>"
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
            f'stroke-width="1" vector-effect="non-scaling-stroke" data-code="{escape(area.code)}"><title>{escape(area.name)}</title></path>'
        )
    for point in sorted(placed, key=lambda p: p.size):
        x, y = xy(point.longitude, point.latitude)
        circle = (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{point.size:g}"'
            f'{f' data-r="{point.size:g}"' if zoom else ""} fill="{escape(point.colour)}" '
            f'fill-opacity="0.85" stroke="#ffffff" stroke-width="0.8">'
            f"<title>{escape(point.label)}</title></circle>"
        )
        if point.href:
            circle = f'<a href="{escape(point.href)}">{circle}</a>'
        parts.append(circle)
    parts.append("</svg>")
    if not zoom:
        return "".join(parts)
    return f'<figure class="map-figure" data-map="{escape(name)}">{_controls(zoom)}{"".join(parts)}</figure>'


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
