"""The official-results page and statement: the joint test, regional tests, gap decomposition and observer effect.

A mid-sized election on top of the ``mission`` fixture: 3 districts (the
strata: each station's own area) of 40 stations, 12 observed at random in
each; observers' copies are the true counts, official results cover every
station. ``rigged`` adds votes for the incumbent to every unobserved
station's official protocol and to half of the observed ones (changed after
the count), so each part of the comparison has something to find.
"""

from __future__ import annotations

import numpy as np
import pytest
from django.core.cache import cache
from django.urls import reverse

from pollwatch.results.demo import protocol_answers, report_results

PER_DISTRICT = 40
OBSERVED = 12


def _build(mission, *, rigged: bool) -> dict[str, dict[str, int]]:
    """Stations, deployments, observers' result forms and official results; returns the true protocols."""
    from pollwatch.elections.importers import refresh_area_totals
    from pollwatch.elections.models import PollingStation
    from pollwatch.observers.models import Deployment
    from pollwatch.results.models import OfficialResult
    from pollwatch.results.official import refresh_summary

    cache.clear()
    election = mission.election
    rng = np.random.default_rng(7)
    membership = mission.people["observer"].memberships.get()
    truth: dict[str, dict[str, int]] = {}
    observed: set[str] = set()
    lean = {"D1": 0.62, "D2": 0.55, "D3": 0.70}
    for code, district in mission.districts.items():
        for number in range(3, PER_DISTRICT + 1):
            station_code = f"{code}-{number:03d}"
            mission.stations[station_code] = PollingStation.objects.create(
                election=election,
                code=station_code,
                name=f"School {station_code}",
                area=district,
                area_path=district.path,
                registered_voters=1000,
                newly_included=code == "D3",
            )
        codes = sorted(c for c in mission.stations if c.startswith(code))
        for station_code in rng.choice(codes, OBSERVED, replace=False):
            observed.add(str(station_code))
            if station_code not in ("D1-001", "D3-001"):
                Deployment.objects.get_or_create(
                    membership=membership, station=mission.stations[str(station_code)]
                )
        for station_code in codes:
            registered = 1000
            cast = int(rng.binomial(registered, 0.6))
            invalid = int(rng.binomial(cast, 0.02))
            valid = cast - invalid
            incumbent = int(rng.binomial(valid, lean[code] + rng.normal(0, 0.05)))
            truth[station_code] = {
                "registered_voters": registered,
                "ballots_issued": cast,
                "ballots_cast": cast,
                "invalid": invalid,
                "valid": valid,
                "C1": incumbent,
                "C2": valid - incumbent,
            }
    refresh_area_totals(election)
    # The fixture deploys at D1-001 and D3-001: they are observed too.
    observed |= {"D1-001", "D3-001"}
    report_results(
        election, {c: protocol_answers(p, ["C1", "C2"]) for c, p in truth.items()}, fast=True
    )
    for index, (station_code, p) in enumerate(sorted(truth.items())):
        published = dict(p)
        if rigged and (station_code not in observed or index % 2 == 0):
            extra = int(0.25 * (p["registered_voters"] - p["ballots_cast"]))
            for field in ("ballots_issued", "ballots_cast", "valid", "C1"):
                published[field] += extra
        OfficialResult.objects.create(
            election=election,
            station=mission.stations[station_code],
            registered=published["registered_voters"],
            ballots_issued=published["ballots_issued"],
            ballots_cast=published["ballots_cast"],
            invalid=published["invalid"],
            valid=published["valid"],
            votes={"C1": published["C1"], "C2": published["C2"]},
        )
    refresh_summary(election)
    return truth


@pytest.fixture
def analyst(client, mission, results_forms):
    client.force_login(mission.users["analyst"])
    return client


def test_a_clean_count_is_consistent_with_the_sample(analyst, mission):
    from pollwatch.results.estimates import quick_count_for
    from pollwatch.results.official import comparison
    from pollwatch.stats.official_compare import CONSISTENT

    _build(mission, rigged=False)
    data = comparison(mission.election)
    assert data["complete"] and data["available"]
    tests = data["tests"]
    joint = tests["joint"]["national"]
    assert joint["verdict"] == CONSISTENT
    assert joint["wald"]["df"] == 1  # two candidates: one free share
    # The test runs on the quick count's own data: same estimate.
    qc = quick_count_for(mission.election)
    official_c1 = data["national"][0]["official"]
    assert official_c1 - joint["differences"]["C1"] == pytest.approx(
        qc["shares"]["C1"]["estimate"], abs=1e-12
    )
    for row in tests["gap"]["rows"]:
        assert row["changes"] == pytest.approx(0.0, abs=1e-12)
        assert row["gap"] == pytest.approx(row["sampling"])
    effect = tests["observer_effect"]
    assert effect["available"] and effect["leader"] == "C1"
    assert effect["leader_share"]["strata"] == 3
    assert not effect["leader_share"]["significant"]
    assert {r["code"] for r in data["regions"]} == {"R1", "R2"}
    assert all(r["joint"]["p_holm"] is not None for r in data["regions"])


def test_rigged_protocols_are_found_by_each_part(analyst, mission):
    from pollwatch.results.official import comparison
    from pollwatch.stats.official_compare import DIFFERS

    _build(mission, rigged=True)
    tests = comparison(mission.election)["tests"]
    assert tests["joint"]["national"]["verdict"] == DIFFERS
    assert tests["joint"]["differing_regions"]
    leader = next(r for r in tests["gap"]["rows"] if r["code"] == "C1")
    assert leader["changes"] > 0.01  # half the observed stations' protocols were changed
    assert leader["gap"] == pytest.approx(
        leader["sampling"] + leader["changes"] + leader["unmatched"]
    )
    effect = tests["observer_effect"]
    assert effect["leader_share"]["difference"] < 0
    assert effect["turnout"]["significant"]
    assert "more than the random choice" in effect["turnout"]["sentence"]


def test_the_page_shows_the_joint_test_regions_gap_and_observer_effect(analyst, mission):
    _build(mission, rigged=True)
    page = analyst.get(reverse("official", args=[mission.election.slug]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "differs by more than sampling error" in html
    assert "Holm" in html
    assert "Changes after the count" in html
    assert "Observer effect" in html and "chosen at random" in html


def test_the_statement_section_reads_the_same_tests(mission, results_forms):
    from pollwatch.reports.sections import official as section
    from pollwatch.results.official import comparison

    _build(mission, rigged=True)
    ctx = section.context(mission.election)
    assert ctx["comparison"]["tests"] == comparison(mission.election)["tests"]
    text = section.suggestion(ctx)
    assert "differ from the observers' sample by more than sampling error" in text
    assert "Regions whose official results differ" in text
    assert "strata" not in text and "Holm" not in text  # plain words; the method is in the annex
    assert any("Rao" in line for line in section.methods(ctx))


def test_partial_official_results_run_no_joint_test(analyst, mission):
    from pollwatch.results.models import OfficialResult
    from pollwatch.results.official import comparison, refresh_summary

    _build(mission, rigged=False)
    OfficialResult.objects.filter(station__code__startswith="D2").delete()
    refresh_summary(mission.election)
    data = comparison(mission.election)
    assert not data["complete"] and data["tests"] is None
