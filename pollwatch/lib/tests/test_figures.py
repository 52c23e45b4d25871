"""A share printed beside a threshold stays on the value's side of it (issue 16)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pollwatch.lib.figures import beside, percent_beside


def test_479_of_600_beside_80_percent_reads_79_8_never_80():
    assert percent_beside(479 / 600, 0.8) == Decimal("79.8")
    assert percent_beside(479 / 600, 0.8, 0) == Decimal("79")


@pytest.mark.parametrize(
    "value, threshold, digits, shown",
    [
        (79.96, 80, 1, "79.9"),  # rounding up would reach the bar
        (79.5, 80, 0, "79"),
        (80.0, 80, 1, "80.0"),  # at the bar: reads as the bar
        (80.04, 80, 0, "80"),
        (49.996, 50, 2, "49.99"),
        (98.996, 99, 1, "98.9"),  # the official results' "complete" bar
        (50.0001, 50.05, 1, "50.0"),  # a bar between two steps: below stays below
        (50.06, 50.05, 1, "50.1"),  # and above stays above
        (50.051, 50.05, 1, "50.1"),
        (61.25, 80, 1, "61.3"),  # far from the bar: ordinary rounding, half up
        (85.0, 80, 0, "85"),
    ],
)
def test_the_printed_figure_is_on_the_values_side(value, threshold, digits, shown):
    result = beside(value, threshold, digits)
    assert result == Decimal(shown)
    assert (result < Decimal(str(threshold))) == (value < threshold)


def test_fractions_as_percentages():
    assert percent_beside(0.7999, 0.8) == Decimal("79.9")
    assert percent_beside(0.8, 0.8) == Decimal("80.0")
    assert percent_beside(0.98996, 0.99) == Decimal("98.9")
    assert percent_beside(1.0, 0.99) == Decimal("100.0")
