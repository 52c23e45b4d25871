"""Reading big querysets a chunk at a time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet

CHUNK = 5000


def keyset(
    queryset: QuerySet, key: str, fields: Sequence[str], size: int | None = None
) -> Iterator[list[tuple[Any, ...]]]:
    """``fields`` of every row in ``key`` order, ``size`` rows per query, each query starting past
    the last key seen: no OFFSET and no long-held cursor, so it stays fast and small at any size.
    ``key`` must be unique within ``queryset``; ``size`` defaults to ``CHUNK``."""
    size = size or CHUNK
    last: Any = None
    while True:
        page = queryset if last is None else queryset.filter(**{f"{key}__gt": last})
        rows = list(page.order_by(key).values_list(key, *fields)[:size])
        if not rows:
            return
        yield [row[1:] for row in rows]
        if len(rows) < size:
            return
        last = rows[-1][0]
