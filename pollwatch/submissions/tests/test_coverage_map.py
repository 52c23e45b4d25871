"""The coverage page's map: demo-like boundaries, the deployed stations as points, and its
words (legend, tooltips, zoom buttons) in the reader's language."""

from __future__ import annotations

import uuid

import pytest

from pollwatch.elections.boundaries import partition_from_stations
from pollwatch.submissions.intake import submit
from pollwatch.testing import place_stations


@pytest.fixture
def report(mission, forms):
    """The observer at D1-001 reports; the one at D3-001 stays silent."""
    submit(
        mission.people["observer"].memberships.get(),
        forms["OP"],
        mission.stations["D1-001"],
        {"A1": 1, "A3": 0},
        client_uuid=uuid.uuid4(),
        source="web",
    )


def placed(mission):
    place_stations()
    partition_from_stations(mission.election, seed=1)


def test_the_map_names_the_regions_and_marks_the_deployed_stations(client, mission, report):
    placed(mission)
    client.force_login(mission.users["coordinator"])
    page = client.get("/e/test-election/coverage/").content.decode()
    assert 'data-map="coverage"' in page and "pollwatch/map-0.1" in page
    assert 'data-code="R1"' in page and ">North<tspan" in page  # the name and its share
    # The observer at D1-001 reported, the one at D3-001 did not.
    assert "D1-001 School D1-001: 1/1" in page and "D3-001 School D3-001: 0/1" in page
    assert "North: 1 of 1 reported" in page and 'aria-label="Zoom in"' in page
    assert "Share of observers who reported" in page and "80–100 %" in page


def test_the_maps_words_are_translated(client, mission, report):
    placed(mission)
    client.force_login(mission.users["coordinator"])
    page = client.get("/e/test-election/coverage/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'aria-label="Zoom avant"' in page and ">Toute la carte</button>" in page
    assert "Part des observateurs ayant rendu compte" in page
    assert "North: 1 sur 1 ont rendu compte" in page and "aucun observateur" in page
