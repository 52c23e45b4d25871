"""A share printed beside a threshold must not contradict it.

79.83 % rounds to "80 %" (or 79.96 % to "80.0 %"), which reads as reaching an 80 % bar the
figure does not reach; a share just over a bar must not read as under it either. ``beside``
rounds as usual unless that would cross the threshold, and then rounds towards the side the
value is on (down below it, up at or above it), so the printed figure is always on the
value's side. Pure: the pages' filter (``percent_beside`` in
``pollwatch/results/templatetags/analysis.py``) adds the language's decimal mark."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal


def beside(value: float, threshold: float, digits: int = 1) -> Decimal:
    """``value`` rounded to ``digits`` decimals, on the same side of ``threshold`` as ``value``
    (same unit for both: 79.83 beside 80 -> 79.8; 79.96 beside 80 -> 79.9; 80.0 -> 80.0)."""
    exact = Decimal(repr(float(value)))
    bar = Decimal(repr(float(threshold)))
    step = Decimal(1).scaleb(-int(digits))
    shown = exact.quantize(step, rounding=ROUND_HALF_UP)
    if exact < bar <= shown:
        shown = exact.quantize(step, rounding=ROUND_FLOOR)
    elif shown < bar <= exact:
        shown = exact.quantize(step, rounding=ROUND_CEILING)
    return shown


def percent_beside(share: float, threshold: float, digits: int = 1) -> Decimal:
    """A share (fraction) as a percentage beside a threshold (fraction): 479/600 beside 0.8
    -> Decimal("79.8"), never 80."""
    return beside(
        float(Decimal(repr(float(share))) * 100),
        float(Decimal(repr(float(threshold))) * 100),
        digits,
    )
