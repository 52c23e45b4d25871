"""A form may mark an answer's alert as critical: intake opens a critical incident, which the
statement's publishing check waits for (before, forms allowed low, medium and high only)."""

from __future__ import annotations

import uuid

from pollwatch.checklists.loading import install_form
from pollwatch.formspec.spec import loads_form
from pollwatch.submissions.intake import submit
from pollwatch.submissions.models import Incident
from pollwatch.testing import CRITICAL_CHECKLIST


def test_a_critical_answer_opens_a_critical_incident(mission):
    form = install_form(mission.election, loads_form(CRITICAL_CHECKLIST))[0]
    result = submit(
        mission.people["observer"].memberships.get(),
        form,
        mission.stations["D1-001"],
        {"K1": 1},
        client_uuid=uuid.uuid4(),
        source="web",
    )
    incident = Incident.objects.get(submission=result.submission)
    assert incident.severity == Incident.Severity.CRITICAL
    assert "Did you see the protocol altered? Yes" in incident.title
