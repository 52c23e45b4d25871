"""Every analysis page and action, for every persona and for anonymous users (DESIGN §6.5)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pollwatch.testing import PERSONAS, assert_reach, protocol, send

SEE = {"admin", "coordinator", "analyst"}
CHANGE = {"admin", "analyst"}


@pytest.fixture
def analysed(mission, results_forms):
    """Result forms from a station in every district and a draft statement.

    Every district reports so that the threshold-aware call (which needs 90 %
    of the frame covered) calls the result and publishing needs no override.
    """
    from pollwatch.observers.models import Deployment
    from pollwatch.reports.models import Statement

    Deployment.objects.create(
        membership=mission.people["observer"].memberships.get(), station=mission.stations["D2-001"]
    )
    for persona, station, counts in (
        ("observer", "D1-001", protocol(600, 300)),
        ("observer", "D2-001", protocol(620, 280)),
        ("other_observer", "D3-001", protocol(500, 400)),
    ):
        send(mission, results_forms["PR"], persona, station, counts)
    statement = Statement.objects.create(election=mission.election, title="Preliminary")
    return statement


PAGES = [
    ("quick-count", {}),
    ("exit-polls", {}),
    ("official", {}),
    ("discrepancies", {}),
    ("forensics", {}),
    ("findings", {}),
    ("statements", {}),
]


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize("name", [name for name, _ in PAGES])
def test_analysis_pages_are_for_analysts_coordinators_and_admins(
    client, mission, analysed, persona, name
):
    url = reverse(name, args=[mission.election.slug])
    # Partners list the published statements (none here: reports/tests/test_partner.py).
    assert_reach(client, mission, persona, url, SEE | {"partner"} if name == "statements" else SEE)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_statement_page_and_its_files_follow_the_same_rule(client, mission, analysed, persona):
    slug = mission.election.slug
    for name in ("statement", "statement-html"):
        assert_reach(client, mission, persona, reverse(name, args=[slug, analysed.pk]), SEE)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_chart_downloads_follow_the_same_rule(client, mission, analysed, persona):
    url = reverse("chart", args=[mission.election.slug, "quick-count", "svg"])
    assert_reach(client, mission, persona, url, SEE)


def test_a_chart_with_nothing_to_draw_or_an_unknown_name_is_404(client, mission, analysed):
    client.force_login(mission.users["analyst"])
    slug = mission.election.slug
    assert client.get(reverse("chart", args=[slug, "fingerprint", "svg"])).status_code == 404
    assert client.get(reverse("chart", args=[slug, "nonsense", "svg"])).status_code == 404
    assert client.get(reverse("chart", args=[slug, "quick-count", "gif"])).status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_analysts_and_admins_enter_published_polls(client, mission, analysed, persona):
    from pollwatch.results.models import PublishedPoll

    client.force_login(mission.users[persona])
    response = client.post(
        reverse("exit-polls", args=[mission.election.slug]),
        {"source": "TV", "kind": "exit_poll", "share_C1": "73"},
    )
    created = PublishedPoll.objects.filter(election=mission.election).exists()
    if persona in CHANGE:
        assert response.status_code == 302 and created
    else:
        assert response.status_code in (403, 404) and not created


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_analysts_and_admins_start_statements_and_run_forensics(
    client, mission, analysed, persona, immediate_tasks
):
    from pollwatch.reports.models import Statement
    from pollwatch.results.models import ForensicsRun

    client.force_login(mission.users[persona])
    slug = mission.election.slug
    before = Statement.objects.count()
    statement = client.post(reverse("statements", args=[slug]), {"title": "Another"})
    forensics = client.post(reverse("forensics", args=[slug]))
    edit = client.post(
        reverse("statement", args=[slug, analysed.pk]), {"text_quick_count": "Edited."}
    )
    if persona in CHANGE:
        assert statement.status_code == 302 and Statement.objects.count() == before + 1
        assert forensics.status_code == 302 and ForensicsRun.objects.exists()
        assert edit.status_code == 302
    else:
        assert statement.status_code in (403, 404) and Statement.objects.count() == before
        assert forensics.status_code in (403, 404) and not ForensicsRun.objects.exists()
        assert edit.status_code in (403, 404)
        analysed.refresh_from_db()
        assert "quick_count" not in analysed.texts


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_analysts_and_admins_upload_official_results(
    client, mission, analysed, persona, tmp_path, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pollwatch.elections.models import ImportJob

    settings.MEDIA_ROOT = tmp_path
    client.force_login(mission.users[persona])
    upload = SimpleUploadedFile("official.csv", b"station,C1,C2\nD1-001,600,300\n")
    response = client.post(
        reverse("official-upload", args=[mission.election.slug]), {"file": upload}
    )
    job = ImportJob.objects.filter(kind=ImportJob.Kind.RESULTS).first()
    if persona in CHANGE:
        assert response.status_code == 302 and job is not None
        assert client.get(response["Location"]).status_code == 200
        status_page = reverse("official-import", args=[mission.election.slug, job.pk])
        for other in [*PERSONAS, "anonymous"]:
            client.logout()
            assert_reach(client, mission, other, status_page, CHANGE)
            assert_reach(client, mission, other, response["Location"], CHANGE)
    else:
        assert response.status_code in (403, 404) and job is None


def test_anonymous_users_cannot_post_anything(client, mission, analysed):
    slug = mission.election.slug
    for url in (
        reverse("exit-polls", args=[slug]),
        reverse("forensics", args=[slug]),
        reverse("statements", args=[slug]),
        reverse("statement-publish", args=[slug, analysed.pk]),
        reverse("official-upload", args=[slug]),
    ):
        response = client.post(url, {})
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_the_statement_pdf_follows_the_same_rule(client, mission, analysed, persona):
    url = reverse("statement-pdf", args=[mission.election.slug, analysed.pk])
    assert_reach(client, mission, persona, url, SEE)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_analysts_and_admins_publish_statements(client, mission, analysed, persona):
    client.force_login(mission.users[persona])
    response = client.post(reverse("statement-publish", args=[mission.election.slug, analysed.pk]))
    analysed.refresh_from_db()
    if persona in CHANGE:
        assert response.status_code == 302 and analysed.status == "published"
    else:
        assert response.status_code in (403, 404) and analysed.status == "draft"


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_analysts_and_admins_remove_published_polls(client, mission, analysed, persona):
    from pollwatch.results.models import PublishedPoll

    poll = PublishedPoll.objects.create(election=mission.election, source="TV", shares={"C1": 70})
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.post(reverse("published-poll-delete", args=[mission.election.slug, poll.pk]))
    gone = not PublishedPoll.objects.filter(pk=poll.pk).exists()
    if persona in CHANGE:
        assert response.status_code == 302 and gone
    elif persona == "anonymous":
        assert response.status_code == 302 and not gone
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code in (403, 404) and not gone


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_chart_png_downloads_follow_the_same_rule(client, mission, analysed, persona):
    url = reverse("chart", args=[mission.election.slug, "quick-count", "png"])
    assert_reach(client, mission, persona, url, SEE)
