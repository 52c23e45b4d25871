"""The sender: pacing, back-off, leases of a sender that died, faults inside a gateway module."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pollwatch.messaging.models import Message
from pollwatch.messaging.outbox import send_one as queue_one
from pollwatch.messaging.sender import (
    LEASE,
    Pace,
    backoff,
    batch_size,
    claim,
    recover,
    send_due,
    send_one,
)


def test_batches_end_inside_the_lease_even_when_every_send_times_out():
    assert batch_size(10, 10) == 6  # 6 × 10 s = 1 min, half the 2-minute lease
    assert batch_size(50, 1) == 60
    assert batch_size(0.5, 1) == 1
    assert batch_size(0, 1) == 60  # no rate: bounded by the lease
    assert batch_size(1000, 0.5) == 100


def test_backoff_doubles_to_a_ceiling():
    assert [backoff(n, jitter=0).total_seconds() for n in (1, 2, 3, 8, 20)] == [5, 10, 20, 600, 600]
    assert 4 <= backoff(1).total_seconds() <= 6


def test_pace_keeps_the_rate_per_gateway():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(round(seconds, 3))
        now[0] += seconds

    pace = Pace(4.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        pace.wait("twilio")
    pace.wait("json")  # another gateway has its own rate
    assert slept == [0.25, 0.25, 0.25, 0.25]
    assert now[0] == pytest.approx(1.0)  # 5 sends at 4/s take a second


def queue(mission, settings, gateway="console"):
    settings.SMS_SEND_GATEWAY = gateway
    person = mission.people["observer"]
    return queue_one(mission.election, person, person.phone, "hi")


def test_a_lost_claim_is_queued_again_only_where_the_gateway_is_idempotent(
    mission, settings, outbox
):
    console = queue(mission, settings, "console")
    twilio = queue(mission, settings, "twilio")
    waiting = queue(mission, settings, "twilio")
    now = timezone.now()
    assert len(claim(10, now)) == 3
    # The first two went to their gateway; the sender died before the third.
    Message.objects.filter(pk__in=[console.pk, twilio.pk]).update(handed_at=now)
    assert recover(now + LEASE / 2) == 0  # still within the lease
    assert recover(now + LEASE + timedelta(seconds=1)) == 3
    console.refresh_from_db()
    twilio.refresh_from_db()
    waiting.refresh_from_db()
    assert console.status == "queued"
    assert twilio.status == "unconfirmed" and "may or may not" in twilio.error
    assert waiting.status == "queued"  # never handed over: safe to send


def test_a_fault_in_a_gateway_module_leaves_the_message_unconfirmed(
    mission, settings, monkeypatch, outbox
):
    from pollwatch.submissions.gateways import console

    def broken(message):
        raise RuntimeError("bug")

    monkeypatch.setattr(console, "send", broken)
    queue(mission, settings)
    queue(mission, settings)
    assert send_due(Pace(0)) == 2  # the first one's fault does not stop the second
    assert list(Message.objects.values_list("status", flat=True)) == ["unconfirmed"] * 2
    assert "RuntimeError: bug" in Message.objects.first().error


def test_unknown_gateway_fails_the_message(mission, settings):
    message = queue(mission, settings, "pigeon")
    (claimed,) = claim(10, timezone.now())
    assert send_one(claimed) == "failed"
    message.refresh_from_db()
    assert "no gateway 'pigeon'" in message.error


def test_opted_out_number_gets_no_direct_message(mission, settings):
    from pollwatch.messaging.models import OptOut
    from pollwatch.messaging.outbox import ComposeError

    OptOut.objects.create(phone=mission.people["observer"].phone, how="STOP")
    with pytest.raises(ComposeError, match="opted out"):
        queue(mission, settings)


def test_send_messages_command_sends_what_is_due(mission, settings, outbox):
    from django.core.management import call_command

    queue(mission, settings)
    call_command("send_messages")
    assert [line["text"] for line in outbox.read()] == ["hi"]
    assert Message.objects.get().status == "delivered"
