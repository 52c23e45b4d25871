"""Charts render for real (vl-convert, no mocks) into SVG fit for a strict-CSP page, a PDF and a PNG."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from lxml import etree

from pollwatch.lib import charts
from pollwatch.stats.forensics_fingerprint import fingerprint
from pollwatch.stats.forensics_integer import percentage_histogram

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def small_election(stations: int = 1_500, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    registered = rng.integers(800, 3000, stations)
    ballots = rng.binomial(registered, rng.beta(30, 20, stations))
    leader = rng.binomial(ballots, rng.beta(22, 18, stations))
    return {"registered": registered, "ballots": ballots, "leader": leader}


def estimates() -> Any:
    return charts.estimates_chart(
        [
            {"name": "Aliyev", "estimate": 0.712, "low": 0.701, "high": 0.723},
            {"name": "Hasanov", "estimate": 0.201, "low": 0.19, "high": 0.212, "colour": "#D55E00"},
        ],
        title="Quick count: presidential election",
        references=[
            {"name": "Aliyev", "value": 0.72, "label": "official result"},
            {"name": "Hasanov", "value": 0.186, "label": "official result"},
            {"name": "Aliyev", "value": 0.764, "label": "announced exit poll"},
        ],
    )


def convergence() -> Any:
    return charts.convergence_chart(
        [
            {
                "stations": n,
                "name": name,
                "estimate": share,
                "low": share - 1 / n,
                "high": share + 1 / n,
            }
            for n in (50, 100, 200, 400)
            for name, share in (("Aliyev", 0.71), ("Hasanov", 0.2))
        ],
        title="Quick count as stations report",
    )


def coverage() -> Any:
    return charts.coverage_chart(
        [
            {"area": "Baku", "reported": 38, "sampled": 40, "newly_included": False},
            {"area": "Khankendi", "reported": 9, "sampled": 20, "newly_included": True},
        ],
        title="Reporting coverage by area",
    )


def proportions() -> Any:
    rows = [
        {
            "label": f"question {q}",
            "group": f"region {g}",
            "estimate": 0.1 + 0.05 * g,
            "low": 0.08 + 0.05 * g,
            "high": 0.12 + 0.05 * g,
        }
        for q in range(1, 11)
        for g in range(1, 6)
    ]
    return charts.proportions_chart(
        rows, title="Checklist answers by region", axis_title="share of stations"
    )


def fingerprint_map() -> Any:
    election = small_election()
    turnout = election["ballots"] / election["registered"]
    share = election["leader"] / election["ballots"]
    return charts.fingerprint_heatmap(
        fingerprint(election["registered"], turnout, share), title="Turnout and leader's share"
    )


def integer() -> Any:
    election = small_election()
    histogram = percentage_histogram(
        election["registered"],
        election["ballots"],
        election["ballots"],
        election["leader"],
        replicates=40,
    )
    return charts.integer_histogram(histogram, title="Turnout in 0.1-point bins")


def digits() -> Any:
    return charts.digit_chart(
        [101, 97, 110, 95, 99, 100, 104, 93, 98, 103],
        [100.0] * 10,
        title="Last digits of candidate votes",
        x_title="last digit",
    )


def bars() -> Any:
    return charts.bar_chart(
        [
            {"label": "ballot stuffing", "value": 4},
            {"label": "observer obstructed", "value": 17, "colour": "#E69F00"},
        ],
        title="Incidents by category",
        x_title="incidents",
        y_title="category",
    )


# Each chart, its title, its axis titles and words its description must contain.
CASES: dict[str, tuple[Callable[[], Any], str, list[str], list[str]]] = {
    "estimates": (
        estimates,
        "Quick count: presidential election",
        ["share of valid votes", "candidate"],
        [
            "95 % intervals",
            "Aliyev 71.2 % (70.1–72.3)",
            "Hasanov 20.1 % (19.0–21.2)",
            "official result: Aliyev 72.0 %; Hasanov 18.6 %",
            "announced exit poll: Aliyev 76.4 %",
        ],
    ),
    "convergence": (
        convergence,
        "Quick count as stations report",
        ["stations reported", "share of valid votes"],
        ["from 50 stations on", "Aliyev 71.0 % (70.8–71.2) after 400 stations"],
    ),
    "coverage": (
        coverage,
        "Reporting coverage by area",
        ["sampled stations reported", "area"],
        [
            "threshold 80 %",
            "Baku 38 of 40 (95 %)",
            "Khankendi (newly included) 9 of 20 (45 %) below threshold",
            "1 of 2 areas",
        ],
    ),
    "proportions": (
        proportions,
        "Checklist answers by region",
        ["share of stations", "answer"],
        ["question 10: region 1 15.0 % (13.0–17.0)", "region 5 35.0 % (33.0–37.0)"],
    ),
    "fingerprint": (
        fingerprint_map,
        "Turnout and leader's share",
        ["turnout %", "leader's share %"],
        ["1,500 stations", "densest cell", "Fraud-model fit"],
    ),
    "integer": (
        integer,
        "Turnout in 0.1-point bins",
        ["turnout %", "stations per 0.1-point bin"],
        ["1,500 stations", "40 replicates", "whole-percent bins lie above the band"],
    ),
    "digits": (
        digits,
        "Last digits of candidate votes",
        ["last digit", "numbers"],
        ["0: 101 (100)", "9: 103 (100)"],
    ),
    "bars": (
        bars,
        "Incidents by category",
        ["incidents", "category"],
        ["ballot stuffing 4", "observer obstructed 17"],
    ),
}


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[dict[str, Any], str]]:
    """Every chart's spec (validated by altair) and SVG, built once: that is the slow part."""
    result = {}
    for name, case in CASES.items():
        spec = case[0]().to_dict()
        result[name] = (spec, charts.render_svg(spec))
    return result


