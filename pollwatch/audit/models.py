"""The append-only, hash-chained audit log of every intake and every decision (DESIGN §2).

Appending is a plain insert, so web workers never wait on one another; a
sealer (``pollwatch audit seal --follow``, started by ``pollwatch serve``)
links new events into the chain in batches, in the order they were stored,
under a lock on the one-row chain head. An event is tamper-evident from the
moment it is sealed, about a second after it was recorded.

An event the sealer cannot load or hash (text with a lone surrogate stored by
SQLite, JSON nested too deep to walk) is quarantined: its row stays, with the
reason, out of the chain, and an ``audit.quarantined`` event naming it is
chained instead. One bad row never stops the chain, nor the sealer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from pollwatch.lib.hashchain import GENESIS, link_hash

SEAL_BATCH = 5000
QUARANTINED = "audit.quarantined"


class ChainHead(models.Model):
    """The chain's last seq and hash; locking it makes one sealer at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS)

    def __str__(self) -> str:
        return f"audit head {self.seq} {self.hash[:12]}"


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(
        unique=True, null=True, blank=True, help_text="set when sealed"
    )
    at = models.DateTimeField()
    kind = models.CharField(
        max_length=60, help_text="e.g. inbound.stored, submission.received, submission.verify"
    )
    actor = models.CharField(
        max_length=150, blank=True, help_text="username, observer code or gateway"
    )
    election_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)
    quarantined_reason = models.TextField(
        blank=True,
        help_text="set when the sealer could not chain the event; the row stays, out of the chain",
    )
    quarantined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["seq"], name="audit_unsealed", condition=models.Q(seq__isnull=True)
            )
        ]

    def __str__(self) -> str:
        state = "quarantined" if self.quarantined_reason else "unsealed"
        return f"{self.seq or state} {self.kind}"

    def content(self) -> dict[str, Any]:
        """What the hash covers (with the previous hash): everything but the chain fields."""
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "actor": self.actor,
            "election_id": self.election_id,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "payload": self.payload,
        }


def record(
    kind: str,
    *,
    actor: str = "",
    election_id: int | None = None,
    obj: models.Model | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Store one event, inside the caller's transaction; the sealer chains it."""
    made = event(kind, actor=actor, election_id=election_id, obj=obj, payload=payload)
    made.save(force_insert=True)
    return made


def event(
    kind: str,
    *,
    actor: str = "",
    election_id: int | None = None,
    obj: models.Model | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """One event not yet stored, for a caller that stores many at once (``bulk_create``)."""
    return AuditEvent(
        at=timezone.now(),
        kind=kind,
        actor=str(actor)[:150],
        election_id=election_id,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        payload=_json_roundtrip(payload or {}),
    )


def seal(batch: int = SEAL_BATCH) -> int:
    """Link up to ``batch`` waiting events into the chain, oldest first; returns how many it took.

    Those it cannot load or hash are quarantined (see the module's docstring)
    in the same transaction; the others are sealed in order around them.
    """
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        ids = list(waiting().order_by("pk").values_list("pk", flat=True)[:batch])
        events, set_aside = _load(ids)
        sealed = []
        for event in events:
            try:
                digest = link_hash(head.hash, event.content())
            except Exception as exc:  # anything at all: the next event must still be sealed
                set_aside[event.pk] = error_text(exc)
                continue
            event.seq, event.prev_hash, event.hash = head.seq + 1, head.hash, digest
            head.seq, head.hash = event.seq, event.hash
            sealed.append(event)
        if sealed:
            _write_links(sealed)
            head.save(update_fields=["seq", "hash"])
        _quarantine(set_aside)
    return len(ids)


def _write_links(sealed: list[AuditEvent]) -> None:
    """Each event's seq, previous hash and hash: one prepared UPDATE run for all of them
    (``bulk_update``'s CASE per row costs ten times the CPU of hashing them)."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [(e.seq, e.prev_hash, e.hash, e.pk) for e in sealed],
        )


def seal_all() -> int:
    total = 0
    while sealed := seal():
        total += sealed
    return total


def waiting() -> models.QuerySet[AuditEvent]:
    """Events not sealed yet and not set aside."""
    return AuditEvent.objects.filter(seq__isnull=True, quarantined_reason="")


def quarantined() -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(seq__isnull=True).exclude(quarantined_reason="")


def _load(ids: list[int]) -> tuple[list[AuditEvent], dict[int, str]]:
    """The events in pk order, and the reason for each that cannot be read (one bad row must not hide the rest)."""
    try:
        with (
            transaction.atomic()
        ):  # a savepoint: a failed read must not spoil the sealing transaction
            return list(AuditEvent.objects.filter(pk__in=ids).order_by("pk")), {}
    except Exception:  # find the bad rows one by one; a batch with none is read above in one query
        pass
    events, unreadable = [], {}
    for pk in ids:
        try:
            with transaction.atomic():
                events.append(AuditEvent.objects.get(pk=pk))
        except Exception as exc:
            # Blame the row only if the database still answers about it: a lost connection
            # must stop this batch (the sealer is restarted), not quarantine good events.
            with transaction.atomic():
                AuditEvent.objects.filter(pk=pk).values_list("pk", flat=True).first()
            unreadable[pk] = error_text(exc)
    return events, unreadable


def _quarantine(reasons: dict[int, str]) -> None:
    """Set the events aside with their reasons, and record each in an event that will be chained."""
    now = timezone.now()
    for pk, reason in reasons.items():
        AuditEvent.objects.filter(pk=pk).update(quarantined_reason=reason, quarantined_at=now)
        AuditEvent.objects.create(
            at=now,
            kind=QUARANTINED,
            actor="audit sealer",
            object_type="audit.auditevent",
            object_id=str(pk),
            payload={"event": pk, "reason": reason},
        )


def error_text(exc: BaseException) -> str:
    """The error as text any database and the hasher accept (the message may quote the bad text)."""
    text = f"{type(exc).__name__}: {exc}"[:500]
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def head_hash() -> tuple[int, str]:
    head = ChainHead.objects.filter(id=1).first()
    return (head.seq, head.hash) if head else (0, GENESIS)


def chain_status() -> dict[str, Any]:
    """What /healthz shows: the head, events waiting to be sealed (and the oldest's age), events set aside."""
    seq, _ = head_hash()
    oldest = waiting().order_by("pk").values_list("at", flat=True).first()
    return {
        "head_seq": seq,
        "unsealed": waiting().count(),
        "oldest_unsealed_seconds": round((timezone.now() - oldest).total_seconds(), 1)
        if oldest
        else 0,
        "quarantined": quarantined().count(),
    }


@contextmanager
def snapshot() -> Iterator[None]:
    """Every read inside sees the database as of one moment, and blocks no writer.

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction. SQLite: a deferred
    transaction, which in WAL mode reads one snapshot from its first read and
    takes no write lock (``atomic()`` would take IMMEDIATE's write lock and
    hold every writer for the whole walk). Inside an open transaction (tests)
    the reads already share that transaction.
    """
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK")


def _json_roundtrip(value: Any) -> Any:
    """The payload as the JSON column will return it, so the hashed and stored forms agree."""
    import json

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
