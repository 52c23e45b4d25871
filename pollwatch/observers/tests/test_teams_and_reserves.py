"""Teams with a route (observed only, never in the quick-count sample) and reserves promoted."""

from __future__ import annotations

import csv

import pytest
from django.urls import reverse

from pollwatch.audit.models import AuditEvent
from pollwatch.observers.models import Membership, RouteStop, Team
from pollwatch.testing import PERSONAS, assert_reach, protocol, send

SLUG = "test-election"
DEPLOYERS = {"admin", "coordinator"}


@pytest.fixture
def team(mission):
    made = Team.objects.create(election=mission.election, name="Mobile North", mobile=True)
    made.areas.add(mission.regions["R1"])
    membership = mission.people["observer"].memberships.get()
    membership.team = made
    membership.save()
    return made


# ---- who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_team_pages_reach(client, mission, team, persona):
    allowed = {"admin", "coordinator", "clerk", "supervisor"}
    assert_reach(client, mission, persona, reverse("teams", args=[SLUG]), allowed)
    client.logout()
    assert_reach(client, mission, persona, reverse("team", args=[SLUG, team.pk]), allowed)


def test_supervisor_sees_no_team_outside_their_areas(client, mission, team):
    south = Team.objects.create(election=mission.election, name="South")
    south.areas.add(mission.regions["R2"])
    client.force_login(mission.users["supervisor"])
    assert "South" not in client.get(reverse("teams", args=[SLUG])).content.decode()
    assert client.get(reverse("team", args=[SLUG, south.pk])).status_code == 404


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_deployers_change_teams_and_routes(client, mission, team, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    url = reverse("team", args=[SLUG, team.pk])
    client.post(url, {"action": "add-stop", "station": "D1-002"})
    client.post(reverse("teams", args=[SLUG]), {"name": "New one"})
    changed = RouteStop.objects.filter(team=team).exists()
    created = Team.objects.filter(name="New one").exists()
    assert changed == created == (persona in DEPLOYERS), persona


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_reserves_page_reach(client, mission, persona):
    assert_reach(client, mission, persona, reverse("reserves", args=[SLUG]), DEPLOYERS)


# ---- routes are observed only --------------------------------------------------------------


def test_route_in_order_members_and_audit(client, mission, team):
    client.force_login(mission.users["coordinator"])
    url = reverse("team", args=[SLUG, team.pk])
    for code in ("D2-002", "D1-002"):
        client.post(url, {"action": "add-stop", "station": code})
    response = client.post(url, {"action": "add-stop", "station": "D2-002"}, follow=True)
    assert "D2-002 is on the route already" in response.content.decode()
    client.post(url, {"action": "add-member", "observer": "1007"})
    assert [s.station.code for s in team.route.order_by("position")] == ["D2-002", "D1-002"]
    assert Membership.objects.get(person__code="1007").team == team
    assert AuditEvent.objects.filter(kind="team.route_add").count() == 2
    page = client.get(url).content.decode()
    assert page.index("D2-002") < page.index("D1-002") and "Other Observer" in page
    first = team.route.get(station__code="D2-002")
    response = client.post(url, {"action": "remove-stop", "stop": "abc"}, follow=True)
    assert "not on this team&#x27;s route" in response.content.decode()
    client.post(url, {"action": "remove-stop", "stop": str(first.pk)})
    assert [s.station.code for s in team.route.all()] == ["D1-002"]
    assert AuditEvent.objects.filter(kind="team.route_remove").count() == 1
    fixed = Team.objects.create(election=mission.election, name="Fixed")
    response = client.post(
        reverse("team", args=[SLUG, fixed.pk]),
        {"action": "add-stop", "station": "D1-002"},
        follow=True,
    )
    assert "only a mobile team has a route" in response.content.decode()


def test_route_station_results_never_enter_the_quick_count(client, mission, team, results_forms):
    from pollwatch.results.estimates import quick_count_for

    RouteStop.objects.create(team=team, station=mission.stations["D1-002"], position=1)
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "other_observer", "D3-001", protocol(300, 600))
    before = quick_count_for(mission.election)
    # The mobile team's observer reports from a route station, with a very different result.
    send(mission, results_forms["PR"], "observer", "D1-002", protocol(900, 0))
    after = quick_count_for(mission.election)
    assert after["sampled_stations"] == before["sampled_stations"] == 2
    assert after["stations"] == before["stations"] == 2
    assert after["shares"]["C1"]["estimate"] == pytest.approx(before["shares"]["C1"]["estimate"])
    # ...while the report is still shown as observed, on the team page and the station page.
    client.force_login(mission.users["coordinator"])
    page = client.get(reverse("team", args=[SLUG, team.pk])).content.decode()
    assert "observed only" in page and "reported" in page
    station = client.get(reverse("station", args=[SLUG, "D1-002"])).content.decode()
    assert "PR" in station or "Result" in station


