"""Leads in percentage points, shares beside a threshold, and plural counts (issue 16)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from pollwatch.results.templatetags.analysis import margin, percent_beside, points
from pollwatch.testing import protocol, send


@pytest.mark.parametrize(
    "language, shown",
    [
        ("en", "12.3 pp"),
        ("ru", "12,3 п. п."),
        ("fr", "12,3 pts"),
        ("es", "12,3 p. p."),
        ("az", "12,3 faiz bəndi"),
        ("ar", "12,3 نقطة مئوية"),
    ],
)
def test_a_lead_is_printed_in_the_languages_percentage_points(language, shown):
    with translation.override(language):
        assert points(0.123) == shown


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def test_points_signs_and_decimals(english):
    assert points(-0.0042, "+2") == "\u22120.42 pp"
    assert points(0.0042, "+2") == "+0.42 pp"
    assert points(0.0, "+2") == "0.00 pp"  # no sign on nothing
    assert points(-0.00001) == "0.0 pp"  # rounds to nothing: no "−0.0"
    assert points(None) == "—"
    assert margin(0.01) == "2.0 pp"


def test_a_share_beside_a_threshold_never_reaches_it_when_the_value_does_not(english):
    assert percent_beside(479 / 600, 0.8) == "79.8 %"
    assert percent_beside(0.79996, 0.8) == "79.9 %"
    assert percent_beside(0.8, 0.8) == "80.0 %"
    assert percent_beside(0.98996, 0.99) == "98.9 %"
    assert percent_beside(None, 0.8) == "—"
    assert percent_beside(0.5, None) == "50.0 %"  # no threshold: as |percent
    with translation.override("fr"):
        assert percent_beside(479 / 600, 0.8) == "79,8 %"


def test_the_reported_share_beside_the_80_percent_call_rule():
    from pollwatch.results.presenters import reported_percent

    assert reported_percent(479, 600) == "79.8"
    assert reported_percent(480, 600) == "80"


def test_the_quick_count_page_shows_the_lead_in_points(client, mission, results_forms):
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "other_observer", "D3-001", protocol(500, 400))
    client.force_login(mission.users["analyst"])
    url = reverse("quick-count", args=[mission.election.slug])
    page = client.get(url).content.decode()
    lead = page.split("Lead of Incumbent over Challenger</dt><dd>", 1)[1].split("</dd>", 1)[0]
    assert " pp" in lead and "%" not in lead
    # The strata sentence has no count before a plural noun ("1 sampled strata"), and the
    # figures' time is in the page's one date format (no seconds), as everywhere else.
    assert "sampled strata without a result yet: " in page
    assert re.search(r"figures as of \d{1,2} \w{3} \d{4}, \d{2}:\d{2}\b(?!:)", page)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "п. п." in page


def test_the_statement_methods_count_one_stratum_in_the_singular(mission, results_forms):
    from pollwatch.reports.sections import quick_count

    # D1 reported, D3 is sampled without a report, D2 has no sampled station.
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    text = " ".join(quick_count.methods(quick_count.context(mission.election)))
    assert "1 sampled stratum without a result yet" in text
    assert not re.search(r"\b1 (strata|stations|cells)\b", text)
    assert "3 strata" in text


def test_one_interview_at_one_station_reads_in_the_singular():
    from django.template import Context, Template

    template = Template(
        "{% load i18n %}{% blocktranslate count counter=1 with respondents=1 %}"
        "{{ respondents }} interview{% plural %}{{ respondents }} interviews{% endblocktranslate %}"
        " {% blocktranslate count counter=1 with stations=1 %}at {{ stations }} station"
        "{% plural %}at {{ stations }} stations{% endblocktranslate %}"
    )
    with translation.override("ru"):
        assert template.render(Context()) == "1 интервью на 1 участке"


def test_the_statements_shares_do_not_round_across_the_outright_threshold(english):
    from django.template.loader import render_to_string

    row = {"name": "Incumbent", "estimate": 0.49996, "low": 0.47, "high": 0.53}
    ctx = {"rows": [row], "qc": {"threshold_call": {"rules": {"outright_threshold": 0.5}}}}
    html = render_to_string(
        "reports/sections/quick_count.html", {"ctx": ctx, "for_pdf": True, "charts": {}}
    )
    assert "49.9 %" in html and "50.0 %" not in html
