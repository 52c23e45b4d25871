"""Coverage of the deployment: which observers have reported, by region and phase, and who is silent."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Area
from pollwatch.observers.access import Access, deployments_for, incidents_for
from pollwatch.observers.models import Deployment
from pollwatch.submissions.models import Incident, Submission

SILENT_LISTED = 300
# Station points on the coverage map, readable on every blue of the scale: white where
# everyone reported, orange where someone is silent.
REPORTED_COLOUR = "#ffffff"
SILENT_COLOUR = "#f28e2b"


def coverage_table(access: Access, phase: str = "", *, with_stations: bool = True) -> dict:
    """Per top-level area: deployed, reported, silent (with phones); the critical incidents; the phases.

    ``with_stations=False`` leaves the stations off the map (the published
    statement shows regions only: not where each observer stood).
    """
    election = access.election
    forms = Form.objects.filter(election=election, active=True)
    phases = sorted({f.phase for f in forms if f.phase and f.phase != "any"})
    if phase:
        forms = forms.filter(phase=phase)
    regions = {a.code: a for a in Area.objects.filter(election=election, level=1)}
    rows: dict[str, dict] = defaultdict(lambda: {"deployed": 0, "reported": 0})
    silent = []
    stations: dict[int, tuple] = {}  # station id → (station, deployed there, reported there)
    for deployment, has_reported in deployments_reporting(access, forms):
        region_code = deployment.station.area_path.strip("/").split("/")[0]
        row = rows[region_code]
        row["deployed"] += 1
        station = deployment.station
        deployed_here, reported_here = stations.get(station.pk, (station, 0, 0))[1:]
        if has_reported:
            row["reported"] += 1
            reported_here += 1
        else:
            silent.append((region_code, deployment))
        stations[station.pk] = (station, deployed_here + 1, reported_here)
    table = []
    for code, row in sorted(rows.items()):
        area = regions.get(code)
        share = row["reported"] / row["deployed"] if row["deployed"] else 0.0
        table.append(
            {
                "code": code,
                "name": area.name if area else code,
                "newly_included": bool(area and area.newly_included),
                "percent": round(100 * share),
                **row,
            }
        )
    total_deployed = sum(r["deployed"] for r in table)
    total_reported = sum(r["reported"] for r in table)
    silent.sort(key=lambda item: (item[0], item[1].station.code))
    critical = (
        incidents_for(access)
        .filter(
            severity__gte=Incident.Severity.HIGH,
            status__in=[Incident.Status.NEW, Incident.Status.CONFIRMED],
        )
        .select_related("station", "submission__observer__person")
        .prefetch_related("submission__form")  # for each incident's title
        .order_by("-created")[:25]
    )
    return {
        "map": _coverage_map(regions, table, list(stations.values()) if with_stations else []),
        "rows": table,
        "phases": phases,
        "phase": phase,
        "total": {
            "deployed": total_deployed,
            "reported": total_reported,
            "percent": round(100 * total_reported / total_deployed) if total_deployed else 0,
        },
        "silent": [d for _, d in silent[:SILENT_LISTED]],
        "silent_count": len(silent),
        "critical": critical,
    }


def deployments_reporting(access: Access, forms: QuerySet[Form]) -> list[tuple[Deployment, bool]]:
    """The observers deployed within reach (reserves left out), each with whether they have sent
    a report on one of ``forms`` from their station; a rejected report does not count.

    The one rule of who is silent: the Coverage page and the mission home's count both ask it.
    """
    deployments = (
        deployments_for(access)
        .filter(reserve=False)
        .select_related("station", "membership__person")
    )
    reported = set(
        Submission.objects.filter(election=access.election, form__in=forms)
        .exclude(status=Submission.Status.REJECTED)
        .values_list("observer_id", "station_id")
    )
    return [(d, (d.membership_id, d.station_id) in reported) for d in deployments]


def silent_observers(access: Access) -> dict[str, int]:
    """Coverage's figures over every phase, without its map: the deployed observers within
    reach, and how many of them are silent (no report yet on any active form)."""
    forms = Form.objects.filter(election=access.election, active=True)
    rows = deployments_reporting(access, forms)
    return {"deployed": len(rows), "silent": sum(1 for _, has_reported in rows if not has_reported)}


def _coverage_map(regions: dict, table: list[dict], stations: list[tuple]) -> str:
    """The regions that have a boundary, shaded by the share of their observers who reported,
    with the deployed stations that have a location: green where everyone there reported."""
    from pollwatch.lib.svgmap import Legend, MapArea, MapPoint, render_map

    by_code = {row["code"]: row for row in table}
    areas = []
    for code, area in regions.items():
        if not area.boundary:
            continue
        row = by_code.get(code)
        share = row["reported"] / row["deployed"] if row and row["deployed"] else None
        if row:
            label = _("%(reported)s of %(deployed)s reported") % {
                "reported": row["reported"],
                "deployed": row["deployed"],
            }
        else:
            label = _("no observers")
        figure = f"{row['percent']} %" if row and row["deployed"] else ""
        areas.append(MapArea(code, area.name, area.boundary, share, label, figure))
    done, waiting = _("all reported"), _("some silent")
    points = [
        MapPoint(
            latitude=station.latitude,
            longitude=station.longitude,
            colour=REPORTED_COLOUR if reported == deployed else SILENT_COLOUR,
            label=f"{station.code} {station.name}: {reported}/{deployed}",
            size=4 if reported == deployed else 5,
            group=done if reported == deployed else waiting,
        )
        for station, deployed, reported in stations
        if station.latitude is not None and station.longitude is not None
    ]
    legend = Legend(
        title=_("Share of observers who reported"),
        no_data=_("no observers"),
        points=[
            (REPORTED_COLOUR, _("station: all reported")),
            (SILENT_COLOUR, _("station: some silent")),
        ]
        if points
        else [],
        cluster=_("number of stations close together") if points else "",
    )
    return render_map(
        areas,
        title=_("Share of deployed observers who have reported, by region"),
        points=points,
        legend=legend,
        zoom=(_("Zoom in"), _("Zoom out"), _("Reset view")),
        name="coverage",
    )
