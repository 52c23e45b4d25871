"""The area map: names inside their areas and only where they fit, a legend read at its own
size, station points gathered into clusters whose numbers add up, holes and islands."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET

from pollwatch.lib.svgmap import (
    LABEL_SIZE,
    Legend,
    MapArea,
    MapPoint,
    pole_of_inaccessibility,
    render_legend,
    render_map,
)
from pollwatch.lib.tests.legibility import problems

SVG = "{http://www.w3.org/2000/svg}"


def polygon(*rings):
    return {"type": "Polygon", "coordinates": [list(ring) for ring in rings]}


def square(west, south, east, north):
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


# An L-shaped region: its bounding box's middle (47, 41) is outside it.
L_SHAPE = polygon([[45, 39], [49, 39], [49, 40], [46, 40], [46, 43], [45, 43], [45, 39]])
EAST = polygon(square(49, 39, 51, 43))
# A ring of land round a lake, and an island: a MultiPolygon with a hole.
LAKE_REGION = {
    "type": "MultiPolygon",
    "coordinates": [
        [square(46, 39, 50, 43), square(47, 40, 49, 42)],
        [square(51, 40, 51.5, 40.5)],
    ],
}


def parse(figure: str) -> tuple[ET.Element, ET.Element]:
    """The map's SVG and the legend's SVG of a rendered figure."""
    maps = re.findall(r"<svg .*?</svg>", figure, flags=re.S)
    assert len(maps) == 2, figure[:200]
    return ET.fromstring(maps[0]), ET.fromstring(maps[1])


def rings_of(path: ET.Element) -> list[list[tuple[float, float]]]:
    rings = []
    for part in path.get("d").split("Z"):
        numbers = [float(n) for n in re.findall(r"-?[\d.]+", part)]
        if numbers:
            ring = list(zip(numbers[::2], numbers[1::2], strict=True))
            rings.append([*ring, ring[0]])
    return rings


def inside(rings, x, y) -> bool:
    hit = False
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                hit = not hit
    return hit


def labels_and_areas(svg: ET.Element):
    areas = {p.get("data-code"): rings_of(p) for p in svg.iter(f"{SVG}path") if p.get("data-code")}
    labels = {t.get("data-code"): t for t in svg.iter(f"{SVG}text") if t.get("data-code")}
    return labels, areas


def test_each_name_sits_inside_its_area_with_its_whole_box():
    figure = render_map(
        [
            MapArea("R1", "Westland", L_SHAPE, 0.5, figure="50 %"),
            MapArea("R2", "East", EAST, 0.9, figure="90 %"),
            MapArea("R3", "Lakeside", LAKE_REGION, None),
        ],
        title="Coverage",
    )
    svg, _ = parse(figure)
    labels, areas = labels_and_areas(svg)
    assert set(labels) == {"R1", "R2", "R3"}
    for code, text in labels.items():
        assert text.get("visibility") != "hidden", code
        x = float(text.get("x"))
        half_height = len(list(text.itertext())) * LABEL_SIZE * 1.2 / 2
        middle = float(text.get("y")) - LABEL_SIZE * 0.95 + half_height
        half = float(text.get("data-width")) / 2
        for dx in (-half, 0, half):
            for dy in (-half_height, 0, half_height):
                assert inside(areas[code], x + dx, middle + dy), (code, dx, dy)
    assert "".join(labels["R1"].itertext()) == "Westland50 %"


def test_a_name_that_does_not_fit_its_area_is_drawn_hidden_with_the_room_it_has():
    tiny = polygon(square(47, 40, 47.05, 40.05))
    figure = render_map(
        [MapArea("R1", "A rather long region name", tiny, 0.2), MapArea("R2", "East", EAST, 0.4)]
    )
    labels, _ = labels_and_areas(parse(figure)[0])
    assert labels["R1"].get("visibility") == "hidden"
    assert float(labels["R1"].get("data-width")) > float(labels["R1"].get("data-room"))
    assert labels["R2"].get("visibility") is None


def test_the_hole_and_the_island_are_drawn_and_the_name_avoids_the_lake():
    figure = render_map([MapArea("R3", "Lakeside", LAKE_REGION, 0.3)])
    svg, _ = parse(figure)
    path = next(svg.iter(f"{SVG}path"))
    assert path.get("fill-rule") == "evenodd" and len(rings_of(path)) == 3
    labels, areas = labels_and_areas(svg)
    outer, lake, island = areas["R3"]
    x, y = float(labels["R3"].get("x")), float(labels["R3"].get("y"))
    assert inside([outer], x, y) and not inside([lake], x, y) and not inside([island], x, y)


def test_the_pole_of_inaccessibility_of_an_l_is_in_the_corner_where_its_arms_meet():
    ring = [(0, 0), (100, 0), (100, 20), (20, 20), (20, 100), (0, 100), (0, 0)]
    x, y, distance = pole_of_inaccessibility([ring])
    best = 20 * 2**0.5 / (1 + 2**0.5)  # as far from the outer edges as from the inner corner
    assert abs(x - best) < 0.5 and abs(y - best) < 0.5 and abs(distance - best) < 0.5


def test_the_legend_is_drawn_at_its_own_size_with_readable_text_and_every_class():
    legend = Legend(
        title="Share of observers who reported",
        no_data="no observers",
        points=[("#ffffff", "station: all reported"), ("#f28e2b", "station: some silent")],
        cluster="number of stations close together",
    )
    svg = render_legend(legend)
    root = ET.fromstring(svg)
    width = float(root.get("width"))
    assert root.get("viewBox").split()[2] == root.get("width")  # shown 1:1, never shrunk
    assert width <= 320  # fits a phone
    assert problems(svg, display_width=width) == []  # text ≥ 11 px, nothing overlaps or is cut
    words = [t.text for t in root.iter(f"{SVG}text")]
    for label in ("0–19 %", "20–39 %", "40–59 %", "60–79 %", "80–100 %", "no observers"):
        assert label in words
    assert "station: some silent" in words and "number of stations close together" in words
    # The map's figure carries the same legend beside the map, outside the zoomed drawing.
    _, beside = parse(render_map([MapArea("R2", "East", EAST, 0.9)], legend=legend))
    assert ET.tostring(beside) == ET.tostring(root)


def test_dense_points_are_clustered_and_the_counts_add_up_to_every_point():
    rng = random.Random(7)
    points = [
        MapPoint(
            rng.uniform(39, 43),
            rng.uniform(45, 51),
            "#ffffff" if n % 3 else "#f28e2b",
            group="reported" if n % 3 else "silent",
        )
        for n in range(500)
    ]
    svg, _ = parse(
        render_map([MapArea("R1", "All", polygon(square(45, 39, 51, 43)), 0.5)], points=points)
    )
    clusters = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "map-cluster"]
    singles = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "map-point"]
    assert clusters and sum(int(g.get("data-count")) for g in clusters) + len(singles) == 500
    for cluster in clusters:
        count = int(cluster.get("data-count"))
        assert [t.text for t in cluster.iter(f"{SVG}text")] == [str(count)]
        tooltip = cluster.find(f"{SVG}title").text
        assert sum(int(n) for n in re.findall(r"(\d+) \w+", tooltip)) == count


def test_few_points_are_drawn_one_by_one():
    points = [MapPoint(40 + n / 10, 46 + n / 10, "#ffffff", label=f"S{n}") for n in range(10)]
    svg, _ = parse(
        render_map([MapArea("R1", "All", polygon(square(45, 39, 51, 43)), 0.5)], points=points)
    )
    marks = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "map-point"]
    assert len(marks) == 10 and not [
        g for g in svg.iter(f"{SVG}g") if g.get("class") == "map-cluster"
    ]


def test_zoom_buttons_only_on_a_map_that_asks_for_them():
    area = [MapArea("R2", "East", EAST, 0.9)]
    assert "map-controls" not in render_map(area)
    zoomable = render_map(area, zoom=("Zoom in", "Zoom out", "Reset view"), name="coverage")
    assert 'data-map="coverage"' in zoomable and 'aria-label="Zoom in"' in zoomable
    assert 'tabindex="0"' in zoomable and ">Reset view</button>" in zoomable
