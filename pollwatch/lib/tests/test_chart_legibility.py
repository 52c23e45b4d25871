"""Every chart reads at the size it is shown: text of 11 px or more, no overlaps, nothing cut.

Each builder gets realistic data of the awkward kind (long names and
questions, many regions, end values close together, small shares, large
counts) and is drawn at each width it is shown at: a column of an analysis
page at 1366 px and the text width of the A4 statement. The SVG is then read
as a page shows it (``max-width: 100%``) and measured (see ``legibility``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from pollwatch.lib import charts
from pollwatch.lib.tests.legibility import problems, shown
from pollwatch.lib.tests.test_charts import small_election
from pollwatch.stats.forensics_fingerprint import fingerprint
from pollwatch.stats.forensics_integer import percentage_histogram

CANDIDATES = [
    ("Aynur Məmmədova-Hüseynova", 0.3012),
    ("Rashad Aliyev", 0.2987),
    ("Independent candidate Elchin Quliyev", 0.1521),
    ("Leyla Hasanova", 0.1033),
    ("Farid Mammadov", 0.0981),
    ("Gunay Ismayilova", 0.0302),
    ("Against all", 0.0164),
]
REGIONS = [
    "Absheron-Khizi",
    "Baku",
    "Ganja-Dashkasan",
    "Guba-Khachmaz",
    "Lankaran-Astara",
    "Mil-Mughan",
    "Nakhchivan Autonomous Republic",
    "Shaki-Zagatala",
    "Shirvan-Salyan",
    "Central Aran",
    "Karabakh",
    "East Zangezur",
    "Mountainous Shirvan",
    "Gazakh-Tovuz",
]
QUESTIONS = [
    "Were the ballot boxes sealed and shown empty before voting began?",
    "Was the voter list publicly displayed at the polling station?",
    "Were unauthorised persons present in the polling station?",
    "Was the secrecy of the vote compromised?",
    "Did anyone vote without showing an identity document?",
    "Were voters' fingers checked for ink?",
    "Was group or family voting observed?",
    "Were observers restricted in their work?",
    "Was there pressure on voters inside the station?",
    "Were ballots found stacked in the ballot box?",
    "Was the count transparent to observers?",
    "Did the protocol figures reconcile?",
    "Was the protocol posted outside the station?",
    "Did the commission refuse to give observers a copy of the protocol?",
    "Were complaints registered?",
]


def quick_count(width: int) -> Any:
    return charts.estimates_chart(
        [
            {"name": name, "estimate": share, "low": share - 0.011, "high": share + 0.011}
            for name, share in CANDIDATES
        ],
        title="Quick count: share of valid votes, 1,412 of 1,500 sampled stations",
        references=[
            *(
                {"name": name, "value": share + 0.004, "label": "official result"}
                for name, share in CANDIDATES
            ),
            *(
                {"name": name, "value": share - 0.02, "label": "Caucasus Research exit poll"}
                for name, share in CANDIDATES[:4]
            ),
        ],
        width=width,
    )


def convergence(width: int) -> Any:
    rng = np.random.default_rng(3)
    points = []
    for stations in (50, 100, 200, 400, 800, 1_600, 3_200, 6_400, 12_400):
        for name, share in CANDIDATES[:5]:
            half = 1 / np.sqrt(stations)
            estimate = share + rng.normal(0, half / 3)
            points.append(
                {
                    "stations": stations,
                    "name": name,
                    "estimate": estimate,
                    "low": estimate - half / 2,
                    "high": estimate + half / 2,
                }
            )
    return charts.convergence_chart(
        points, title="Convergence: estimates as result forms arrive (95 % intervals)", width=width
    )


def coverage(width: int) -> Any:
    return charts.coverage_chart(
        [
            {
                "area": region,
                "reported": [38, 9, 120, 17, 44, 3, 29][i % 7],
                "sampled": [40, 20, 121, 40, 44, 30, 30][i % 7],
                "newly_included": i in (6, 11),
            }
            for i, region in enumerate(REGIONS)
        ],
        title="Sampled stations whose result form arrived, by region",
        width=width,
    )


def findings(width: int) -> Any:
    # Small shares: a 0–3 % axis once printed "1% 1% 2% 2%".
    return charts.proportions_chart(
        [
            {
                "label": question,
                "group": "all observed stations",
                "estimate": 0.004 + 0.0018 * i,
                "low": 0.002 + 0.0015 * i,
                "high": 0.008 + 0.002 * i,
            }
            for i, question in enumerate(QUESTIONS)
        ],
        title="Checklist findings: share of observed stations (95 % intervals)",
        axis_title="share of observed stations",
        width=width,
    )


def findings_by_region(width: int) -> Any:
    return charts.proportions_chart(
        [
            {
                "label": question,
                "group": region,
                "estimate": 0.1 + 0.05 * g + 0.01 * q,
                "low": 0.08 + 0.05 * g + 0.01 * q,
                "high": 0.13 + 0.05 * g + 0.01 * q,
            }
            for q, question in enumerate(QUESTIONS[:6])
            for g, region in enumerate(REGIONS[:5])
        ],
        title="Checklist answers by region",
        axis_title="share of observed stations",
        width=width,
    )


def regions_by_finding(width: int) -> Any:
    # The findings page's regional chart: every region, the three most frequent findings.
    return charts.proportions_chart(
        [
            {
                "label": region,
                "group": f"{question.rstrip('?')}: yes",
                "estimate": 0.02 + 0.01 * g + 0.003 * r,
                "low": 0.01 + 0.01 * g + 0.003 * r,
                "high": 0.05 + 0.01 * g + 0.003 * r,
            }
            for r, region in enumerate(REGIONS)
            for g, question in enumerate(QUESTIONS[:3])
        ],
        title="The most frequent alarming findings by region (95 % intervals)",
        axis_title="share of observed stations",
        label_title="region",
        group_title="finding",
        width=width,
    )


def fingerprint_map(width: int) -> Any:
    election = small_election()
    turnout = election["ballots"] / election["registered"]
    share = election["leader"] / election["ballots"]
    return charts.fingerprint_heatmap(
        fingerprint(election["registered"], turnout, share),
        title="Election fingerprint: stations by turnout and leader's share",
        width=width,
    )


def integer(width: int) -> Any:
    election = small_election()
    histogram = percentage_histogram(
        election["registered"],
        election["ballots"],
        election["ballots"],
        election["leader"],
        replicates=40,
    )
    return charts.integer_histogram(
        histogram,
        title="Turnout percentages of stations against the Monte Carlo band (no manipulation)",
        width=width,
    )


def second_digit(width: int) -> Any:
    benford = [0.1197, 0.1139, 0.1088, 0.1043, 0.1003, 0.0967, 0.0934, 0.0904, 0.0876, 0.0850]
    return charts.digit_chart(
        [share * (1 + 0.05 * (-1) ** i) for i, share in enumerate(benford)],
        benford,
        title="Second digits of ballots cast against Benford's law",
        x_title="second digit",
        percent=True,
        width=width,
    )


def discrepancies(width: int) -> Any:
    return charts.bar_chart(
        [
            {"label": name, "value": value}
            for (name, _), value in zip(
                CANDIDATES, [12_840, -3_215, 410, -95, 7, 0, 1_204_312], strict=True
            )
        ],
        title="Net votes gained in the official figures over observers' protocol copies",
        x_title="votes (official − observed), summed over stations that differ",
        y_title="candidate",
        width=width,
    )


def nothing_yet(width: int) -> Any:
    return charts.nothing_yet(
        "Net votes gained in the official figures over observers' copies", width=width
    )


BUILDERS: dict[str, Callable[[int], Any]] = {
    "quick-count": quick_count,
    "convergence": convergence,
    "coverage": coverage,
    "findings": findings,
    "findings-by-region": findings_by_region,
    "regions-by-finding": regions_by_finding,
    "fingerprint": fingerprint_map,
    "integer": integer,
    "second-digit": second_digit,
    "discrepancies": discrepancies,
    "nothing-yet": nothing_yet,
}
# A column of an analysis page at 1366 px, and the A4 statement's text width (also the
# width of a chart alone on a page).
WIDTHS = (charts.PAGE_COLUMN_WIDTH, charts.PDF_WIDTH)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", BUILDERS)
def test_each_chart_reads_at_the_width_it_is_shown(name, width):
    svg = charts.render_svg(BUILDERS[name](width))
    assert problems(svg, width) == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", BUILDERS)
def test_each_chart_is_drawn_at_the_width_it_is_shown(name, width):
    # Drawn at the width it is shown at: not shrunk (text smaller), nor far narrower.
    svg = charts.render_svg(BUILDERS[name](width))
    assert width - 8 <= shown(svg, 10_000).width <= width


def test_the_check_finds_small_overlapping_cut_and_repeated_text():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 400 200">'
        '<g transform="translate(10,20)"><g class="role-axis-label">'
        '<text transform="translate(0,10)" font-size="11px">1%</text>'
        '<text transform="translate(100,10)" font-size="11px">1%</text></g>'
        '<text transform="translate(300,170) rotate(-90)" font-size="30px">across</text>'
        '<text transform="translate(300,150)" font-size="30px" text-anchor="middle">too</text>'
        '<text transform="translate(0,100)" font-size="30px" opacity="0">hidden…</text>'
        '<text transform="translate(390,50)" font-size="24px">cut</text></g></svg>'
    )
    found = "\n".join(problems(svg, 300))
    assert "'1%' is 5.5 px" in found  # shown at half size
    assert "'across' overlaps 'too'" in found
    assert "'across' is cut" not in found
    assert "'cut' is cut by the edge" in found
    assert "axis labels repeat: 1%" in found
    assert "hidden" not in found
