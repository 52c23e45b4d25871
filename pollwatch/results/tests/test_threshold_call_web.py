"""The threshold-aware call on the web: computed by the CLI's entry point with the contest's rules,
shown on the quick-count page, stated in the statement and checked by the publishing gate."""

from __future__ import annotations

import numpy as np
from django.urls import reverse

from pollwatch.testing import protocol, send


def cover_every_district(mission, results_forms, d2=(620, 280)):
    """A report from a station in every district, so the call has the 90 % coverage it needs."""
    from pollwatch.observers.models import Deployment

    Deployment.objects.create(
        membership=mission.people["observer"].memberships.get(), station=mission.stations["D2-001"]
    )
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "observer", "D2-001", protocol(*d2))
    send(mission, results_forms["PR"], "other_observer", "D3-001", protocol(500, 400))


def test_the_web_call_is_the_cli_entry_point_on_the_same_arrays(mission, results_forms):
    from pollwatch.results.estimates import quick_count_for
    from pollwatch.stats.calls import call_for_sample
    from pollwatch.stats.quickcount import quick_count

    cover_every_district(mission, results_forms)
    data = quick_count_for(mission.election)
    strata = np.array(["D1", "D2", "D3"])
    votes = {"C1": np.array([600.0, 620.0, 500.0]), "C2": np.array([300.0, 280.0, 400.0])}
    population = {"D1": 2, "D2": 2, "D3": 2}
    core = quick_count(
        strata,
        votes,
        np.full(3, 1000.0),
        np.full(3, 5.0),
        population=population,
        by=np.array(["R1", "R1", "R2"]),
    )
    expected = call_for_sample(core, strata, votes, population=population).as_dict()
    got = data["threshold_call"]
    assert got["status"] == expected["status"] == "outright winner"
    assert got["plain"] == expected["plain"]
    assert [p["answer"] for p in got["parts"]] == [p["answer"] for p in expected["parts"]]


def test_the_contests_rules_reach_the_call(mission, results_forms):
    from pollwatch.results.estimates import quick_count_for

    contest = mission.election.contests.get()
    contest.outright_threshold = 0.7  # nobody reaches 70 %: no outright winner
    contest.party_threshold = 0.05
    contest.save()
    cover_every_district(mission, results_forms)
    call = quick_count_for(mission.election)["threshold_call"]
    assert call["rules"] == {"outright_threshold": 0.7, "runoff": True, "party_threshold": 0.05}
    assert call["status"] != "outright winner"
    assert set(call["parties"]) == {"C1", "C2"}


def test_without_enough_of_the_frame_covered_the_call_says_not_enough_data(mission, results_forms):
    from pollwatch.results.estimates import quick_count_for

    # The fixture's two observers leave District D2 (a third of the frame) without a sampled station.
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "other_observer", "D3-001", protocol(500, 400))
    data = quick_count_for(mission.election)
    assert data["threshold_call"]["status"] == "not enough data"


def test_the_page_shows_each_part_in_plain_words_and_the_statistics_in_a_details_element(
    client, mission, results_forms
):
    from pollwatch.results.estimates import quick_count_for

    cover_every_district(mission, results_forms)
    call = quick_count_for(mission.election)["threshold_call"]
    client.force_login(mission.users["analyst"])
    page = client.get(reverse("quick-count", args=[mission.election.slug])).content.decode()
    assert "Threshold call" in page and "outright winner" in page
    summary = page.index("<details><summary>How this call was made")
    for part in call["parts"]:
        assert page.index(escape(part["plain"])) < summary
        assert page.index(escape(part["technical"])) > summary


def escape(text: str) -> str:
    from django.utils.html import escape as html_escape

    return str(html_escape(text))


def test_the_statement_states_the_call_plainly_and_the_annex_gives_its_statistics(
    mission, results_forms
):
    from pollwatch.reports.sections import quick_count

    cover_every_district(mission, results_forms)
    ctx = quick_count.context(mission.election)
    call = ctx["qc"]["threshold_call"]
    text = quick_count.suggestion(ctx)
    assert call["plain"] in text
    assert " z " not in text and "z ≥" not in text
    annex = quick_count.methods(ctx)
    assert any(line.startswith("Threshold-aware call: outright winner") for line in annex)
    technical = call["parts"][0]["technical"][1:].rstrip(".")  # _as_sentence capitalises it
    assert any(technical in line for line in annex)


def test_the_gate_reads_the_threshold_call_when_there_is_one():
    from pollwatch.reports.sections.quick_count import UNDECIDED, deciding_call

    lead_decided = {"status": "decided", "reason": "lead clear"}
    for status in ("not enough data", "too close to call", "run-off, contestants undecided"):
        qc = {"call": lead_decided, "threshold_call": {"status": status, "plain": "…"}}
        assert deciding_call(qc)["status"] in UNDECIDED, status
    for status in ("outright winner", "run-off", "run-off, second place undecided", "winner"):
        qc = {"call": {"status": "too close"}, "threshold_call": {"status": status, "plain": "…"}}
        assert deciding_call(qc)["status"] not in UNDECIDED, status
    assert deciding_call({"call": lead_decided})["status"] == "decided"
    assert deciding_call({"reason": "no sample"})["status"] in UNDECIDED
