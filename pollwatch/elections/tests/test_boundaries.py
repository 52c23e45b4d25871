"""Area boundaries from GeoJSON and the coverage map drawn from them."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from pollwatch.elections.boundaries import outline_from_stations
from pollwatch.elections.models import Area
from pollwatch.lib.svgmap import MapArea, convex_hull, render_map

SQUARE = {"type": "Polygon", "coordinates": [[[45, 40], [46, 40], [46, 41], [45, 41], [45, 40]]]}


def write(tmp_path, features):
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_boundaries_are_set_by_area_code(mission, tmp_path):
    path = write(tmp_path, [{"type": "Feature", "properties": {"code": "R1"}, "geometry": SQUARE}])
    call_command("import_boundaries", str(path), "--election", "test-election")
    assert Area.objects.get(code="R1").boundary == SQUARE


def test_bad_features_are_named_and_nothing_is_set(mission, tmp_path):
    features = [
        {"type": "Feature", "properties": {"code": "R1"}, "geometry": SQUARE},
        {"type": "Feature", "properties": {"code": "R9"}, "geometry": SQUARE},
        {
            "type": "Feature",
            "properties": {"code": "R2"},
            "geometry": {"type": "Point", "coordinates": [45, 40]},
        },
        {"type": "Feature", "properties": {}, "geometry": SQUARE},
    ]
    with pytest.raises(CommandError) as failure:
        call_command(
            "import_boundaries", str(write(tmp_path, features)), "--election", "test-election"
        )
    message = str(failure.value)
    assert "feature 2" in message and "no such area" in message
    assert "feature 3" in message and "Polygon" in message and "feature 4" in message
    assert not Area.objects.filter(boundary__isnull=False).exists()


def test_stations_outline_an_area_when_no_map_is_given(mission):
    from pollwatch.elections.models import PollingStation

    for number, (lon, lat) in enumerate([(45, 40), (46, 40), (46, 41), (45.5, 40.5)]):
        PollingStation.objects.filter(code=f"D{1 + number // 2}-00{1 + number % 2}").update(
            longitude=lon, latitude=lat
        )
    assert outline_from_stations(mission.election) == 1
    ring = Area.objects.get(code="R1").boundary["coordinates"][0]
    assert len(ring) == 4 and ring[0] == ring[-1]


def test_the_map_is_an_accessible_svg_coloured_by_value():
    svg = render_map(
        [
            MapArea("R1", "North", SQUARE, 0.9, "9 of 10 reported"),
            MapArea("R2", "South", SQUARE, None),
        ],
        title="Coverage",
    )
    assert (
        svg.startswith('<figure class="map-figure"')
        and '<svg xmlns="http://www.w3.org/2000/svg" viewBox=' in svg
        and 'role="img"' in svg
        and "<title>North: 9 of 10 reported</title>" in svg
    )
    assert "#084594" in svg and "#d9d9d9" in svg


def test_convex_hull_drops_inner_points():
    hull = convex_hull([(0, 0), (1, 0), (1, 1), (0, 1), (0.5, 0.5)])
    assert set(hull) == {(0, 0), (1, 0), (1, 1), (0, 1)} and hull[0] == hull[-1]


def test_stations_partition_the_country_into_region_boundaries(mission):
    """The demo's boundaries: each region the union of its stations' Voronoi cells."""
    from pollwatch.elections.boundaries import partition_from_stations
    from pollwatch.lib.partition import contains
    from pollwatch.testing import STATION_PLACES, place_stations

    places = STATION_PLACES
    place_stations()
    Area.objects.filter(code="R2").update(boundary=SQUARE)  # an imported one is kept
    assert partition_from_stations(mission.election, seed=1) == 1
    assert Area.objects.get(code="R2").boundary == SQUARE
    north = Area.objects.get(code="R1").boundary
    assert north["type"] == "Polygon"
    for code, (lon, lat) in places.items():
        assert contains(north["coordinates"][0], lon, lat) == code.startswith(("D1", "D2"))
    Area.objects.filter(code="R2").update(boundary=None)
    assert partition_from_stations(mission.election, seed=1) == 1  # R1 has one already
    south = Area.objects.get(code="R2").boundary
    assert all(contains(south["coordinates"][0], *places[c]) for c in ("D3-001", "D3-002"))