def text_of(root: etree._Element) -> str:
    return " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


@pytest.mark.parametrize("name", CASES)
def test_each_chart_renders_svg_with_its_title_axis_titles_and_a_label(name, rendered):
    spec, svg = rendered[name]
    _, title, axis_titles, _ = CASES[name]
    root = etree.fromstring(svg.encode())
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == spec["description"]
    texts = text_of(root)
    assert title in texts
    for axis_title in axis_titles:
        assert axis_title in texts


@pytest.mark.parametrize("name", CASES)
def test_each_chart_is_fit_for_a_strict_content_security_policy(name, rendered):
    root = etree.fromstring(rendered[name][1].encode())
    for element in root.iter(etree.Element):
        assert etree.QName(element).localname not in ("script", "style", "foreignObject")
        for attribute in element.attrib:
            assert not attribute.lower().startswith("on"), attribute
            # style-src 'self' also blocks style attributes on inlined markup.
            assert attribute != "style"


@pytest.mark.parametrize("name", CASES)
def test_each_chart_writes_no_text_smaller_than_11_px(name, rendered):
    sizes = [float(size) for size in re.findall(r'font-size="([\d.]+)px"', rendered[name][1])]
    assert sizes
    assert min(sizes) >= charts.MIN_FONT_SIZE


@pytest.mark.parametrize("name", CASES)
def test_each_description_says_what_the_chart_shows_in_numbers(name, rendered):
    description = rendered[name][0]["description"]
    for words in CASES[name][3]:
        assert words in description


@pytest.mark.parametrize("name", CASES)
def test_each_chart_is_560_pixels_wide_and_carries_little_data(name, rendered):
    spec = rendered[name][0]
    assert spec["width"] == charts.DEFAULT_WIDTH
    # Aggregates only: the fingerprint is the largest (non-empty 1-point cells).
    assert len(charts.canonical_json(spec)) < 400_000


def test_default_colours_are_okabe_ito(rendered):
    fills = set(re.findall(r'fill="(#[0-9a-fA-F]{6})"', rendered["estimates"][1]))
    assert charts.PALETTE[0].lower() in {fill.lower() for fill in fills}
    assert "#d55e00" in {fill.lower() for fill in fills}  # the colour passed for Hasanov


