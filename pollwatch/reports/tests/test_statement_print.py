"""The statement PDF reads like a published report: a cover, contents with true page numbers,
the quick-count map, and charts that still read printed in black and white."""

from __future__ import annotations

import io
import re
from itertools import combinations

import pytest
from django.urls import reverse

MISSION = "Test Election Observation Mission"
# Two colours whose grey levels differ by less than this look alike on a black-and-white print.
GREY_APART = 0.2


@pytest.fixture
def statement(night):
    from pollwatch.reports.models import Statement

    return Statement.objects.get(election=night.election)


@pytest.fixture
def pdf(client, night, statement, settings):
    """The draft's PDF as an analyst downloads it: (document, text of each page)."""
    import pypdfium2 as pdfium

    settings.SITE_NAME = MISSION
    client.force_login(night.election.memberships.get(role="analyst").person.user)
    response = client.get(reverse("statement-pdf", args=["demo", statement.pk]))
    assert response.status_code == 200
    document = pdfium.PdfDocument(io.BytesIO(response.content))
    pages = [" ".join(page.get_textpage().get_text_range().split()) for page in document]
    return document, pages


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_pdf_reads_like_a_published_report(pdf, statement):
    """One rendering (a few seconds), read three ways: cover, contents, map."""
    _cover(pdf, statement)
    _contents(pdf, statement)
    _map(pdf, statement)


def _cover(pdf, statement):
    """The first page is a cover with the mission, the election and the audit head."""
    from pollwatch.audit.models import head_hash

    _, pages = pdf
    cover = pages[0]
    sequence, digest = head_hash()
    assert MISSION in cover and statement.election.name in cover
    assert _flat(statement.title) in _flat(cover)
    assert "draft statement, not published" in cover.lower() and "draft of" in cover
    assert f"Audit chain head: event {sequence}, sha256" in cover and digest in _flat(cover)
    assert "pollwatch audit verify" in cover
    # The cover is the cover only: the sections start after it.
    assert "Contents" not in cover and "Methods" not in cover


def _contents(pdf, statement):
    """The contents give the page each heading is on."""
    from pollwatch.reports.render import sections_for

    document, pages = pdf
    contents = pages[1]
    assert contents.startswith("Contents")
    # "Quick count . . . . . 5": each entry with the page number after its dot leaders.
    listed = {
        title.strip(): int(page)
        for title, page in re.findall(r"([^.\d][^.]*?)\s*(?:\. ?)+\s*(\d+)", contents[9:])
    }
    titles = [str(s["title"]) for s in sections_for(statement)] + ["Map", "Methods"]
    assert set(listed) == set(titles), listed
    # The PDF's bookmarks point at each heading's page; the contents say the same page,
    # and the heading is printed on it.
    marked = {
        bookmark.get_title(): bookmark.get_dest().get_index() + 1
        for bookmark in document.get_toc()
        if bookmark.level == 0
    }
    for title, page in listed.items():
        assert marked[title] == page, (title, page, marked[title])
        assert title in pages[page - 1], (title, page)
    assert list(listed.values()) == sorted(listed.values())
    assert min(listed.values()) == 3, "the sections start after the cover and the contents"


def _map(pdf, statement):
    """The PDF has the quick-count page's map of the leader's share, names and figures legible."""
    from pollwatch.reports.sections import quick_count
    from pollwatch.results.templatetags.analysis import percent

    _, pages = pdf
    ctx = quick_count.context(statement.election)
    page = next(text for text in pages if text.startswith("Map ") or " Map The quick" in text)
    leader = ctx["rows"][0]["name"]
    assert f"Estimated share of {leader}" in page
    for label in ("0–19 %", "80–100 %", "no data"):
        assert label in page
    # Each region's name and its leader's share are written on the map, as the page's map has them.
    for region in ctx["regions"]:
        share = next((s for s in region["shares"] if s["name"] == leader), None)
        if share is not None and region["name"] in page:
            assert percent(share["estimate"]) in page, region["name"]
    named = [r["name"] for r in ctx["regions"] if r["name"] in page]
    assert len(named) >= len(ctx["regions"]) // 2, named


