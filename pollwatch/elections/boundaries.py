"""Area boundaries from GeoJSON, for maps; and rough ones made from station locations where none exist."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from pollwatch.elections.importers import ImportFailed
from pollwatch.elections.models import Area, Election, PollingStation
from pollwatch.lib.svgmap import convex_hull, validate_geometry
from pollwatch.lib.tabular import RowError


def import_boundaries(election: Election, path: Path, *, code_property: str = "code") -> int:
    """Set each area's boundary from a GeoJSON FeatureCollection matched by ``code_property``; all or nothing."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFailed([RowError(None, "", f"not a readable GeoJSON file: {exc}")]) from exc
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise ImportFailed(
            [RowError(None, "", "expected a GeoJSON FeatureCollection with 'features'")]
        )
    areas = {a.code: a for a in Area.objects.filter(election=election)}
    errors: list[RowError] = []
    updates: dict[str, dict] = {}
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") or {} if isinstance(feature, dict) else {}
        code = str(properties.get(code_property, "")).strip()
        # "row" is the feature's position in the collection, counted from 1.
        if not code:
            errors.append(RowError(number, code_property, "feature without an area code"))
        elif code not in areas:
            errors.append(RowError(number, code_property, "no such area in this election", code))
        elif code in updates:
            errors.append(
                RowError(number, code_property, "second boundary for the same area", code)
            )
        else:
            problem = validate_geometry(
                feature.get("geometry") if isinstance(feature, dict) else None
            )
            if problem:
                errors.append(RowError(number, "geometry", problem, code))
            else:
                updates[code] = feature["geometry"]
    if errors:
        raise ImportFailed(errors)
    with transaction.atomic():
        for code, geometry in updates.items():
            Area.objects.filter(pk=areas[code].pk).update(boundary=geometry)
    return len(updates)


def outline_from_stations(election: Election, level: int = 1, margin: float = 0.05) -> int:
    """Give areas without a boundary the convex hull of their stations' locations (the demo has no real map)."""
    count = 0
    for area in Area.objects.filter(election=election, level=level, boundary__isnull=True):
        points = list(
            PollingStation.objects.filter(
                election=election, area_path__startswith=area.path, latitude__isnull=False
            ).values_list("longitude", "latitude")
        )
        hull = convex_hull(
            [(lon, lat) for lon, lat in points if lon is not None and lat is not None]
        )
        if not hull:
            continue
        centre_x = sum(p[0] for p in hull) / len(hull)
        centre_y = sum(p[1] for p in hull) / len(hull)
        ring = [
            [round(x + (x - centre_x) * margin, 5), round(y + (y - centre_y) * margin, 5)]
            for x, y in hull
        ]
        Area.objects.filter(pk=area.pk).update(boundary={"type": "Polygon", "coordinates": [ring]})
        count += 1
    return count


def partition_from_stations(election: Election, *, seed: int = 0) -> int:
    """Give the top-level areas made-up but map-like boundaries from their stations' locations.

    A Voronoi partition of the stations inside an irregular country outline,
    dissolved by top-level area (``pollwatch.lib.partition``); stored as an
    import of real boundaries would store them. For the demo, whose simulated
    geography has no map. Areas that already have a boundary keep it.
    """
    from pollwatch.lib.partition import partition

    rows = list(
        PollingStation.objects.filter(
            election=election, latitude__isnull=False, longitude__isnull=False
        ).values_list("longitude", "latitude", "area_path")
    )
    if len(rows) < 3:
        return 0
    longitudes, latitudes, paths = zip(*rows, strict=True)
    regions = [path.strip("/").split("/")[0] for path in paths]
    shapes = partition(longitudes, latitudes, regions, seed=seed)
    count = 0
    with transaction.atomic():
        for area in Area.objects.filter(
            election=election, level=1, boundary__isnull=True, code__in=list(shapes)
        ):
            Area.objects.filter(pk=area.pk).update(boundary=shapes[area.code])
            count += 1
    return count
