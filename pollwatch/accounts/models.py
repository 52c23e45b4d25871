"""Rate limits: token buckets kept in the database (or Redis, with ``REDIS_URL``) so every web
worker shares them."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from pollwatch.accounts import redis_buckets


class TokenBucket(models.Model):
    """Counts recent attempts under a hashed key ("login-name:alice", "sms:+994…").

    ``used`` is the share of the allowance spent: each attempt adds 1/capacity, and it drains
    linearly to 0 over the window, so a full bucket takes one attempt again after
    window/capacity seconds and is empty again a whole window after the last attempt.
    """

    key = models.CharField(max_length=80, unique=True)
    used = models.FloatField(default=0.0, help_text="share of the window's allowance used")
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.key[:12]}… used {self.used:.0%}"

    @staticmethod
    def authorize(raw_key: str, capacity: int, window_seconds: int) -> bool:
        """Count one attempt; False when `capacity` attempts were already made within the window."""
        return TokenBucket.take({raw_key: capacity}, window_seconds)

    @staticmethod
    def take(capacities: Mapping[str, int], window_seconds: int) -> bool:
        """Count one attempt in every bucket of `capacities` (raw key → capacity), or in none.

        False, and nothing counted, when any of them is full. The buckets are locked in key
        order for the whole check, so concurrent attempts cannot all slip in under the limit.
        """
        charges = {raw: Charge(capacity, window_seconds) for raw, capacity in capacities.items()}
        return TokenBucket.take_each(charges) is None

    @staticmethod
    def take_each(charges: Mapping[str, Charge]) -> str | None:
        """Charge every bucket its own share (raw key → Charge), all or none, in one transaction.

        Returns None when all were charged, else the raw key of the first full bucket
        (and nothing is counted). One transaction for several quotas of one request; with
        ``REDIS_URL`` set, one Redis call instead (``redis_buckets``, the same rule).
        """
        if settings.REDIS_URL:
            return redis_buckets.take_each(settings.REDIS_URL, charges, _hashed)
        now = timezone.now()
        with transaction.atomic():
            locked = _locked(charges, now)
            for raw, bucket in locked.items():
                charge = charges[raw]
                if _drained(bucket, now, charge.window) + charge.share > 1.0 + 1e-9:
                    return raw
            for raw, bucket in locked.items():
                charge = charges[raw]
                _save(bucket, _drained(bucket, now, charge.window) + charge.share, now)
        return None

    @staticmethod
    def give_back(capacities: Mapping[str, int], window_seconds: int) -> None:
        """Undo one take() of the same buckets (the attempt turned out not to count)."""
        if settings.REDIS_URL:
            redis_buckets.give_back(settings.REDIS_URL, capacities, window_seconds, _hashed)
            return
        now = timezone.now()
        with transaction.atomic():
            for raw, bucket in _locked(capacities, now).items():
                used = _drained(bucket, now, window_seconds) - 1 / capacities[raw]
                _save(bucket, max(0.0, used), now)


@dataclass(frozen=True)
class Charge:
    """``cost`` attempts against a bucket of ``capacity`` per ``window`` seconds."""

    capacity: float
    window: int
    cost: float = 1.0

    @property
    def share(self) -> float:
        return self.cost / self.capacity


def _hashed(raw_key: str) -> str:
    # Keys carry user names and addresses; the table keeps only their hashes.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def _locked(raw_keys: Mapping[str, object], now: datetime) -> dict[str, TokenBucket]:
    """The buckets of these keys, created when missing, locked in one order to avoid deadlocks."""
    by_hash = {_hashed(raw): raw for raw in raw_keys}
    buckets = {}
    for key in sorted(by_hash):
        bucket, _ = TokenBucket.objects.select_for_update().get_or_create(
            key=key, defaults={"updated": now}
        )
        buckets[by_hash[key]] = bucket
    return buckets


def _drained(bucket: TokenBucket, now: datetime, window_seconds: int) -> float:
    """The bucket's use now, after draining linearly since its last update."""
    elapsed = (now - bucket.updated) / timedelta(seconds=window_seconds)
    return max(0.0, bucket.used - elapsed)


def _save(bucket: TokenBucket, used: float, now: datetime) -> None:
    bucket.used = used
    bucket.updated = now
    bucket.save(update_fields=["used", "updated"])


class LanguagePreference(models.Model):
    """The staff language a user chose with the header's switcher; kept here so it follows them
    to every browser they log in from (the cookie alone would stay on one)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_preference"
    )
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)

    def __str__(self) -> str:
        return f"{self.user} → {self.language}"
