"""The live quick count: the pure core's estimates from counted result forms, with coverage warnings."""

from __future__ import annotations

import numpy as np
from django.urls import reverse

from pollwatch.testing import protocol, send


def test_it_has_no_estimate_before_any_result_form(mission, results_forms):
    from pollwatch.results.estimates import quick_count_for

    data = quick_count_for(mission.election)
    assert data["available"] is True
    assert data["stations"] == 0
    assert "no sampled station has reported yet" in data["warnings"]


def test_the_estimate_is_the_cores_on_the_counted_forms(mission, results_forms):
    from pollwatch.results.estimates import quick_count_for
    from pollwatch.stats.quickcount import quick_count

    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "other_observer", "D3-001", protocol(500, 400))
    data = quick_count_for(mission.election)
    # Two sampled stations, each alone in its district (N_h = 2): the combined ratio
    # weights both by 2, so C1 = (2·600 + 2·500) / (2·900 + 2·900).
    assert data["shares"]["C1"]["estimate"] == 1100 / 1800
    core = quick_count(
        np.array(["D1", "D3"]),
        {"C1": np.array([600.0, 500.0]), "C2": np.array([300.0, 400.0])},
        np.array([1000.0, 1000.0]),
        np.array([5.0, 5.0]),
        population={"D1": 2, "D2": 2, "D3": 2},
    )
    assert data["shares"]["C2"]["estimate"] == core.shares["C2"].estimate
    assert data["turnout"]["estimate"] == core.turnout.estimate
    # D2 has no sampled station: a third of the frame is not covered, and it says so.
    assert data["strata"]["coverage"] < 1


def test_a_partial_form_counts_only_without_a_complete_one_and_is_shown_both_ways(
    mission, results_forms
):
    from pollwatch.results.estimates import quick_count_for

    bad = protocol(600, 300)
    bad["VA"] = 800  # the candidates' votes do not add up to the valid ballots
    partial = send(mission, results_forms["PR"], "observer", "D1-001", bad)
    assert partial.submission.status == "partial"
    send(mission, results_forms["PR"], "other_observer", "D3-001", protocol(500, 400))
    data = quick_count_for(mission.election)
    assert data["stations"] == 2 and data["partial_stations"] == 1
    assert data["shares"]["C1"]["estimate"] == 1100 / 1800
    without = data["without_partial"]
    assert without["stations"] == 1
    assert without["shares"]["C1"]["estimate"] == 500 / 900


def test_quarantined_and_rejected_forms_do_not_count(mission, results_forms):
    from pollwatch.results.estimates import quick_count_for
    from pollwatch.submissions.intake import decide

    coordinator = mission.users["coordinator"]
    first = send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    second = send(mission, results_forms["PR"], "other_observer", "D3-001", protocol(500, 400))
    decide(first.submission, "quarantine", reason="sender unclear", actor=coordinator)
    decide(second.submission, "reject", reason="photo shows other figures", actor=coordinator)
    data = quick_count_for(mission.election)
    assert data["stations"] == 0 and data["partial_stations"] == 0


def test_verifying_a_partial_form_does_not_displace_the_complete_one(mission, results_forms):
    """Issue 11 item 12: an SMS with a misread count (``BC 7OO``), verified, used to win."""
    from pollwatch.results.estimates import counted_per_station, quick_count_for
    from pollwatch.submissions.intake import decide

    complete = send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    misread = send(
        mission,
        results_forms["PR"],
        "observer",
        "D1-001",
        {"RV": 1148, "BI": 700, "BC": "7OO"},
    )
    assert misread.submission.status == "partial"
    decide(misread.submission, "verify", reason="called back", actor=mission.users["coordinator"])
    counted = counted_per_station(mission.election, "results")
    station = mission.stations["D1-001"].pk
    assert counted[station].answers == complete.submission.answers
    assert counted[station].complete
    data = quick_count_for(mission.election)
    assert data["stations"] == 1 and data["partial_stations"] == 0
    assert not any("lack the votes" in w for w in data["warnings"])


def test_the_latest_complete_form_counts_verified_or_not(mission, results_forms):
    from pollwatch.results.estimates import counted_per_station
    from pollwatch.submissions.intake import decide

    first = send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    decide(first.submission, "verify", reason="checked", actor=mission.users["coordinator"])
    later = send(mission, results_forms["PR"], "observer", "D1-001", protocol(610, 290))
    counted = counted_per_station(mission.election, "results")
    assert counted[mission.stations["D1-001"].pk].answers == later.submission.answers


def test_a_partial_form_without_candidate_votes_is_left_out_with_the_right_reason(
    mission, results_forms
):
    from pollwatch.results.estimates import quick_count_for

    send(mission, results_forms["PR"], "observer", "D1-001", {"RV": 1148, "BI": 700, "BC": "7OO"})
    data = quick_count_for(mission.election)
    assert data["stations"] == 0
    (warning,) = [w for w in data["warnings"] if "lack the votes" in w]
    assert "partial form" in warning and "candidate added" not in warning


