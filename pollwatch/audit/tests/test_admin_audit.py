"""Every change to mission data made in the Django admin is in the audit log; the log is read-only there."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from pollwatch.audit.admin import AuditedAdmin
from pollwatch.audit.models import AuditEvent, record
from pollwatch.testing import protocol, send

# Registered admins that are not mission data (or are the log itself): see docs/deployment.md.
NOT_MISSION_DATA = {
    "auth.user",
    "auth.group",
    "accounts.tokenbucket",
    "audit.auditevent",
    "django_tasks_database.dbtaskresult",
}


@pytest.fixture
def superuser_client(client, mission):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "x" * 12))
    return client


def events(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind).order_by("pk"))


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_admin_of_mission_data_is_audited():
    unaudited = [
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        if model._meta.label_lower not in NOT_MISSION_DATA
        and not isinstance(model_admin, AuditedAdmin)
    ]
    assert not unaudited


def test_deleting_a_submission_in_the_admin_records_it_with_its_fields(
    superuser_client, mission, results_forms
):
    from pollwatch.submissions.models import Submission

    submission = send(
        mission, results_forms["PR"], "observer", "D1-001", protocol(300, 200)
    ).submission
    response = superuser_client.post(url(Submission, "delete", submission.pk), {"post": "yes"})
    assert response.status_code == 302 and not Submission.objects.filter(pk=submission.pk).exists()
    [event] = events("admin.delete")
    assert event.actor == "root" and event.election_id == mission.election.pk
    assert event.object_type == "submissions.submission" and event.object_id == str(submission.pk)
    assert event.payload["fields"]["answers"]["C1"] == 300


def test_editing_an_incident_records_each_changed_field_before_and_after(
    superuser_client, mission, forms
):
    from pollwatch.submissions.models import Incident

    submission = send(
        mission, forms["IN"], "observer", "D1-001", {"T": "1", "D": "threats"}
    ).submission
    incident = Incident.objects.get(submission=submission)
    response = superuser_client.post(
        url(Incident, "change", incident.pk),
        {
            "submission": submission.pk,
            "election": mission.election.pk,
            "station": mission.stations["D1-001"].pk,
            "severity": 4,
            "status": "confirmed",
            "summary": incident.summary,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    [event] = events("admin.change")
    assert event.payload["changed"] == {
        "severity": {"before": incident.severity, "after": 4},
        "status": {"before": "new", "after": "confirmed"},
    }
    assert event.election_id == mission.election.pk


def test_adding_and_changing_many_to_many_fields_are_recorded(superuser_client, mission):
    from pollwatch.observers.models import Team

    r1, r2 = mission.regions["R1"], mission.regions["R2"]
    add = {"election": mission.election.pk, "name": "Team North", "areas": [r1.pk]}
    assert superuser_client.post(url(Team, "add"), add).status_code == 302
    team = Team.objects.get(name="Team North")
    [added] = events("admin.add")
    assert added.payload["fields"]["areas"] == [r1.pk] and added.object_id == str(team.pk)

    change = {**add, "areas": [r1.pk, r2.pk]}
    assert superuser_client.post(url(Team, "change", team.pk), change).status_code == 302
    [changed] = events("admin.change")
    assert changed.payload["changed"] == {"areas": {"before": [r1.pk], "after": [r1.pk, r2.pk]}}


def test_inline_rows_changed_with_their_parent_are_recorded(superuser_client, mission):
    from pollwatch.elections.models import Contest

    contest = Contest.objects.get(election=mission.election)
    candidates = list(contest.candidates.order_by("ballot_order"))
    data = {
        "election": mission.election.pk,
        "name": contest.name,
        # The contest's own fields as they are: only the candidates change.
        "outright_threshold": ""
        if contest.outright_threshold is None
        else contest.outright_threshold,
        "party_threshold": "" if contest.party_threshold is None else contest.party_threshold,
        **({"runoff": "on"} if contest.runoff else {}),
        "candidates-TOTAL_FORMS": len(candidates),
        "candidates-INITIAL_FORMS": len(candidates),
        "candidates-MIN_NUM_FORMS": 0,
        "candidates-MAX_NUM_FORMS": 1000,
    }
    for number, candidate in enumerate(candidates):
        data |= {
            f"candidates-{number}-id": candidate.pk,
            f"candidates-{number}-contest": contest.pk,
            f"candidates-{number}-code": candidate.code,
            f"candidates-{number}-name": candidate.name,
            f"candidates-{number}-party": candidate.party,
            f"candidates-{number}-ballot_order": candidate.ballot_order,
            f"candidates-{number}-colour": candidate.colour,
        }
    data["candidates-1-name"] = "Renamed challenger"
    data["candidates-0-DELETE"] = "on"
    response = superuser_client.post(url(Contest, "change", contest.pk), data)
    assert response.status_code == 302, response.content[:3000]
    [changed] = events("admin.change")
    assert changed.object_type == "elections.candidate"
    assert changed.payload["changed"]["name"] == {
        "before": "Challenger",
        "after": "Renamed challenger",
    }
    [deleted] = events("admin.delete")
    assert deleted.payload["fields"]["code"] == "C1" and deleted.election_id == mission.election.pk


def test_the_delete_selected_action_records_every_deleted_object(superuser_client, mission):
    from pollwatch.observers.models import Team

    teams = [Team.objects.create(election=mission.election, name=f"Team {n}") for n in range(3)]
    response = superuser_client.post(
        url(Team, "changelist"),
        {"action": "delete_selected", "_selected_action": [t.pk for t in teams], "post": "yes"},
    )
    assert response.status_code == 302 and not Team.objects.exists()
    assert sorted(e.object_id for e in events("admin.delete")) == sorted(str(t.pk) for t in teams)


def test_raw_intake_and_submissions_cannot_be_typed_in_the_admin(superuser_client):
    from pollwatch.submissions.models import Inbound, Submission

    assert superuser_client.get(url(Inbound, "add")).status_code == 403
    assert superuser_client.get(url(Submission, "add")).status_code == 403


def test_the_audit_log_is_read_only_in_the_admin(superuser_client):
    event = record("test.event", payload={"n": 1})
    assert superuser_client.get(url(AuditEvent, "changelist")).status_code == 200
    quarantined_only = url(AuditEvent, "changelist") + "?quarantined_at__isempty=0"
    assert superuser_client.get(quarantined_only).status_code == 200
    assert superuser_client.get(url(AuditEvent, "change", event.pk)).status_code == 200
    assert superuser_client.post(url(AuditEvent, "change", event.pk), {}).status_code == 403
    assert superuser_client.get(url(AuditEvent, "add")).status_code == 403
    assert (
        superuser_client.post(url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk, payload={"n": 1}).exists()


def test_removing_a_second_factor_in_the_admin_is_audited_without_its_key(superuser_client):
    # How a lost phone is handled (docs/accounts.md): the device goes, the log says who removed
    # whose, and neither the TOTP key nor a recovery code is copied into it.
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    owner = User.objects.create_user("coord", password="x" * 12)
    device = TOTPDevice.objects.create(user=owner, name="phone", confirmed=True)
    codes = StaticDevice.objects.create(user=owner, name="recovery", confirmed=True)
    StaticToken.objects.create(device=codes, token="abcd1234")
    for model, obj in ((TOTPDevice, device), (StaticDevice, codes)):
        response = superuser_client.post(url(model, "delete", obj.pk), {"post": "yes"})
        assert response.status_code == 302 and not model.objects.filter(pk=obj.pk).exists()
    deleted = events("admin.delete")
    assert [event.object_type for event in deleted] == [
        "otp_totp.totpdevice",
        "otp_static.staticdevice",
    ]
    assert all(event.actor == "root" for event in deleted)
    logged = str([event.payload for event in deleted])
    assert device.key not in logged and "abcd1234" not in logged
