"""The sample page: draw in the app (same stations and weights as draw_sample with the seed),
size from a margin, refuse to replace a design with reports, and upload a sample file."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pollwatch.testing import PERSONAS, assert_reach, protocol, send

SLUG = "test-election"
SETUP = {"admin", "coordinator"}


def draw_data(**extra):
    data = {
        "stratum": "level:1",
        "sizing": "size",
        "size": "4",
        "margin": "",
        "turnout": "0.6",
        "icc": "0.05",
        "confidence": "0.95",
        "response_rate": "0.9",
        "method": "srs",
        "allocation": "proportional",
        "reserve": "1",
        "minimum": "1",
        "seed": "4242",
    }
    data.update(extra)
    return data


@pytest.fixture
def coordinator(client, mission, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client.force_login(mission.users["coordinator"])
    return client


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_the_sample_page_opens_to_admins_and_coordinators(client, mission, persona):
    assert_reach(client, mission, persona, f"/e/{SLUG}/sample/draw/", SETUP)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize("url", [f"/e/{SLUG}/sample/draw/", f"/e/{SLUG}/sample/upload/"])
def test_only_admins_and_coordinators_record_a_sample(
    client, mission, settings, tmp_path, persona, url
):
    from pollwatch.results.models import SampleDesign

    settings.DATA_DIR = tmp_path
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    data = {**draw_data(action="save")}
    if url.endswith("upload/"):
        data = {"file": SimpleUploadedFile("s.csv", b"code,stratum,weight\nD1-001,A,6\n")}
    response = client.post(url, data)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    elif persona in SETUP:
        assert response.status_code == 302
    else:
        assert response.status_code in (403, 404)
    assert SampleDesign.objects.filter(election=mission.election, source="imported").exists() is (
        persona in SETUP
    )


def reference_draw(mission, **kwargs):
    """draw_sample on the frame the page uses: stations in code order, region as stratum."""
    from pollwatch.elections.models import PollingStation
    from pollwatch.stats.sampling import draw_sample

    rows = list(
        PollingStation.objects.filter(election=mission.election)
        .order_by("code")
        .values_list("code", "area_path", "registered_voters")
    )
    codes = np.array([c for c, _, _ in rows])
    strata = np.array([p.strip("/").split("/")[0] for _, p, _ in rows])
    registered = np.array([r for _, _, r in rows], dtype=float)
    draw = draw_sample(
        strata,
        kwargs.pop("size"),
        seed=4242,
        reserve=1,
        minimum=1,
        size_measure=registered if kwargs.get("method") == "pps" else None,
        **kwargs,
    )
    sampled = {codes[i]: w for i, w in zip(draw.sampled, draw.weight, strict=True)}
    reserves = {codes[i]: int(r) for i, r in zip(draw.reserve, draw.reserve_rank, strict=True)}
    return sampled, reserves, strata


@pytest.mark.parametrize("method", ["srs", "pps"])
def test_the_drawn_sample_is_draw_sample_with_the_same_seed(
    coordinator, mission, results_forms, method
):
    from pollwatch.audit.models import AuditEvent
    from pollwatch.results.estimates import quick_count_for
    from pollwatch.results.models import SampleDesign

    preview = coordinator.post(
        f"/e/{SLUG}/sample/draw/", draw_data(method=method, action="preview")
    )
    assert preview.status_code == 200
    page = preview.content.decode()
    assert 'id="preview-seed">4242<' in page
    rows = {r["stratum"]: r for r in preview.context["preview"]["rows"]}
    assert {k: (r["N"], r["n"]) for k, r in rows.items()} == {"R1": (4, 3), "R2": (2, 1)}
    assert not SampleDesign.objects.filter(election=mission.election).exists()  # nothing saved

    response = coordinator.post(f"/e/{SLUG}/sample/draw/", draw_data(method=method, action="save"))
    assert response.status_code == 302
    design = SampleDesign.objects.get(election=mission.election)
    expected, reserves, _ = reference_draw(mission, size=4, method=method)
    got = {
        s.station.code: s.weight
        for s in design.stations.filter(role="sampled").select_related("station")
    }
    assert got.keys() == expected.keys()
    for code, weight in expected.items():
        assert got[code] == pytest.approx(weight, rel=1e-9)
    got_reserves = dict(
        design.stations.filter(role="reserve").values_list("station__code", "reserve_rank")
    )
    assert got_reserves == reserves
    assert design.source == "imported" and design.method == method
    assert design.parameters["seed"] == 4242 and design.parameters["stratum"] == "level:1"
    assert design.parameters["size"] == 4 and design.parameters["reserve"] == 1
    event = AuditEvent.objects.get(kind="sample_design.imported")
    assert event.actor == "coordinator" and event.payload["parameters"]["seed"] == 4242
    # The quick count reads the recorded design.
    first = sorted(expected)[0]
    persona = "observer" if first.startswith("D1") else "other_observer"
    from pollwatch.observers.models import Deployment

    Deployment.objects.get_or_create(
        membership=mission.people[persona].memberships.get(), station=mission.stations[first]
    )
    send(mission, results_forms["PR"], persona, first, protocol(600, 300))
    data = quick_count_for(mission.election)
    assert data["sample_design"]["source"] == "imported"
    assert data["sample_design"]["method"] == method
    assert data["sampled_stations"] == 4


def test_a_margin_sizes_the_sample_as_sample_size_for_margin(coordinator, mission):
    from pollwatch.stats.sampling import sample_size_for_margin

    data = draw_data(sizing="margin", size="", margin="0.2", action="preview", minimum="0")
    response = coordinator.post(f"/e/{SLUG}/sample/draw/", data)
    preview = response.context["preview"]
    expected = sample_size_for_margin(
        0.2,
        voters_per_station=np.mean([1001, 1002] * 3),
        turnout=0.6,
        confidence=0.95,
        icc=0.05,
        frame_stations=6,
        response_rate=0.9,
    )
    assert preview["size"] == expected.stations == preview["sizing"].stations
    assert preview["sampled"] == expected.stations
    assert "Size from a margin of ±0.2" in response.content.decode()


def test_a_size_or_margin_is_required_and_a_stratum_must_be_known(coordinator, mission):
    response = coordinator.post(f"/e/{SLUG}/sample/draw/", draw_data(size="", action="save"))
    assert "Give the number of stations" in response.content.decode()
    response = coordinator.post(f"/e/{SLUG}/sample/draw/", draw_data(stratum="stratum"))
    assert "Select a valid choice" in response.content.decode()  # no station has a stratum


def test_the_page_offers_the_columns_the_stations_have(coordinator, mission):
    station = mission.stations["D1-001"]
    station.extra = {"urban": "yes"}
    station.save()
    page = coordinator.get(f"/e/{SLUG}/sample/draw/").content.decode()
    assert 'value="level:1"' in page and 'value="level:2"' in page
    assert 'value="extra:urban"' in page
    # A seed is offered, random, so that the draw is reproducible only on purpose.
    assert 'name="seed"' in page


def test_a_design_with_reports_is_replaced_only_when_confirmed(coordinator, mission, results_forms):
    from pollwatch.results.models import SampleDesign

    coordinator.post(f"/e/{SLUG}/sample/draw/", draw_data(action="save"))
    design = SampleDesign.objects.get(election=mission.election)
    station = design.stations.filter(role="sampled", station__code__startswith="D1").first()
    assert station is not None
    send(mission, results_forms["PR"], "observer", station.station.code, protocol(600, 300))
    response = coordinator.post(f"/e/{SLUG}/sample/draw/", draw_data(seed="7", action="save"))
    assert response.status_code == 200
    assert "already came from the recorded sample" in response.content.decode()
    assert SampleDesign.objects.get(election=mission.election).parameters["seed"] == 4242
    response = coordinator.post(
        f"/e/{SLUG}/sample/draw/", draw_data(seed="7", action="save", replace="on")
    )
    assert response.status_code == 302
    assert SampleDesign.objects.get(election=mission.election).parameters["seed"] == 7


def test_an_uploaded_sample_is_recorded_and_a_bad_row_is_shown(coordinator, mission):
    from pollwatch.results.models import SampleDesign

    bad = b"code,stratum,weight,sample_role\nD1-001,A,2,sampled\nXX-999,A,2,sampled\nD3-001,B,0.5,sampled\n"
    response = coordinator.post(
        f"/e/{SLUG}/sample/upload/", {"file": SimpleUploadedFile("s.csv", bad)}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "row 3, column &#x27;code&#x27;: station &#x27;XX-999&#x27; is not in test-election" in page
    )
    assert "row 4, column &#x27;weight&#x27;" in page
    assert not SampleDesign.objects.filter(election=mission.election).exists()
    good = b"code,stratum,weight,sample_role,reserve_rank\nD1-001,A,2,sampled,\nD3-001,B,2,sampled,\nD3-002,B,,reserve,1\n"
    response = coordinator.post(
        f"/e/{SLUG}/sample/upload/", {"file": SimpleUploadedFile("mine.csv", good)}
    )
    assert response.status_code == 302
    design = SampleDesign.objects.get(election=mission.election)
    assert design.file_name.endswith("mine.csv") and design.parameters == {}
    assert design.stations.count() == 3
    page = coordinator.get(f"/e/{SLUG}/sample/draw/").content.decode()
    assert "2 sampled and 1 reserve stations in 2 strata" in page
