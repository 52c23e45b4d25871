"""The demo's made-up map: every simulated station inside its own region's boundary, regions
that do not overlap and leave no gap inside the country, drawn quickly."""

from __future__ import annotations

import time

import numpy as np
import pytest

from pollwatch.lib.partition import contains, partition
from pollwatch.lib.svgmap import validate_geometry
from pollwatch.stats.simulate import simulate_election


def polygons(geometry: dict) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return geometry["coordinates"]


def covers(geometry: dict, x: float, y: float) -> bool:
    """Inside one of the geometry's polygons and in none of that polygon's holes."""
    return any(
        contains(polygon[0], x, y) and not any(contains(hole, x, y) for hole in polygon[1:])
        for polygon in polygons(geometry)
    )


@pytest.fixture(scope="module")
def geography():
    stations = simulate_election(stations=2500, seed=2, observers=0).stations
    stations = stations[stations["abroad"] == 0]
    started = time.perf_counter()
    shapes = partition(
        stations["longitude"].tolist(),
        stations["latitude"].tolist(),
        stations["region_code"].tolist(),
        seed=2,
    )
    return stations, shapes, time.perf_counter() - started


def test_this_geography_has_exclaves_and_holes_to_get_right(geography):
    _, shapes, _ = geography
    assert sum(len(polygons(g)) - 1 for g in shapes.values()) > 3  # islands of a region
    assert sum(len(polygon) - 1 for g in shapes.values() for polygon in polygons(g)) > 3  # holes


def test_every_region_gets_a_valid_boundary_quickly(geography):
    stations, shapes, seconds = geography
    assert set(shapes) == set(stations["region_code"])
    for code, geometry in shapes.items():
        assert validate_geometry(geometry) is None, code
        for polygon in polygons(geometry):
            for ring in polygon:
                assert ring[0] == ring[-1]
    assert seconds < 3


def test_every_station_is_inside_its_regions_boundary_and_no_other(geography):
    stations, shapes, _ = geography
    misplaced = []
    for code, region, lon, lat in stations[
        ["code", "region_code", "longitude", "latitude"]
    ].itertuples(index=False):
        holders = [other for other, geometry in shapes.items() if covers(geometry, lon, lat)]
        if holders != [region]:
            misplaced.append((code, region, holders))
    assert misplaced == []


def test_regions_do_not_overlap_and_fill_the_land_between_the_stations(geography):
    stations, shapes, _ = geography
    rng = np.random.default_rng(3)
    lon = rng.uniform(stations["longitude"].min(), stations["longitude"].max(), 1500)
    lat = rng.uniform(stations["latitude"].min(), stations["latitude"].max(), 1500)
    holders = [
        [code for code, g in shapes.items() if covers(g, x, y)]
        for x, y in zip(lon, lat, strict=True)
    ]
    assert max(len(h) for h in holders) == 1  # no place in two regions
    # Inside the stations' hull there is no sea: the middle of the country is all regions.
    middle = [
        h
        for h, x, y in zip(holders, lon, lat, strict=True)
        if abs(x - stations["longitude"].median()) < 0.5
        and abs(y - stations["latitude"].median()) < 0.5
    ]
    assert middle and all(len(h) == 1 for h in middle)


def test_boundaries_follow_many_cell_edges_not_a_few_hull_corners(geography):
    _, shapes, _ = geography
    ring = [p for g in shapes.values() for polygon in polygons(g) for p in polygon[0]]
    assert len(ring) > 200  # made of many cell edges, not a hull of a handful of corners
