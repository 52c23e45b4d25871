"""Draw the election's station sample in the app, with the ``stats`` sampler, and record it.

The frame is the election's polling stations in code order; the stratum is a
geography level, the stations file's ``stratum`` column or one of the extra
columns kept at import. The draw is written as ``pollwatch sample`` writes it
and recorded by :func:`pollwatch.results.design.import_sample`, the code
``pollwatch import-sample`` runs, with the seed and the parameters kept on
the design.
"""

from __future__ import annotations

import csv
import datetime
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from pollwatch.elections.models import Area, Election, PollingStation
from pollwatch.results.design import import_sample
from pollwatch.results.models import SampleDesign, SampledStation
from pollwatch.stats.sampling import SampleDraw, SampleSize, draw_sample, sample_size_for_margin


@dataclass(frozen=True)
class Frame:
    """The sampling frame: every station of the election, aligned arrays in code order."""

    codes: np.ndarray
    strata: np.ndarray
    registered: np.ndarray


@dataclass(frozen=True)
class DrawSpec:
    """What the draw page asks. ``size`` is the total stations; when None, ``margin`` sizes it."""

    stratum: str
    seed: int
    method: str = "srs"
    allocation: str = "proportional"
    size: int | None = None
    margin: float | None = None
    turnout: float = 0.6
    icc: float = 0.05
    confidence: float = 0.95
    response_rate: float = 1.0
    reserve: int = 0
    minimum: int = 2


def stratum_choices(election: Election) -> list[tuple[str, str]]:
    """Columns the sample may be stratified by: each geography level, the stations' ``stratum``
    column when the stations file had one, and the extra columns kept at import."""
    stations = PollingStation.objects.filter(election=election)
    choices = [
        (f"level:{level}", f"{name} (geography level {level})")
        for level, name in Area.objects.filter(election=election)
        .values_list("level", "level_name")
        .distinct()
        .order_by("level")
    ]
    if stations.exclude(stratum="").exists():
        choices.append(("stratum", "stratum column of the stations file"))
    keys: set[str] = set()
    for extra in stations.exclude(extra={}).values_list("extra", flat=True)[:1000]:
        keys.update(extra)
    choices += [(f"extra:{key}", f"{key} (column of the stations file)") for key in sorted(keys)]
    return choices


def station_frame(election: Election, stratum: str) -> Frame:
    """The frame with each station's stratum label; ValueError naming the stratum or station at fault."""
    rows = PollingStation.objects.filter(election=election).order_by("code")
    values: list[tuple[str, str, int]] = []
    if stratum.startswith("level:"):
        level = int(stratum.split(":", 1)[1])
        for code, path, registered in rows.values_list("code", "area_path", "registered_voters"):
            parts = [p for p in path.split("/") if p]
            if len(parts) < level:
                raise ValueError(f"station {code} lies above geography level {level}")
            values.append((code, parts[level - 1], registered))
    elif stratum == "stratum":
        values = list(rows.values_list("code", "stratum", "registered_voters"))
    elif stratum.startswith("extra:"):
        key = stratum.split(":", 1)[1]
        values = [
            (code, str((extra or {}).get(key, "")).strip(), registered)
            for code, extra, registered in rows.values_list("code", "extra", "registered_voters")
        ]
    else:
        raise ValueError(f"unknown stratum {stratum!r}")
    labels = [label for _, label, _ in values]
    if not values:
        raise ValueError(f"{election.slug} has no polling stations: import them first")
    empty = [values[i][0] for i, label in enumerate(labels) if not label]
    if empty:
        raise ValueError(f"{len(empty)} station(s) have no stratum, e.g. {', '.join(empty[:5])}")
    return Frame(
        codes=np.array([v[0] for v in values]),
        strata=np.array(labels),
        registered=np.array([v[2] for v in values], dtype=float),
    )


