"""Points on a map (the incidents map): placed, escaped, the largest on top, nothing when empty."""

from __future__ import annotations

from pollwatch.lib.svgmap import MapArea, MapPoint, render_points

SQUARE = {"type": "Polygon", "coordinates": [[[46, 39], [50, 39], [50, 42], [46, 42], [46, 39]]]}


def test_no_point_with_a_place_draws_nothing():
    assert render_points([]) == ""
    assert render_points([MapPoint(95.0, 10.0, "#000")]) == ""  # a latitude past the pole


def test_each_point_is_a_circle_with_its_label_and_link_escaped():
    svg = render_points(
        [MapPoint(40.0, 47.0, "#a61e4d", label="<High> & more", href="/e/x/incidents/1/?a=1&b=2")],
        title="Incidents",
    )
    assert svg.startswith("<svg") and 'aria-label="Incidents"' in svg
    assert "<title>&lt;High&gt; &amp; more</title>" in svg
    assert '<a href="/e/x/incidents/1/?a=1&amp;b=2"><circle' in svg and 'fill="#a61e4d"' in svg


def test_larger_points_are_drawn_last_and_areas_first_as_a_grey_backdrop():
    svg = render_points(
        [MapPoint(40.0, 47.0, "#111", size=7), MapPoint(41.0, 48.0, "#222", size=4)],
        [MapArea("R1", "North", SQUARE, None)],
    )
    assert svg.index('fill="#eeeeee"') < svg.index('fill="#222"') < svg.index('fill="#111"')


def test_points_fall_inside_the_drawing():
    svg = render_points([MapPoint(39.0, 46.0, "#111"), MapPoint(42.0, 50.0, "#111")], width=300)
    import re

    for x, y in re.findall(r'cx="([\d.]+)" cy="([\d.]+)"', svg):
        assert 0 <= float(x) <= 300 and 0 <= float(y)


def test_a_zoomable_points_map_comes_in_a_figure_with_buttons_and_points_that_keep_their_size():
    svg = render_points(
        [MapPoint(40.0, 47.0, "#111", size=7)],
        zoom=("Zoom in", "Zoom out", "Reset view"),
        name="incidents",
    )
    assert svg.startswith('<figure class="map-figure" data-map="incidents">')
    assert 'aria-label="Zoom in"' in svg and 'tabindex="0"' in svg
    assert 'r="7" data-r="7"' in svg  # the zoom script scales r back as the map grows
    assert "data-r" not in render_points([MapPoint(40.0, 47.0, "#111", size=7)])
