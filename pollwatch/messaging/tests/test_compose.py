"""Writing to a group: who may, who is chosen, the preview, the queue, scheduled reminders."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from pollwatch.audit.models import AuditEvent
from pollwatch.messaging.models import Broadcast, Message, OptOut
from pollwatch.messaging.outbox import digest, fill_due
from pollwatch.messaging.sender import Pace, send_due
from pollwatch.submissions.intake import submit
from pollwatch.submissions.models import Inbound
from pollwatch.testing import PERSONAS

BASE = "/e/test-election/messages/"
PAGES = ["", "compose/", "inbox/"]
ROLES_THAT_MAY = {"admin", "coordinator", "supervisor"}
ALL = [p for p in PERSONAS if p != "other_observer"]


def login(client, mission, persona):
    client.force_login(mission.users[persona])
    return client


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", ALL)
def test_pages_by_role(client, mission, persona, page):
    login(client, mission, persona)
    response = client.get(BASE + page)
    if persona in ROLES_THAT_MAY or (persona == "clerk" and page != "compose/"):
        assert response.status_code == 200
    elif persona == "outsider":
        assert response.status_code == 404  # the election does not leak
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_pages_need_a_login(client, mission, page):
    response = client.get(BASE + page)
    assert response.status_code == 302 and "/login" in response["Location"]


def post(client, **fields):
    data = {"roles": ["observer"], "default_language": "en", "action": "send"}
    data.update(fields)
    return client.post(BASE + "compose/", data)


def test_preview_counts_people_per_language_and_shows_their_text(client, speakers):
    login(client, speakers, "coordinator")
    response = post(
        client,
        action="preview",
        text_en="Hello {first_name}, send {station}",
        text_az="Salam {first_name}, {station} göndərin",
    )
    assert response.status_code == 200
    page = response.text
    assert 'data-count="2"' in page
    assert "1 in az, 1 in en" in page
    assert "Salam Observer, D1-001 göndərin" in page
    assert "Hello Other, send D3-001" in page
    assert Message.objects.count() == 0  # a preview sends nothing


def test_send_queues_one_message_per_person_in_their_language_and_audits_it(
    client, speakers, outbox
):
    login(client, speakers, "coordinator")
    response = post(client, text_en="Hello {name}", text_az="Salam {name}")
    assert response.status_code == 302
    broadcast = Broadcast.objects.get()
    assert response["Location"] == f"{BASE}broadcasts/{broadcast.pk}/"
    messages = {m.to: m for m in Message.objects.all()}
    observer, other = speakers.people["observer"], speakers.people["other_observer"]
    assert (
        messages[observer.phone].text == "Salam Observer"
        and messages[observer.phone].language == "az"
    )
    assert messages[other.phone].text == "Hello Other Observer"
    assert {m.status for m in messages.values()} == {"queued"}
    event = AuditEvent.objects.get(kind="message.broadcast")
    assert event.payload["queued"] == 2
    assert (
        event.payload["digest"]
        == digest(Message.objects.order_by("pk").values_list("uuid", "to", "text"))
        == broadcast.digest
    )
    # The sender hands them to the console outbox: one line per observer, in their language.
    assert send_due(Pace(0)) == 2
    lines = {line["to"]: line for line in outbox.read()}
    assert lines[observer.phone]["text"] == "Salam Observer"
    assert lines[observer.phone]["language"] == "az"
    assert lines[other.phone]["text"] == "Hello Other Observer"
    assert set(Message.objects.values_list("status", flat=True)) == {"delivered"}
    assert send_due(Pace(0)) == 0  # nothing is sent twice


def test_area_filter_and_supervisor_reach(client, speakers):
    login(client, speakers, "coordinator")
    post(client, text_en="North only", area=str(speakers.regions["R1"].pk))
    assert list(Message.objects.values_list("person__code", flat=True)) == [
        speakers.people["observer"].code
    ]
    # A supervisor of R1 reaches only R1's observers, whatever the filters say.
    Message.objects.all().delete()
    login(client, speakers, "supervisor")
    post(client, text_en="From your supervisor")
    assert list(Message.objects.values_list("person__code", flat=True)) == [
        speakers.people["observer"].code
    ]


def test_supervisor_cannot_pick_an_area_outside_reach(client, speakers):
    login(client, speakers, "supervisor")
    response = post(client, text_en="Hi", area=str(speakers.regions["R2"].pk))
    assert response.status_code == 400
    assert "Returned is outside the areas you supervise" in response.text
    assert Message.objects.count() == 0


def test_not_reported_and_silent_filters(client, speakers, forms):
    observer = speakers.people["observer"]
    submit(
        observer.memberships.get(),
        forms["OP"],
        speakers.stations["D1-001"],
        {"A1": 1, "A3": 1},
        client_uuid=uuid.uuid4(),
        source="web",
    )
    login(client, speakers, "coordinator")
    post(client, text_en="Send OP", not_reported="OP")
    assert list(Message.objects.values_list("person__code", flat=True)) == [
        speakers.people["other_observer"].code
    ]
    Message.objects.all().delete()
    Inbound.objects.create(
        channel="sms", gateway="json", sender=observer.phone, raw="x", sha256="0", person=observer
    )
    post(client, text_en="Are you there?", silent_minutes="30")
    assert list(Message.objects.values_list("person__code", flat=True)) == [
        speakers.people["other_observer"].code
    ]


def test_codes_and_roles_and_left_out(client, speakers):
    OptOut.objects.create(phone=speakers.people["other_observer"].phone, how="STOP")
    login(client, speakers, "coordinator")
    response = post(
        client,
        action="preview",
        text_en="x",
        roles=["observer", "supervisor"],
    )
    assert 'data-count="1"' in response.text
    assert "1 (no phone)" in response.text and "1 (opted out)" in response.text
    response = post(client, action="preview", text_en="x", codes=speakers.people["observer"].code)
    assert 'data-count="1"' in response.text


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"area": "99999"}, "area"),
        ({"area": "north"}, "area"),
        ({"team": "7"}, "team"),
        ({"not_reported": "ZZ"}, "not_reported"),
        ({"silent_minutes": "-5"}, "silent_minutes"),
        ({"silent_minutes": "soon"}, "silent_minutes"),
        ({"roles": ["boss"]}, "roles"),
        ({"text_en": "Hello {nom}"}, "text_en"),
        ({"text_en": "Hello {name!x}"}, "text_en"),
        ({"text_en": "Hello {name:>99999999999999999999}"}, "text_en"),
        ({"text_en": "Hello {name:{code}}"}, "text_en"),
        ({"text_en": "Hello {"}, "text_en"),
        ({"text_en": "x" * 1601}, "text_en"),
        ({"text_en": "Hello", "text_az": "ə" * 100_000}, "text_az"),
        ({"text_en": ""}, "text_en"),
        ({"send_at": "tomorrow"}, "send_at"),
        ({"default_language": "xx"}, "default_language"),
        ({"audience": "12345"}, "audience"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_sends_nothing(client, speakers, fields, named):
    login(client, speakers, "coordinator")
    data = {"text_en": "Hello"} | fields
    response = post(client, **data)
    assert response.status_code == 400
    assert f"<strong>{named}</strong>" in response.text
    assert Message.objects.count() == 0 and Broadcast.objects.count() == 0


@pytest.mark.parametrize("text", ["Hi {name!x}", "Hi {name:d}", "Hi {", "Hi {name:>99999999}"])
def test_the_preview_names_a_bad_text_and_shows_it_as_written(client, speakers, text):
    login(client, speakers, "coordinator")
    response = post(client, action="preview", text_en=text)
    assert response.status_code == 200
    assert "<strong>text_en</strong>" in response.text
    assert len(response.content) < 100_000  # no placeholder padded to megabytes


def test_scheduled_reminder_chooses_its_audience_when_due(client, speakers, forms, outbox):
    login(client, speakers, "coordinator")
    later = (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = post(client, text_en="Please send OP", not_reported="OP", send_at=later)
    assert response.status_code == 302
    broadcast = Broadcast.objects.get()
    assert broadcast.status == "scheduled" and Message.objects.count() == 0
    assert fill_due() == 0  # not yet
    # Meanwhile the observer reports: only the other observer is reminded.
    submit(
        speakers.people["observer"].memberships.get(),
        forms["OP"],
        speakers.stations["D1-001"],
        {"A1": 1, "A3": 1},
        client_uuid=uuid.uuid4(),
        source="web",
    )
    assert fill_due(timezone.now() + timedelta(hours=2)) == 1
    assert fill_due(timezone.now() + timedelta(hours=2)) == 0  # filled once
    message = Message.objects.get()
    assert message.kind == "reminder" and message.person == speakers.people["other_observer"]
    assert AuditEvent.objects.filter(kind="message.scheduled").count() == 1


def test_cancel_stops_what_is_not_yet_sent(client, speakers, outbox):
    login(client, speakers, "coordinator")
    post(client, text_en="Oops")
    broadcast = Broadcast.objects.get()
    response = client.post(f"{BASE}broadcasts/{broadcast.pk}/", {"action": "cancel"})
    assert response.status_code == 302
    assert set(Message.objects.values_list("status", flat=True)) == {"cancelled"}
    assert send_due(Pace(0)) == 0 and outbox.read() == []
    assert AuditEvent.objects.filter(kind="message.cancelled").exists()


@pytest.mark.parametrize("persona", ALL)
def test_broadcast_page_by_role(client, speakers, persona):
    login(client, speakers, "coordinator")
    post(client, text_en="Hi")
    broadcast = Broadcast.objects.get()
    client.logout()
    login(client, speakers, persona)
    response = client.get(f"{BASE}broadcasts/{broadcast.pk}/")
    expected = {"admin": 200, "coordinator": 200, "supervisor": 404, "outsider": 404, "clerk": 403}
    assert response.status_code == expected.get(persona, 403)


def test_saved_audience_and_template(client, speakers):
    login(client, speakers, "coordinator")
    response = post(
        client,
        action="save_audience",
        audience_name="North",
        area=str(speakers.regions["R1"].pk),
        text_en="",
    )
    assert response.status_code == 302
    from pollwatch.messaging.models import Audience, Template

    audience = Audience.objects.get(name="North")
    response = post(client, action="save_template", template_name="Nudge", text_en="Send {station}")
    assert Template.objects.get(name="Nudge").texts == {"en": "Send {station}"}
    page = client.get(f"{BASE}compose/?template={Template.objects.get().pk}").text
    assert "Send {station}" in page
    post(client, audience=str(audience.pk), text_en="Hi north")
    assert list(Message.objects.values_list("person__code", flat=True)) == [
        speakers.people["observer"].code
    ]


def test_composing_to_many_is_one_transaction_of_bulk_inserts(
    client, speakers, django_assert_max_num_queries
):
    from pollwatch.observers.models import Deployment, Membership, Person

    for number in range(300):
        person = Person.objects.create(
            mission=speakers.mission,
            code=f"9{number:04d}",
            full_name=f"P {number}",
            phone=f"+99455{number:07d}",
        )
        membership = Membership.objects.create(
            person=person, election=speakers.election, role="observer"
        )
        Deployment.objects.create(membership=membership, station=speakers.stations["D2-002"])
    login(client, speakers, "coordinator")
    with django_assert_max_num_queries(40):
        response = post(client, text_en="Hello {code}")
    assert response.status_code == 302
    assert Message.objects.count() == 302


def test_coverage_silent_observers_are_the_phase_audience(client, speakers, forms):
    """Coverage's "write to the silent observers" chooses the people Coverage lists."""
    submit(
        speakers.people["observer"].memberships.get(),
        forms["OP"],
        speakers.stations["D1-001"],
        {"A1": 1, "A3": 1},
        client_uuid=uuid.uuid4(),
        source="web",
    )
    login(client, speakers, "coordinator")
    coverage = client.get("/e/test-election/coverage/?phase=opening").text
    assert "Write to the 1 silent observer" in coverage
    assert f"/e/test-election/people/{speakers.people['other_observer'].code}/thread/" in coverage
    page = client.get(BASE + "compose/?phase=opening")
    assert '<option value="opening" selected>' in page.text
    response = post(client, action="preview", text_en="x", phase="opening")
    assert 'data-count="1"' in response.text
    response = post(client, action="preview", text_en="x", phase="any")
    assert 'data-count="1"' in response.text  # the observer sent OP: not silent
    response = post(client, text_en="x", phase="voting")
    assert response.status_code == 400 and "no phase &#x27;voting&#x27;" in response.text