def test_the_page_says_how_many_stations_count_through_a_partial_form(
    client, mission, results_forms
):
    bad = protocol(600, 300)
    bad["VA"] = 800
    send(mission, results_forms["PR"], "observer", "D1-001", bad)
    send(mission, results_forms["PR"], "other_observer", "D3-001", protocol(500, 400))
    client.force_login(mission.users["analyst"])
    page = client.get(reverse("quick-count", args=[mission.election.slug])).content.decode()
    assert "1 station counts through a partial form" in page
    assert "Without partial forms" in page


def test_an_under_reported_newly_included_region_is_flagged(mission, results_forms):
    from pollwatch.results.estimates import quick_count_for

    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    data = quick_count_for(mission.election)
    regions = {r["code"]: r for r in data["coverage"]["regions"]}
    assert regions["R2"]["newly_included"] and regions["R2"]["under_reported"]
    assert any("Returned (newly included)" in w for w in data["coverage"]["warnings"])


def test_the_page_shows_estimates_lead_call_and_charts(client, night):
    client.force_login(night.election.memberships.get(role="analyst").person.user)
    response = client.get(reverse("quick-count", args=["demo"]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("95 % interval", "Lead of", "Call", "By region", "Convergence", 'role="img"'):
        assert text in html, text
    # The HTMX refresh gets the fragment only.
    fragment = client.get(reverse("quick-count", args=["demo"]), HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content and b'id="quick-count"' in fragment.content


def test_on_the_demo_night_the_interval_covers_the_true_count(night):
    """The observers send the true protocols of a random 60 % of the sample: the intervals must hold the truth."""
    from pollwatch.results.estimates import quick_count_for

    data = quick_count_for(night.election)
    truth = night.truth["truth"]
    assert data["stations"] > 0.5 * data["sampled_stations"]
    covered = 0
    for code, estimate in data["shares"].items():
        true_share = truth["shares"][code] if "shares" in truth else truth[code]
        covered += estimate["ci"][0] <= true_share <= estimate["ci"][1]
    # 7 candidates at 95 %: all covered is the usual outcome; one miss can happen by chance.
    assert covered >= len(data["shares"]) - 1, (data["shares"], truth)
    assert len(data["convergence"]) >= 2


def test_a_sample_stratified_by_region_is_weighted_by_region(mission, results_forms):
    """Strata follow the sample's design: drawn by region, each station stands for its region."""
    from pollwatch.results.estimates import quick_count_for

    mission.election.sample_strata_level = 1
    mission.election.save()
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "other_observer", "D3-001", protocol(500, 400))
    data = quick_count_for(mission.election)
    # R1 has 4 stations and one sampled (weight 4); R2 has 2 (weight 2).
    assert data["shares"]["C1"]["estimate"] == (4 * 600 + 2 * 500) / (4 * 900 + 2 * 900)
    assert data["strata"]["frame_strata"] == 2


def test_forms_missing_a_candidate_are_left_out_and_the_page_says_why(mission, results_forms):
    from pollwatch.results.estimates import quick_count_for
    from pollwatch.submissions.models import Submission

    sent = send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    Submission.objects.filter(pk=sent.submission.pk).update(
        answers={k: v for k, v in protocol(600, 300).items() if k != "C2"}
    )
    data = quick_count_for(mission.election)
    assert data["stations"] == 0
    assert any("lack the votes of C2" in w for w in data["warnings"])


def test_before_any_result_form_the_page_and_its_charts_say_so(client, mission, results_forms):
    client.force_login(mission.users["analyst"])
    page = client.get(reverse("quick-count", args=[mission.election.slug])).content.decode()
    assert "0 / 2" in page and "no sampled station has reported yet" in page
    for name in ("quick-count", "convergence"):
        shown = client.get(reverse("chart", args=[mission.election.slug, name, "svg"]) + "?v=x")
        assert shown.status_code == 200 and b"Nothing to draw yet" in shown.content


def test_stations_imported_with_their_stratum_are_weighted_by_it(mission, results_forms):
    """The stations file's stratum column wins over the geography: here urban and rural."""
    from pollwatch.elections.models import PollingStation
    from pollwatch.results.estimates import quick_count_for

    PollingStation.objects.filter(code__in=["D1-001", "D1-002", "D2-001"]).update(stratum="urban")
    PollingStation.objects.filter(code__in=["D2-002", "D3-001", "D3-002"]).update(stratum="rural")
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "other_observer", "D3-001", protocol(500, 400))
    data = quick_count_for(mission.election)
    assert data["strata"]["frame_strata"] == 2
    # One sampled station of three in each stratum: equal weights.
    assert data["shares"]["C1"]["estimate"] == (600 + 500) / (900 + 900)
