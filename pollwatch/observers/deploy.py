"""Assign, reassign and remove observers' deployments, one at a time or from a file (all or nothing).

An observer has at most one primary (non-reserve) deployment per election: assigning
them a primary station again *moves* that deployment (one audit event with the station
before and after) rather than adding a second. Reserve deployments are added beside it.
Every change is audited in the caller's transaction.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy

from pollwatch.audit.models import record
from pollwatch.elections.importers import ErrorList, audit_import, import_limits
from pollwatch.elections.models import Election, PollingStation
from pollwatch.lib.columns import Field, guess_mapping, resolve, unknown_fields
from pollwatch.lib.tabular import parse_flag, read_rows
from pollwatch.observers.models import Deployment, Membership, Role


class DeploymentError(ValueError):
    """A deployment that cannot be made; the message names the field and value at fault."""


@dataclass(frozen=True)
class Change:
    deployment: Deployment
    action: str  # "assigned", "moved" or "unchanged"
    before: str | None = None  # the station code a moved deployment left


def observer_membership(election: Election, code: str) -> Membership:
    membership = (
        Membership.objects.filter(election=election, role=Role.OBSERVER, person__code=code.strip())
        .select_related("person")
        .first()
    )
    if membership is None:
        raise DeploymentError(f"observer: no observer with code {code!r} in this election")
    return membership


def station_by_code(election: Election, code: str) -> PollingStation:
    station = PollingStation.objects.filter(election=election, code=code.strip()).first()
    if station is None:
        raise DeploymentError(f"station: no station with code {code!r} in this election")
    return station


def check_window(starts_at: datetime.datetime | None, ends_at: datetime.datetime | None) -> None:
    if starts_at and ends_at and ends_at <= starts_at:
        raise DeploymentError("ends_at: must be after starts_at")


def assign(
    membership: Membership,
    station: PollingStation,
    *,
    reserve: bool = False,
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    actor: str = "",
) -> Change:
    """Deploy the observer at the station; a primary deployment elsewhere is moved here."""
    check_window(starts_at, ends_at)
    if station.election_id != membership.election_id:
        raise DeploymentError("station: belongs to another election")
    deployments = Deployment.objects.filter(membership=membership)
    same = deployments.filter(station=station).first()
    primary = (
        None if reserve else deployments.filter(reserve=False).exclude(station=station).first()
    )
    election_id = membership.election_id
    if same is not None:
        before = {"reserve": same.reserve, "starts_at": same.starts_at, "ends_at": same.ends_at}
        after = {"reserve": reserve, "starts_at": starts_at, "ends_at": ends_at}
        if before == after and primary is None:
            return Change(same, "unchanged")
        if primary is not None:  # it becomes the primary: the old primary goes
            primary.delete()
        same.reserve, same.starts_at, same.ends_at = reserve, starts_at, ends_at
        same.save()
        record(
            "deployment.change",
            actor=actor,
            election_id=election_id,
            obj=same,
            payload={
                "observer": membership.person.code,
                "station": station.code,
                "before": _jsonable(before),
                "after": _jsonable(after),
            },
        )
        return Change(same, "moved" if primary is not None else "assigned")
    if primary is not None:
        left = primary.station.code
        primary.station, primary.starts_at, primary.ends_at = station, starts_at, ends_at
        primary.save()
        record(
            "deployment.move",
            actor=actor,
            election_id=election_id,
            obj=primary,
            payload={
                "observer": membership.person.code,
                "before": {"station": left},
                "after": {"station": station.code},
            },
        )
        return Change(primary, "moved", before=left)
    made = Deployment.objects.create(
        membership=membership,
        station=station,
        reserve=reserve,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    record(
        "deployment.add",
        actor=actor,
        election_id=election_id,
        obj=made,
        payload={"observer": membership.person.code, "station": station.code, "reserve": reserve},
    )
    return Change(made, "assigned")


def remove(deployment: Deployment, *, actor: str = "") -> None:
    record(
        "deployment.remove",
        actor=actor,
        election_id=deployment.membership.election_id,
        obj=deployment,
        payload={
            "observer": deployment.membership.person.code,
            "station": deployment.station.code,
            "reserve": deployment.reserve,
        },
    )
    deployment.delete()


def _jsonable(values: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, datetime.datetime) else v for k, v in values.items()}


# ---- from a file -------------------------------------------------------------------------

# The labels are shown on the import page, in the staff member's language.
DEPLOYMENT_FIELDS = (
    Field("observer", gettext_lazy("Observer code"), required=True),
    Field("station", gettext_lazy("Station code"), required=True),
    Field("reserve", gettext_lazy("Reserve (1/0)")),
    Field("starts_at", gettext_lazy("Starts at (ISO date and time)")),
    Field("ends_at", gettext_lazy("Ends at (ISO date and time)")),
)

DEPLOYMENT_PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    "pollwatch": {
        "observer": ("observer", "observer code", "observer id", "participant id", "code"),
        "station": ("station", "station code", "polling station", "ps code"),
        "reserve": ("reserve",),
        "starts_at": ("starts at", "start", "from"),
        "ends_at": ("ends at", "end", "to", "until"),
    },
}


@dataclass(frozen=True)
class DeploymentImportResult:
    assigned: int
    moved: int
    unchanged: int


def parse_moment(text: str, zone: datetime.tzinfo | None = None) -> datetime.datetime | None:
    """'2026-12-06 07:00' (in ``zone``, the election's, unless an offset is given; else the
    active time zone) or None for ''."""
    if not text.strip():
        return None
    moment = parse_datetime(text.strip().replace("T", " ", 1))
    if moment is None:
        raise ValueError("not a date and time (use e.g. 2026-12-06 07:00)")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, zone)
    return moment


def import_deployments(
    election: Election,
    path: Path,
    *,
    encoding: str = "utf-8",
    mapping: dict | None = None,
    actor: str = "",
) -> DeploymentImportResult:
    """Check every row, then make every deployment in one transaction; ImportFailed names each bad
    row and field, and nothing is written then. Rows apply in file order (a later row for the
    same observer moves their primary deployment again)."""
    header_raw, rows = read_rows(path, encoding, import_limits())
    errors = ErrorList()
    for key, reason in unknown_fields(mapping or {}, DEPLOYMENT_FIELDS):
        errors.add(1, key, reason)
    errors.raise_if_any()
    mapping = mapping or guess_mapping(header_raw, DEPLOYMENT_FIELDS, DEPLOYMENT_PRESETS, None)
    try:
        resolved = resolve(header_raw, mapping)
    except ValueError as exc:
        errors.add(1, "", str(exc))
        errors.raise_if_any()
    column = {name: index for index, name in enumerate(resolved.header(len(header_raw))) if name}
    for required in ("observer", "station"):
        if required not in column:
            errors.add(
                1,
                required,
                f"no column is mapped to the {required} code (the file has: "
                f"{', '.join(header_raw[:30])})",
            )
    errors.raise_if_any()
    memberships = {
        m.person.code: m
        for m in Membership.objects.filter(election=election, role=Role.OBSERVER).select_related(
            "person"
        )
    }
    stations = {
        s.code: s for s in PollingStation.objects.filter(election=election).only("code", "election")
    }
    zone = zoneinfo.ZoneInfo(election.time_zone)  # the stations' clock, from the web or the CLI
    planned = []
    for number, cells in rows:

        def cell(name: str, cells: list[str] = cells) -> str:
            at = column.get(name)
            return cells[at].strip() if at is not None and at < len(cells) else ""

        observer, station = cell("observer"), cell("station")
        if not observer and not station and not any(c.strip() for c in cells):
            continue
        membership = memberships.get(observer)
        if membership is None:
            errors.add(number, "observer", "no observer with this code in the election", observer)
        target = stations.get(station)
        if target is None:
            errors.add(number, "station", "no station with this code in the election", station)
        reserve = parse_flag(cell("reserve"))
        if reserve is None:
            errors.add(number, "reserve", "not a yes/no value (use 1 or 0)", cell("reserve"))
        moments: dict[str, datetime.datetime | None] = {}
        for name in ("starts_at", "ends_at"):
            try:
                moments[name] = parse_moment(cell(name), zone)
            except ValueError as exc:
                errors.add(number, name, str(exc), cell(name))
        start, end = moments.get("starts_at"), moments.get("ends_at")
        if start is not None and end is not None and end <= start:
            errors.add(number, "ends_at", "must be after starts_at", cell("ends_at"))
        if membership is not None and target is not None:
            planned.append((membership, target, bool(reserve), moments))
    errors.raise_if_any()
    counts = {"assigned": 0, "moved": 0, "unchanged": 0}
    with transaction.atomic():
        for membership, target, reserve, moments in planned:
            change = assign(
                membership,
                target,
                reserve=reserve,
                starts_at=moments.get("starts_at"),
                ends_at=moments.get("ends_at"),
                actor=actor,
            )
            counts[change.action] += 1
        audit_import("import.deployments", election, path, None, {"rows": len(planned), **counts})
    return DeploymentImportResult(**counts)
