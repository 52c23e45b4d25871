"""The read-only partner: published statements and the mission home, nothing personal, no writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from pollwatch.reports.models import Statement
from pollwatch.testing import PERSONAS, assert_reach

READERS = {"admin", "coordinator", "analyst", "partner"}


@pytest.fixture(autouse=True)
def named(mission):
    """Names no page label contains, so a name found on a page is a person's."""
    for persona, person in mission.people.items():
        person.full_name = f"Zeynab Quliyeva {persona}"
        person.save(update_fields=["full_name"])


@pytest.fixture
def statements(mission):
    published = Statement.objects.create(
        election=mission.election,
        title="Published findings",
        status=Statement.Status.PUBLISHED,
        published_at=timezone.now(),
        html="<h1>Published findings</h1><p>Turnout was 61%.</p>",
        pdf_path="statements/published.pdf",
    )
    pdf = Path(settings.MEDIA_ROOT) / published.pdf_path
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(b"%PDF-1.7 frozen")
    draft = Statement.objects.create(election=mission.election, title="Draft in progress")
    return published, draft


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_published_statements_are_for_analysis_roles_and_partners(
    client, mission, statements, persona
):
    published, _ = statements
    slug = mission.election.slug
    for url in (
        reverse("statements", args=[slug]),
        reverse("statement", args=[slug, published.pk]),
        reverse("statement-html", args=[slug, published.pk]),
        reverse("statement-pdf", args=[slug, published.pk]),
    ):
        client.logout()
        assert_reach(client, mission, persona, url, READERS)


def test_a_partner_lists_only_published_statements(client, mission, statements):
    client.force_login(mission.users["partner"])
    page = client.get(reverse("statements", args=[mission.election.slug])).content.decode()
    assert "Published findings" in page and "Draft in progress" not in page


def test_a_partner_reads_the_frozen_statement(client, mission, statements):
    published, _ = statements
    client.force_login(mission.users["partner"])
    page = client.get(reverse("statement", args=[mission.election.slug, published.pk]))
    assert b"Turnout was 61%" in page.content
    pdf = client.get(reverse("statement-pdf", args=[mission.election.slug, published.pk]))
    assert b"".join(pdf.streaming_content) == b"%PDF-1.7 frozen"


def test_drafts_are_404_for_a_partner(client, mission, statements):
    _, draft = statements
    client.force_login(mission.users["partner"])
    slug = mission.election.slug
    for name in ("statement", "statement-html", "statement-pdf"):
        assert client.get(reverse(name, args=[slug, draft.pk])).status_code == 404


def test_a_partner_changes_nothing(client, mission, statements):
    published, draft = statements
    client.force_login(mission.users["partner"])
    slug = mission.election.slug
    assert client.post(reverse("statements", args=[slug]), {"title": "Mine"}).status_code == 403
    assert (
        client.post(reverse("statement", args=[slug, draft.pk]), {"title": "Changed"}).status_code
        == 403
    )
    assert client.post(reverse("statement-publish", args=[slug, draft.pk])).status_code == 403
    assert Statement.objects.count() == 2
    draft.refresh_from_db()
    assert draft.title == "Draft in progress" and draft.status == Statement.Status.DRAFT


def test_a_partner_sees_no_names_or_phones(client, mission, statements):
    """The pages a partner may open carry no observer's name or phone."""
    client.force_login(mission.users["partner"])
    slug = mission.election.slug
    published, _ = statements
    pages = [
        reverse("election-home", args=[slug]),
        reverse("statements", args=[slug]),
        reverse("statement", args=[slug, published.pk]),
    ]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        for persona in ("observer", "other_observer", "supervisor"):
            person = mission.people[persona]
            assert person.full_name not in text and person.phone not in text, (url, persona)


@pytest.mark.parametrize(
    "name",
    [
        "stations",
        "people",
        "deployments",
        "submissions",
        "incidents",
        "quick-count",
        "official",
        "forensics",
        "findings",
        "coverage",
        "photos",
        "exports",
        "media-home",
        "messages",
        "staff",
    ],
)
def test_a_partner_is_kept_from_live_and_personal_pages(client, mission, name):
    """403, or (pages whose list is the reach, as for a media monitor) a page with nobody on it."""
    client.force_login(mission.users["partner"])
    response = client.get(reverse(name, args=[mission.election.slug]))
    assert response.status_code in (200, 403), name
    text = response.content.decode()
    for person in mission.people.values():
        if person.user != mission.users["partner"]:
            assert person.full_name not in text and person.phone not in text, (name, person)
    for station in mission.stations.values():
        assert station.name not in text, (name, station)
