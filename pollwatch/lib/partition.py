"""Region boundaries made up from point locations: a Voronoi partition inside a country outline.

For the demo, whose simulated geography has station locations but no map. Each
station gets the cell of the plane nearest to it (``scipy.spatial.Voronoi``);
the cells of a region's stations are dissolved into the region's boundary by
keeping only the cell edges between different regions and chaining them into
rings (no shapely). The country's edge is an irregular outline drawn around
all the stations: pairs of helper points straddle it, one inside (belonging to
the region of the nearest station) and one outside (the sea), so the cell
edges between them run along the outline.

Pure: numpy and scipy, no Django. Coordinates are [longitude, latitude].
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Sequence

import numpy as np
from scipy.spatial import Voronoi, cKDTree

SEA = None


def country_outline(
    points: np.ndarray, *, seed: int = 0, margin: float = 0.25, corners: int = 96
) -> np.ndarray:
    """An irregular closed ring (first point repeated) around ``points`` (n×2, planar).

    Star-shaped about the points' middle: in each direction, a little beyond the
    farthest point near that direction, with a wobble from a few random waves,
    so that it looks like a coast rather than a circle.
    """
    rng = np.random.default_rng(seed)
    centre = points.mean(axis=0)
    offsets = points - centre
    angles = np.arctan2(offsets[:, 1], offsets[:, 0])
    radii = np.hypot(offsets[:, 0], offsets[:, 1])
    extent = float(radii.max()) or 1.0
    step = 2 * math.pi / corners
    theta = -math.pi + step * (np.arange(corners) + 0.5)
    bins = ((angles + math.pi) / step).astype(int) % corners
    reach = np.zeros(corners)
    np.maximum.at(reach, bins, radii)
    # A direction's reach covers its neighbours' points too, so no point is cut off ...
    widened = np.max([np.roll(reach, shift) for shift in (-2, -1, 0, 1, 2)], axis=0)
    # ... and the points' convex hull, so that no bay of sea runs in between them.
    reach = np.maximum(widened, _hull_reach(points, centre, theta))
    wobble = sum(
        rng.uniform(0.02, 0.08) * np.sin(k * theta + rng.uniform(0, 2 * math.pi))
        for k in (2, 3, 5, 7, 11)
    ) + sum(
        rng.uniform(0.005, 0.015) * np.sin(k * theta + rng.uniform(0, 2 * math.pi))
        for k in (17, 23, 29)
    )
    radius = reach + extent * (margin + np.abs(wobble))
    ring = centre + np.column_stack([np.cos(theta), np.sin(theta)]) * radius[:, None]
    return np.vstack([ring, ring[:1]])


def _hull_reach(points: np.ndarray, centre: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """How far from ``centre`` (inside the hull) the points' convex hull is in each direction."""
    from scipy.spatial import ConvexHull, QhullError

    try:
        hull = ConvexHull(points)
    except QhullError:  # all in a line
        return np.zeros(len(theta))
    normals, offsets = hull.equations[:, :2], hull.equations[:, 2]
    directions = np.column_stack([np.cos(theta), np.sin(theta)])
    facing = directions @ normals.T  # n·u for each direction and facet
    gap = -(normals @ centre + offsets)  # ≥ 0 inside
    with np.errstate(divide="ignore", invalid="ignore"):
        distance = np.where(facing > 1e-12, gap / facing, np.inf)
    return distance.min(axis=1)


def _coast_points(ring: np.ndarray, spacing: float, gap: float) -> tuple[np.ndarray, np.ndarray]:
    """Helper points just inside and just outside the ring, every ``spacing`` along it."""
    inside, outside = [], []
    area = _signed_area(ring)
    for start, end in zip(ring[:-1], ring[1:], strict=True):
        edge = end - start
        length = float(np.hypot(*edge))
        if length == 0:
            continue
        normal = np.array([edge[1], -edge[0]]) / length  # outward for a counter-clockwise ring
        if area < 0:
            normal = -normal
        for t in np.arange(0, length, spacing) / length:
            place = start + edge * t
            inside.append(place - normal * gap)
            outside.append(place + normal * gap)
    return np.array(inside), np.array(outside)


