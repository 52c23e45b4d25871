"""Putting messages in the outbox: one to a person, a broadcast to a chosen group, a reply
recorded; and what a gateway's delivery report changes.

Queueing only writes rows (the sender sends them: sender.py). A broadcast's messages are
written in one transaction with one audit event that carries a sha256 over every message
(its UUID, number and text), so the chain vouches for each message without one event each.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from pollwatch.audit.models import record
from pollwatch.elections.models import Election
from pollwatch.messaging import texts
from pollwatch.messaging.audience import Recipient, describe, select
from pollwatch.messaging.models import FINAL_STATUSES, Broadcast, DeliveryReport, Message, OptOut
from pollwatch.observers.access import Access, access_for
from pollwatch.observers.models import Person
from pollwatch.submissions.inserts import insert_rows


class ComposeError(ValueError):
    """The composed message cannot be queued; ``problems`` names each field at fault."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def check_texts(given: dict[str, str], default_language: str) -> dict[str, str]:
    """Problems per language field (``text_<lang>``); at least the default language's text."""
    problems = {}
    for language, text in given.items():
        if text.strip():
            found = texts.problems(text)
            if found:
                problems[f"text_{language}"] = "; ".join(found)
    if not given.get(default_language, "").strip():
        problems[f"text_{default_language}"] = (
            f"write the message in {default_language}: it goes to everyone without a text "
            "in their own language"
        )
    return problems


def render_for(
    recipient: Recipient, given: dict[str, str], default_language: str, election_name: str
) -> tuple[str, str]:
    language, text = texts.pick_text(given, recipient.language, default_language)
    return language, texts.render(text, recipient.values(election_name))


def digest(messages: Iterable[tuple[Any, str, str]]) -> str:
    """sha256 over the messages' (UUID, number, text) in order: what the audit event vouches for."""
    hashed = hashlib.sha256()
    for key, to, text in messages:
        hashed.update(f"{key}\t{to}\t{text}\n".encode("utf-8", "replace"))
    return hashed.hexdigest()


def compose(
    access: Access,
    user: User,
    filters: dict[str, Any],
    given: dict[str, str],
    default_language: str,
    *,
    send_at: datetime | None = None,
    kind: str = Message.Kind.BROADCAST,
) -> Broadcast:
    """A broadcast queued now, or scheduled (its audience is chosen when ``send_at`` comes)."""
    given = {lang: text for lang, text in given.items() if text.strip()}
    problems = check_texts(given, default_language)
    if send_at is not None and send_at <= timezone.now():
        send_at = None  # a time already past: send now
    if problems:
        raise ComposeError(problems)
    with transaction.atomic():
        broadcast = Broadcast.objects.create(
            election=access.election,
            created_by=user,
            filters=filters,
            audience=describe(filters, access.election.pk),
            texts=given,
            default_language=default_language,
            send_at=send_at,
            status=Broadcast.Status.SCHEDULED if send_at else Broadcast.Status.QUEUED,
        )
        if send_at is None:
            fill(broadcast, access, kind=kind)
        else:
            record(
                "message.scheduled",
                actor=user.get_username(),
                election_id=access.election.pk,
                obj=broadcast,
                payload={"audience": broadcast.audience, "send_at": send_at.isoformat()},
            )
    return broadcast