# ---- reserves ------------------------------------------------------------------------------


def write_design(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "stratum", "sample_role", "reserve_rank", "weight", "replaces"])
        writer.writerows(rows)
    return path


DESIGN = [
    ["D1-001", "A", "sampled", "", "2", ""],
    ["D2-001", "A", "sampled", "", "6", ""],
    ["D3-001", "B", "sampled", "", "2", ""],
    ["D3-002", "B", "reserve", "2", "", ""],
    ["D2-002", "B", "reserve", "1", "", ""],
    ["D1-002", "A", "reserve", "1", "", ""],
]


def test_promoted_reserve_is_recorded_audited_and_counted(client, mission, results_forms, tmp_path):
    from pollwatch.results.design import import_sample
    from pollwatch.results.estimates import quick_count_for
    from pollwatch.results.models import SampledStation

    import_sample(mission.election, write_design(tmp_path / "s.csv", DESIGN))
    client.force_login(mission.users["coordinator"])
    url = reverse("reserves", args=[SLUG])
    page = client.get(url).content.decode()
    # Only the same stratum's reserves are offered, lowest rank first.
    row = page[page.index("Replace D3-001") - 400 : page.index("Replace D3-001")]
    assert row.index("D2-002") < row.index("D3-002") and "D1-002" not in row
    response = client.post(url, {"sampled": "D3-001", "reserve": "D1-002"}, follow=True)
    assert "stratum &#x27;A&#x27;, not &#x27;B&#x27;" in response.content.decode()
    client.post(url, {"sampled": "D3-001", "reserve": "D3-002"})
    promoted = SampledStation.objects.get(station__code="D3-002")
    assert promoted.replaces.code == "D3-001"
    event = AuditEvent.objects.get(kind="sample.reserve_promoted")
    assert event.payload["replaced"] == "D3-001" and event.actor == "coordinator"
    response = client.post(url, {"sampled": "D3-001", "reserve": "D2-002"}, follow=True)
    assert "already replaced" in response.content.decode()

    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    send(mission, results_forms["PR"], "observer", "D2-001", protocol(500, 400))
    send(mission, results_forms["PR"], "other_observer", "D3-002", protocol(300, 600))
    data = quick_count_for(mission.election)
    expected = (2 * 600 + 6 * 500 + 2 * 300) / (2 * 900 + 6 * 900 + 2 * 900)
    assert data["shares"]["C1"]["estimate"] == pytest.approx(expected)
    assert data["stations"] == 3 == data["sampled_stations"]

    client.post(url, {"action": "withdraw", "reserve": "D3-002"})
    assert SampledStation.objects.get(station__code="D3-002").replaces is None
    assert AuditEvent.objects.filter(kind="sample.reserve_withdrawn").count() == 1


def test_reserves_page_without_a_design_says_so(client, mission):
    client.force_login(mission.users["admin"])
    page = client.get(reverse("reserves", args=[SLUG])).content.decode()
    assert "No sample design with reserves" in page


# ---- areas and the route's order, edited in the app -----------------------------------------


