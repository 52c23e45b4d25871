"""The official results per polling station, as imported: one row per station."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy

from pollwatch.api.chunking import keyset
from pollwatch.api.writers import Column
from pollwatch.elections.models import Election
from pollwatch.observers.access import Access
from pollwatch.results.estimates import candidates_for
from pollwatch.results.models import OfficialResult

TITLE = gettext_lazy("Official results")
DESCRIPTION = gettext_lazy(
    "The election commission's protocol per station: counts, then the votes of each candidate "
    "in a column named by the candidate's code (ballot order)."
)

COLUMNS = [
    Column("station_code"),
    Column("registered", "int"),
    Column("ballots_issued", "int"),
    Column("ballots_cast", "int"),
    Column("invalid", "int"),
    Column("valid", "int"),
    Column("flags"),
]
FIELDS = [
    "registered",
    "ballots_issued",
    "ballots_cast",
    "invalid",
    "valid",
    "flags",
    "votes",
]


def candidate_codes(election: Election) -> list[str]:
    return [candidate.code for candidate in candidates_for(election)]


def columns(election: Election) -> list[Column]:
    fixed = {c.name for c in COLUMNS}
    # A candidate code that clashes with a count column keeps its votes apart.
    return [
        *COLUMNS,
        *(
            Column(f"votes_{code}" if code in fixed else code, "int")
            for code in candidate_codes(election)
        ),
    ]


def _votes(votes: Any, code: str) -> int | None:
    value = votes.get(code) if isinstance(votes, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def chunks(access: Access) -> Iterator[list[tuple[Any, ...]]]:
    codes = candidate_codes(access.election)
    results = OfficialResult.objects.filter(election=access.election)
    for chunk in keyset(results, "station__code", ["station__code", *FIELDS]):
        yield [
            (
                *row[:6],
                json.dumps(row[6], ensure_ascii=False),
                *(_votes(row[7], code) for code in codes),
            )
            for row in chunk
        ]
