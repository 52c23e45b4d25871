"""The mission home says what needs attention now (issue 16): on election day and counting
night the silent observers, the unassigned critical incidents, the reports waiting for review
and the quick count's call; before election day the setup steps still missing. Each item is
for the roles whose page it links to, and the panel refreshes itself as a partial."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from pollwatch.checklists.loading import install_form
from pollwatch.formspec.spec import loads_form
from pollwatch.testing import CRITICAL_CHECKLIST, PERSONAS, assert_reach, protocol, send

SLUG = "test-election"
# What each persona's panel holds on election night (data-item of each entry).
LIVE_ITEMS = {
    "admin": {"silent", "incidents", "quick-count", "review", "conflicts"},
    "coordinator": {"silent", "incidents", "quick-count", "review", "conflicts"},
    "analyst": {"quick-count"},
    "supervisor": {"silent", "incidents"},
    "clerk": {"silent"},
    "media_monitor": set(),
    "observer": set(),
    "other_observer": set(),
    "partner": set(),
}


def on_election_day(election) -> None:
    election.date = timezone.localdate(timezone=datetime.UTC)
    election.save()


def before_election_day(election) -> None:
    election.date = timezone.localdate(timezone=datetime.UTC) + datetime.timedelta(days=30)
    election.save()


@pytest.fixture
def counting_night(mission, results_forms):
    """Election day: the observer's two stations report (one form accepted with problems), the
    other observer (D3-001) is silent; a critical incident nobody follows up at D1-001, another
    assigned to the coordinator."""
    from pollwatch.observers.models import Deployment
    from pollwatch.submissions.intake import submit
    from pollwatch.submissions.models import Incident

    on_election_day(mission.election)
    Deployment.objects.create(
        membership=mission.people["observer"].memberships.get(), station=mission.stations["D2-001"]
    )
    send(mission, results_forms["PR"], "observer", "D1-001", protocol(600, 300))
    partial = protocol(620, 280)
    partial["VA"] = 800  # the candidates' votes do not add up to the valid ballots
    send(mission, results_forms["PR"], "observer", "D2-001", partial)
    critical = install_form(mission.election, loads_form(CRITICAL_CHECKLIST))[0]
    membership = mission.people["observer"].memberships.get()
    for _ in range(2):
        submit(
            membership,
            critical,
            mission.stations["D1-001"],
            {"K1": 1},
            client_uuid=uuid.uuid4(),
            source="web",
        )
    followed = Incident.objects.filter(severity=Incident.Severity.CRITICAL).first()
    followed.assignee = mission.users["coordinator"]
    followed.save()
    return mission


def items(html: str) -> set[str]:
    return set(re.findall(r'data-item="([\w-]+)"', html))


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_the_home_and_its_panel_are_for_every_member_of_the_election(
    client, counting_night, persona
):
    allowed = set(PERSONAS) - {"outsider"}
    for name in ("election-home", "election-now"):
        assert_reach(client, counting_night, persona, reverse(name, args=[SLUG]), allowed)


@pytest.mark.parametrize("persona", sorted(LIVE_ITEMS))
def test_each_role_sees_only_its_items_on_election_night(client, counting_night, persona):
    client.force_login(counting_night.users[persona])
    home = client.get(f"/e/{SLUG}/").content.decode()
    panel = client.get(f"/e/{SLUG}/now/", HTTP_HX_REQUEST="true").content.decode()
    assert items(home) == items(panel) == LIVE_ITEMS[persona]
    if LIVE_ITEMS[persona]:
        assert f'hx-get="/e/{SLUG}/now/"' in home and 'hx-trigger="every 30s"' in home
    else:
        # No panel at all: nothing to say, nothing to poll.
        assert 'id="now"' not in home and panel.strip() == ""


def test_the_coordinator_sees_the_counts_with_links_to_the_pages_that_deal_with_them(
    client, counting_night
):
    client.force_login(counting_night.users["coordinator"])
    html = client.get(f"/e/{SLUG}/now/").content.decode()
    assert f'<a href="/e/{SLUG}/coverage/">1 silent observer</a>' in html
    assert "observers deployed: 3" in html
    incidents = f"/e/{SLUG}/incidents/?severity=critical&amp;status=open&amp;assignee=none"
    assert f'<a href="{incidents}">1 critical incident not assigned to anyone</a>' in html
    review = f'<a href="/e/{SLUG}/submissions/?status=partial">'
    assert f"{review}1 report accepted with problems waits for review</a>" in html
    assert "0 reports with conflicting or changed figures" in html
    assert f'<a href="/e/{SLUG}/quick-count/">Quick count</a> · Call' in html
    assert "Result forms in 2 / 3" in html
    assert "report reader" not in html


def test_each_count_is_what_its_link_lists(client, counting_night):
    from pollwatch.submissions.models import Incident

    client.force_login(counting_night.users["coordinator"])
    listed = client.get(
        f"/e/{SLUG}/incidents/?severity=critical&status=open&assignee=none"
    ).content.decode()
    open_one = Incident.objects.get(assignee__isnull=True, severity=Incident.Severity.CRITICAL)
    followed = Incident.objects.get(assignee__isnull=False)
    assert f"/incidents/{open_one.pk}/" in listed and f"/incidents/{followed.pk}/" not in listed
    coverage = client.get(f"/e/{SLUG}/coverage/").content.decode()
    assert re.search(r"<dt>Silent</dt><dd>1</dd>", coverage)


def test_the_call_is_the_quick_count_pages_own(client, counting_night):
    from pollwatch.results.estimates import quick_count_for
    from pollwatch.results.templatetags.analysis import call_status

    client.force_login(counting_night.users["analyst"])
    html = client.get(f"/e/{SLUG}/now/").content.decode()
    status = quick_count_for(counting_night.election)["call"]["status"]
    assert f">{call_status(status)}</span>" in html
    page = client.get(f"/e/{SLUG}/quick-count/").content.decode()
    assert f">{call_status(status)}</span>" in page


def test_a_supervisor_counts_only_their_area(client, counting_night):
    client.force_login(counting_night.users["supervisor"])
    html = client.get(f"/e/{SLUG}/now/").content.decode()
    # R1's two deployments have both reported; the silent observer is in R2.
    assert "0 silent observers" in html and "observers deployed: 2" in html
    assert "1 critical incident not assigned to anyone" in html


def test_a_report_reader_behind_is_said_to_admins_and_coordinators(client, counting_night):
    from pollwatch.submissions.models import Inbound

    waiting = Inbound.objects.create(channel=Inbound.Channel.WEB, gateway="pwa", raw="{}")
    Inbound.objects.filter(pk=waiting.pk).update(
        received_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    client.force_login(counting_night.users["coordinator"])
    html = client.get(f"/e/{SLUG}/now/").content.decode()
    assert 'data-item="reader"' in html and "1 report received and not read yet" in html
    client.force_login(counting_night.users["analyst"])
    assert 'data-item="reader"' not in client.get(f"/e/{SLUG}/now/").content.decode()


def test_before_election_day_it_lists_what_setup_still_misses(client, mission):
    before_election_day(mission.election)
    client.force_login(mission.users["coordinator"])
    html = client.get(f"/e/{SLUG}/").content.decode()
    assert items(html) == {"setup"}
    assert re.search(rf'<a href="/e/{SLUG}/setup/">\d+ setup steps? still missing', html)
    assert "Observation forms: no live form" in html
    # The live items wait for election day.
    assert "silent observer" not in html and "Quick count" not in html
    client.force_login(mission.users["analyst"])
    assert 'id="now"' not in client.get(f"/e/{SLUG}/").content.decode()


def test_a_closed_election_has_nothing_to_attend_to(client, counting_night):
    election = counting_night.election
    election.status = election.Status.CLOSED
    election.save()
    client.force_login(counting_night.users["coordinator"])
    assert 'id="now"' not in client.get(f"/e/{SLUG}/").content.decode()


def test_another_missions_coordinator_cannot_see_it(client, counting_night):
    from django.contrib.auth.models import User

    from pollwatch.elections.models import Election
    from pollwatch.observers.models import Membership, Mission, Person, Role

    other = Election.objects.create(slug="other", name="Other election", date=datetime.date.today())
    mission = Mission.objects.create(election=other, name="Other mission")
    user = User.objects.create_user("their-coordinator")
    person = Person.objects.create(mission=mission, code="9001", full_name="Them", user=user)
    Membership.objects.create(person=person, election=other, role=Role.COORDINATOR)
    client.force_login(user)
    assert client.get("/e/other/now/").status_code == 200
    for url in (f"/e/{SLUG}/", f"/e/{SLUG}/now/"):
        response = client.get(url)
        assert response.status_code == 404
        assert b"silent observer" not in response.content


def test_the_panel_in_russian(client, counting_night):
    client.force_login(counting_night.users["coordinator"])
    html = client.get(f"/e/{SLUG}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Требует внимания сейчас" in html
    assert "1 молчащий наблюдатель" in html
    assert "1 критический инцидент никому не назначен" in html
    assert "1 отчёт принят с замечаниями и ждёт проверки" in html
    assert "0 отчётов с конфликтующими или изменёнными цифрами" in html
    assert "Поступило протоколов 2 / 3" in html
    for english in ("silent observer", "Needs attention", "not assigned", "waits for review"):
        assert english not in html
