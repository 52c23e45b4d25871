"""Incident triage: readable titles, filters, assignee and notes, bulk changes, live refresh, map.

Two incidents: a critical checklist answer at D1-001 (region R1, the supervisor's, the
observer's station) and an incident report at D3-001 (region R2, the other observer's).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pollwatch.audit.models import AuditEvent
from pollwatch.submissions.models import Incident, IncidentNote
from pollwatch.testing import PERSONAS, assert_reach, send

LIST = "/e/test-election/incidents/"
TRIAGERS = {"admin", "coordinator", "supervisor"}  # the supervisor in R1 only
SEES_R1 = {"admin", "coordinator", "analyst", "clerk", "supervisor", "observer"}
SEES_R2 = {"admin", "coordinator", "analyst", "clerk", "other_observer"}


@pytest.fixture
def incidents(mission, forms):
    """r1: "Ballot box shown empty? No" at D1-001; r2: an intimidation report at D3-001."""
    r1 = send(mission, forms["OP"], "observer", "D1-001", {"A1": 1, "A3": 0}).submission.incident
    r2 = send(
        mission, forms["IN"], "other_observer", "D3-001", {"T": "1", "D": "men at the door"}
    ).submission.incident
    for code, (lat, lon) in {"D1-001": (40.4, 49.8), "D3-001": (39.8, 46.7)}.items():
        station = mission.stations[code]
        station.latitude, station.longitude = lat, lon
        station.save()
    return {"r1": r1, "r2": r2}


def signed_in(client, mission, persona):
    client.force_login(mission.users[persona])
    return client


def htmx(client, url, data=None, target="incidents"):
    headers = {"HX-Request": "true", "HX-Target": target}
    if data is None:
        return client.get(url, headers=headers)
    return client.post(url, data, headers=headers)


# Pages by role ---------------------------------------------------------------------------


PAGES = [
    ("incidents", lambda i: [], set(PERSONAS) - {"outsider"}),
    ("incidents-map", lambda i: [], set(PERSONAS) - {"outsider"}),
    ("incident", lambda i: [i["r1"].pk], SEES_R1),
    ("incident", lambda i: [i["r2"].pk], SEES_R2),
]


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize(("name", "args", "allowed"), PAGES, ids=["list", "map", "r1", "r2"])
def test_each_role_reaches_only_its_incident_pages(
    client, mission, incidents, persona, name, args, allowed
):
    url = reverse(name, args=["test-election", *args(incidents)])
    assert_reach(client, mission, persona, url, allowed)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_triagers_change_a_status_and_only_within_reach(client, mission, incidents, persona):
    if persona != "anonymous":
        signed_in(client, mission, persona)
    for key, reach in (("r1", TRIAGERS), ("r2", {"admin", "coordinator"})):
        incident = incidents[key]
        response = client.post(LIST, {"incident": incident.pk, "status": "confirmed"})
        incident.refresh_from_db()
        if persona in reach:
            assert response.status_code == 302 and incident.status == "confirmed", (persona, key)
        else:
            assert response.status_code in (302, 400, 403, 404), (persona, key)
            assert incident.status == "new", (persona, key)
            if persona == "anonymous":
                assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_triagers_write_on_the_incident_page(client, mission, incidents, persona):
    if persona != "anonymous":
        signed_in(client, mission, persona)
    incident = incidents["r1"]
    url = reverse("incident", args=["test-election", incident.pk])
    response = client.post(url, {"status": "resolved", "note": "called the observer"})
    incident.refresh_from_db()
    if persona in TRIAGERS:
        assert response.status_code == 302 and incident.status == "resolved"
        assert incident.notes.filter(kind="note").get().text == "called the observer"
    else:
        assert response.status_code in (302, 403, 404)
        assert incident.status == "new" and not incident.notes.exists()


def test_a_supervisor_sees_and_changes_only_their_areas_incidents(client, mission, incidents):
    signed_in(client, mission, "supervisor")
    page = client.get(LIST).content.decode()
    assert "D1-001" in page and "D3-001" not in page
    r2 = incidents["r2"]
    assert client.get(reverse("incident", args=["test-election", r2.pk])).status_code == 404
    response = client.post(LIST, {"incident": [incidents["r1"].pk, r2.pk], "status": "resolved"})
    assert response.status_code == 400 and b"not yours to change" in response.content
    assert set(Incident.objects.values_list("status", flat=True)) == {"new"}  # all or none


def test_an_observer_sees_their_own_incident_without_the_staff_timeline(client, mission, incidents):
    signed_in(client, mission, "coordinator").post(
        reverse("incident", args=["test-election", incidents["r1"].pk]), {"note": "staff only"}
    )
    signed_in(client, mission, "other_observer")
    assert "D1-001" not in client.get(LIST).content.decode()
    assert (
        client.get(reverse("incident", args=["test-election", incidents["r1"].pk])).status_code
        == 404
    )
    signed_in(client, mission, "observer")
    page = client.get(reverse("incident", args=["test-election", incidents["r1"].pk]))
    assert page.status_code == 200 and "staff only" not in page.content.decode()


# Titles ----------------------------------------------------------------------------------


def test_titles_replace_question_codes_on_every_page(client, mission, incidents):
    from pollwatch.reports.sections import incidents as section

    r1_title = "Ballot box shown empty? No"
    r2_title = "Type: Intimidation — &#x27;men at the door&#x27;"
    signed_in(client, mission, "coordinator")
    listing = client.get(LIST).content.decode()
    assert r1_title in listing and r2_title in listing and "OP: A3" not in listing
    assert r1_title in client.get("/e/test-election/coverage/").content.decode()
    detail = client.get(reverse("incident", args=["test-election", incidents["r2"].pk]))
    assert r2_title in detail.content.decode()
    statement = render_to_string(
        "reports/sections/incidents.html", {"ctx": section.context(mission.election)}
    )
    assert r1_title in statement and "A3" not in statement


def test_intake_keeps_the_title_as_the_summary_for_exports(incidents):
    incidents["r1"].refresh_from_db()
    assert incidents["r1"].summary == "Ballot box shown empty? No"


# The status a row shows after "Set" ------------------------------------------------------


def test_set_answers_with_the_rows_new_status(client, mission, incidents):
    """The old page redirected to page 1 without its filters, where the row still read New."""
    incident = incidents["r1"]
    signed_in(client, mission, "coordinator")
    response = htmx(
        client,
        LIST,
        {"incident": incident.pk, "status": "confirmed"},
        target=f"status-{incident.pk}",
    )
    assert response.status_code == 200
    assert 'class="badge status status-confirmed">Confirmed<' in response.content.decode()


def test_set_without_javascript_returns_to_the_same_filters_and_page(client, mission, incidents):
    signed_in(client, mission, "coordinator")
    back = f"{LIST}?status=new&severity=high&page=1"
    response = client.post(
        LIST, {"incident": incidents["r1"].pk, "status": "confirmed", "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    away = client.post(
        LIST, {"incident": incidents["r1"].pk, "status": "new", "next": "https://evil.example/"}
    )
    assert away["Location"] == LIST


def test_a_status_change_is_in_the_timeline_and_the_audit_chain(client, mission, incidents):
    incident = incidents["r1"]
    signed_in(client, mission, "coordinator").post(
        LIST, {"incident": incident.pk, "status": "confirmed"}
    )
    assert incident.notes.get().text == "Status: New → Confirmed"
    event = AuditEvent.objects.get(kind="incident.status")
    assert event.payload == {"from": "new", "to": "confirmed"} and event.actor == "coordinator"


def test_bad_changes_name_the_field_and_write_nothing(client, mission, incidents):
    signed_in(client, mission, "coordinator")
    for data, words in [
        ({"incident": incidents["r1"].pk, "status": "closed"}, b"Status: &#x27;closed&#x27;"),
        ({"incident": "abc", "status": "confirmed"}, b"Tick at least one"),
        ({"status": "confirmed"}, b"Tick at least one"),
        ({"incident": incidents["r1"].pk}, b"Choose a status or an assignee"),
        ({"incident": incidents["r1"].pk, "assignee": "analyst"}, b"Assignee: &#x27;analyst&#x27;"),
        ({"incident": 999999, "status": "confirmed"}, b"not yours to change"),
    ]:
        response = client.post(LIST, data)
        assert response.status_code == 400 and words in response.content, data
    assert (
        not IncidentNote.objects.exists()
        and not AuditEvent.objects.filter(kind__startswith="incident.").exists()
    )


# Filters ---------------------------------------------------------------------------------


def listed(client, query: str) -> set[str]:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200, (query, response.content[:500])
    page = response.content.decode()
    return {code for code in ("D1-001", "D3-001") if f"{code} School" in page}


def test_filters_narrow_the_list(client, mission, incidents):
    signed_in(client, mission, "coordinator")
    Incident.objects.filter(pk=incidents["r2"].pk).update(
        severity=Incident.Severity.LOW,
        created=timezone.now() - timedelta(hours=2),
        assignee=mission.users["coordinator"],
    )
    assert listed(client, "") == {"D1-001", "D3-001"}
    assert listed(client, "area=R1") == {"D1-001"}
    assert listed(client, "area=D3") == {"D3-001"}
    assert listed(client, "severity=high") == {"D1-001"}
    assert listed(client, "severity=1") == {"D3-001"}
    assert listed(client, "form=IN") == {"D3-001"}
    assert listed(client, "phase=opening") == {"D1-001"}
    assert listed(client, "status=open") == {"D1-001", "D3-001"}
    assert listed(client, "status=resolved") == set()
    assert listed(client, "assignee=none") == {"D1-001"}
    assert listed(client, "assignee=mine") == {"D3-001"}
    assert listed(client, "assignee=coordinator") == {"D3-001"}
    assert listed(client, "older=60") == {"D3-001"}
    assert listed(client, "older=60&status=resolved") == set()
    assert listed(client, "sort=newest&area=R1&severity=high") == {"D1-001"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("severity=huge", "Severity: &#x27;huge&#x27; is not one of low, medium, high, critical."),
        ("status=closed", "Status: &#x27;closed&#x27; is not one of open, new"),
        ("form=ZZ", "Form: there is no form &#x27;ZZ&#x27;."),
        ("phase=night", "Phase: &#x27;night&#x27; is not one of"),
        ("area=XX", "Area: there is no area &#x27;XX&#x27; within your reach."),
        (
            "assignee=analyst",
            "Assignee: &#x27;analyst&#x27; is not someone incidents are assigned to.",
        ),
        ("older=soon", "Older than: &#x27;soon&#x27; is not a number of minutes"),
        ("older=0", "Older than: &#x27;0&#x27; is not a number of minutes"),
        ("sort=random", "Sort: &#x27;random&#x27; is not one of severity, newest, oldest."),
    ],
)
def test_a_bad_filter_value_is_named_and_lists_nothing(client, mission, incidents, query, message):
    signed_in(client, mission, "coordinator")
    response = client.get(f"{LIST}?{query}")
    page = response.content.decode()
    assert response.status_code == 400 and message in page
    assert "School D1-001" not in page and "0 incidents" in page
    assert htmx(client, f"{LIST}?{query}").status_code == 200  # htmx swaps only a 2xx


def test_a_supervisor_cannot_filter_by_an_area_outside_their_reach(client, mission, incidents):
    signed_in(client, mission, "supervisor")
    response = client.get(f"{LIST}?area=R2")
    assert response.status_code == 400 and "within your reach" in response.content.decode()
    areas = client.get(LIST).context["areas"]
    assert {a.code for a in areas} == {"R1", "D1", "D2"}


def test_counts_per_status_and_severity_ignore_those_two_filters(client, mission, incidents):
    signed_in(client, mission, "coordinator")
    Incident.objects.filter(pk=incidents["r2"].pk).update(status="confirmed")
    context = client.get(f"{LIST}?status=new").context
    assert {f["label"]: f["n"] for f in context["status_counts"]} == {
        "New": 1,
        "Confirmed": 1,
        "Resolved": 0,
        "Rejected": 0,
    }
    severities = {f["label"]: f["n"] for f in context["severity_counts"]}
    assert severities == {"Critical": 0, "High": 1, "Medium": 1, "Low": 0}
    assert [f["current"] for f in context["status_counts"]] == [True, False, False, False]


def test_the_list_is_sorted_by_severity_then_longest_waiting(client, mission, incidents):
    signed_in(client, mission, "coordinator")
    Incident.objects.filter(pk=incidents["r1"].pk).update(
        created=timezone.now() - timedelta(hours=1)
    )
    rows = list(client.get(LIST).context["page"].object_list)
    assert [i.pk for i in rows] == [incidents["r1"].pk, incidents["r2"].pk]
    Incident.objects.filter(pk=incidents["r2"].pk).update(severity=Incident.Severity.CRITICAL)
    rows = list(client.get(LIST).context["page"].object_list)
    assert [i.get_severity_display() for i in rows] == ["Critical", "High"]
    page = client.get(LIST).content.decode()
    assert 'class="badge sev-4">Critical<' in page and 'class="badge sev-3">High<' in page


# Assignee and notes ----------------------------------------------------------------------


def test_assign_and_note_on_the_incident_page_make_a_timeline(client, mission, incidents):
    incident = incidents["r1"]
    url = reverse("incident", args=["test-election", incident.pk])
    signed_in(client, mission, "coordinator")
    response = client.post(
        url, {"status": "confirmed", "assignee": "supervisor", "note": "Observer called back."}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.assignee == mission.users["supervisor"] and incident.status == "confirmed"
    page = client.get(url).content.decode()
    for text in ("Status: New → Confirmed", "Assigned to Supervisor", "Observer called back."):
        assert text in page
    kinds = set(AuditEvent.objects.values_list("kind", flat=True))
    assert {"incident.status", "incident.assignee", "incident.note"} <= kinds
    client.post(url, {"assignee": "none"})
    incident.refresh_from_db()
    assert incident.assignee is None and "Unassigned" in client.get(url).content.decode()


def test_only_staff_who_may_triage_the_incident_can_be_assigned(client, mission, incidents):
    signed_in(client, mission, "coordinator")
    r2 = reverse("incident", args=["test-election", incidents["r2"].pk])
    for username in ("supervisor", "analyst", "observer", "nobody"):  # the supervisor is R1's
        response = client.post(r2, {"assignee": username})
        assert (
            response.status_code == 400
            and f"Assignee: &#x27;{username}&#x27;" in response.content.decode()
        )
    assert client.post(r2, {"assignee": "admin"}).status_code == 302


def test_a_note_that_is_too_long_is_refused_whole(client, mission, incidents):
    signed_in(client, mission, "coordinator")
    url = reverse("incident", args=["test-election", incidents["r1"].pk])
    response = client.post(url, {"status": "resolved", "note": "x" * 5001})
    assert (
        response.status_code == 400
        and "Note: at most 5,000 characters" in response.content.decode()
    )
    incidents["r1"].refresh_from_db()
    assert incidents["r1"].status == "new" and not IncidentNote.objects.exists()


# Bulk ------------------------------------------------------------------------------------


def test_bulk_sets_status_and_assignee_on_the_ticked(client, mission, incidents):
    signed_in(client, mission, "coordinator")
    ticked = [incidents["r1"].pk, incidents["r2"].pk]
    response = htmx(
        client,
        LIST,
        {"incident": ticked, "status": "resolved", "assignee": "admin"},
        target="bulk-result",
    )
    assert response.status_code == 200 and "2 of 2 incidents changed." in response.content.decode()
    assert response["HX-Trigger"] == "incidents-changed"
    assert set(Incident.objects.values_list("status", "assignee__username")) == {
        ("resolved", "admin")
    }
    assert (
        IncidentNote.objects.count() == 4
        and AuditEvent.objects.filter(kind__startswith="incident.").count() == 4
    )


def test_bulk_needs_the_csrf_token(mission, incidents):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mission.users["coordinator"])
    response = client.post(LIST, {"incident": incidents["r1"].pk, "status": "resolved"})
    assert response.status_code == 403
    incidents["r1"].refresh_from_db()
    assert incidents["r1"].status == "new"


def test_the_bulk_form_is_only_for_triagers(client, mission, incidents):
    for persona in PERSONAS[:-1]:
        page = signed_in(client, mission, persona).get(LIST).content.decode()
        assert ('id="bulk"' in page) == (persona in TRIAGERS), persona


# Live refresh ----------------------------------------------------------------------------


def test_the_refresh_keeps_filters_page_and_ticks(client, mission, incidents):
    signed_in(client, mission, "coordinator")
    page = client.get(f"{LIST}?severity=high&status=new&bogus=1").content.decode()
    assert 'hx-get="/e/test-election/incidents/?severity=high&amp;status=new"' in page
    assert 'hx-trigger="every 10s, incidents-changed from:body"' in page
    refreshed = htmx(client, f"{LIST}?status=new&incident={incidents['r1'].pk}").content.decode()
    assert "<html" not in refreshed
    assert (
        f'value="{incidents["r1"].pk}" form="bulk" aria-label="tick incident at D1-001" checked'
        in refreshed
    )
    assert (
        f'value="{incidents["r2"].pk}" form="bulk" aria-label="tick incident at D3-001">'
        in refreshed
    )


# Map -------------------------------------------------------------------------------------


def test_the_map_marks_incidents_within_reach_by_severity(client, mission, incidents):
    Incident.objects.filter(pk=incidents["r2"].pk).update(severity=Incident.Severity.CRITICAL)
    signed_in(client, mission, "coordinator")
    svg = client.get(reverse("incidents-map", args=["test-election"])).content.decode()
    assert (
        svg.count('fill-opacity="0.85"') == 2
        and 'fill="#a61e4d"' in svg
        and 'fill="#d9480f"' in svg
    )
    signed_in(client, mission, "supervisor")
    svg = client.get(reverse("incidents-map", args=["test-election"])).content.decode()
    assert svg.count('fill-opacity="0.85"') == 1 and "D1-001" in svg and "D3-001" not in svg
    response = client.get(reverse("incidents-map", args=["test-election"]) + "?severity=x")
    assert response.status_code == 400 and "Severity:" in response.content.decode()


def test_the_migration_gives_old_incidents_their_title(incidents):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("pollwatch.submissions.migrations.0006_incident_triage")
    Incident.objects.filter(pk=incidents["r1"].pk).update(summary="Opening: A3")
    migration.readable_summaries(apps, None)
    incidents["r1"].refresh_from_db()
    assert incidents["r1"].summary == "Ballot box shown empty? No"


def test_bulk_answers_and_refusals_in_the_pages_language(client, mission, incidents):
    signed_in(client, mission, "coordinator")
    ticked = [incidents["r1"].pk, incidents["r2"].pk]
    response = htmx(client, LIST, {"incident": ticked, "status": "resolved"}, target="bulk-result")
    assert "2 of 2 incidents changed." in response.content.decode()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    response = htmx(client, LIST, {"incident": ticked, "status": "new"}, target="bulk-result")
    assert "Изменено 2 из 2 инцидентов." in response.content.decode()
    refused = htmx(client, LIST, {"status": "new"}, target="bulk-result").content.decode()
    assert "Отметьте хотя бы один инцидент." in refused and "Tick at least" not in refused
