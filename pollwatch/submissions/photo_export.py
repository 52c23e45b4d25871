"""The photos of a gallery as one ZIP file, written while it is sent.

An export can hold thousands of photos of several megabytes: the archive is produced piece by
piece (``zipfile`` writing to a sink the response drains) and only one 64 KB block of a photo
is in memory at a time. Photos are stored, not compressed again (JPEG, PNG and WebP already
are); each member carries a data descriptor, which every unzip tool reads.

The rows are collected first (a few hundred bytes per photo, no image data), so the audit
event can say how many photos were exported before the first byte is sent.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from pollwatch.submissions.models import Submission
from pollwatch.submissions.photo_listing import iter_items, region_code
from pollwatch.submissions.photos import photo_file

MANIFEST_COLUMNS = [
    "station",
    "region",
    "form",
    "submission",
    "question",
    "revision",
    "observer_code",
    "received_at",
    "sha256",
    "file_name",
    "note",
]
BLOCK = 64 * 1024
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ExportRow:
    station: str
    region: str
    form: str
    submission: int
    question: str
    revision: int | None
    observer_code: str
    received_at: datetime
    digest: str

    def file_name(self, extension: str) -> str:
        """``<region>/<station>/<form>-<submission>-<question>[-r<n>].<ext>``, each part reduced
        to characters every file system accepts."""
        revision = f"-r{self.revision}" if self.revision is not None else ""
        parts = [
            _safe(self.region or "no-region"),
            _safe(self.station),
            f"{_safe(self.form)}-{self.submission}-{_safe(self.question)}{revision}.{extension}",
        ]
        return "/".join(parts)


def export_rows(reports: QuerySet[Submission], *, earlier: bool = False) -> list[ExportRow]:
    """One row per photo of ``reports`` (already narrowed to those with photos), newest first."""
    return [
        ExportRow(
            station=item.submission.station.code,
            region=region_code(item.submission.station.area_path),
            form=item.submission.form.code,
            submission=item.submission.pk,
            question=item.code,
            revision=item.revision,
            observer_code=item.submission.observer.person.code,
            received_at=item.submission.created,
            digest=item.digest,
        )
        for item in iter_items(reports, earlier=earlier)
    ]


class _Sink:
    """A write-only, unseekable file for ``ZipFile``: it keeps what was written until drained."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def zip_stream(rows: list[ExportRow]) -> Iterator[bytes]:
    """The ZIP archive of ``rows``' photos and their ``manifest.csv``, in pieces."""
    sink = _Sink()
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(MANIFEST_COLUMNS)
    with zipfile.ZipFile(sink, "w", allowZip64=True) as archive:
        for row in rows:
            found = photo_file(row.digest)
            name, note = "", "not kept in the data folder"
            if found is not None:
                path, _ = found
                name, note = row.file_name(path.suffix.lstrip(".")), ""
                info = zipfile.ZipInfo(name, _zip_time(row.received_at))
                info.compress_type = zipfile.ZIP_STORED
                with path.open("rb") as source, archive.open(info, "w") as target:
                    while block := source.read(BLOCK):
                        target.write(block)
                        yield sink.drain()
                yield sink.drain()
            writer.writerow(
                [
                    row.station,
                    row.region,
                    row.form,
                    row.submission,
                    row.question,
                    row.revision or "",
                    row.observer_code,
                    timezone.localtime(
                        row.received_at, timezone.get_default_timezone()
                    ).isoformat(),
                    row.digest,
                    name,
                    note,
                ]
            )
        info = zipfile.ZipInfo("manifest.csv", _zip_time(timezone.now()))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, manifest.getvalue().encode("utf-8"))
    yield sink.drain()


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return (max(local.year, 1980), local.month, local.day, local.hour, local.minute, local.second)


def _safe(part: str) -> str:
    return UNSAFE.sub("_", part).strip("._") or "_"
