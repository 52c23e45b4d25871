"""Messages' kinds and statuses, a broadcast's status and form phases in other languages (issue 13)."""

from __future__ import annotations

from pollwatch.messaging.models import Broadcast, Message

OUTBOX = "/e/test-election/messages/"


def test_a_messages_kind_and_status_are_shown_in_russian(client, mission):
    observer = mission.people["observer"]
    Message.objects.create(
        election=mission.election,
        person=observer,
        to=observer.phone or "+994501234567",
        text="Thank you",
        kind="reply",
        gateway="json",
        status="undelivered",
    )
    Broadcast.objects.create(
        election=mission.election, created_by=mission.users["admin"], status="cancelled"
    )
    client.force_login(mission.users["admin"])
    html = client.get(OUTBOX, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<td data-label="Вид">ответ на SMS</td>' in html
    # The CSS class and the filter's values stay as stored.
    assert '<span class="badge status-undelivered">не доставлено</span>' in html
    assert '<option value="undelivered">не доставлено (1)</option>' in html
    assert "<td>Отменено</td>" in html
    english = client.get(OUTBOX, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<td data-label="Kind">reply to an SMS</td>' in english
    assert '<span class="badge status-undelivered">not delivered</span>' in english
    assert "<td>Cancelled</td>" in english


def test_the_compose_pages_phases_are_shown_in_french(client, mission, forms):
    client.force_login(mission.users["admin"])
    url = "/e/test-election/messages/compose/"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<option value="opening">ouverture</option>' in html
    assert "(ouverture)</option>" in html  # the form OP's phase beside its name
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="opening">opening</option>' in english
