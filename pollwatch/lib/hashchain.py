"""A hash chain over audit events: hash = sha256(prev_hash ‖ canonical JSON of the event).

Pure functions so that anyone can re-check an exported audit log without pollwatch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


class UnhashableEvent(ValueError):
    """The event has no canonical form: e.g. text holding a lone surrogate, which UTF-8 cannot encode."""


def canonical_json(event: Mapping[str, Any]) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the same event always gives the same text."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def link_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    """sha256 of the previous hash and the event's canonical JSON in UTF-8.

    Raises UnhashableEvent for an event that has no such form (a lone surrogate,
    nesting deeper than Python can walk): the form of every valid event stays
    exactly as it always was, so existing chains keep verifying, and the caller
    decides what to do with the bad one (the sealer sets it aside).
    """
    try:
        text = (prev_hash + canonical_json(event)).encode("utf-8")
    except (ValueError, TypeError, RecursionError) as exc:  # UnicodeEncodeError is a ValueError
        raise UnhashableEvent(f"{type(exc).__name__}: {exc}") from exc
    return hashlib.sha256(text).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    kind: str  # "changed", "missing", "reordered"
    detail: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.kind} — {self.detail}"


def verify_chain(
    rows: Iterable[tuple[int, str, str, Mapping[str, Any]]],
) -> tuple[int, str, list[ChainProblem]]:
    """Walk (seq, prev_hash, hash, content) rows in seq order; returns (rows checked, head hash, problems).

    The hash covers the content and the previous hash, not the seq: a changed
    row fails its own hash; a deleted row leaves a gap in seq; rows moved to
    other places keep their own hashes but no longer link to the row before
    them. A broken link is reported only when no gap or change explains it.
    """
    problems: list[ChainProblem] = []
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    head = GENESIS
    for seq, prev_hash, stored_hash, content in rows:
        checked += 1
        explained = False
        if seq > expected_seq:
            problems.append(
                ChainProblem(seq, "missing", f"rows {expected_seq}..{seq - 1} before it are gone")
            )
            explained = True
        try:
            matches = link_hash(prev_hash, content) == stored_hash
        except UnhashableEvent:  # it was hashable when it was sealed: it has been changed since
            matches = False
        if not matches:
            problems.append(
                ChainProblem(seq, "changed", "the row's content no longer matches its hash")
            )
            explained = True
        if prev_hash != expected_prev and not explained:
            problems.append(
                ChainProblem(
                    seq, "reordered", "it does not link to the row before it (rows were moved)"
                )
            )
        expected_prev = stored_hash
        expected_seq = seq + 1
        head = stored_hash
    return checked, head, problems
