"""Import official results per polling station: column mapping, checks, then rows into the database.

The file is already stored raw with its sha256 (``ImportJob``). The analyst
confirms a column mapping (guessed from the header); mapping mistakes —
swapped columns, totals that do not add up — are flagged on the first rows
before anything is written (``pollwatch.stats.official.check_mapping``).
Then every row is parsed: rows with errors (not a number, negative, unknown or
duplicate station) are reported with their row and column and left out; the
valid rows are written in one transaction, replacing earlier official
results of the same stations, and arithmetic inconsistencies of the
protocols are kept as flags on the row (the official figure is what it is).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from pollwatch.audit.models import record
from pollwatch.elections.importers import (
    Progress,
    import_limits,
    remembered_mapping,
    saving_progress,
)
from pollwatch.elections.models import ImportJob, PollingStation
from pollwatch.lib.columns import unmapped_columns
from pollwatch.lib.tabular import RowError, TableError, count_data_lines, errors_as_csv, read_rows
from pollwatch.results.estimates import candidates_for
from pollwatch.results.models import OfficialResult
from pollwatch.results.official import COUNT_FIELDS, refresh_summary
from pollwatch.results.wording import field_label, say
from pollwatch.stats import official as core
from pollwatch.stats.table import InputError
from pollwatch.stats.words import Sentence

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 8
CHECK_ROWS = 2000
BATCH = 5000


@dataclass
class MappingPreview:
    header: list[str]
    sample: list[tuple[int, list[str]]]
    mapping: dict[str, str | None]
    fields: list[tuple[str, str, bool]]
    warnings: list[dict[str, Any]] = field(default_factory=list)
    rows_checked: int = 0
    unmapped: list[str] = field(default_factory=list)


def _candidates(job: ImportJob) -> list[tuple[str, str, str]]:
    return [(c.code, c.name, c.party) for c in candidates_for(job.election)]


def _path(job: ImportJob) -> Path:
    return Path(settings.MEDIA_ROOT) / job.stored_path


def _rows(job: ImportJob, first_rows: int | None = None):
    """The stored file's header and rows; TableError past the MAX_IMPORT_* limits or an unknown encoding."""
    encoding = (job.options or {}).get("encoding", "utf-8")
    return read_rows(_path(job), encoding, import_limits(), first_rows=first_rows)


def _votes_for(candidate: str) -> Sentence:
    """A candidate's field on the mapping screen; the pages' own sentence (no stats writes it)."""
    return Sentence("mapping.votes-for", f"Votes for {candidate}", {"candidate": candidate})


def mapping_fields(candidates: list[tuple[str, str, str]]) -> list[tuple[str, str, bool]]:
    """(field, label, required) in display order, for the mapping screen, in the reader's language."""
    required = set(core.required_fields(candidates))
    names = {code: f"{name} ({code})" for code, name, _ in candidates}
    return [
        (
            key,
            field_label(key, core.FIELD_LABELS[key])
            if key in core.FIELD_LABELS
            else say(_votes_for(names.get(key, key))),
            key in required,
        )
        for key in core.fields_for(candidates)
    ]


HEAD_CACHE_CHARS = 2_000_000


def _head(job: ImportJob) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the first CHECK_ROWS rows, read once per job and then kept on it.

    The mapping screen is shown, and checked, many times; reading a large
    workbook each time would cost its memory and time on every page view.
    A head too large to keep (wide files with long texts) is read each time.
    """
    kept = (job.options or {}).get("head")
    if kept is not None:
        return kept["header"], [(number, cells) for number, cells in kept["rows"]]
    header, rows = _rows(job, first_rows=CHECK_ROWS)
    checked = [(number, list(cells)) for number, cells in rows]
    head = {"header": list(header), "rows": checked}
    if len(json.dumps(head)) <= HEAD_CACHE_CHARS:
        options = {**(job.options or {}), "head": head}
        ImportJob.objects.filter(pk=job.pk).update(options=options)
        job.options = options
    return header, checked


def preview(job: ImportJob) -> MappingPreview:
    """The header, the first rows, the mapping (chosen, else the one last confirmed for this
    election if the header has its columns, else guessed), its warnings and the columns it leaves."""
    candidates = _candidates(job)
    header, checked = _head(job)
    mapping = (
        (job.options or {}).get("mapping")
        or remembered_mapping(job.election, ImportJob.Kind.RESULTS, header)
        or core.guess_mapping(header, candidates)
    )
    warnings = core.check_mapping(checked, header, mapping, candidates, numbered=True)
    return MappingPreview(
        header=header,
        sample=[(number, cells) for number, cells in checked[:PREVIEW_ROWS]],
        mapping=mapping,
        fields=mapping_fields(candidates),
        warnings=[w.as_dict() for w in warnings],
        rows_checked=len(checked),
        unmapped=unmapped_columns(header, mapping),
    )


def check(job: ImportJob, mapping: dict[str, str | None]) -> list[dict[str, Any]]:
    """check_mapping on the first rows with the analyst's mapping."""
    header, checked = _head(job)
    return [
        w.as_dict()
        for w in core.check_mapping(checked, header, mapping, _candidates(job), numbered=True)
    ]


COLUMNS = (
    "election_id",
    "station_id",
    "job_id",
    "row",
    *COUNT_FIELDS,
    "votes",
    "flags",
)


