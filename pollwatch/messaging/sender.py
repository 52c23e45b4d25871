"""The sender: hands queued messages to their gateway at the configured rate, retrying with
back-off, and never sending one twice.

A batch of messages is claimed (``sending``, with a lease) in a short transaction; each is
marked as handed over just before it goes to the gateway (outside any transaction), and its
outcome is written after. When the sender dies with messages claimed, the lease runs out: a
message not yet handed over is queued again, as is one for an idempotent gateway (one that
drops a second post with the same UUID); any other is marked *unconfirmed* for a person to
look at — sending it again could reach the phone twice.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from pollwatch.messaging.models import DeliveryReport, Message, redact
from pollwatch.submissions.gateways import Refused, TryAgain, Unknown, senders

log = logging.getLogger("pollwatch.messaging")

LEASE = timedelta(minutes=2)  # a claimed message not settled within this was lost with its sender
BACKOFF_FIRST = 5.0  # seconds before the second attempt; doubled each time
BACKOFF_MAX = 600.0


def backoff(attempts: int, jitter: float | None = None) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 5 s, 10 s, 20 s … at most 10 min, ±20 %."""
    base = min(BACKOFF_FIRST * 2 ** max(0, attempts - 1), BACKOFF_MAX)
    factor = 1 + (random.uniform(-0.2, 0.2) if jitter is None else jitter)
    return timedelta(seconds=base * factor)


@dataclass
class Pace:
    """At most ``rate`` sends a second per gateway (one sender process keeps the rate)."""

    rate: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    last: dict[str, float] = field(default_factory=dict)

    def wait(self, gateway: str) -> None:
        if self.rate <= 0:
            return
        gap = 1.0 / self.rate
        now = self.clock()
        due = self.last.get(gateway, now - gap) + gap
        if due > now:
            self.sleep(due - now)
            now = due
        self.last[gateway] = now


def batch_size(rate: float, timeout: float) -> int:
    """Messages claimed at once: about two seconds' worth at the rate, and few enough that a
    batch of timeouts still ends well inside the claim's lease (a sender that dies holds no
    more than this many messages until the lease runs out)."""
    by_rate = int(rate * 2) if rate > 0 else 100
    by_lease = int(LEASE.total_seconds() / (2 * max(timeout, 0.1)))
    return max(1, min(by_rate, by_lease, 100))


def claim(limit: int, now: datetime) -> list[Message]:
    """Up to ``limit`` due messages, marked ``sending`` with a lease, oldest first."""
    with transaction.atomic():
        due = Message.objects.filter(
            status=Message.Status.QUEUED, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        batch = list(due[:limit])
        if batch:
            Message.objects.filter(pk__in=[m.pk for m in batch]).update(
                status=Message.Status.SENDING,
                attempts=F("attempts") + 1,
                next_attempt_at=now + LEASE,
                handed_at=None,
            )
    for message in batch:
        message.attempts += 1
    return batch


def recover(now: datetime) -> int:
    """Settle messages whose sender died while sending them (their lease ran out)."""
    lost = Message.objects.filter(status=Message.Status.SENDING, next_attempt_at__lt=now)
    idempotent = [
        name for name, module in senders().items() if getattr(module, "IDEMPOTENT", False)
    ]
    # Never handed over, or to a gateway that drops a second post of the same message: resend.
    again = lost.filter(Q(handed_at=None) | Q(gateway__in=idempotent)).update(
        status=Message.Status.QUEUED, next_attempt_at=now
    )
    unsure = (
        lost.exclude(gateway__in=idempotent)
        .exclude(handed_at=None)
        .update(
            status=Message.Status.UNCONFIRMED,
            next_attempt_at=None,
            error="the sender stopped while sending: the gateway may or may not have sent it",
        )
    )
    return again + unsure


def send_one(message: Message, now: datetime | None = None) -> str:
    """Hand one claimed message to its gateway and write the outcome; returns the new status."""
    module = senders().get(message.gateway)
    update: dict = {}
    try:
        if module is None:
            raise Refused(f"no gateway {message.gateway!r} can send")
        # From here the gateway may have it: a sender that dies now leaves it unconfirmed.
        handed = Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
            handed_at=timezone.now()
        )
        if not handed:
            return Message.objects.get(pk=message.pk).status  # the claim was lost meanwhile
        sent = module.send(message)
    except TryAgain as exc:
        if message.attempts >= settings.SMS_SEND_ATTEMPTS:
            update = {"status": Message.Status.FAILED, "next_attempt_at": None}
            error = f"gave up after {message.attempts} attempts: {exc}"
        else:
            wait = backoff(message.attempts)
            update = {
                "status": Message.Status.QUEUED,
                "next_attempt_at": (now or timezone.now()) + wait,
            }
            error = f"attempt {message.attempts}: {exc}"
        update["error"] = error[:2000]
    except Refused as exc:
        update = {
            "status": Message.Status.FAILED,
            "next_attempt_at": None,
            "error": str(exc)[:2000],
        }
    except Unknown as exc:
        update = {
            "status": Message.Status.UNCONFIRMED,
            "next_attempt_at": None,
            "error": str(exc)[:2000],
        }
    except Exception as exc:  # a fault in a gateway module must not stop every other message
        log.exception("gateway %s failed on message %s", message.gateway, message.pk)
        update = {
            "status": Message.Status.UNCONFIRMED,
            "next_attempt_at": None,
            "error": f"{type(exc).__name__}: {exc}"[:2000],
        }
    else:
        at = timezone.now()
        update = {
            "status": Message.Status.DELIVERED if sent.delivered else Message.Status.SENT,
            "external_id": sent.external_id,
            "sent_at": at,
            "next_attempt_at": None,
            "error": "",
        }
        if sent.delivered:
            update["delivered_at"] = at
        if message.kind == Message.Kind.SIGNIN:
            # Handed over: the token need not stay readable in the database.
            update["text"] = redact(message.text)
    # Only the claim this sender holds is settled (a recovered lease is someone else's now).
    Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(**update)
    if update.get("external_id"):
        _early_reports(message.gateway, update["external_id"])
    return update["status"]


def _early_reports(gateway: str, external_id: str) -> None:
    """A delivery report that came before the send's answer was written is applied now."""
    from pollwatch.messaging.outbox import apply_report

    early = DeliveryReport.objects.filter(
        gateway=gateway, external_id=external_id, message__isnull=True
    ).order_by("pk")
    for report in early:
        apply_report(gateway, external_id, report.status, report.error, report.raw, stored=report)


def send_due(pace: Pace, limit: int = 50, now: datetime | None = None) -> int:
    """Fill due scheduled broadcasts, settle lost claims, send what is due; returns messages tried."""
    from pollwatch.messaging.outbox import fill_due

    now = now or timezone.now()
    fill_due(now)
    recover(now)
    batch = claim(limit, now)
    for message in batch:
        pace.wait(message.gateway)
        send_one(message)
    return len(batch)