def size_for(spec: DrawSpec, frame: Frame) -> SampleSize | None:
    """The margin-based size (``sample_size_for_margin`` with the frame's mean registered voters
    and size), or None when the size is given directly."""
    if spec.size is not None:
        return None
    if spec.margin is None:
        raise ValueError("give a sample size or a target margin")
    return sample_size_for_margin(
        spec.margin,
        voters_per_station=float(frame.registered.mean()),
        turnout=spec.turnout,
        confidence=spec.confidence,
        icc=spec.icc,
        frame_stations=len(frame.codes),
        response_rate=spec.response_rate,
    )


def draw(spec: DrawSpec, frame: Frame) -> tuple[SampleDraw, int, SampleSize | None]:
    """(the draw, the total size asked, the margin calculation if any): ``draw_sample`` on the frame."""
    sizing = size_for(spec, frame)
    size = sizing.stations if sizing is not None else int(spec.size or 0)
    if size < 1:
        raise ValueError("the sample size must be at least 1")
    result = draw_sample(
        frame.strata,
        size,
        seed=spec.seed,
        allocation=spec.allocation,
        method=spec.method,
        size_measure=frame.registered if spec.method == "pps" else None,
        reserve=spec.reserve,
        minimum=spec.minimum,
    )
    return result, size, sizing


def per_stratum(frame: Frame, result: SampleDraw) -> list[dict]:
    """One row per stratum: N stations, n sampled, reserves, and the weights 1/π (min and max)."""
    population = Counter(frame.strata.tolist())
    sampled = Counter(frame.strata[result.sampled].tolist())
    reserves = Counter(frame.strata[result.reserve].tolist())
    weights: dict[str, list[float]] = {}
    for index, weight in zip(result.sampled.tolist(), result.weight.tolist(), strict=True):
        weights.setdefault(str(frame.strata[index]), []).append(weight)
    return [
        {
            "stratum": label,
            "N": population[label],
            "n": sampled.get(label, 0),
            "reserves": reserves.get(label, 0),
            "weight_min": min(weights.get(label, [0.0])),
            "weight_max": max(weights.get(label, [0.0])),
        }
        for label in sorted(population)
    ]


def write_sample(path: Path, frame: Frame, result: SampleDraw) -> None:
    """The draw as ``pollwatch sample`` writes it: code, stratum, sample_role, reserve_rank, weight."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "stratum", "sample_role", "reserve_rank", "weight"])
        for index, weight in zip(result.sampled.tolist(), result.weight.tolist(), strict=True):
            writer.writerow(
                [frame.codes[index], frame.strata[index], "sampled", "", f"{weight:.10g}"]
            )
        for index, rank in zip(result.reserve.tolist(), result.reserve_rank.tolist(), strict=True):
            writer.writerow([frame.codes[index], frame.strata[index], "reserve", str(rank), ""])


def samples_dir(election: Election) -> Path:
    return Path(settings.DATA_DIR) / "samples" / election.slug


def record_draw(election: Election, spec: DrawSpec, actor: str) -> SampleDesign:
    """Draw, write the file and record it through ``import_sample`` (audited), with the parameters."""
    frame = station_frame(election, spec.stratum)
    result, size, _ = draw(spec, frame)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S")
    path = samples_dir(election) / f"sample-{stamp}-seed{spec.seed}.csv"
    write_sample(path, frame, result)
    parameters = {**asdict(spec), "total_size": size, "frame_stations": len(frame.codes)}
    if spec.size is not None:
        for key in ("margin", "turnout", "icc", "confidence", "response_rate"):
            parameters.pop(key)
    return import_sample(election, path, actor=actor, parameters=parameters)


def reports_in_design(election: Election) -> int:
    """Reports already sent from the sampled stations of the recorded design (replacing it is risky)."""
    from pollwatch.submissions.models import Submission

    design = SampleDesign.objects.filter(election=election).first()
    if design is None:
        return 0
    sampled = design.stations.filter(role=SampledStation.Role.SAMPLED).values("station_id")
    return Submission.objects.filter(election=election, station_id__in=sampled).count()
