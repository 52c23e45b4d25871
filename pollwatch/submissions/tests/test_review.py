"""Coordinators verify, reject or quarantine with a reason; edits make revisions; pages by role."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from pollwatch.submissions.intake import decide, edit, submit
from pollwatch.submissions.models import Submission
from pollwatch.testing import PERSONAS, assert_reach


@pytest.fixture
def report(mission, forms):
    membership = mission.people["observer"].memberships.get()
    result = submit(
        membership,
        forms["OP"],
        mission.stations["D1-001"],
        {"A1": 1, "A3": 0},
        client_uuid=uuid.uuid4(),
        source="web",
    )
    return result.submission


def test_a_decision_needs_a_reason_and_makes_a_revision(report, mission):
    with pytest.raises(ValueError, match="reason"):
        decide(report, "verify", reason=" ", actor=mission.users["coordinator"])
    decided = decide(
        report, "quarantine", reason="numbers look copied", actor=mission.users["coordinator"]
    )
    assert decided.status == "quarantined" and decided.revision == 2
    assert list(decided.revisions.values_list("number", "status")) == [
        (1, "accepted"),
        (2, "quarantined"),
    ]


def test_an_edit_keeps_the_old_answers_as_a_revision(report, mission):
    edited = edit(
        report,
        {"A1": 0, "A3": 1},
        reason="corrected from the protocol photo",
        actor=mission.users["admin"],
    )
    assert edited.answers == {"A1": 0, "A3": 1}
    assert edited.revisions.get(number=1).answers == {"A1": 1, "A3": 0}


VIEWS = [
    ("submissions", lambda m, r: ["test-election"], set(PERSONAS) - {"outsider"}),
    (
        "submission",
        lambda m, r: ["test-election", r.pk],
        {"admin", "coordinator", "analyst", "clerk", "supervisor", "observer"},
    ),
    ("incidents", lambda m, r: ["test-election"], set(PERSONAS) - {"outsider"}),
    (
        "coverage",
        lambda m, r: ["test-election"],
        {"admin", "coordinator", "analyst", "clerk", "supervisor"},
    ),
    (
        "person-messages",
        lambda m, r: ["test-election", "1006"],
        {"admin", "coordinator", "clerk", "supervisor"},
    ),
]


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize(("name", "args", "allowed"), VIEWS, ids=[v[0] for v in VIEWS])
def test_each_role_gets_only_what_it_may(client, mission, report, persona, name, args, allowed):
    url = reverse(name, args=args(mission, report))
    assert_reach(client, mission, persona, url, allowed)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_reviewers_may_decide(client, mission, report, persona):
    client.force_login(mission.users[persona])
    response = client.post(
        reverse("submission", args=["test-election", report.pk]),
        {"action": "verify", "reason": "checked"},
    )
    report.refresh_from_db()
    if persona in {"admin", "coordinator"}:
        assert response.status_code == 302 and report.status == "verified"
    else:
        assert response.status_code in (403, 404) and report.status == "accepted"


def test_observers_see_only_their_own_submissions(client, mission, report):
    client.force_login(mission.users["other_observer"])
    assert "D1-001" not in client.get("/e/test-election/submissions/").content.decode()
    client.force_login(mission.users["observer"])
    assert "D1-001" in client.get("/e/test-election/submissions/").content.decode()


def test_coverage_lists_the_silent_with_phones_and_the_critical(client, mission, report):
    client.force_login(mission.users["supervisor"])
    page = client.get("/e/test-election/coverage/").content.decode()
    assert "1 / 1" in page  # the supervisor's area: one deployed observer, who reported
    client.force_login(mission.users["coordinator"])
    page = client.get("/e/test-election/coverage/").content.decode()
    assert "+994501000007" in page  # the silent observer in D3, with a phone to call
    assert "Ballot box" in page or "A3" in page


def test_coordinators_change_incident_status(client, mission, report):
    incident = report.incident
    client.force_login(mission.users["coordinator"])
    client.post("/e/test-election/incidents/", {"incident": incident.pk, "status": "confirmed"})
    incident.refresh_from_db()
    assert incident.status == "confirmed"
    client.force_login(mission.users["analyst"])
    assert (
        client.post(
            "/e/test-election/incidents/", {"incident": incident.pk, "status": "resolved"}
        ).status_code
        == 403
    )


def test_submissions_list_filters(client, mission, report):
    client.force_login(mission.users["admin"])
    assert "D1-001" in client.get("/e/test-election/submissions/?status=accepted").content.decode()
    assert (
        "D1-001" not in client.get("/e/test-election/submissions/?status=verified").content.decode()
    )
    assert Submission.objects.count() == 1


def test_coverage_draws_the_regions_that_have_a_boundary(client, mission, report):
    from pollwatch.elections.models import Area

    Area.objects.filter(code="R1").update(
        boundary={"type": "Polygon", "coordinates": [[[45, 40], [46, 40], [46, 41], [45, 40]]]}
    )
    client.force_login(mission.users["coordinator"])
    page = client.get("/e/test-election/coverage/").content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and "North: 1 of 1 reported" in page
