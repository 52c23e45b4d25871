"""Every analysis chart of the demo's election night reads at the widths it is shown at.

The same check as ``pollwatch/lib/tests/test_chart_legibility.py``, on the
charts as the pages and the statement PDF draw them from real data: text of
11 px or more as shown, no overlapping text, nothing cut or shortened, no
repeated axis label.
"""

from __future__ import annotations

from pollwatch.lib import charts as lib
from pollwatch.lib.tests.legibility import problems, shown
from pollwatch.results import charts


def test_every_chart_of_the_night_reads_on_its_page_and_in_the_pdf(night):
    drawn = 0
    found = {}
    for name, build in charts.CHARTS.items():
        for width in {charts.PAGE_WIDTHS[name], lib.PDF_WIDTH}:
            chart = build(night.election, width=width)
            if chart is None:
                continue
            svg = lib.render_svg(chart)
            drawn += 1
            assert width - 8 <= shown(svg, 10_000).width <= width, name
            if trouble := problems(svg, width):
                found[f"{name} at {width} px"] = trouble
    assert found == {}
    assert drawn >= 2 * 10  # the night has something to draw in nearly every chart
