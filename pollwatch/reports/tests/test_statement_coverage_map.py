"""Without a quick count (or its map) the statement shows the coverage page's map of reports
received by region, after its first section, in the page and the PDF; never a station's point."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse

from pollwatch.testing import CRITICAL_CHECKLIST, STATION_PLACES, protocol, send

NORTH = {
    "type": "Polygon",
    "coordinates": [[[45, 40.3], [46, 40.3], [46, 41], [45, 41], [45, 40.3]]],
}
SOUTH = {"type": "Polygon", "coordinates": [[[46, 40], [47, 40], [47, 41], [46, 41], [46, 40]]]}


@pytest.fixture
def statement(mission):
    """A draft on the mission with a checklist report and region boundaries, and no quick count."""
    from pollwatch.checklists.loading import install_form
    from pollwatch.elections.models import Area
    from pollwatch.formspec.spec import loads_form
    from pollwatch.reports.models import Statement

    Area.objects.filter(code="R1").update(boundary=NORTH)
    Area.objects.filter(code="R2").update(boundary=SOUTH)
    for code, (longitude, latitude) in STATION_PLACES.items():
        mission.stations[code].latitude, mission.stations[code].longitude = latitude, longitude
        mission.stations[code].save(update_fields=["latitude", "longitude"])
    checklist = install_form(mission.election, loads_form(CRITICAL_CHECKLIST))[0]
    send(mission, checklist, "observer", "D1-001", {"K1": 1})
    return Statement.objects.create(election=mission.election, title="Preliminary")


def test_without_a_quick_count_the_coverage_map_follows_the_first_section(statement):
    from pollwatch.observers.access import Access
    from pollwatch.observers.models import Role
    from pollwatch.reports.render import document_context
    from pollwatch.submissions.coverage import coverage_table

    context = document_context(statement, for_pdf=True)
    assert context["leader_map"] == ""
    assert context["map_after"] == context["sections"][0]["key"]
    printed = context["coverage_map"]
    # The coverage page's own map (same presenter): the same regions, shades and figures.
    page_map = coverage_table(Access(statement.election, {Role.COORDINATOR}))["map"]
    paths = re.compile(r'<path d="[^"]*" fill="[^"]*"')
    assert printed and paths.findall(printed) == paths.findall(page_map)
    assert "North" in printed and "1 of 1 reported" in printed
    # Regions only: a published statement does not show where each observer stood.
    assert "D1-001" not in printed and "D1-001" in page_map


def test_the_statement_page_and_pdf_show_the_coverage_map(client, mission, statement):
    import pypdfium2 as pdfium

    client.force_login(mission.users["analyst"])
    slug = mission.election.slug
    page = client.get(reverse("statement", args=[slug, statement.pk])).content.decode()
    assert 'id="section-map"' in page and 'href="#section-map"' in page
    assert "as on the coverage page" in page
    response = client.get(reverse("statement-pdf", args=[slug, statement.pk]))
    assert response.status_code == 200
    document = pdfium.PdfDocument(io.BytesIO(response.content))
    text = " ".join(" ".join(p.get_textpage().get_text_range().split()) for p in document)
    assert "as on the coverage page" in text
    assert "Share of observers who reported" in text and "North" in text
    # No station points, so no key for them.
    assert "station: all reported" not in text


def test_with_the_quick_counts_map_there_is_no_coverage_map(mission, results_forms, statement):
    from pollwatch.reports.render import document_context

    for persona, station, counts in (
        ("observer", "D1-001", protocol(600, 300)),
        ("other_observer", "D3-001", protocol(500, 400)),
    ):
        send(mission, results_forms["PR"], persona, station, counts)
    context = document_context(statement, for_pdf=True)
    assert context["leader_map"]
    assert context["coverage_map"] == "" and context["map_after"] == "quick_count"
