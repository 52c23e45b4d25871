"""Forensic runs: one at a time per election, whoever clicks how often; asking and finishing are audited."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from pollwatch.audit.models import AuditEvent
from pollwatch.results.models import ForensicsRun


@pytest.fixture
def queued_only(settings):
    """Tasks are queued and never run: a run stays queued as behind a busy worker."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def ask(client, mission, persona: str | None = "analyst"):
    if persona:
        client.force_login(mission.users[persona])
    return client.post(reverse("forensics", args=[mission.election.slug]), follow=True)


def test_a_second_click_shows_the_queued_run_instead_of_queuing_another(
    client, mission, queued_only
):
    first = ask(client, mission)
    second = ask(client, mission)
    assert ForensicsRun.objects.filter(election=mission.election).count() == 1
    assert "Forensic tests queued" in first.content.decode()
    assert "still queued: one run at a time" in second.content.decode()
    [event] = AuditEvent.objects.filter(kind="forensics.requested")
    run = ForensicsRun.objects.get()
    assert event.actor == "analyst" and event.election_id == mission.election.pk
    assert event.payload == {"run": run.pk, "replicates": run.replicates}


def test_a_run_lost_long_ago_no_longer_blocks_a_new_one(client, mission, queued_only):
    lost = ForensicsRun.objects.create(
        election=mission.election, status=ForensicsRun.Status.RUNNING
    )
    ForensicsRun.objects.filter(pk=lost.pk).update(
        created=timezone.now() - datetime.timedelta(hours=2)
    )
    ask(client, mission)
    lost.refresh_from_db()
    assert lost.status == "failed" and "Lost" in lost.message
    assert ForensicsRun.objects.filter(status="queued").count() == 1


def test_a_finished_run_can_be_asked_for_again(client, mission, immediate_tasks):
    ask(client, mission)  # runs at once, and fails: the mission has no official results
    ask(client, mission)
    assert ForensicsRun.objects.filter(status="failed").count() == 2
    finished = AuditEvent.objects.filter(kind="forensics.finished")
    assert [e.payload["status"] for e in finished] == ["failed", "failed"]
    assert "official results" in finished[0].payload["message"]


@pytest.mark.parametrize("persona", ["coordinator", "media_monitor", "observer", "outsider"])
def test_only_analysts_and_admins_ask_for_forensic_runs(client, mission, queued_only, persona):
    client.force_login(mission.users[persona])
    response = client.post(reverse("forensics", args=[mission.election.slug]))
    assert response.status_code in (403, 404)
    assert not ForensicsRun.objects.exists()
    assert not AuditEvent.objects.filter(kind="forensics.requested").exists()


def test_anonymous_users_are_sent_to_sign_in(client, mission, queued_only):
    response = client.post(reverse("forensics", args=[mission.election.slug]))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not ForensicsRun.objects.exists()


def test_a_done_run_is_audited_with_the_digest_of_its_result(night):
    from pollwatch.results.tasks import _digest

    run = ForensicsRun.objects.get(election=night.election, status="done")
    event = AuditEvent.objects.get(kind="forensics.finished", object_id=str(run.pk))
    assert event.payload["status"] == "done" and event.payload["stations"] == run.stations
    assert event.payload["result_sha256"] == _digest(run.result)
    assert event.payload["official_version"] == run.result["official_version"]


def test_a_run_whose_task_failed_before_it_started_does_not_block_the_next(client, mission):
    """The worker could not even import the task: the run is settled as failed, with the reason."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from pollwatch.results.tasks import run_forensics_task

    run = ForensicsRun.objects.create(election=mission.election)
    DBTaskResult.objects.create(
        status=TaskResultStatus.FAILED,
        args_kwargs={"args": [run.pk], "kwargs": {}},
        task_path=run_forensics_task.module_path,
        backend_name="default",
        run_after=timezone.now(),
        exception_class_path="builtins.ImportError",
        traceback="Traceback ...\nImportError: cannot import name 'SampleReports'",
    )
    page = ask(client, mission)
    run.refresh_from_db()
    assert run.status == "failed" and "ImportError" in run.message
    assert ForensicsRun.objects.filter(election=mission.election).count() == 2
    assert "Forensic tests queued" in page.content.decode()
