"""Login throttling: a token bucket per key, kept in the database so every worker shares it."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import models, transaction
from django.utils import timezone


class TokenBucket(models.Model):
    """Counts recent attempts under a hashed key ("login-user:alice", "login-ip:1.2.3.4")."""

    key = models.CharField(max_length=80, unique=True)
    used = models.FloatField(default=0.0, help_text="share of the window's allowance used")
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.key[:12]}… used {self.used:.0%}"

    @staticmethod
    def authorize(raw_key: str, capacity: int, window_seconds: int) -> bool:
        """Count one attempt; False when `capacity` attempts were already made within the window."""
        key = hashlib.sha256(raw_key.encode()).hexdigest()
        now = timezone.now()
        with transaction.atomic():
            bucket, _ = TokenBucket.objects.select_for_update().get_or_create(
                key=key, defaults={"updated": now}
            )
            elapsed = (now - bucket.updated) / timedelta(seconds=window_seconds)
            # Each attempt uses 1/capacity of the allowance, which refills linearly over the window.
            bucket.used = max(0.0, bucket.used - elapsed)
            if bucket.used + 1 / capacity > 1.0 + 1e-9:
                bucket.updated = now
                bucket.save(update_fields=["used", "updated"])
                return False
            bucket.used += 1 / capacity
            bucket.updated = now
            bucket.save(update_fields=["used", "updated"])
            return True
