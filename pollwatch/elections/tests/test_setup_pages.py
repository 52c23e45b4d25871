"""The setup pages: a new election (site admins only), the ballot before election day, and the
readiness checklist that says what is still missing."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from pollwatch.testing import PERSONAS, assert_reach

SLUG = "test-election"
SETUP = {"admin", "coordinator"}


def new_election_data(**extra):
    data = {
        "name": "Municipal election 2027",
        "slug": "muni-2027",
        "date": "2027-03-14",
        "kind": "parliamentary",
        "country": "az",
        "time_zone": "Asia/Baku",
        "mission": "",
        "contest": "Mayor of Baku",
        "c-TOTAL_FORMS": "4",
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "1000",
        "c-0-code": "A",
        "c-0-name": "Aliyeva",
        "c-0-party": "Green",
        "c-0-colour": "#2CA02C",
        "c-1-code": "B",
        "c-1-name": "Bayramov",
        "c-1-party": "",
        "c-1-colour": "#d62728",
    }
    data.update(extra)
    return data


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="x")


@pytest.fixture
def future(mission):
    """The test election moved a month ahead, so its ballot may still change."""
    mission.election.date = datetime.date.today() + datetime.timedelta(days=30)
    mission.election.save()
    return mission


# Reach


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_site_admins_open_the_new_election_page(client, mission, persona):
    # The election's admin is no site admin: an election is created by a superuser.
    assert_reach(client, mission, persona, "/elections/new/", set())


def test_a_site_admin_opens_the_new_election_page(client, superuser):
    client.force_login(superuser)
    assert client.get("/elections/new/").status_code == 200


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
@pytest.mark.parametrize(
    "url", [f"/e/{SLUG}/setup/", f"/e/{SLUG}/setup/ballot/", f"/e/{SLUG}/setup/ballot/{{pk}}/"]
)
def test_setup_pages_open_to_admins_and_coordinators(client, future, persona, url):
    contest = future.election.contests.get()
    assert_reach(client, future, persona, url.format(pk=contest.pk), SETUP)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_admins_and_coordinators_change_the_ballot(client, future, persona):
    contest = future.election.contests.get()
    if persona != "anonymous":
        client.force_login(future.users[persona])
    response = client.post(f"/e/{SLUG}/setup/ballot/new/", {"name": "Referendum"})
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    elif persona in SETUP:
        assert response.status_code == 302
    else:
        assert response.status_code in (403, 404)
    assert future.election.contests.count() == (2 if persona in SETUP else 1)
    assert contest.candidates.count() == 2


def test_the_election_home_links_the_setup_page_for_admins_and_coordinators(client, mission):
    for persona in ("admin", "coordinator", "analyst", "observer"):
        client.force_login(mission.users[persona])
        page = client.get(f"/e/{SLUG}/").content.decode()
        assert (f"/e/{SLUG}/setup/" in page) is (persona in SETUP), persona


# New election, end to end


def test_a_site_admin_creates_an_election_with_its_candidates(client, superuser):
    from pollwatch.audit.models import AuditEvent
    from pollwatch.elections.models import Election

    client.force_login(superuser)
    response = client.post("/elections/new/", new_election_data())
    assert response.status_code == 302 and response["Location"] == "/e/muni-2027/setup/"
    election = Election.objects.get(slug="muni-2027")
    assert (election.name, election.date, election.kind) == (
        "Municipal election 2027",
        datetime.date(2027, 3, 14),
        "parliamentary",
    )
    assert (election.country_code, election.time_zone) == ("AZ", "Asia/Baku")
    assert election.missions.get().name == "Municipal election 2027 observation mission"
    contest = election.contests.get()
    assert contest.name == "Mayor of Baku"
    assert list(
        contest.candidates.values_list("code", "name", "party", "colour", "ballot_order")
    ) == [
        ("A", "Aliyeva", "Green", "#2ca02c", 1),
        ("B", "Bayramov", "", "#d62728", 2),
    ]
    assert AuditEvent.objects.filter(kind="election.created", election_id=election.pk).exists()
    page = client.get("/e/muni-2027/setup/").content.decode()
    assert "Still missing before election day" in page


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("c-1-colour", "red", "is not #rrggbb"),
        ("c-1-colour", "#12345g", "is not #rrggbb"),
        ("time_zone", "Mars/Olympus", "is not a time zone name"),
        ("c-1-code", "A", "is on rows 1 and 2"),
        ("c-1-name", "", "needs a name"),
        ("slug", "test-election", "exists already"),
    ],
)
def test_a_bad_new_election_is_refused_naming_the_field(
    client, mission, superuser, field, value, message
):
    from pollwatch.elections.models import Election

    client.force_login(superuser)
    response = client.post("/elections/new/", new_election_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Election.objects.filter(slug="muni-2027").exists()


def test_the_command_and_the_page_share_one_path(db):
    from pollwatch.audit.models import AuditEvent
    from pollwatch.elections.models import Election

    call_command(
        "create_election", "Pres 2028", date="2028-10-01", slug="p28", time_zone="Europe/Paris"
    )
    election = Election.objects.get(slug="p28")
    assert election.time_zone == "Europe/Paris" and election.contests.get().name == "Pres 2028"
    assert AuditEvent.objects.get(kind="election.created").actor == "create-election"


# Ballot


def test_a_coordinator_changes_the_candidates_before_election_day(client, future):
    from pollwatch.audit.models import AuditEvent

    contest = future.election.contests.get()
    client.force_login(future.users["coordinator"])
    data = {
        "name": "President",
        "c-TOTAL_FORMS": "3",
        "c-INITIAL_FORMS": "2",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "1000",
        "c-0-code": "C1",
        "c-0-name": "Incumbent",
        "c-0-party": "Ruling party",
        "c-0-colour": "#1f77b4",
        "c-1-code": "",  # cleared: removed
        "c-1-name": "",
        "c-1-colour": "#777777",
        "c-2-code": "C3",
        "c-2-name": "Newcomer",
        "c-2-colour": "#ff7f0e",
    }
    response = client.post(f"/e/{SLUG}/setup/ballot/{contest.pk}/", data)
    assert response.status_code == 302
    assert list(contest.candidates.values_list("code", "party", "colour")) == [
        ("C1", "Ruling party", "#1f77b4"),
        ("C3", "", "#ff7f0e"),
    ]
    event = AuditEvent.objects.get(kind="contest.changed")
    assert event.payload["before"] == ["C1", "C2"] and event.payload["after"] == ["C1", "C3"]
    data["c-2-colour"] = "orange"
    response = client.post(f"/e/{SLUG}/setup/ballot/{contest.pk}/", data)
    assert "is not #rrggbb" in response.content.decode()


def test_the_ballot_is_fixed_from_election_day_on(client, mission):
    mission.election.date = datetime.date.today()
    mission.election.time_zone = "Pacific/Kiritimati"  # the earliest day on earth
    mission.election.save()
    contest = mission.election.contests.get()
    client.force_login(mission.users["admin"])
    assert "the ballot is fixed" in client.get(f"/e/{SLUG}/setup/ballot/").content.decode()
    response = client.post(f"/e/{SLUG}/setup/ballot/new/", {"name": "Another"})
    assert response.status_code == 403
    assert contest.candidates.count() == 2 and mission.election.contests.count() == 1


# Readiness


def steps_of(client) -> dict[str, str]:
    import re

    page = client.get(f"/e/{SLUG}/setup/").content.decode()
    return dict(re.findall(r'data-step="(\w+)" data-done="(\w+)"', page))


def test_the_setup_page_says_what_is_missing_step_by_step(client, mission, forms, tmp_path):
    client.force_login(mission.users["coordinator"])
    steps = steps_of(client)
    assert list(steps) == ["details", "stations", "forms", "sample", "observers", "staff"]
    # The fixture has a ballot, stations, forms and staff; no sample; deployments without one.
    assert steps == {
        "details": "yes",
        "stations": "yes",
        "forms": "yes",
        "sample": "no",
        "observers": "yes",
        "staff": "yes",
    }
    page = client.get(f"/e/{SLUG}/setup/").content.decode()
    assert "no sample drawn or imported" in page
    assert f'href="/e/{SLUG}/sample/draw/"' in page and f'href="/e/{SLUG}/imports/"' in page
    # A sample of four stations, one of them covered: the observers step says which are not.
    from pollwatch.results.design import import_sample

    path = tmp_path / "s.csv"
    path.write_text(
        "code,stratum,weight,sample_role\n"
        "D1-001,R1,2,sampled\nD2-001,R1,2,sampled\nD3-001,R2,2,sampled\nD3-002,R2,2,sampled\n"
    )
    import_sample(mission.election, path)
    steps = steps_of(client)
    assert steps["sample"] == "yes" and steps["observers"] == "no"
    page = client.get(f"/e/{SLUG}/setup/").content.decode()
    assert "50% of sampled stations have an observer" in page
    assert "2 sampled stations have no observer" in page


def test_a_new_election_misses_everything_but_its_details(client, superuser):
    client.force_login(superuser)
    client.post("/elections/new/", new_election_data())
    page = client.get("/e/muni-2027/setup/").content.decode()
    for missing in (
        "import the geography and stations",
        "no live form",
        "no sample drawn or imported",
        "import the observers",
        "invite the coordinators",
    ):
        assert missing in page
    assert 'data-step="details" data-done="yes"' in page
