"""Tone model versions of an election: which one codes each language, training, roll-back.

Each language has at most one active ``ToneModel``; English starts with the
shipped NewsMTSC model (version 1, made on first use). A language with no
active model gets no machine tone: its items are still coded for subjects
and space, and each of their machine codes says ``tone_pending`` (a coder
gives the tone). Activating a version or rolling back to the one active
before it changes nothing already coded: re-coding (``recode.py``) does.
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from pollwatch.audit.models import record
from pollwatch.elections.models import Election
from pollwatch.media.models import ToneModel
from pollwatch.mediatext.tone import LinearToneModel, default_tone_model

SHIPPED_LANGUAGE = "en"
SHIPPED_SOURCE = "shipped"
# Loaded models kept per process (a model is a few MB).
LOADED_LIMIT = 8
_loaded: OrderedDict[tuple[Any, ...], LinearToneModel] = OrderedDict()
_loaded_lock = threading.Lock()


class NoTone:
    """The stand-in when a language has no model: every target neutral, flagged for a coder."""

    name = "none"

    def predict(self, targets: Sequence[Any]) -> list[int]:
        return [0] * len(targets)


NO_TONE = NoTone()


def ensure_shipped(election: Election) -> None:
    """Give the election the shipped English model as version 1 (active) unless it has English models."""
    if ToneModel.objects.filter(election=election, language=SHIPPED_LANGUAGE).exists():
        return
    with transaction.atomic():
        Election.objects.select_for_update().filter(pk=election.pk).first()
        ToneModel.objects.get_or_create(
            election=election,
            language=SHIPPED_LANGUAGE,
            version=1,
            defaults={
                "shipped": True,
                "source": SHIPPED_SOURCE,
                "active": True,
                "activated": timezone.now(),
                "evaluation": {"name": default_tone_model().name},
                # The held-out figure `pollwatch media evaluate --calibrate` wrote into the
                # file (docs/media.md): the shipped model's own, on unseen NewsMTSC stories.
                **dict(
                    zip(
                        ("macro_f1", "macro_f1_low", "macro_f1_high"),
                        default_tone_model().metadata.get("grouped_macro_f1") or (),
                        strict=False,
                    )
                ),
            },
        )


def load(row: ToneModel) -> LinearToneModel:
    """The model of a version, read once per process."""
    if row.shipped:
        return default_tone_model()
    # Keyed by more than the id: a version's file never changes, but an id can come
    # back after a rolled-back transaction.
    key = (row.pk, row.election_id, row.language, row.version, row.trained_at)
    with _loaded_lock:  # the worker's threads share it
        model = _loaded.get(key)
        if model is not None:
            _loaded.move_to_end(key)
            return model
    model = bytes_model(bytes(row.data), f"{row.election_id}:{row.label}")
    with _loaded_lock:
        _loaded[key] = model
        while len(_loaded) > LOADED_LIMIT:
            _loaded.popitem(last=False)
    return model


@dataclass
class ToneChooser:
    """The active model per language of one election, loaded when first asked for."""

    rows: dict[str, ToneModel]

    @classmethod
    def for_election(cls, election: Election) -> ToneChooser:
        ensure_shipped(election)
        active = ToneModel.objects.filter(election=election, active=True).defer("data")
        return cls({row.language: row for row in active})

    def choose(self, language: str) -> tuple[ToneModel | None, Any]:
        """(version, model) for the language; (None, NO_TONE) when it has no active model."""
        row = self.rows.get(language)
        if row is None:
            return None, NO_TONE
        if not row.shipped and not row.data:
            row.refresh_from_db(fields=["data"])
        return row, load(row)


def model_bytes(model: LinearToneModel) -> bytes:
    """The model's ``.npz`` file as bytes (``LinearToneModel.save`` writes to a path)."""
    with tempfile.TemporaryDirectory(prefix="pollwatch-tone-") as folder:
        path = Path(folder) / "model.npz"
        model.save(path)
        return path.read_bytes()


def bytes_model(data: bytes, name: str) -> LinearToneModel:
    with tempfile.TemporaryDirectory(prefix="pollwatch-tone-") as folder:
        path = Path(folder) / "model.npz"
        path.write_bytes(data)
        model = LinearToneModel.load(path)
    model.name = name
    return model


def next_version(election: Election, language: str) -> int:
    latest = ToneModel.objects.filter(election=election, language=language).aggregate(
        Max("version")
    )["version__max"]
    return (latest or 0) + 1


def make_active(row: ToneModel, actor: str, kind: str = "media.tone_model.activated") -> ToneModel:
    """Make ``row`` its language's active model (audited); returns the one it replaces, if any."""
    with transaction.atomic():
        Election.objects.select_for_update().filter(pk=row.election_id).first()
        before = (
            ToneModel.objects.filter(
                election_id=row.election_id, language=row.language, active=True
            )
            .exclude(pk=row.pk)
            .first()
        )
        if before is not None:
            before.active = False
            before.save(update_fields=["active"])
        row.active = True
        row.activated = timezone.now()
        row.save(update_fields=["active", "activated"])
        record(
            kind,
            actor=actor,
            election_id=row.election_id,
            obj=row,
            payload={
                "language": row.language,
                "version": row.version,
                "replaces": before.version if before else None,
            },
        )
    return before  # type: ignore[return-value]


def previous_version(election: Election, language: str) -> ToneModel | None:
    """The version active before the current one (the latest activated of the others);
    without an activation history, the highest lower version."""
    current = ToneModel.objects.filter(election=election, language=language, active=True).first()
    others = ToneModel.objects.filter(election=election, language=language).defer("data")
    if current is not None:
        others = others.exclude(pk=current.pk)
    earlier = others.filter(activated__isnull=False).order_by("-activated", "-version").first()
    if earlier is not None:
        return earlier
    if current is not None:
        return others.filter(version__lt=current.version).order_by("-version").first()
    return None


def roll_back(election: Election, language: str, actor: str) -> ToneModel | None:
    """Return the language to the version active before the current one; None when there is none."""
    previous = previous_version(election, language)
    if previous is None:
        return None
    make_active(previous, actor, kind="media.tone_model.rolled_back")
    return previous
