"""What every post looks up (the token's person, the person's deployments) is remembered by each
process, and forgotten when it changes: at once in the process that changed it, within about a
second in every other (submissions/lookups.py)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from pollwatch.submissions import lookups
from pollwatch.submissions.models import LookupChange, ObserverToken
from pollwatch.submissions.tests.test_web_intake import payload, post


def test_a_known_token_and_its_deployments_cost_no_query(client, forms, observer_token):
    assert post(client, observer_token, payload(), read=False).status_code == 202
    with CaptureQueriesContext(connection) as seen:
        assert post(client, observer_token, payload(), read=False).status_code == 202
    tables = " ".join(query["sql"] for query in seen.captured_queries)
    assert "submissions_observertoken" not in tables
    assert "observers_deployment" not in tables
    assert "submissions_inbound" in tables  # the one write


def test_a_token_revoked_on_another_host_stops_working_within_a_second(
    client, mission, forms, observer_token, monkeypatch
):
    observer = mission.people["observer"]
    assert post(client, observer_token, payload(), read=False).status_code == 202
    # What another host's revocation leaves here: the token revoked, and a change naming the person.
    ObserverToken.objects.filter(person=observer).update(revoked=True)
    LookupChange.objects.create(person_id=observer.pk)
    monkeypatch.setattr(lookups, "_checked", 0.0)  # a second has passed since the last look
    assert post(client, observer_token, payload(), read=False).status_code == 401


def test_a_deployment_moved_here_is_seen_at_once(client, mission, forms, observer_token):
    from pollwatch.observers.models import Deployment

    assert post(client, observer_token, payload(station="D1-001"), read=False).status_code == 202
    deployment = Deployment.objects.get(
        membership__person=mission.people["observer"], station__code="D1-001"
    )
    deployment.station = mission.stations["D1-002"]
    deployment.save()
    assert post(client, observer_token, payload(station="D1-001"), read=False).status_code == 403
    assert post(client, observer_token, payload(station="D1-002"), read=False).status_code == 202
    assert LookupChange.objects.filter(person_id=mission.people["observer"].pk).exists()


def test_revoking_tokens_tells_every_process(client, mission, forms, observer_token):
    from pollwatch.submissions.cleanup import revoke_token_rows

    assert post(client, observer_token, payload(), read=False).status_code == 202
    observer = mission.people["observer"]
    before = LookupChange.objects.count()
    assert revoke_token_rows(
        ObserverToken.objects.filter(person=observer), reason="phone lost", actor="test"
    )
    assert list(
        LookupChange.objects.order_by("pk").values_list("person_id", flat=True)[before:]
    ) == [observer.pk]
    assert post(client, observer_token, payload(), read=False).status_code == 401


def test_a_change_committed_after_a_later_one_is_still_read(
    client, mission, forms, observer_token, monkeypatch
):
    """Ids are handed out at insert, not at commit: a change with a lower id may arrive late."""
    observer = mission.people["observer"]
    assert post(client, observer_token, payload(), read=False).status_code == 202
    LookupChange.objects.create(pk=1_000_000, person_id=None)
    monkeypatch.setattr(lookups, "_checked", 0.0)
    lookups.fresh()  # reads the later change first
    assert post(client, observer_token, payload(), read=False).status_code == 202
    ObserverToken.objects.filter(person=observer).update(revoked=True)
    LookupChange.objects.create(pk=999_999, person_id=observer.pk)  # made before, committed now
    monkeypatch.setattr(lookups, "_checked", 0.0)
    assert post(client, observer_token, payload(), read=False).status_code == 401
