"""The append-only, hash-chained audit log of every intake and every decision (DESIGN §2)."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from pollwatch.lib.hashchain import GENESIS, link_hash


class ChainHead(models.Model):
    """One row holding the chain's last seq and hash; locking it serialises appends across workers."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS)

    def __str__(self) -> str:
        return f"audit head {self.seq} {self.hash[:12]}"


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    kind = models.CharField(
        max_length=60, help_text="e.g. sms.received, submission.accepted, submission.verified"
    )
    actor = models.CharField(
        max_length=150, blank=True, help_text="username, observer code or gateway"
    )
    election_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"{self.seq} {self.kind}"

    def event(self) -> dict[str, Any]:
        """What the hash covers: everything but the hashes themselves."""
        return {
            "seq": self.seq,
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
    """Append one event to the chain, inside the caller's transaction (or a new one)."""
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            kind=kind,
            actor=str(actor)[:150],
            election_id=election_id,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            payload=payload or {},
            prev_hash=head.hash,
        )
        # Round-trip the payload through JSON now so the stored and hashed forms agree.
        event.payload = _json_roundtrip(event.payload)
        event.hash = link_hash(event.prev_hash, event.event())
        event.save()
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


def head_hash() -> tuple[int, str]:
    head = ChainHead.objects.filter(id=1).first()
    return (head.seq, head.hash) if head else (0, GENESIS)


def _json_roundtrip(value: Any) -> Any:
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
