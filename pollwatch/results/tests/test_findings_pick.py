"""The findings page: two charts, the table of one phase and region a reader picks, the whole
table as CSV; for analysts, coordinators and admins only, whatever the parameters."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from pollwatch.testing import PERSONAS, assert_reach

SEE = {"admin", "coordinator", "analyst"}


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_a_picked_phase_and_region_and_the_csv_follow_the_pages_rule(client, mission, persona):
    slug = mission.election.slug
    for url in (
        reverse("findings", args=[slug]) + "?phase=CR&region=R1",
        reverse("findings-csv", args=[slug]),
    ):
        assert_reach(client, mission, persona, url, SEE)


@pytest.mark.parametrize(
    "query",
    [
        "region=R9",
        "region=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "phase=nonsense&region=",
        "phase=" + "x" * 5000,
        "region=R1&region=R2",
    ],
)
def test_unknown_or_hostile_picks_fall_back_to_the_first_phase_and_all_stations(
    client, mission, query
):
    client.force_login(mission.users["analyst"])
    url = reverse("findings", args=[mission.election.slug]) + "?" + query
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        page = response.content.decode()
        assert "<script>alert(1)" not in page
        assert 'id="findings-pick"' in page
        assert ("<html" in page) == (not headers)


def test_a_nul_in_a_pick_is_a_bad_request_not_an_error(client, mission):
    client.force_login(mission.users["analyst"])
    url = reverse("findings", args=[mission.election.slug]) + "?phase=%00&region=%FF"
    assert client.get(url).status_code == 400


def test_the_night_picks_one_region_with_the_figures_of_the_page_and_the_csv(client, night):
    from pollwatch.results.findings import findings_for

    client.force_login(night.election.memberships.get(role="analyst").person.user)
    data = findings_for(night.election)
    phase = next(p for p in data["phases"] if p["rows"])
    region = data["regions"][-1]
    url = reverse("findings", args=["demo"])

    page = client.get(url).content.decode()
    assert "findings-regions.svg" in page and reverse("findings-csv", args=["demo"]) in page
    # Four columns for all observed stations, not one per region.
    assert page.count("<th") < 5 + 2 * len(data["regions"])

    response = client.get(
        f"{url}?phase={phase['form']}&region={region}", headers={"HX-Request": "true"}
    )
    part = response.content.decode()
    assert part.startswith('<div id="findings-pick">') and "<html" not in part
    assert data["region_names"][region] in part
    row = next(r for r in phase["rows"] if region in r["by"])
    assert row["short"] in part
    assert f"{row['by'][region]['stations']}</td>" in part

    body = client.get(reverse("findings-csv", args=["demo"])).content.decode()
    table = list(csv.DictReader(io.StringIO(body)))
    assert len(table) == sum(len(r["by"]) + 1 for p in data["phases"] for r in p["rows"])
    mine = next(
        t
        for t in table
        if t["form"] == phase["form"] and t["question"] == row["code"] and t["scope"] == region
    )
    assert float(mine["estimate"]) == pytest.approx(row["by"][region]["estimate"])
    assert int(mine["stations"]) == row["by"][region]["stations"]

    chart = client.get(reverse("chart", args=["demo", "findings-regions", "svg"]))
    assert chart.status_code == 200 and b"<svg" in chart.content