def fill(broadcast: Broadcast, access: Access, *, kind: str = Message.Kind.BROADCAST) -> int:
    """Queue one message per recipient the broadcast's filters choose now (inside a transaction)."""
    selection = select(access, broadcast.filters)
    name = broadcast.election.name
    messages: list[dict[str, Any]] = []
    for recipient in selection.recipients:
        language, text = render_for(recipient, broadcast.texts, broadcast.default_language, name)
        messages.append(
            {
                "uuid": uuid.uuid4(),
                "person_id": recipient.person_id,
                "to": recipient.phone,
                "text": text,
                "language": language,
            }
        )
    # Written without building a model per message (10,000 in well under a second).
    insert_rows(
        Message,
        messages,
        same={
            "election_id": broadcast.election_id,
            "kind": kind,
            "broadcast_id": broadcast.pk,
            "created_by_id": broadcast.created_by_id,
            "gateway": settings.SMS_SEND_GATEWAY,
            "status": Message.Status.QUEUED,
            "next_attempt_at": timezone.now(),
            "in_reply_to_id": None,
            "sent_at": None,
            "delivered_at": None,
        },
    )
    broadcast.queued = len(messages)
    broadcast.left_out = selection.left_out
    broadcast.digest = digest((m["uuid"], m["to"], m["text"]) for m in messages)
    broadcast.status = Broadcast.Status.QUEUED
    broadcast.save(update_fields=["queued", "left_out", "digest", "status"])
    record(
        "message.broadcast",
        actor=broadcast.created_by.get_username() if broadcast.created_by else "",
        election_id=broadcast.election_id,
        obj=broadcast,
        payload={
            "audience": broadcast.audience,
            "filters": broadcast.filters,
            "texts": broadcast.texts,
            "queued": len(messages),
            "left_out": selection.left_out,
            "gateway": settings.SMS_SEND_GATEWAY,
            "digest": broadcast.digest,
        },
    )
    return len(messages)


def fill_due(now: datetime | None = None) -> int:
    """Queue the scheduled broadcasts whose time has come; each is filled once (row lock)."""
    now = now or timezone.now()
    filled = 0
    due = Broadcast.objects.filter(status=Broadcast.Status.SCHEDULED, send_at__lte=now)
    for pk in list(due.values_list("pk", flat=True)[:20]):
        with transaction.atomic():
            # Locked alone: PostgreSQL cannot lock the nullable side of the outer join that
            # select_related("created_by") would add; the sender and election load after.
            broadcast = (
                Broadcast.objects.select_for_update()
                .filter(pk=pk, status=Broadcast.Status.SCHEDULED)
                .first()
            )
            if broadcast is None:
                continue
            access = (
                access_for(broadcast.created_by, broadcast.election)
                if broadcast.created_by
                else None
            )
            if access is None:
                # Whoever scheduled it has lost their role: nothing goes out in their name.
                broadcast.status = Broadcast.Status.CANCELLED
                broadcast.left_out = {"the sender no longer has a role in the election": 1}
                broadcast.save(update_fields=["status", "left_out"])
                continue
            filled += fill(broadcast, access, kind=Message.Kind.REMINDER)
    return filled


def cancel(broadcast: Broadcast, user: User) -> int:
    """Cancel a scheduled broadcast, or the messages of a queued one not yet handed to a gateway."""
    with transaction.atomic():
        if broadcast.status == Broadcast.Status.SCHEDULED:
            Broadcast.objects.filter(pk=broadcast.pk).update(status=Broadcast.Status.CANCELLED)
            cancelled = 0
        else:
            cancelled = Message.objects.filter(
                broadcast=broadcast, status=Message.Status.QUEUED
            ).update(status=Message.Status.CANCELLED, next_attempt_at=None)
        record(
            "message.cancelled",
            actor=user.get_username(),
            election_id=broadcast.election_id,
            obj=broadcast,
            payload={"messages": cancelled},
        )
    return cancelled