def route_codes(team):
    return [s.station.code for s in team.route.order_by("position")]


@pytest.fixture
def routed(team, mission):
    for position, code in enumerate(("D1-001", "D1-002", "D2-002"), start=1):
        RouteStop.objects.create(team=team, station=mission.stations[code], position=position)
    return team


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_deployers_edit_areas_and_reorder_the_route(client, mission, routed, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    url = reverse("team", args=[SLUG, routed.pk])
    last = routed.route.get(station__code="D2-002")
    client.post(url, {"action": "move-stop", "stop": str(last.pk), "to": "up"})
    client.post(url, {"action": "add-area", "area": "R2"})
    allowed = persona in DEPLOYERS
    expected = ["D1-001", "D2-002", "D1-002"] if allowed else ["D1-001", "D1-002", "D2-002"]
    assert route_codes(routed) == expected, persona
    assert routed.areas.filter(code="R2").exists() == allowed, persona
    page = client.get(url).content.decode()
    assert ('name="action" value="move-stop"' in page) == allowed
    assert ('id="add-area"' in page) == allowed
    client.post(url, {"action": "remove-area", "area": str(mission.regions["R1"].pk)})
    assert routed.areas.filter(code="R1").exists() != allowed, persona


def test_moving_stops_swaps_neighbours_and_is_audited(client, mission, routed):
    client.force_login(mission.users["coordinator"])
    url = reverse("team", args=[SLUG, routed.pk])
    first = routed.route.get(station__code="D1-001")
    client.post(url, {"action": "move-stop", "stop": str(first.pk), "to": "down"})
    client.post(url, {"action": "move-stop", "stop": str(first.pk), "to": "down"})
    assert route_codes(routed) == ["D1-002", "D2-002", "D1-001"]
    [moved, *_] = AuditEvent.objects.filter(kind="team.route_move").order_by("at", "pk")
    assert moved.actor == "coordinator" and moved.payload["swapped_with"] == "D1-002"
    assert AuditEvent.objects.filter(kind="team.route_move").count() == 2
    page = client.get(url).content.decode()
    assert page.index("D1-002") < page.index("D2-002") < page.index("D1-001")
    for stop, to, error in (
        (first.pk, "down", "D1-001 is last on the route already"),
        (routed.route.get(station__code="D1-002").pk, "up", "D1-002 is first on the route"),
        ("abc", "up", "stop: not on this team&#x27;s route"),
        (first.pk, "sideways", "to: &#x27;sideways&#x27; is not up or down"),
    ):
        response = client.post(url, {"action": "move-stop", "stop": stop, "to": to}, follow=True)
        assert error in response.content.decode()
    assert route_codes(routed) == ["D1-002", "D2-002", "D1-001"]
    assert AuditEvent.objects.filter(kind="team.route_move").count() == 2


def test_team_areas_are_added_and_removed_with_audit(client, mission, team):
    client.force_login(mission.users["admin"])
    url = reverse("team", args=[SLUG, team.pk])
    client.post(url, {"action": "add-area", "area": "R2"})
    assert sorted(team.areas.values_list("code", flat=True)) == ["R1", "R2"]
    for posted, error in (
        ({"action": "add-area", "area": "R2"}, "R2 is one of the team&#x27;s areas already"),
        ({"action": "add-area", "area": "ZZ"}, "no area with code &#x27;ZZ&#x27;"),
        ({"action": "remove-area", "area": "x"}, "not one of this team&#x27;s areas"),
    ):
        assert error in client.post(url, posted, follow=True).content.decode()
    client.post(url, {"action": "remove-area", "area": str(mission.regions["R1"].pk)})
    assert list(team.areas.values_list("code", flat=True)) == ["R2"]
    events = AuditEvent.objects.filter(kind__startswith="team.area_").order_by("at", "pk")
    assert [(e.kind, e.payload["area"], e.actor) for e in events] == [
        ("team.area_add", "R2", "admin"),
        ("team.area_remove", "R1", "admin"),
    ]
