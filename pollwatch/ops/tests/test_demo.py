"""`pollwatch demo` loads a whole mission through the real importers, and reuses or resets it."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from pollwatch.elections.models import Area, Election, PollingStation
from pollwatch.observers.models import Deployment, Membership, Role


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return tmp_path


def test_demo_loads_a_mission_with_an_account_per_role(db, data_dir, capsys):
    call_command("demo", "--no-serve", "--stations", "800", "--observers", "60", "--seed", "5")
    out = capsys.readouterr().out
    election = Election.objects.get(slug="demo")
    assert PollingStation.objects.filter(election=election).count() == 800
    assert Area.objects.filter(election=election, newly_included=True).exists()
    # A made-up map: every region with located stations has a boundary (Abroad has none).
    regions = Area.objects.filter(election=election, level=1)
    mapped = regions.filter(boundary__isnull=False)
    assert mapped.count() == regions.count() - 1 == 12
    assert all(a.boundary["type"] in {"Polygon", "MultiPolygon"} for a in mapped)
    observers = Membership.objects.filter(election=election, role=Role.OBSERVER)
    assert observers.count() == 60
    deployed = Deployment.objects.filter(membership__election=election, reserve=False)
    assert deployed.count() == 60
    # a stratified sample: the deployed stations span many districts
    assert deployed.values("station__area").distinct().count() > 30
    accounts = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in {r.value for r in Role}:
            accounts[parts[0]] = parts[1]
    assert set(accounts) == {r.value for r in Role}
    for username, password in accounts.items():
        user = authenticate(username=username, password=password)
        assert user is not None, username
    assert Deployment.objects.filter(membership__person__user__username="observer").exists()
    # Election-day operations under way: reminders (one queued now, one scheduled), results
    # phoned in to the clerk (in the quick count's forms), calls, an unknown sender answered.
    from pollwatch.messaging.models import Broadcast, Message
    from pollwatch.submissions.models import Call, Submission

    assert sorted(Broadcast.objects.values_list("status", flat=True)) == ["queued", "scheduled"]
    assert (
        Message.objects.filter(kind="broadcast").count()
        == Broadcast.objects.get(status="queued").queued
        > 0
    )
    phoned = Submission.objects.filter(election=election, source="phone", form__kind="results")
    assert phoned.count() > 0
    assert Call.objects.filter(outcome="report_taken").count() == phoned.count()
    assert Message.objects.filter(kind="direct", person__isnull=True).count() == 1
    # Incident reports with a photo, so the galleries show something.
    incidents = Submission.objects.filter(election=election, form__kind="incident")
    assert any(
        str(value).startswith("sha256:")
        for answers in incidents.values_list("answers", flat=True)
        for value in answers.values()
    )


def test_demo_records_the_sample_it_drew_so_the_quick_count_page_warns_of_no_inferred_design(
    db, data_dir, client
):
    from django.urls import reverse

    from pollwatch.audit.models import AuditEvent
    from pollwatch.results.models import SampleDesign

    call_command("demo", "--no-serve", "--stations", "300", "--observers", "20", "--seed", "3")
    election = Election.objects.get(slug="demo")
    design = SampleDesign.objects.get(election=election)
    assert design.source == SampleDesign.Source.IMPORTED and design.file_name == "sample.csv"
    sampled = set(design.stations.filter(role="sampled").values_list("station_id", flat=True))
    deployed = set(
        Deployment.objects.filter(membership__election=election, reserve=False).values_list(
            "station_id", flat=True
        )
    )
    assert deployed <= sampled
    assert AuditEvent.objects.filter(kind="sample_design.imported", actor="demo").exists()
    client.force_login(Membership.objects.get(election=election, role=Role.ANALYST).person.user)
    page = client.get(reverse("quick-count", args=[election.slug])).content.decode()
    assert "imported from <code>sample.csv</code>" in page
    assert "inferred" not in page and "strata unknown" not in page.lower()


def test_demo_run_twice_reuses_and_reset_starts_afresh(db, data_dir, capsys):
    call_command("demo", "--no-serve", "--stations", "300", "--observers", "20")
    first = capsys.readouterr().out
    call_command("demo", "--no-serve", "--stations", "300", "--observers", "20")
    second = capsys.readouterr().out
    assert "Reusing the demo election" in second
    assert first.split("Accounts")[1] == second.split("Accounts")[1]
    call_command("demo", "--no-serve", "--reset", "--stations", "300", "--observers", "20")
    third = capsys.readouterr().out
    assert "Removing the previous demo election" in third
    assert Election.objects.filter(slug="demo").count() == 1
    assert PollingStation.objects.count() == 300


def test_demo_traffic_retries_come_from_the_original_sender():
    from pollwatch.ops.traffic import Observer, Traffic

    sent = []
    traffic = Traffic(
        "http://127.0.0.1:9",
        "secret",
        [Observer("1", "+994501234567", "S1", "t1"), Observer("2", "+994501234568", "S2", "t2")],
        [{"code": "OP", "kind": "checklist", "spec": {"groups": []}}],
        seed=3,
    )
    traffic._post = lambda path, body, headers: sent.append((path, body, headers)) or 201  # type: ignore[method-assign]
    for _ in range(400):
        traffic.step()
    stations_by_token = {}
    for path, body, headers in sent:
        if path == "/api/o/submissions":
            import json

            stations_by_token.setdefault(headers["Authorization"], set()).add(
                json.loads(body)["station"]
            )
    assert stations_by_token == {"Token t1": {"S1"}, "Token t2": {"S2"}}


def test_more_observers_than_stations_is_an_error_message_not_a_traceback(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--observers 600 is more than --stations 300"):
        call_command("demo", "--stations", "300", "--no-serve", "--no-traffic")