def send_one(
    election: Election | None,
    person: Person | None,
    to: str,
    text: str,
    *,
    kind: str = Message.Kind.DIRECT,
    user: User | None = None,
    language: str = "",
    in_reply_to: Any = None,
) -> Message:
    """Queue one message (a direct message, a code, a sign-in link); audited."""
    problems = {"text": "the text is empty"} if not text.strip() else {}
    if len(text) > texts.MAX_LENGTH:
        problems["text"] = f"the text has {len(text):,} characters; at most {texts.MAX_LENGTH:,}"
    if not to:
        problems["to"] = "the person has no phone number"
    elif kind != Message.Kind.VERIFY and OptOut.objects.filter(phone=to).exists():
        problems["to"] = f"{to} has opted out of messages"
    if problems:
        raise ComposeError(problems)
    with transaction.atomic():
        message = Message.objects.create(
            election=election,
            person=person,
            to=to,
            text=text,
            language=language or (person.language if person else ""),
            kind=kind,
            created_by=user,
            in_reply_to=in_reply_to,
            gateway=settings.SMS_SEND_GATEWAY,
            next_attempt_at=timezone.now(),
        )
        record(
            "message.queued",
            actor=user.get_username() if user else "",
            election_id=election.pk if election else None,
            obj=message,
            payload={
                "to": to,
                "kind": kind,
                "sha256": digest([(message.uuid, to, text)]),
                "text": message.shown_text,
            },
        )
    return message


def record_reply(inbound: Any, text: str) -> Message | None:
    """A reply carried back in the gateway's webhook answer, kept in the person's thread."""
    if not text:
        return None
    return Message.objects.create(
        election_id=inbound.election_id,
        person_id=inbound.person_id,
        to=inbound.sender,
        text=text,
        kind=Message.Kind.REPLY,
        in_reply_to=inbound,
        gateway=inbound.gateway,
        status=Message.Status.SENT,
        sent_at=timezone.now(),
    )


# The gateways' words for where a message is, in ours (others, such as "queued", change nothing).
STATUS_WORDS = {
    "accepted": Message.Status.SENT,
    "sent": Message.Status.SENT,
    "delivered": Message.Status.DELIVERED,
    "read": Message.Status.DELIVERED,
    "undelivered": Message.Status.UNDELIVERED,
    "not_delivered": Message.Status.UNDELIVERED,
    "failed": Message.Status.FAILED,
    "failed_queued": Message.Status.FAILED,
    "cancelled": Message.Status.FAILED,
    "canceled": Message.Status.FAILED,
}


@dataclass
class Applied:
    report: DeliveryReport
    changed: bool


def apply_report(
    gateway: str,
    external_id: str,
    status: str,
    error: str,
    raw: str,
    *,
    stored: DeliveryReport | None = None,
) -> Applied:
    """Store a delivery report as it came and move its message on (never back from a final state).

    ``stored``: a report kept earlier without its message (it came before the send's answer
    was written), now applied."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(gateway=gateway, external_id=external_id)
            .first()
        )
        if message is None and gateway == "json":
            # The JSON gateway may report by pollwatch's own UUID.
            try:
                message = (
                    Message.objects.select_for_update()
                    .filter(gateway=gateway, uuid=uuid.UUID(external_id))
                    .first()
                )
            except ValueError:
                message = None
        ours = STATUS_WORDS.get(status.lower())
        problem = ""
        if message is None:
            problem = f"no message sent by {gateway} with id {external_id!r}"
        elif ours is None:
            problem = f"status {status!r} changes nothing"
        elif message.status in FINAL_STATUSES or (
            ours == Message.Status.SENT and message.status == Message.Status.SENT
        ):
            problem = f"the message is already {message.status}"
        if stored is not None:
            stored.message, stored.problem = message, problem
            stored.save(update_fields=["message", "problem"])
            report = stored
        else:
            report = DeliveryReport.objects.create(
                message=message,
                gateway=gateway,
                external_id=external_id,
                status=status,
                error=error,
                raw=raw,
                problem=problem,
            )
        if problem or message is None or ours is None:
            return Applied(report, False)
        message.status = ours
        fields = ["status"]
        if ours == Message.Status.DELIVERED:
            message.delivered_at = timezone.now()
            fields.append("delivered_at")
        if error:
            message.error = error
            fields.append("error")
        if message.sent_at is None:
            message.sent_at = timezone.now()
            fields.append("sent_at")
        message.save(update_fields=fields)
    return Applied(report, True)