def _insert(records: list[tuple], progress: Callable[[int], None]) -> None:
    """Write the rows without building a model instance each: COPY on PostgreSQL, executemany on SQLite.

    A million protocols through the ORM's bulk_create spend most of their time
    compiling SQL per value; the rows here are already checked.
    """
    table = OfficialResult._meta.db_table
    columns = ", ".join(f'"{name}"' for name in COLUMNS)
    if connection.vendor == "postgresql":
        # One COPY per batch: progress is saved between them, never on the connection while a
        # COPY holds it (that would wait on itself).
        with connection.cursor() as cursor:
            for start in range(0, len(records), BATCH):
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for record in records[start : start + BATCH]:
                        copy.write_row(record)
                progress(start)
    else:
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join('%s' for _ in COLUMNS)})"
        with connection.cursor() as cursor:
            for start in range(0, len(records), BATCH):
                cursor.executemany(sql, records[start : start + BATCH])
                progress(start)
    progress(len(records))


def import_official(job: ImportJob, progress: Progress | None = None) -> ImportJob:
    """Parse with the confirmed mapping; write the valid rows, report the others. Never half-writes."""
    job.status = ImportJob.Status.RUNNING
    job.heartbeat = timezone.now()
    job.save(update_fields=["status", "heartbeat"])
    started = time.monotonic()
    report = saving_progress(job, progress)
    candidates = _candidates(job)
    mapping = (job.options or {}).get("mapping") or {}
    try:
        header, rows = _rows(job)
        expected = max(count_data_lines(_path(job)), 1)

        def reading(numbered_rows):
            for index, item in enumerate(numbered_rows):
                if index % BATCH == 0:
                    report("reading", index, 3 * expected)
                yield item

        parsed = core.parse_results(reading(rows), header, mapping, candidates, numbered=True)
    except (TableError, InputError) as exc:
        job.status = ImportJob.Status.FAILED
        problems = (
            [exc.error]
            if isinstance(exc, TableError)
            else [RowError(p.row, p.column or "", p.reason) for p in exc.problems]
        )
        job.error_count = len(problems)
        job.errors_csv = errors_as_csv(problems)
        job.message = f"The file cannot be imported: {exc}. Nothing was imported."
        job.finished = timezone.now()
        job.save()
        return job
    errors = list(parsed.errors)
    station_ids = dict(
        PollingStation.objects.filter(election=job.election).values_list("code", "pk")
        if len(parsed) > 50_000
        else PollingStation.objects.filter(
            election=job.election, code__in=parsed.stations
        ).values_list("code", "pk")
    )
    flags_by_index: dict[int, list[dict[str, Any]]] = {}
    for flag in parsed.flags:
        flags_by_index.setdefault(flag.index, []).append(
            {"code": flag.code, "message": flag.message}
        )
    codes = parsed.candidates
    records: list[tuple] = []
    flagged = 0
    for index, station in enumerate(parsed.stations):
        row_number = int(parsed.rows[index])
        station_id = station_ids.get(station)
        if station_id is None:
            errors.append(
                RowError(
                    row_number,
                    mapping.get("station") or "station",
                    "no polling station with this code in the election",
                    station,
                )
            )
            continue
        counts = parsed.station_counts(index)
        flags = flags_by_index.get(index, [])
        flagged += bool(flags)
        records.append(
            (
                job.election_id,
                station_id,
                job.pk,
                row_number,
                *(counts.get(name) for name in COUNT_FIELDS),
                json.dumps(dict(zip(codes, parsed.votes[index].tolist(), strict=True))),
                json.dumps(flags, ensure_ascii=False),
            )
        )
        if index % BATCH == 0:
            report("checking", len(parsed) + index, 3 * len(parsed))
    with transaction.atomic():
        # A new release replaces the earlier figures of the stations it covers, and only those.
        replaced = [record[1] for record in records]
        for start in range(0, len(replaced), BATCH):
            OfficialResult.objects.filter(
                election=job.election, station_id__in=replaced[start : start + BATCH]
            ).delete()
        _insert(records, lambda done: report("writing", 2 * len(parsed) + done, 3 * len(parsed)))
        record(
            "official_results.imported",
            actor=job.created_by.get_username() if job.created_by else "",
            election_id=job.election_id,
            obj=job,
            payload={
                "file": job.original_name,
                "sha256": job.sha256,
                "job": job.pk,
                "mapping": mapping,
                "stations": len(records),
                "refused_rows": len(errors),
            },
        )
    # Totals are derived figures: computed after the commit, so the write lock (SQLite) is
    # held for the rows alone and observers' reports are not kept waiting. The rows are in
    # by now: a failure here must not report the import as failed.
    try:
        refresh_summary(job.election)
        stale = ""
    except Exception:  # noqa: BLE001
        logger.exception("official results of job %s imported, totals not refreshed", job.pk)
        stale = "; the totals could not be refreshed (see the server log) and are refreshed by the next import"
    errors.sort(key=lambda e: (e.row or 0, e.column))
    job.imported = len(records)
    job.rows_total = parsed.rows_read
    job.rows_done = parsed.rows_read
    job.error_count = len(errors)
    job.errors_csv = errors_as_csv(errors) if errors else ""
    job.status = ImportJob.Status.DONE
    seconds = time.monotonic() - started
    job.message = (
        f"Imported official results of {len(records):,} stations in {seconds:.1f} s"
        + (f"; {len(errors):,} row(s) refused (see the error report)" if errors else "")
        + (f"; {flagged:,} protocol(s) flagged as not adding up" if flagged else "")
        + stale
        + "."
    )
    job.finished = timezone.now()
    job.save()
    return job
