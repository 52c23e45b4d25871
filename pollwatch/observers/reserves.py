"""Promote a reserve to replace a sampled station that cannot be observed, in the recorded design.

The quick count reads the promotion from ``SampledStation.replaces`` (``results/design.py``,
``recorded_sample``): the reserve takes the replaced station's stratum and weight and the
replaced station leaves the sample. Nothing statistical is computed here.
"""

from __future__ import annotations

from django.db import transaction

from pollwatch.audit.models import record
from pollwatch.elections.models import Election
from pollwatch.results.models import SampleDesign, SampledStation


class PromotionError(ValueError):
    """A promotion the design does not allow; the message says which station and why."""


def imported_design(election: Election) -> SampleDesign | None:
    """The election's design when it lists its stations (an inferred design has no reserves)."""
    return SampleDesign.objects.filter(
        election=election, source=SampleDesign.Source.IMPORTED
    ).first()


def free_reserves(design: SampleDesign, stratum: str):
    """Reserves of the stratum not yet in use, in ``reserve_rank`` order (the order to try them)."""
    return (
        design.stations.filter(
            role=SampledStation.Role.RESERVE, stratum=stratum, replaces__isnull=True
        )
        .select_related("station")
        .order_by("reserve_rank", "station__code")
    )


def replacement_of(design: SampleDesign, sampled: SampledStation) -> SampledStation | None:
    return (
        design.stations.filter(role=SampledStation.Role.RESERVE, replaces=sampled.station)
        .select_related("station")
        .first()
    )


def _row(design: SampleDesign, code: str, role: str) -> SampledStation:
    row = design.stations.filter(station__code=code.strip()).select_related("station").first()
    if row is None:
        raise PromotionError(f"{code!r} is not in the sample design")
    if row.role != role:
        raise PromotionError(f"{code!r} is a {row.role} station of the design, not a {role} one")
    return row


def promote(
    design: SampleDesign, sampled_code: str, reserve_code: str, *, actor: str = ""
) -> SampledStation:
    """Record that reserve ``reserve_code`` replaces sampled station ``sampled_code``; audited."""
    sampled = _row(design, sampled_code, SampledStation.Role.SAMPLED)
    reserve = _row(design, reserve_code, SampledStation.Role.RESERVE)
    if reserve.stratum != sampled.stratum:
        raise PromotionError(
            f"reserve {reserve_code!r} is in stratum {reserve.stratum!r}, "
            f"not {sampled.stratum!r} like {sampled_code!r}"
        )
    if reserve.replaces_id is not None:
        raise PromotionError(f"reserve {reserve_code!r} already replaces another station")
    if replacement_of(design, sampled) is not None:
        raise PromotionError(f"{sampled_code!r} is already replaced by a reserve")
    with transaction.atomic():
        reserve.replaces = sampled.station
        reserve.save(update_fields=["replaces"])
        design.save(update_fields=["recorded"])  # a new design version: figures recomputed
        record(
            "sample.reserve_promoted",
            actor=actor,
            election_id=design.election_id,
            obj=reserve,
            payload={
                "replaced": sampled.station.code,
                "reserve": reserve.station.code,
                "stratum": sampled.stratum,
                "reserve_rank": reserve.reserve_rank,
            },
        )
    return reserve


def withdraw(design: SampleDesign, reserve_code: str, *, actor: str = "") -> None:
    """Undo a promotion: the replaced station is back in the sample; audited."""
    reserve = _row(design, reserve_code, SampledStation.Role.RESERVE)
    if reserve.replaces_id is None:
        raise PromotionError(f"reserve {reserve_code!r} replaces no station")
    replaced = reserve.replaces
    with transaction.atomic():
        reserve.replaces = None
        reserve.save(update_fields=["replaces"])
        design.save(update_fields=["recorded"])
        record(
            "sample.reserve_withdrawn",
            actor=actor,
            election_id=design.election_id,
            obj=reserve,
            payload={"replaced": replaced.code if replaced else None, "reserve": reserve_code},
        )
