"""One date and time format per language, in the election's time zone, named once a page (issue 16)."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from pollwatch.elections.templatetags.moments import day, when
from pollwatch.elections.zone import utc_offset, zone_label

MOMENT = datetime.datetime(2026, 12, 6, 9, 57, tzinfo=datetime.UTC)  # 13:57 in Baku


@pytest.mark.parametrize(
    "language, moment, date",
    [
        ("en", "6 Dec 2026, 13:57", "6 Dec 2026"),
        ("az", "06.12.2026, 13:57", "06.12.2026"),
        ("ru", "06.12.2026, 13:57", "06.12.2026"),
        ("fr", "06/12/2026 13:57", "06/12/2026"),
        ("es", "06/12/2026, 13:57", "06/12/2026"),
        ("ar", "6 ديسمبر 2026، 13:57", "6 ديسمبر 2026"),
    ],
)
def test_one_format_per_language_in_the_active_zone(language, moment, date):
    from django.template import Context, Template

    template = Template("{% load moments %}{{ t|when }}|{{ t|day }}|{{ d|day }}|{{ t }}")
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo("Asia/Baku")):
        assert when(MOMENT.astimezone(zoneinfo.ZoneInfo("Asia/Baku"))) == moment
        shown = template.render(Context({"t": MOMENT, "d": MOMENT.date()}))
    # A bare {{ t }} reads the same as |when: no third style.
    assert shown == f"{moment}|{date}|{date}|{moment}"


def test_nothing_prints_nothing():
    assert when(None) == "" and day(None) == ""


def test_the_zone_is_named_with_its_offset():
    baku = zoneinfo.ZoneInfo("Asia/Baku")
    assert utc_offset(baku, MOMENT) == "UTC+4"
    assert utc_offset(zoneinfo.ZoneInfo("Asia/Kolkata"), MOMENT) == "UTC+5:30"
    assert utc_offset(zoneinfo.ZoneInfo("America/Caracas"), MOMENT) == "UTC\u22124"
    with timezone.override(baku):
        assert zone_label(MOMENT) == "Asia/Baku (UTC+4)"
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        assert zone_label(MOMENT) == "UTC"


@pytest.fixture
def reported(mission, forms):
    """A report of the observer's, received at 09:57 UTC, with the election in Baku's time."""
    from pollwatch.submissions.models import Submission
    from pollwatch.testing import send

    mission.election.time_zone = "Asia/Baku"
    mission.election.save()
    submission = send(mission, forms["OP"], "observer", "D1-001", {}).submission
    Submission.objects.filter(pk=submission.pk).update(created=MOMENT)
    return submission


def pages(client, mission, submission, language):
    client.force_login(mission.users["coordinator"])
    slug = mission.election.slug
    return [
        client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        for url in (
            reverse("submissions", args=[slug]),
            reverse("submission", args=[slug, submission.pk]),
        )
    ]


def test_the_same_moment_reads_the_same_on_two_pages_in_the_elections_zone(
    client, mission, reported
):
    listing, detail = pages(client, mission, reported, "en")
    assert "6 Dec 2026, 13:57" in listing and "6 Dec 2026, 13:57" in detail
    for page in (listing, detail):
        assert "09:57" not in page and "1:57 p.m." not in page and "06 Dec" not in page
        # The zone is named once, in the header, not beside every time.
        assert page.count("Asia/Baku") == 1 and "Times in Asia/Baku (UTC+4)" in page


def test_another_language_reads_it_its_own_way(client, mission, reported):
    listing, detail = pages(client, mission, reported, "ru")
    assert "06.12.2026, 13:57" in listing and "06.12.2026, 13:57" in detail
    assert "6 Dec 2026" not in listing + detail
    assert listing.count("Asia/Baku") == 1 and "Часовой пояс: Asia/Baku (UTC+4)" in listing


def test_exports_keep_iso_timestamps(client, mission, reported):
    """Machine formats are not the page's: the export still writes ISO 8601."""
    client.force_login(mission.users["analyst"])
    response = client.get(f"/e/{mission.election.slug}/export/submissions.csv")
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = raw.decode()
    assert re.search(r"2026-12-06[T ]09:57", body) or re.search(r"2026-12-06[T ]13:57", body)
    assert "6 Dec 2026" not in body


def test_pages_outside_an_election_keep_the_server_zone(client, mission, reported):
    client.force_login(mission.users["coordinator"])
    page = client.get(reverse("api-tokens")).content.decode()
    assert "Times in UTC" in page and "Asia/Baku" not in page