def test_the_map_is_the_one_the_quick_count_page_draws(statement):
    """Reused, not redrawn: the same regions and classes as the presenter's map."""
    from pollwatch.reports.render import document_context
    from pollwatch.reports.sections import quick_count

    page_map = quick_count.context(statement.election)["map"]
    printed = document_context(statement, for_pdf=True)["leader_map"]
    paths = re.compile(r'<path d="[^"]*" fill="[^"]*"')
    assert page_map and paths.findall(printed) == paths.findall(page_map)
    # For print, the names' white halo is drawn under the text (WeasyPrint has no paint-order).
    assert printed.index('class="map-labels-halo"') < printed.index('class="map-labels"')


def _grey(colour: str) -> float:
    """A colour's grey level on a black-and-white print (0 black, 1 white; ITU-R 601 luma)."""
    colour = colour.strip()
    if colour.startswith("rgb"):
        r, g, b = (int(n) for n in re.findall(r"\d+", colour)[:3])
    else:
        value = colour.lstrip("#")
        if len(value) == 3:
            value = "".join(c * 2 for c in value)
        r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255


LEGEND_ENTRY = re.compile(
    r'role-legend-symbol"[^>]*><path ([^>]*?)/?></g>'
    r'<g class="mark-text role-legend-label"[^>]*><text[^>]*>([^<]*)</text>'
)


def _legend(svg: str) -> dict[str, tuple[float, str, str]]:
    """Each legend entry's label: its symbol as printed in grey (grey level, shape, dashes)."""
    entries = {}
    for attributes, label in LEGEND_ENTRY.findall(svg):
        found = dict(re.findall(r'([\w-]+)="([^"]*)"', attributes))
        paint = found.get("fill") if found.get("fill") not in (None, "none") else found["stroke"]
        entries[label] = (_grey(paint), found.get("d", ""), found.get("stroke-dasharray", ""))
    return entries


def test_every_chart_in_the_pdf_reads_in_black_and_white(statement):
    """Seen in grey, no two series look alike: legend entries differ in grey level, shape or
    dashes, and series told apart by colour only in the plot (candidates) are named in it."""
    from pollwatch.reports.render import document_context
    from pollwatch.reports.sections import quick_count

    context = document_context(statement, for_pdf=True)
    drawn = {
        name: svg for section in context["sections"] for name, svg in section["charts"].items()
    }
    assert {"quick_count", "exit_poll", "official", "integer_turnout"} <= {
        name for name, svg in drawn.items() if svg
    }
    legends = 0
    for name, svg in drawn.items():
        entries = _legend(svg)
        legends += bool(entries)
        for (a, (grey_a, shape_a, dash_a)), (b, (grey_b, shape_b, dash_b)) in combinations(
            entries.items(), 2
        ):
            assert abs(grey_a - grey_b) >= GREY_APART or shape_a != shape_b or dash_a != dash_b, (
                f"{name}: {a!r} and {b!r} look alike in black and white"
            )
        # Colours of the plotted marks that a grey print cannot tell apart...
        colours = set(re.findall(r'(?:fill|stroke)="(#[0-9A-Fa-f]{6})"', svg))
        chromatic = {c for c in colours if len({c[1:3], c[3:5], c[5:7]}) > 1}
        alike = [
            (a, b) for a, b in combinations(sorted(chromatic), 2) if abs(_grey(a) - _grey(b)) < 0.1
        ]
        if alike and name in ("quick_count", "exit_poll", "official", "discrepancies"):
            # ...are each candidate's row, named beside it: the names carry the series.
            texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
            for row in quick_count.context(statement.election)["rows"]:
                assert row["name"] in texts, (name, row["name"])
    assert legends >= 3
    # The forensic histogram's series (observed, null mean, band, spikes) are drawn and keyed
    # by shape and dashes, not by colour alone.
    histogram = _legend(drawn["integer_turnout"])
    assert len({(shape, dash) for _, shape, dash in histogram.values()}) == len(histogram) >= 3


def test_the_maps_classes_are_told_apart_in_grey(statement):
    """The leader map's five classes darken in order; the grey of "no data" is near the lightest
    class, so regions with a result carry their figure (see the map test above)."""
    from pollwatch.lib.svgmap import CLASSES

    greys = [_grey(fill) for _, fill, _ in CLASSES]
    assert all(a - b >= 0.1 for a, b in zip(greys, greys[1:], strict=False)), greys
