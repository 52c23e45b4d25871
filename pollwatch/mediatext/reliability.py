"""Inter-coder reliability of double-coded items: Krippendorff's alpha.

Double coding (two or more monitors coding the same items) is how a mission
shows its codes can be trusted (DESIGN §4). Alpha is 1 for perfect
agreement, 0 for agreement no better than chance; the usual bar is 0.8
(tentative conclusions from 0.667). It allows any number of coders, missing
codes, and nominal (genre), ordinal (tone: negative < neutral < positive) or
interval (space in characters) values.

Method: Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011),
via the coincidence matrix; units coded by fewer than two coders are not
pairable and are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from itertools import permutations

METRICS = ("nominal", "ordinal", "interval")


def krippendorff_alpha(codes: Sequence[Sequence[Hashable | None]], level: str = "nominal") -> float:
    """Alpha of a reliability matrix: ``codes[coder][unit]``, ``None`` where a coder
    did not code a unit.

    ``level``: nominal (any labels), ordinal or interval (numbers). Raises
    ValueError for an unknown level, coders of different lengths, or data
    with fewer than two pairable values; returns 1.0 when every pairable
    value is the same (no variation, nothing to disagree on).
    """
    if level not in METRICS:
        raise ValueError(f"level must be one of {', '.join(METRICS)}, got {level!r}")
    if not codes:
        raise ValueError("no coders")
    units = len(codes[0])
    if any(len(row) != units for row in codes):
        raise ValueError("every coder needs one entry (a code or None) per unit")
    coincidences: dict[tuple[Hashable, Hashable], float] = {}
    for unit in range(units):
        values = [row[unit] for row in codes if row[unit] is not None]
        if len(values) < 2:
            continue
        weight = 1.0 / (len(values) - 1)
        for first, second in permutations(values, 2):
            coincidences[(first, second)] = coincidences.get((first, second), 0.0) + weight
    totals: dict[Hashable, float] = {}
    for (first, _second), count in coincidences.items():
        totals[first] = totals.get(first, 0.0) + count
    pairable = sum(totals.values())
    if pairable < 2:
        raise ValueError("fewer than two pairable codes: alpha is undefined")
    categories = list(totals)
    if level != "nominal":
        categories.sort(key=float)  # type: ignore[arg-type]
    distance = _distance(level, categories, totals)
    observed = sum(count * distance(a, b) for (a, b), count in coincidences.items())
    expected = sum(
        totals[a] * totals[b] * distance(a, b) for a in categories for b in categories
    ) / (pairable - 1)
    if expected == 0:
        return 1.0
    return 1.0 - observed / expected


def _distance(
    level: str, categories: list[Hashable], totals: dict[Hashable, float]
) -> Callable[[Hashable, Hashable], float]:
    if level == "nominal":
        return lambda a, b: 0.0 if a == b else 1.0
    if level == "interval":
        return lambda a, b: (float(a) - float(b)) ** 2  # type: ignore[arg-type]
    rank = {c: i for i, c in enumerate(categories)}
    ordered = [totals[c] for c in categories]

    def ordinal(a: Hashable, b: Hashable) -> float:
        low, high = sorted((rank[a], rank[b]))
        between = sum(ordered[low : high + 1]) - (ordered[low] + ordered[high]) / 2.0
        return between**2

    return ordinal