def _signed_area(ring: np.ndarray | Sequence[Sequence[float]]) -> float:
    ring = np.asarray(ring, dtype=float)
    x, y = ring[:, 0], ring[:, 1]
    return float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]) / 2)


def partition(
    longitudes: Sequence[float],
    latitudes: Sequence[float],
    labels: Sequence[Hashable],
    *,
    seed: int = 0,
    digits: int = 4,
) -> dict[Hashable, dict]:
    """A GeoJSON Polygon or MultiPolygon for each label: the union of its points' cells.

    Every point lies inside its own label's boundary, boundaries do not overlap,
    and together they fill an irregular country outline drawn around the points.
    """
    lon = np.asarray(longitudes, dtype=float)
    lat = np.asarray(latitudes, dtype=float)
    if len(lon) < 3:
        return {}
    # Work in a plane where a degree of longitude is as long as one of latitude there.
    squeeze = math.cos(math.radians((lat.min() + lat.max()) / 2))
    planar = np.column_stack([lon * squeeze, lat])
    # One generator per place: the first label of points at the same spot wins.
    planar, first = np.unique(np.round(planar, 7), axis=0, return_index=True)
    names = [labels[i] for i in first]
    extent = float(np.ptp(planar, axis=0).max()) or 1.0
    outline = country_outline(planar, seed=seed)
    spacing = extent / 150
    inside, outside = _coast_points(outline, spacing, spacing / 3)
    nearest = cKDTree(planar).query(inside)[1]
    centre = planar.mean(axis=0)
    far = centre + 4 * extent * np.column_stack(
        [np.cos(np.linspace(0, 2 * math.pi, 16, endpoint=False)),
         np.sin(np.linspace(0, 2 * math.pi, 16, endpoint=False))]
    )  # fmt: skip
    generators = np.vstack([planar, inside, outside, far])
    owner = names + [names[i] for i in nearest] + [SEA] * (len(outside) + len(far))
    diagram = Voronoi(generators)

    # The edges between cells of different labels, each kept once per side, its own label on its left.
    edges: dict[Hashable, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    vertices = diagram.vertices
    for (p, q), (a, b) in zip(diagram.ridge_points, diagram.ridge_vertices, strict=True):
        left, right = owner[p], owner[q]
        if left == right:
            continue
        if a < 0 or b < 0:
            raise ValueError("an unbounded cell edge between land cells")
        ab = vertices[b] - vertices[a]
        ap = generators[p] - vertices[a]
        if ab[0] * ap[1] - ab[1] * ap[0] < 0:  # p is on the right of a→b: turn the edge round
            a, b = b, a
        if left is not SEA:
            edges[left][a].append(b)
        if right is not SEA:
            edges[right][b].append(a)

    out = {}
    for label, following in edges.items():
        rings = _chain(following)
        out[label] = _geometry(rings, vertices, squeeze, digits)
    return out


def _chain(following: dict[int, list[int]]) -> list[list[int]]:
    """Closed rings of vertex indices from directed edges (each vertex in as often as out)."""
    rings = []
    for start in list(following):
        while following.get(start):
            ring = [start]
            here = following[start].pop()
            while here != start:
                ring.append(here)
                here = following[here].pop()
            ring.append(start)
            rings.append(ring)
    return rings


def _geometry(rings: list[list[int]], vertices: np.ndarray, squeeze: float, digits: int) -> dict:
    """Rings with the label on their left: counter-clockwise outer rings, clockwise holes."""
    shells: list[list[list[float]]] = []
    holes: list[list[list[float]]] = []
    for ring in rings:
        coordinates = [
            [round(float(vertices[i][0]) / squeeze, digits), round(float(vertices[i][1]), digits)]
            for i in ring
        ]
        (shells if _signed_area(coordinates) > 0 else holes).append(coordinates)
    polygons: list[list[list[list[float]]]] = [[shell] for shell in shells]
    for hole in holes:
        x, y = hole[0]
        home = next(
            (polygon for polygon in polygons if contains(polygon[0], x, y)),
            None,
        )
        if home is not None:
            home.append(hole)
    polygons.sort(key=lambda polygon: -abs(_signed_area(polygon[0])))
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def contains(ring: Sequence[Sequence[float]], x: float, y: float) -> bool:
    """Whether (x, y) is inside the closed ring (even-odd rule)."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside
