"""The polling stations of the frame, with their area and region."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext_lazy

from pollwatch.api.chunking import keyset
from pollwatch.api.writers import Column
from pollwatch.elections.models import Election
from pollwatch.observers.access import Access, stations_for

TITLE = gettext_lazy("Polling stations")
DESCRIPTION = gettext_lazy(
    "The sampling frame: every polling station with its area, region and registered voters."
)

COLUMNS = [
    Column("code"),
    Column("name"),
    Column("area_code"),
    Column("area_path"),
    Column("region_code"),
    Column("registered_voters", "int"),
    Column("latitude", "float"),
    Column("longitude", "float"),
    Column("newly_included", "bool"),
    Column("abroad", "bool"),
    Column("special"),
]
FIELDS = [
    "code",
    "name",
    "area__code",
    "area_path",
    "registered_voters",
    "latitude",
    "longitude",
    "newly_included",
    "abroad",
    "special",
]


def columns(election: Election) -> list[Column]:
    return COLUMNS


def chunks(access: Access) -> Iterator[list[tuple]]:
    for chunk in keyset(stations_for(access), "code", FIELDS):
        yield [
            (*row[:4], row[3].strip("/").split("/")[0], *row[4:])  # region: the path's first code
            for row in chunk
        ]
