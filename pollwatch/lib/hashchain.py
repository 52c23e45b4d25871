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


def canonical_json(event: Mapping[str, Any]) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the same event always gives the same text."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def link_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(event)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    kind: str  # "changed", "missing", "reordered"
    detail: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.kind} — {self.detail}"


def verify_chain(
    rows: Iterable[tuple[int, int, str, str, Mapping[str, Any]]],
) -> tuple[int, str, list[ChainProblem]]:
    """Walk (seq, position, prev_hash, hash, event) rows in seq order; returns (rows checked, head hash, problems).

    ``position`` is the order rows were stored in (the table's primary key).
    A changed row fails its own hash; a deleted row leaves a gap in seq; rows
    whose seq was rewritten to move them come out of storage order; any of
    these also breaks the link of the row after it, which is reported only
    when nothing else explains it.
    """
    problems: list[ChainProblem] = []
    expected_prev = GENESIS
    expected_seq = 1
    last_position: int | None = None
    checked = 0
    head = GENESIS
    for seq, position, prev_hash, stored_hash, event in rows:
        checked += 1
        explained = False
        if seq > expected_seq:
            problems.append(
                ChainProblem(seq, "missing", f"rows {expected_seq}..{seq - 1} before it are gone")
            )
            explained = True
        if last_position is not None and position < last_position:
            problems.append(
                ChainProblem(
                    seq,
                    "reordered",
                    "stored before the row that now precedes it (its seq was rewritten)",
                )
            )
            explained = True
        if link_hash(prev_hash, event) != stored_hash:
            problems.append(
                ChainProblem(seq, "changed", "the row's content no longer matches its hash")
            )
            explained = True
        if prev_hash != expected_prev and not explained:
            problems.append(
                ChainProblem(seq, "reordered", "its prev_hash is not the hash of the row before it")
            )
        expected_prev = stored_hash
        expected_seq = seq + 1
        last_position = position
        head = stored_hash
    return checked, head, problems
