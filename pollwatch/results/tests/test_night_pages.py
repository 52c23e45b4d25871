"""Exit polls, forensics and checklist findings on the demo's election night."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse


@pytest.fixture
def analyst(client, night):
    client.force_login(night.election.memberships.get(role="analyst").person.user)
    return client


def test_our_exit_poll_comes_from_the_tallies(analyst, night):
    from pollwatch.results.estimates import exit_poll_for

    data = exit_poll_for(night.election)
    assert data["available"] and data["respondents"] > 100
    true_share = night.truth["truth"]["shares"]["C1"]
    low, high = data["shares"]["C1"]["ci"]
    # Tallies are drawn from the true count; a 99.9 % band around the 95 % interval guards flakiness.
    width = high - low
    assert low - width <= true_share <= high + width
    page = analyst.get(reverse("exit-polls", args=["demo"])).content.decode()
    assert "interviews at" in page and "State TV exit poll" in page


def test_an_announced_landslide_outside_our_interval_gets_a_plain_verdict(analyst, night):
    from pollwatch.results.models import PublishedPoll

    response = analyst.post(
        reverse("exit-polls", args=["demo"]),
        {"source": "Pollster X", "kind": "exit_poll", "share_C1": "73", "share_C2": "10"},
    )
    assert response.status_code == 302
    assert PublishedPoll.objects.filter(source="Pollster X").exists()
    page = analyst.get(reverse("exit-polls", args=["demo"])).content.decode()
    assert "Pollster X" in page
    assert "is above our 95 % interval" in page or "lies above" in page or "above" in page
    assert "not consistent with our estimate" in page


def test_percentages_over_100_are_refused_with_a_message(analyst, night):
    response = analyst.post(
        reverse("exit-polls", args=["demo"]),
        {"source": "Pollster Y", "kind": "exit_poll", "share_C1": "90", "share_C2": "20"},
    )
    assert response.status_code == 200
    assert "more than 100 %" in response.content.decode()


def test_the_forensics_page_shows_every_test_its_pictures_and_the_regions(analyst, night):
    page = analyst.get(reverse("forensics", args=["demo"])).content.decode()
    for title in (
        "Integer percentages",
        "Second digit",
        "Impossible values",
        "Election fingerprint",
        "By region",
        "descriptive",
    ):
        assert title in page, title
    charts = re.findall(r'<img src="(/e/demo/charts/[\w-]+\.svg\?v=\w+)"', page)
    assert len(charts) == 5  # fingerprint, two histograms, two digit charts
    for url in charts:
        svg = analyst.get(url)
        assert svg["Content-Type"] == "image/svg+xml" and b'role="img"' in svg.content
    png = analyst.get(reverse("chart", args=["demo", "integer-turnout", "png"]))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


def test_the_injected_fraud_leaves_warning_signs(night):
    """The demo stuffs ballots at 10 % of stations: the impossible-value or turnout tests must see it."""
    from pollwatch.results.models import ForensicsRun
    from pollwatch.results.presenters import forensics_context

    run = ForensicsRun.objects.get(election=night.election, status="done")
    tests = {t["key"]: t for t in forensics_context(run)["tests"]}
    assert any(t["flag"] for t in tests.values())


def test_checklist_findings_are_shares_with_intervals_by_region(analyst, night):
    from pollwatch.results.findings import findings_for

    data = findings_for(night.election)
    row = data["rows"][0]
    assert row["low"] <= row["estimate"] <= row["high"]
    assert row["sentence"].endswith("stations)")
    assert row["by"]
    page = analyst.get(reverse("findings", args=["demo"])).content.decode()
    assert "95 % interval" in page and row["short"] in page


def test_tallies_from_stations_outside_the_sample_are_left_out(night):
    import uuid

    from pollwatch.checklists.models import Form
    from pollwatch.elections.models import PollingStation
    from pollwatch.observers.models import Membership
    from pollwatch.results.estimates import exit_poll_for
    from pollwatch.submissions.intake import submit

    before = exit_poll_for(night.election)
    unsampled = PollingStation.objects.filter(election=night.election, deployments=None).first()
    observer = Membership.objects.filter(election=night.election, role="observer").first()
    submit(
        observer,
        Form.objects.get(election=night.election, code="EP", active=True),
        unsampled,
        {"C1": 0, "C2": 60, "C3": 0, "C4": 0, "C5": 0, "C6": 0, "C7": 0, "RF": 0},
        client_uuid=uuid.uuid4(),
        source="web",
    )
    after = exit_poll_for(night.election)
    assert after["respondents"] == before["respondents"]
    assert any("outside the sample" in w for w in after["warnings"])
