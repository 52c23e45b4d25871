"""The publication gate: an undecided quick count or unreviewed critical incidents hold a statement
back until an analyst overrides them with a reason, which the statement states and the audit log keeps."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.urls import reverse

from pollwatch.testing import PERSONAS, assert_reach, protocol, send

CHANGE = {"admin", "analyst"}
REASON = "The electoral commission announced its results tonight; we cannot stay silent."


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def undecided(mission, results_forms, media_root):
    """One of the two sampled stations has reported: the quick count cannot call the result."""
    from pollwatch.reports.models import Statement
    from pollwatch.reports.sections import quick_count

    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    assert quick_count.figures(mission.election)["call"]["status"] == "not enough data"
    return Statement.objects.create(election=mission.election, title="Preliminary")


@pytest.fixture
def decided(mission, results_forms, media_root):
    """A station in every district has reported a clear majority: the quick count calls the result.

    Every district is sampled, as the threshold-aware call needs 90 % of the
    frame covered (the fixture's own two stations leave District D2 out).
    """
    from pollwatch.observers.models import Deployment
    from pollwatch.reports.models import Statement
    from pollwatch.reports.sections import quick_count

    Deployment.objects.create(
        membership=mission.people["observer"].memberships.get(), station=mission.stations["D2-001"]
    )
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "observer", "D2-001", protocol(620, 280))
    send(mission, results_forms["PR"], "other_observer", "D3-001", protocol(500, 400))
    qc = quick_count.figures(mission.election)
    assert qc["call"]["status"] == "decided"
    assert qc["threshold_call"]["status"] == "outright winner", qc["threshold_call"]
    return Statement.objects.create(election=mission.election, title="Preliminary")


@pytest.fixture
def critical_incident(mission, forms):
    from pollwatch.submissions.models import Incident

    result = send(mission, forms["IN"], "observer", "D1-001", {"T": "2", "D": "Stuffed box"})
    incident = Incident.objects.get(submission=result.submission)
    incident.severity = Incident.Severity.CRITICAL
    incident.save()
    return incident


def publish(client, statement, **data):
    return client.post(
        reverse("statement-publish", args=[statement.election.slug, statement.pk]), data
    )


def as_persona(client, mission, persona="analyst"):
    client.force_login(mission.users[persona])
    return client


def assert_nothing_published(statement, media_root):
    from pollwatch.audit.models import AuditEvent

    statement.refresh_from_db()
    assert statement.status == "draft"
    assert not statement.html and not statement.pdf_path and not statement.published_at
    assert not statement.override_reason and not statement.overridden
    assert not list(Path(media_root).rglob("*.pdf"))
    assert not AuditEvent.objects.filter(kind="statement.published").exists()


def pdf_text(content: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(io.BytesIO(content))
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    return " ".join(text.split())


def test_a_called_result_with_no_critical_incident_waiting_blocks_nothing(mission, decided):
    from pollwatch.reports.gate import publication_blockers

    assert publication_blockers(mission.election) == []


def test_an_undecided_quick_count_blocks_publication(mission, undecided):
    from pollwatch.reports.gate import publication_blockers

    (blocker,) = publication_blockers(mission.election)
    assert blocker.key == "quick_count"
    assert "cannot call the result" in blocker.problem and "1 of the 2" in blocker.problem
    assert blocker.detail.startswith("not enough data: ")
    assert blocker.clause == "before the quick count could call the result"


def test_a_mission_without_a_results_form_is_not_blocked_by_the_quick_count(mission, forms):
    from pollwatch.reports.gate import publication_blockers

    # Checklists and incidents only: no quick count, so no result to call.
    assert publication_blockers(mission.election) == []


def test_a_results_form_with_no_report_yet_blocks(mission, results_forms):
    from pollwatch.reports.gate import publication_blockers

    (blocker,) = publication_blockers(mission.election)
    assert blocker.key == "quick_count" and "0 of the 2" in blocker.problem


def test_critical_incidents_still_new_block_until_reviewed(mission, decided, critical_incident):
    from pollwatch.reports.gate import publication_blockers
    from pollwatch.submissions.models import Incident

    (blocker,) = publication_blockers(mission.election)
    assert blocker.key == "incidents"
    assert blocker.problem.startswith("1 critical incident reported by observers is still new")
    assert blocker.clause == "while 1 critical incident was still awaiting review"
    for status in (Incident.Status.CONFIRMED, Incident.Status.REJECTED):
        critical_incident.status = status
        critical_incident.save()
        assert publication_blockers(mission.election) == []
    critical_incident.status = Incident.Status.NEW
    critical_incident.severity = Incident.Severity.HIGH
    critical_incident.save()
    assert publication_blockers(mission.election) == []


def test_the_publish_page_shows_what_blocks_and_asks_for_a_reason(client, mission, undecided):
    page = as_persona(client, mission).get(
        reverse("statement-publish", args=[mission.election.slug, undecided.pk])
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Not ready to publish" in html and "cannot call the result yet" in html
    assert 'name="reason"' in html and "required" in html
    assert 'name="acknowledged" value="quick_count"' in html
    assert (
        "Published before the quick count could call the result. The mission&#x27;s reason: …"
        in html
    )
    russian = (
        as_persona(client, mission)
        .get(
            reverse("statement-publish", args=[mission.election.slug, undecided.pk]),
            HTTP_ACCEPT_LANGUAGE="ru",
        )
        .content.decode()
    )
    assert "Параллельный подсчёт пока не может назвать результат" in russian
    assert "cannot call the result" not in russian and "not enough data" not in russian


def test_it_refuses_to_publish_an_undecided_statement_without_a_reason(
    client, mission, undecided, media_root
):
    for data in (
        {},
        {"acknowledged": "quick_count"},
        {"acknowledged": "quick_count", "reason": "  "},
    ):
        response = publish(as_persona(client, mission), undecided, **data)
        assert response.status_code == 409
        assert "Publishing now needs a reason" in response.content.decode()
        assert_nothing_published(undecided, media_root)


def test_it_refuses_a_reason_longer_than_the_limit(client, mission, undecided, media_root):
    from pollwatch.reports.gate import REASON_MAX

    response = publish(
        as_persona(client, mission),
        undecided,
        acknowledged="quick_count",
        reason="x" * (REASON_MAX + 1),
    )
    assert response.status_code == 409
    assert_nothing_published(undecided, media_root)


def test_it_refuses_an_override_of_a_blocker_the_analyst_has_not_seen(
    client, mission, undecided, critical_incident, media_root
):
    response = publish(
        as_persona(client, mission), undecided, acknowledged="quick_count", reason=REASON
    )
    assert response.status_code == 409
    assert "critical incident" in response.content.decode()
    assert_nothing_published(undecided, media_root)


def test_an_override_with_a_reason_publishes_states_it_and_audits_it(
    client, mission, undecided, critical_incident, media_root
):
    from pollwatch.audit.models import AuditEvent

    analyst = as_persona(client, mission)
    response = publish(analyst, undecided, acknowledged=["quick_count", "incidents"], reason=REASON)
    assert response.status_code == 302
    undecided.refresh_from_db()
    assert undecided.status == "published" and undecided.override_reason == REASON
    sentence = (
        "Published before the quick count could call the result, and while 1 critical incident "
        f"was still awaiting review. The mission's reason: {REASON}"
    )
    assert undecided.override_notice == sentence
    page = analyst.get(reverse("statement", args=[mission.election.slug, undecided.pk]))
    assert sentence.replace("'", "&#x27;") in page.content.decode()
    pdf = analyst.get(reverse("statement-pdf", args=[mission.election.slug, undecided.pk]))
    assert sentence in pdf_text(b"".join(pdf.streaming_content))
    event = AuditEvent.objects.get(kind="statement.published")
    assert event.actor == "analyst"
    assert event.payload["override"]["reason"] == REASON
    assert [b["key"] for b in event.payload["override"]["blockers"]] == ["quick_count", "incidents"]


def test_a_called_result_with_reviewed_incidents_publishes_without_override(
    client, mission, decided, critical_incident, media_root
):
    from pollwatch.audit.models import AuditEvent
    from pollwatch.submissions.models import Incident

    critical_incident.status = Incident.Status.CONFIRMED
    critical_incident.save()
    analyst = as_persona(client, mission)
    page = analyst.get(reverse("statement-publish", args=[mission.election.slug, decided.pk]))
    assert "Nothing blocks publication" in page.content.decode()
    assert 'name="reason"' not in page.content.decode()
    # A reason sent anyway is not an override: there was nothing to override.
    assert publish(analyst, decided, reason="No need.").status_code == 302
    decided.refresh_from_db()
    assert decided.status == "published" and decided.pdf_path
    assert not decided.override_reason and not decided.override_notice
    assert "Published before" not in decided.html
    assert "override" not in AuditEvent.objects.get(kind="statement.published").payload


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_analysts_and_admins_see_the_publish_page(client, mission, undecided, persona):
    url = reverse("statement-publish", args=[mission.election.slug, undecided.pk])
    assert_reach(client, mission, persona, url, CHANGE)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_analysts_and_admins_override_the_gate(
    client, mission, undecided, persona, media_root
):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = publish(client, undecided, acknowledged="quick_count", reason=REASON)
    undecided.refresh_from_db()
    if persona in CHANGE:
        assert response.status_code == 302 and undecided.status == "published"
        assert undecided.override_reason == REASON
    else:
        if persona == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
        else:
            assert response.status_code in (403, 404)
        assert_nothing_published(undecided, media_root)
