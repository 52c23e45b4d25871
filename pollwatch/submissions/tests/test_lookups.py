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


def _facts(deployment) -> tuple:
    m = deployment.membership
    return (
        deployment.pk,
        deployment.reserve,
        deployment.starts_at,
        m.pk,
        m.role,
        m.person.code,
        m.person.extra,
        m.election.slug,
        m.election.languages,
        m.election.date,
        m.election.created,
        deployment.station.code,
        deployment.station.extra,
        deployment.station.latitude,
    )


def test_a_miss_reads_what_the_orm_reads_in_one_query(mission, observer_token):
    """The look-ups are SQL written once (lookups.Joined), not ORM queries compiled per miss: they
    must make the same instances, related the same way, as ``select_related``."""
    from pollwatch.observers.models import Deployment, Role
    from pollwatch.submissions import intake, views

    people = [p.pk for p in mission.people.values()]
    orm = {
        d.pk: _facts(d)
        for d in Deployment.objects.filter(
            membership__person_id__in=people, membership__role=Role.OBSERVER
        ).select_related("membership__election", "membership__person", "station")
    }
    assert orm
    intake._deployments.clear()
    with CaptureQueriesContext(connection) as seen:
        found = intake.deployments_for(people)
    assert len(seen.captured_queries) == 1
    assert {d.pk: _facts(d) for by in found.values() for d in by.values()} == orm
    assert found[mission.people["coordinator"].pk] == {}  # remembered too: no deployment
    with CaptureQueriesContext(connection) as seen:  # remembered now
        intake.deployments_of(mission.people["observer"])
    assert seen.captured_queries == []

    token_hash = ObserverToken.hash(observer_token)
    token = views._TOKEN.fetch(token_hash, False)[0]
    reference = ObserverToken.objects.select_related("person").get(token_hash=token_hash)
    assert (token.pk, token.person, token.person.code, token.created, token.last_used) == (
        reference.pk,
        reference.person,
        reference.person.code,
        reference.created,
        reference.last_used,
    )
    ObserverToken.objects.filter(token_hash=token_hash).update(revoked=True)
    assert views._TOKEN.fetch(token_hash, False) == []


def test_on_postgresql_a_miss_is_one_prepared_statement(mission, observer_token, settings):
    """Prepared once per connection, so PostgreSQL does not plan it again for every observer."""
    import pytest

    from pollwatch.submissions import intake

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    intake._deployments.clear()
    observer = mission.people["observer"]
    connection.ensure_connection()
    before = connection.connection.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()
    intake.deployments_for([observer.pk])
    intake.deployments_for([observer.pk, mission.people["coordinator"].pk])
    after = connection.connection.execute(
        "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%observers_deployment%'"
    ).fetchone()
    assert after[0] == 1, before
    settings.INTAKE_PREPARED_INSERT = False
    intake._deployments.clear()
    assert intake.deployments_of(observer)  # still read, without preparing