def test_references_differ_in_shape_not_only_in_colour():
    spec = estimates().to_dict()
    shapes = [
        layer["encoding"]["shape"]
        for layer in spec["layer"]
        if "shape" in layer.get("encoding", {})
    ]
    assert shapes and shapes[0]["scale"]["domain"] == ["official result", "announced exit poll"]
    assert len(set(shapes[0]["scale"]["range"])) == 2


def test_ids_differ_between_charts_so_that_several_can_share_a_page(rendered):
    # Two heat maps on one page: vl-convert calls both legend gradients "gradient_0".
    spec = rendered["fingerprint"][0]
    pages = [rendered["fingerprint"][1], charts.render_svg({**spec, "title": "Second round"})]
    ids = []
    for svg in pages:
        root = etree.fromstring(svg.encode())
        found = {element.get("id") for element in root.iter() if element.get("id")}
        assert found
        for reference in re.findall(r"url\(#([^)]+)\)", svg):
            assert reference in found
        ids.append(found)
    assert not ids[0] & ids[1]


def test_render_png_gives_a_png_of_the_chart_size_times_the_scale(rendered):
    png = charts.render_png(bars(), scale=2)
    assert png.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", png[16:24])
    assert width == 2 * charts.DEFAULT_WIDTH  # the whole drawing is as wide as asked
    assert 100 < height < 600
    assert 5_000 < len(png) < 2_000_000


def test_the_cache_returns_the_same_svg_faster_the_second_time(rendered):
    # A title never seen before: the first call must render (the engine is already warm).
    chart = charts.bar_chart(
        [{"label": "a", "value": 1}],
        title=f"Cache check {uuid.uuid4()}",
        x_title="count",
        y_title="label",
    )
    start = time.perf_counter()
    first = charts.render_svg(chart)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    second = charts.render_svg(chart)
    warm = time.perf_counter() - start
    assert second is first
    assert warm < cold
    assert charts.render_svg(chart.to_dict()) is first  # the same spec as a dict


def test_the_cache_keeps_svg_and_png_and_each_scale_apart(rendered):
    chart = rendered["bars"][0]
    assert isinstance(charts.render_svg(chart), str)
    assert isinstance(charts.render_png(chart), bytes)
    small, large = charts.render_png(chart, scale=1), charts.render_png(chart, scale=2)
    assert struct.unpack(">I", large[16:20])[0] == 2 * struct.unpack(">I", small[16:20])[0]


def test_names_typed_by_users_stay_text():
    svg = charts.render_svg(
        charts.bar_chart(
            [{"label": "<script>alert(1)</script>", "value": 1}, {"label": "Şəki", "value": 2}],
            title="Incidents in Ağdam & Şuşa",
            x_title="incidents",
            y_title="district",
        )
    )
    root = etree.fromstring(svg.encode())
    assert not list(root.iter(f"{SVG}script", "script"))
    assert "<script>alert(1)</script>" in text_of(root)
    assert "Incidents in Ağdam & Şuşa" in text_of(root)
    assert "Şəki 2" in root.get("aria-label")


def test_a_vega_lite_dict_gets_its_title_as_label_when_it_has_no_description():
    spec = {
        "title": "Plain spec",
        "data": {"values": [{"a": 1}]},
        "mark": "point",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    root = etree.fromstring(charts.render_svg(spec).encode())
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Plain spec"


def test_a_spec_may_not_make_the_server_fetch_data():
    spec = {
        "data": {"url": "http://169.254.169.254/latest/meta-data"},
        "mark": "point",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    with pytest.raises(ValueError, match="not allowed"):
        charts.render_svg(spec)


def test_weasyprint_draws_the_inline_svg_into_a_pdf(rendered):
    weasyprint = pytest.importorskip("weasyprint")
    pdfium = pytest.importorskip("pypdfium2")
    svg = rendered["estimates"][1]
    pdf = weasyprint.HTML(string=f"<!doctype html><html><body>{svg}</body></html>").write_pdf()
    document = pdfium.PdfDocument(pdf)
    text = re.sub(r"\s", "", document[0].get_textpage().get_text_range())
    assert "shareofvalidvotes" in text
    assert "71.2%(70.1–72.3)" in text


def test_it_imports_no_django():
    code = "import sys, pollwatch.lib.charts; sys.exit(any(m.startswith('django') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
