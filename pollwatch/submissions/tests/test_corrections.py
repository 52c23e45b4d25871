"""Corrections from the review page (a new revision with a reason) and answers checked one by one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pollwatch.audit.models import AuditEvent
from pollwatch.submissions.intake import decide
from pollwatch.submissions.models import AnswerCheck, Submission
from pollwatch.testing import PERSONAS, assert_reach, protocol, send

DESK = {"admin", "coordinator", "clerk"}


@pytest.fixture
def result(mission, results_forms):
    return send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300)).submission


def correct_url(submission):
    return reverse("submission-correct", args=["test-election", submission.pk])


def check_url(submission):
    return reverse("submission-check", args=["test-election", submission.pk])


def detail(client, submission) -> str:
    return client.get(reverse("submission", args=["test-election", submission.pk])).text


def corrected(answers: dict, **extra) -> dict:
    return {**{k: str(v) for k, v in answers.items()}, **extra}


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_the_correction_page_is_for_the_data_desk(client, mission, result, persona):
    assert_reach(client, mission, persona, correct_url(result), DESK)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_data_desk_may_correct_or_check(client, mission, result, persona):
    client.force_login(mission.users[persona])
    response = client.post(
        correct_url(result), corrected(protocol(610, 290), reason="read again from the photo")
    )
    checked = client.post(check_url(result), {"code": "C1"})
    result.refresh_from_db()
    if persona in DESK:
        assert response.status_code == 302 and checked.status_code == 302
        assert result.revision == 2 and AnswerCheck.objects.count() == 1
    else:
        assert response.status_code in (403, 404) and checked.status_code in (403, 404)
        assert result.revision == 1 and not AnswerCheck.objects.exists()


def test_a_correction_makes_revision_2_with_its_reason_and_is_audited(client, mission, result):
    client.force_login(mission.users["clerk"])
    page = client.get(correct_url(result)).text
    assert 'name="C1" value="600"' in page
    response = client.post(
        correct_url(result), corrected(protocol(610, 290), reason="read again from the photo")
    )
    assert response.status_code == 302
    result.refresh_from_db()
    assert result.revision == 2 and result.answers["C1"] == 610
    second = result.revisions.get(number=2)
    assert second.reason == "read again from the photo" and second.actor == mission.users["clerk"]
    assert result.revisions.get(number=1).answers["C1"] == 600
    event = AuditEvent.objects.get(kind="submission.edited")
    assert event.actor == "clerk" and event.payload["changed"]["C1"] == [600, 610]
    assert "read again from the photo" in detail(client, result)
    assert not result.figures_changed  # a staff edit, not the observer sending other figures


def test_a_correction_needs_a_reason_and_a_change(client, mission, result):
    client.force_login(mission.users["clerk"])
    response = client.post(correct_url(result), corrected(protocol(610, 290), reason=" "))
    assert response.status_code == 400 and "Give the reason" in response.text
    assert 'value="610"' in response.text  # what was typed is kept
    response = client.post(correct_url(result), corrected(protocol(600, 300), reason="again"))
    assert response.status_code == 400 and "Nothing changed" in response.text
    long = client.post(correct_url(result), corrected(protocol(610, 290), reason="r" * 501))
    assert long.status_code == 400 and "501 characters; at most 500" in long.text  # never cut
    assert Submission.objects.get().revision == 1


def test_a_correction_with_problems_is_held_until_confirmed(client, mission, result):
    client.force_login(mission.users["clerk"])
    answers = protocol(600, 300)
    answers["C1"] = 700  # no longer adds up to VA
    response = client.post(correct_url(result), corrected(answers, reason="typo"))
    assert response.status_code == 400 and "Checks across answers" in response.text
    assert Submission.objects.get().revision == 1
    response = client.post(correct_url(result), corrected(answers, reason="typo", save_anyway="1"))
    assert response.status_code == 302
    stored = Submission.objects.get()
    assert stored.revision == 2 and stored.problems and stored.answers["C1"] == 700
    assert stored.status == "partial"  # as intake would judge it, shown as such
    # Fixed in a later correction: complete again.
    client.post(correct_url(stored), corrected(protocol(600, 300), reason="fixed"))
    assert Submission.objects.get().status == "accepted"


def test_an_answer_that_cannot_be_stored_is_never_saved_anyway(client, mission, result):
    """Text typed where a number goes was dropped, and the stored number with it (review)."""
    client.force_login(mission.users["clerk"])
    answers = corrected(protocol(610, 290), reason="typo", save_anyway="1")
    answers["BI"] = "<script>"
    response = client.post(correct_url(result), answers)
    assert response.status_code == 400 and "BI: fix the marked answers" in response.text
    stored = Submission.objects.get()
    assert stored.revision == 1 and stored.answers["BI"] == result.answers["BI"]


def test_a_correction_keeps_what_the_phone_added(client, mission, result):
    Submission.objects.filter(pk=result.pk).update(
        answers={**result.answers, "_location": {"lat": 40.0, "lon": 49.0}}
    )
    client.force_login(mission.users["coordinator"])
    client.post(correct_url(result), corrected(protocol(610, 290), reason="photo"))
    assert Submission.objects.get().answers["_location"] == {"lat": 40.0, "lon": 49.0}


def test_a_checked_answer_shows_who_and_when_until_the_answer_changes(client, mission, result):
    client.force_login(mission.users["clerk"])
    assert "Mark checked" in detail(client, result)
    client.post(check_url(result), {"code": "C1"})
    check = AnswerCheck.objects.get()
    assert check.value == 600 and check.revision == 1 and check.by == mission.users["clerk"]
    event = AuditEvent.objects.get(kind="submission.answers_checked")
    assert event.payload == {"revision": 1, "answers": {"C1": 600}}
    assert "✓ clerk" in detail(client, result)
    # A decision makes a revision but keeps the answer: the mark holds.
    decide(result, "verify", reason="ok", actor=mission.users["coordinator"])
    assert "✓ clerk" in detail(client, result)
    # A correction of that answer makes the mark lapse.
    client.post(correct_url(result), corrected(protocol(610, 290), reason="photo"))
    assert "✓ clerk" not in detail(client, result)


def test_only_answers_of_the_report_can_be_checked(client, mission, result):
    client.force_login(mission.users["clerk"])
    for code in ("ZZ", "_location", ""):
        client.post(check_url(result), {"code": code})
    assert not AnswerCheck.objects.exists()
    assert client.get(check_url(result)).status_code == 405


def test_observers_see_no_correction_or_check_controls(client, mission, result):
    client.force_login(mission.users["observer"])
    page = detail(client, result)
    assert "Mark checked" not in page and "Correct the answers" not in page
