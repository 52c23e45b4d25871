"""One observer sending other result figures for the same form and station is flagged, like a conflict."""

from __future__ import annotations

import uuid

from django.urls import reverse

from pollwatch.submissions.intake import edit, read_report, write_reports
from pollwatch.submissions.models import Submission
from pollwatch.testing import protocol, send


def test_two_reports_with_other_figures_are_both_flagged(client, mission, results_forms):
    first = send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    second = send(mission, results_forms["PR"], "observer", "D1-001", protocol(650, 250))
    assert second.submission.figures_changed
    first.submission.refresh_from_db()
    assert first.submission.figures_changed
    assert not first.submission.conflict and not second.submission.conflict
    client.force_login(mission.users["coordinator"])
    page = client.get(reverse("submission", args=["test-election", first.submission.pk])).text
    assert "the observer sent other figures" in page
    listing = client.get(reverse("submissions", args=["test-election"]), {"conflict": "1"}).text
    assert listing.count("figures changed") == 2


def test_the_same_figures_twice_are_not_flagged(mission, results_forms):
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    assert not Submission.objects.filter(figures_changed=True).exists()


def test_other_observers_and_checklists_are_not_this_flag(mission, results_forms, forms):
    from pollwatch.observers.models import Deployment

    Deployment.objects.create(
        membership=mission.people["other_observer"].memberships.get(),
        station=mission.stations["D1-001"],
    )
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "other_observer", "D1-001", protocol(650, 250))
    assert Submission.objects.filter(conflict=True).count() == 2
    assert not Submission.objects.filter(figures_changed=True).exists()
    send(mission, forms["OP"], "observer", "D1-001", {"A1": 1})
    send(mission, forms["OP"], "observer", "D1-001", {"A1": 0})
    assert not Submission.objects.filter(figures_changed=True).exists()


def test_an_observers_correction_with_other_figures_is_flagged(mission, results_forms):
    original = send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    membership = mission.people["observer"].memberships.get()
    correction = read_report(
        membership,
        results_forms["PR"],
        mission.stations["D1-001"],
        protocol(640, 260),
        client_uuid=uuid.uuid4(),
        source="web",
        corrects=original.submission.client_uuid,
    )
    write_reports([correction])
    stored = Submission.objects.get()
    assert stored.revision == 2 and stored.figures_changed


def test_a_staff_correction_is_not_flagged(mission, results_forms):
    sent = send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    edit(sent.submission, protocol(640, 260), reason="photo", actor=mission.users["clerk"])
    assert not Submission.objects.get().figures_changed


def test_a_phoned_in_report_with_other_figures_is_flagged(client, mission, results_forms):
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    client.force_login(mission.users["clerk"])
    client.post("/e/test-election/phone/", {"code": "1006", "called_back": "1"})
    body = {"station": "D1-001", "form": "PR", "client_uuid": str(uuid.uuid4())}
    body.update({k: str(v) for k, v in protocol(650, 250).items()})
    client.post("/e/test-election/phone/1006/", body)
    assert Submission.objects.filter(figures_changed=True).count() == 2


def _report(mission, form, answers):
    return read_report(
        mission.people["observer"].memberships.get(),
        form,
        mission.stations["D1-001"],
        answers,
        client_uuid=uuid.uuid4(),
        source="web",
    )


def test_other_figures_in_one_batch_are_all_flagged_as_they_are_written(mission, results_forms):
    form = results_forms["PR"]
    batch = [_report(mission, form, protocol(600 + n, 300)) for n in range(3)]
    batch.append(_report(mission, form, protocol(600, 300)))  # the first's figures again
    write_reports(batch)
    assert Submission.objects.filter(figures_changed=True).count() == 4
    # A later report with other figures flags itself; the four are flagged already and are
    # not written again (no UPDATE: an observer's tenth report must not rewrite the nine).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        write_reports([_report(mission, form, protocol(700, 300))])
    assert not [
        q for q in queries if q["sql"].startswith("UPDATE") and "figures_changed" in q["sql"]
    ]
    assert Submission.objects.filter(figures_changed=True).count() == 5


def test_the_same_figures_in_one_batch_are_not_flagged(mission, results_forms):
    write_reports([_report(mission, results_forms["PR"], protocol(600, 300)) for _ in range(2)])
    assert not Submission.objects.filter(figures_changed=True).exists()


def test_a_report_equal_to_the_latest_flagged_one_but_not_to_an_earlier_one_is_flagged(
    mission, results_forms
):
    # The reader reads first the latest flagged report's answers; equal to it, the new report
    # is judged against the earlier flagged ones too.
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(650, 250))
    third = send(mission, results_forms["PR"], "observer", "D1-001", protocol(650, 250))
    assert third.submission.figures_changed
    assert Submission.objects.filter(figures_changed=True).count() == 3


def test_an_observers_long_history_is_counted_by_the_database_not_read(
    mission, results_forms, monkeypatch
):
    """Fifty earlier reports at the place: a new one with other figures is compared with the
    latest flagged report only (the database counts the rest), so the reader's cost does not
    grow with an observer's history; one equal to the latest is judged against the others."""
    from pollwatch.submissions import intake

    form = results_forms["PR"]
    write_reports([_report(mission, form, protocol(600 + n, 300)) for n in range(50)])
    assert Submission.objects.filter(figures_changed=True).count() == 50
    compared: list[dict] = []
    differ = intake._figures_differ
    monkeypatch.setattr(
        intake,
        "_figures_differ",
        lambda before, after: compared.append(before) or differ(before, after),
    )
    write_reports([_report(mission, form, protocol(900, 300))])
    assert len(compared) == 1 and compared[0] == protocol(649, 300)
    assert Submission.objects.filter(figures_changed=True).count() == 51
    compared.clear()
    write_reports([_report(mission, form, protocol(900, 300))])  # equal to the latest
    assert len(compared) == 2  # the latest (equal), then the first earlier one (other figures)
    assert Submission.objects.filter(figures_changed=True).count() == 52
