"""The recorded sample design: import it from `pollwatch sample`, confirm an inferred one, read it for the estimates.

The design is data (issue 11): which stations were drawn, in which stratum,
with which inclusion probability π (stored as the weight 1/π), and in which
role — sampled, reserve, or observed only (mobile teams and extra visits
never enlarge the sample). ``pollwatch.results.estimates`` reads it through
:func:`recorded_sample`; an election whose design was never imported keeps
the sample inferred from the deployments, and the quick-count page says so
until a person confirms it (:func:`confirm_design`).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from pollwatch.audit.models import record
from pollwatch.elections.models import Election, PollingStation
from pollwatch.results.models import SampleDesign, SampledStation
from pollwatch.stats.table import (
    InputError,
    Problem,
    category_columns,
    read_table,
    require_columns,
)
from pollwatch.stats.words import say

ROLES = {role.value for role in SampledStation.Role}


@dataclass
class RecordedSample:
    """The sampled stations of an imported design, aligned arrays, ready for the core.

    ``problems`` non-empty means the design cannot be used: nothing is estimated.
    ``notes`` are warnings shown with the estimate.
    """

    station_ids: list[int] = field(default_factory=list)
    strata: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    population: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def design_version(election: Election) -> str:
    """Changes whenever the design is imported, replaced or confirmed (part of the figures' cache key)."""
    design = SampleDesign.objects.filter(election=election).values_list(
        "pk", "recorded", "confirmed_at"
    )
    row = design.first()
    if row is None:
        return "none"
    pk, recorded, confirmed = row
    return f"{pk}-{recorded.timestamp():.6f}-{confirmed.timestamp() if confirmed else 0:.6f}"


def describe(design: SampleDesign | None, strata_rule: str, strata_known: bool) -> dict[str, Any]:
    """What the page and the JSON say about the design the figures rest on."""
    if design is not None and design.source == SampleDesign.Source.IMPORTED:
        return {
            "source": "imported",
            "method": design.method,
            "file": design.file_name,
            "sha256": design.sha256,
            "strata_known": True,
            "confirmed": True,
            "calibrate_by": list(design.calibrate_by or []),
        }
    return {
        "source": "inferred",
        "recorded": design is not None,
        "method": SampleDesign.Method.SRS,
        "strata_rule": strata_rule,
        "strata_known": strata_known,
        "confirmed": bool(design and design.confirmed),
        "confirmed_by": design.confirmed_by.get_username()
        if design and design.confirmed_by
        else "",
    }


def recorded_sample(design: SampleDesign, reported_ids: set[int]) -> RecordedSample:
    """The sample of an imported design, with reserves in use and forms from outside it.

    A reserve that ``replaces`` a sampled station stands for it (that
    station's stratum and weight) and the replaced station leaves the sample.
    A reserve that reported without a recorded replacement joins its stratum
    with the stratum's mean sampled weight, and a note says so. Result forms
    from stations outside the design (observed only) are left out.
    """
    out = RecordedSample(population={str(k): int(v) for k, v in design.strata.items()})
    rows = list(
        design.stations.values_list("station_id", "stratum", "weight", "role", "replaces_id")
    )
    cell_of = dict(design.stations.values_list("station_id", "cell"))
    replaced_by = {
        replaced: station
        for station, _, _, role, replaced in rows
        if role == SampledStation.Role.RESERVE and replaced is not None
    }
    weights_in: dict[str, list[float]] = defaultdict(list)
    for station, stratum, weight, role, _ in rows:
        if role != SampledStation.Role.SAMPLED:
            continue
        if weight is None or not np.isfinite(weight) or weight < 1:
            out.problems.append(f"sampled station {station} has no weight of at least 1")
            continue
        if stratum not in out.population:
            out.problems.append(f"stratum {stratum!r} of station {station} has no frame size")
            continue
        weights_in[stratum].append(weight)
        stands = replaced_by.get(station, station)
        out.station_ids.append(stands)
        out.strata.append(stratum)
        out.weights.append(weight)
        # a reserve in use reports for its own category: its weight is the replaced station's
        out.cells.append(cell_of.get(stands, ""))
    unplanned: list[int] = []
    for station, stratum, _, role, replaced in rows:
        if role == SampledStation.Role.RESERVE and replaced is None and station in reported_ids:
            if not weights_in.get(stratum):
                out.problems.append(
                    f"reserve {station} reported in stratum {stratum!r} with no sampled station"
                )
                continue
            unplanned.append(station)
            out.station_ids.append(station)
            out.strata.append(stratum)
            out.weights.append(float(np.mean(weights_in[stratum])))
            out.cells.append(cell_of.get(station, ""))
    if not out.station_ids and not out.problems:
        out.problems.append("the imported design lists no sampled station")
    if unplanned:
        out.notes.append(
            say(
                "web.design.unplanned_reserves",
                f"{len(unplanned)} reserve station(s) reported without a recorded station they "
                "replace: each takes its stratum's mean weight",
                count=len(unplanned),
            )
        )
    known = {station for station, *_ in rows}
    outside = len([s for s in reported_ids if s not in known])
    if outside:
        out.notes.append(
            say(
                "web.design.outside",
                f"{outside} result form(s) from stations outside the recorded sample (observed "
                "only) are left out of the quick count",
                count=outside,
            )
        )
    return out


def import_sample(
    election: Election,
    path: str | Path,
    *,
    station: str = "code",
    stratum: str = "stratum",
    weight: str = "weight",
    role: str = "sample_role",
    calibrate: tuple[str, ...] = (),
    actor: str = "",
    parameters: dict[str, Any] | None = None,
) -> SampleDesign:
    """Record the design from a `pollwatch sample` file: all rows or none, raises InputError naming rows.

    Columns: ``station`` (the station code, as in the stations file),
    ``stratum``, ``weight`` (1/π, required for sampled rows), ``role``
    (sampled / reserve / observed; absent = every row sampled), optional
    ``reserve_rank`` and ``replaces`` (for a reserve in use: the code of the
    sampled station it replaces), and optional ``exit_poll`` (yes/1/true marks
    a sampled station planned for the exit poll; no/0/false/empty does not).
    ``calibrate`` names frame columns of the file (``pollwatch sample`` copies
    every frame column) by which the quick count post-stratifies the
    reporting stations within strata; each sampled and reserve row needs a
    value, recorded as the station's ``cell``. A stratum's N_h is taken as Σ 1/π over its
    sampled stations (exact for SRS weights N_h/n_h, an unbiased estimate
    for PPS); the method is PPS when some stratum's weights differ, or as
    ``parameters["method"]`` says for a sample drawn in the app (whose
    ``parameters`` — seed, stratum, size, reserves — are kept on the design).
    """
    path = Path(path)
    source = path.name
    table = read_table(path)
    require_columns(table, [station, stratum, weight, *calibrate], source)
    codes = dict(PollingStation.objects.filter(election=election).values_list("code", "pk"))
    problems: list[Problem] = []
    cells = [""] * len(table)
    if calibrate:
        roles = (
            table[role].astype(str).str.strip().str.lower()
            if role in table
            else table[station].astype(str).map(lambda _: "sampled")
        )
        try:
            cells = category_columns(
                table, list(calibrate), source, rows=(roles != "observed").to_numpy()
            ).tolist()
        except InputError as exc:
            problems.extend(exc.problems)
    parsed = []
    seen: dict[str, int] = {}
    exit_poll: set[str] = set()
    for index, row in enumerate(table.to_dict("records")):
        line = index + 2
        code = str(row[station]).strip()
        kind = str(row.get(role, "") or "sampled").strip().lower() if role in table else "sampled"
        label = str(row[stratum]).strip()
        if code not in codes:
            problems.append(Problem(line, station, f"station {code!r} is not in {election.slug}"))
        elif code in seen:
            problems.append(Problem(line, station, f"station {code!r} is also on row {seen[code]}"))
        seen.setdefault(code, line)
        if kind not in ROLES:
            problems.append(Problem(line, role, f"role {kind!r} is not one of {sorted(ROLES)}"))
        if not label and kind != SampledStation.Role.OBSERVED:
            problems.append(Problem(line, stratum, "empty stratum"))
        value = _weight(row[weight])
        if kind == SampledStation.Role.SAMPLED and (value is None or value < 1):
            problems.append(
                Problem(
                    line, weight, f"a sampled station needs a weight 1/π ≥ 1, got {row[weight]!r}"
                )
            )
        planned = _planned_for_exit_poll(row.get("exit_poll", ""))
        if planned is None:
            problems.append(
                Problem(line, "exit_poll", f"{row['exit_poll']!r} is not yes/no (1/0, true/false)")
            )
        elif planned and kind != SampledStation.Role.SAMPLED:
            problems.append(Problem(line, "exit_poll", "only a sampled station is planned for it"))
        elif planned:
            exit_poll.add(code)
        rank = str(row.get("reserve_rank", "") or "").strip()
        replaces = str(row.get("replaces", "") or "").strip()
        parsed.append(
            (
                line,
                code,
                kind,
                label,
                value,
                int(rank) if rank.isdigit() else None,
                replaces,
                cells[index],
            )
        )
    problems += _check_replacements(parsed, codes)
    if problems:
        raise InputError(source, problems)
    return _store(election, path, parsed, codes, actor, exit_poll, calibrate, parameters or {})


def _planned_for_exit_poll(cell: Any) -> bool | None:
    """The ``exit_poll`` cell as a yes/no; None when it is neither (an empty or missing cell is no)."""
    text = "" if cell is None or (isinstance(cell, float) and np.isnan(cell)) else str(cell)
    text = text.strip().lower()
    if text in {"1", "1.0", "yes", "y", "true", "x"}:
        return True
    if text in {"", "0", "0.0", "no", "n", "false"}:
        return False
    return None


def _weight(cell: Any) -> float | None:
    try:
        value = float(str(cell).strip())
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def _check_replacements(parsed: list, codes: dict[str, int]) -> list[Problem]:
    """A reserve's ``replaces`` names a sampled station of its own stratum, replaced once."""
    sampled = {code: label for _, code, kind, label, *_ in parsed if kind == "sampled"}
    problems = []
    taken: dict[str, int] = {}
    for line, _, kind, label, _, _, replaces, _ in parsed:
        if not replaces:
            continue
        if kind != SampledStation.Role.RESERVE:
            problems.append(Problem(line, "replaces", "only a reserve replaces a station"))
        elif replaces not in sampled:
            problems.append(
                Problem(line, "replaces", f"{replaces!r} is not a sampled station of the file")
            )
        elif sampled[replaces] != label:
            problems.append(
                Problem(
                    line,
                    "replaces",
                    f"{replaces!r} is in stratum {sampled[replaces]!r}, not {label!r}",
                )
            )
        elif replaces in taken:
            problems.append(
                Problem(
                    line, "replaces", f"{replaces!r} is already replaced on row {taken[replaces]}"
                )
            )
        taken.setdefault(replaces, line)
    return problems


def _store(
    election: Election,
    path: Path,
    parsed: list,
    codes: dict[str, int],
    actor: str,
    exit_poll: set[str],
    calibrate: tuple[str, ...],
    parameters: dict[str, Any],
) -> SampleDesign:
    weights: dict[str, list[float]] = defaultdict(list)
    for _, _, kind, label, value, _, _, _ in parsed:
        if kind == SampledStation.Role.SAMPLED:
            weights[label].append(value)
    unequal = any(max(w) > min(w) * (1 + 1e-9) for w in weights.values())
    method = parameters.get("method") or (
        SampleDesign.Method.PPS if unequal else SampleDesign.Method.SRS
    )
    content = path.read_bytes()
    plain = not path.name.lower().endswith((".gz", ".zip", ".xlsx", ".xlsm"))
    with transaction.atomic():
        design, _ = SampleDesign.objects.update_or_create(
            election=election,
            defaults={
                "method": method,
                "parameters": parameters,
                "source": SampleDesign.Source.IMPORTED,
                "strata_rule": "",
                "strata": {label: int(round(sum(w))) for label, w in weights.items()},
                "file_name": path.name,
                "sha256": hashlib.sha256(content).hexdigest(),
                "raw": content.decode("utf-8", "replace") if plain else "",
                "confirmed_by": None,
                "confirmed_at": None,
                "calibrate_by": list(calibrate),
            },
        )
        design.stations.all().delete()
        SampledStation.objects.bulk_create(
            [
                SampledStation(
                    design=design,
                    station_id=codes[code],
                    stratum=label,
                    weight=value,
                    role=kind,
                    reserve_rank=rank,
                    replaces_id=codes[replaces] if replaces else None,
                    exit_poll=code in exit_poll,
                    cell=cell,
                )
                for _, code, kind, label, value, rank, replaces, cell in parsed
            ],
            batch_size=1000,
        )
        record(
            "sample_design.imported",
            actor=actor,
            election_id=election.pk,
            obj=design,
            payload={
                "file": path.name,
                "sha256": design.sha256,
                "method": design.method,
                "rows": len(parsed),
                "strata": len(weights),
                "exit_poll_stations": len(exit_poll),
                "calibrate_by": list(calibrate),
                **({"parameters": parameters} if parameters else {}),
            },
        )
    return design


def confirm_design(election: Election, user) -> SampleDesign:
    """A person confirms the inferred design (recorded, audited); the page stops flagging it."""
    with transaction.atomic():
        design, _ = SampleDesign.objects.get_or_create(
            election=election,
            defaults={"source": SampleDesign.Source.INFERRED, "method": SampleDesign.Method.SRS},
        )
        design.confirmed_by = user
        design.confirmed_at = timezone.now()
        design.save(update_fields=["confirmed_by", "confirmed_at", "recorded"])
        record(
            "sample_design.confirmed",
            actor=user.get_username(),
            election_id=election.pk,
            obj=design,
            payload={"source": design.source, "method": design.method},
        )
    return design
