"""The append-only, hash-chained audit log of every intake and every decision (DESIGN §2).

Appending is a plain insert, so web workers never wait on one another; a
sealer (``pollwatch audit seal --follow``, started by ``pollwatch serve``)
links new events into the chain in batches, in the order they were stored,
under a lock on the one-row chain head. An event is tamper-evident from the
moment it is sealed, about a second after it was recorded.
"""

from __future__ import annotations

from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from pollwatch.lib.hashchain import GENESIS, link_hash

SEAL_BATCH = 5000


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

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["seq"], name="audit_unsealed", condition=models.Q(seq__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.seq or 'unsealed'} {self.kind}"

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
    return AuditEvent.objects.create(
        at=timezone.now(),
        kind=kind,
        actor=str(actor)[:150],
        election_id=election_id,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        payload=_json_roundtrip(payload or {}),
    )


def seal(batch: int = SEAL_BATCH) -> int:
    """Link up to ``batch`` unsealed events into the chain, oldest first; returns how many."""
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        pending = list(AuditEvent.objects.filter(seq__isnull=True).order_by("pk")[:batch])
        for event in pending:
            event.seq = head.seq + 1
            event.prev_hash = head.hash
            event.hash = link_hash(head.hash, event.content())
            head.seq, head.hash = event.seq, event.hash
        if pending:
            AuditEvent.objects.bulk_update(pending, ["seq", "prev_hash", "hash"], batch_size=1000)
            head.save(update_fields=["seq", "hash"])
    return len(pending)


def seal_all() -> int:
    total = 0
    while sealed := seal():
        total += sealed
    return total


def head_hash() -> tuple[int, str]:
    head = ChainHead.objects.filter(id=1).first()
    return (head.seq, head.hash) if head else (0, GENESIS)


def _json_roundtrip(value: Any) -> Any:
    """The payload as the JSON column will return it, so the hashed and stored forms agree."""
    import json

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
