"""Import polling stations (and their geography) from CSV or XLSX, all or nothing.

The file is checked whole before anything is written: a file with any bad row
imports nothing and yields every problem with its row, column and reason.
Writing is one transaction, batched, and uses COPY on PostgreSQL.

Columns: ``code``, ``name``, ``registered_voters`` (required); geography as
``<level>_code`` / ``<level>_name`` pairs from the top level down, e.g.
``region_code, region_name, district_code, district_name``; names in other
languages as ``<level>_name_<lang>``; optional ``latitude``, ``longitude``,
``newly_included``, ``abroad`` (1/0, yes/no), ``special`` (military,
hospital, prison, mobile, other) and ``stratum`` (the stratum the observers'
sample was drawn in, e.g. the stratum column given to ``pollwatch sample``).

Those are field names: a file's own columns are mapped to them by a confirmed
mapping or a guess (``pollwatch.lib.columns.station_fields``, which also reads
Apollo's location export, ``REGION_N_EN, REGION_ID, …, POLLING STATION_RV,
LAT, LON``). Columns that map to nothing are listed in the result and, with
``keep_extra``, kept on each station as ``extra`` attributes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from pollwatch.audit.models import record
from pollwatch.elections.models import Area, Election, ImportJob, PollingStation
from pollwatch.lib.columns import (
    PEOPLE_FIELDS,
    PEOPLE_PRESETS,
    guess_mapping,
    is_never_kept,
    kept_columns,
    mapping_covers,
    missing_columns,
    resolve,
    station_fields,
    unmapped_columns,
)
from pollwatch.lib.tabular import (
    Limits,
    RowError,
    TableError,
    count_data_lines,
    errors_as_csv,
    parse_flag,
    read_rows,
)

logger = logging.getLogger(__name__)

MAX_REPORTED_ERRORS = 10_000
BATCH = 20_000
BULK_ROWS = 50_000
Progress = Callable[[str, int, int], None]


class ImportFailed(Exception):
    """Nothing was imported; ``errors`` holds up to MAX_REPORTED_ERRORS problems, ``total`` counts all."""

    def __init__(self, errors: list[RowError], total: int | None = None):
        self.errors = errors
        self.total = total if total is not None else len(errors)
        shown = "\n  ".join(str(e) for e in errors[:20])
        more = f"\n  ... and {self.total - 20} more" if self.total > 20 else ""
        super().__init__(f"{self.total} problem(s); nothing was imported:\n  {shown}{more}")

    def as_csv(self) -> str:
        return errors_as_csv(self.errors)


class ErrorList:
    """Collects row errors, keeping the first MAX_REPORTED_ERRORS and counting the rest."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.total = 0

    def add(self, row: int | None, column: str, reason: str, value: str = "") -> None:
        self.total += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, reason, value[:100]))

    def raise_if_any(self) -> None:
        if self.total:
            raise ImportFailed(self.errors, self.total)


@dataclass
class StationImportResult:
    stations: int
    areas_created: int
    blank_rows: int
    seconds: float
    unmapped: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def import_limits() -> Limits:
    """The reading limits of every import, from the MAX_IMPORT_* settings."""
    return Limits(
        rows=settings.MAX_IMPORT_ROWS,
        columns=settings.MAX_IMPORT_COLUMNS,
        expanded_bytes=settings.MAX_IMPORT_EXPANDED_BYTES,
    )


def audit_import(
    kind: str, election: Election, path: Path, job: ImportJob | None, counts: dict
) -> None:
    """One audit event for an import, written inside its transaction: what came in, from which file."""
    record(
        kind,
        actor=job.created_by.get_username() if job is not None and job.created_by else "",
        election_id=election.pk,
        obj=job if job is not None else election,
        payload={
            "file": job.original_name if job is not None else path.name,
            "sha256": job.sha256 if job is not None else file_sha256(path),
            "job": job.pk if job is not None else None,
            **counts,
        },
    )


SPECIAL_KINDS = {choice.value for choice in PollingStation.Special}


STRATUM_MAX = 64
# The widths of the columns: a longer value is refused with its row, never cut.
STATION_NAME_MAX = 300
AREA_CODE_MAX = 64
AREA_NAME_MAX = 200


def import_stations(
    election: Election,
    path: Path,
    *,
    encoding: str = "utf-8",
    replace: bool = False,
    progress: Progress | None = None,
    job: ImportJob | None = None,
    mapping: dict | None = None,
    preset: str | None = None,
    keep_extra: bool = False,
) -> StationImportResult:
    """Check the whole file, then write stations and new areas in one transaction, with an audit event.

    ``mapping`` ({field: column}) is the confirmed one; without it the columns
    are guessed from the header (with ``preset``'s names only, if given).
    Raises ImportFailed (with every problem) or TableError (unreadable file, or
    over the MAX_IMPORT_* limits); in both cases the database is unchanged.
    ``job`` (the stored file being imported) is named in the audit event.
    """
    started = time.perf_counter()
    total_rows = count_data_lines(path)
    header_raw, rows = read_rows(path, encoding, import_limits())
    errors = ErrorList()
    for key, absent in missing_columns(header_raw, mapping or {}):
        errors.add(
            1,
            key,
            f"the mapping names column {absent!r}, which the file has not (or has twice)"
            f" (the file has: {', '.join(header_raw[:30])})",
        )
    errors.raise_if_any()
    mapping = mapping or station_fields(header_raw, preset)[1]
    try:
        resolved = resolve(header_raw, mapping)
    except ValueError as exc:
        errors.add(1, "", str(exc))
        errors.raise_if_any()
    header = resolved.header(len(header_raw))
    kept = kept_columns(resolved.unmapped) if keep_extra else []
    column = {name: index for index, name in enumerate(header) if name}
    for required in ("code", "name", "registered_voters"):
        if required not in column:
            errors.add(
                1,
                required,
                f"missing column: none is mapped to {required} (the file has: {', '.join(header_raw[:30])})",
            )
    levels = [h[: -len("_code")] for h in header if h.endswith("_code") and h != "code"]
    if not levels:
        errors.add(
            1, "", "no geography columns: give at least one <level>_code column, e.g. region_code"
        )
    existing_levels = dict(
        Area.objects.filter(election=election).values_list("level", "level_name").distinct()
    )
    for depth, level in enumerate(levels, start=1):
        known_level = existing_levels.get(depth)
        if known_level is not None and known_level != level:
            expected = ", ".join(existing_levels[d] for d in sorted(existing_levels))
            errors.add(
                1,
                f"{level}_code",
                f"unknown level {level!r}: this election's levels are {expected}",
            )
    errors.raise_if_any()

    level_columns = []
    languages: set[str] = set()
    for level in levels:
        other = {}
        for name, index in column.items():
            prefix = f"{level}_name_"
            if name.startswith(prefix):
                other[name[len(prefix) :]] = index
                languages.add(name[len(prefix) :])
        level_columns.append((level, column[f"{level}_code"], column.get(f"{level}_name"), other))
    i_code, i_name, i_voters = column["code"], column["name"], column["registered_voters"]
    i_lat, i_lon = column.get("latitude"), column.get("longitude")
    i_newly, i_abroad, i_special, i_stratum = (
        column.get("newly_included"),
        column.get("abroad"),
        column.get("special"),
        column.get("stratum"),
    )
    width = len(header)

    existing_codes = set()
    if not replace:
        existing_codes = set(
            PollingStation.objects.filter(election=election).values_list("code", flat=True)
        )
    # code -> (depth, parent code, name, other names, first row, newly included)
    existing_areas = {
        a.code: a for a in Area.objects.filter(election=election).select_related("parent")
    }
    new_areas: dict[str, list] = {}
    seen: dict[str, int] = {}
    stations: list[tuple] = []
    blank_rows = 0
    done = 0

    try:
        for row_number, cells in rows:
            done += 1
            if progress is not None and done % 10_000 == 0:
                progress("checking", done, total_rows)
            if len(cells) != width:
                if not any(cells):
                    blank_rows += 1
                    continue
                errors.add(row_number, "", f"expected {width} cells, found {len(cells)}")
                continue
            if not any(cells):
                blank_rows += 1
                continue
            bad = False
            code = cells[i_code]
            if not code:
                errors.add(row_number, "code", "missing station code")
                bad = True
            elif len(code) > 64:
                errors.add(row_number, "code", "station code longer than 64 characters", code)
                bad = True
            elif code in seen:
                errors.add(
                    row_number, "code", f"duplicate station code (first at row {seen[code]})", code
                )
                bad = True
            elif code in existing_codes:
                errors.add(row_number, "code", "station code already exists in this election", code)
                bad = True
            else:
                seen[code] = row_number
            name = cells[i_name]
            if not name:
                errors.add(row_number, "name", "missing station name")
                bad = True
            elif len(name) > STATION_NAME_MAX:
                errors.add(
                    row_number,
                    "name",
                    f"station name longer than {STATION_NAME_MAX} characters",
                    name,
                )
                bad = True
            text = cells[i_voters]
            try:
                voters = int(text)
            except ValueError:
                try:
                    as_float = float(text.replace(",", ""))
                    voters = int(as_float) if as_float.is_integer() else -1
                    if voters == -1:
                        errors.add(row_number, "registered_voters", "not a whole number", text)
                        bad = True
                except ValueError:
                    errors.add(
                        row_number, "registered_voters", "not a number" if text else "missing", text
                    )
                    bad = True
                    voters = 0
            if voters < 0 and not bad:
                errors.add(
                    row_number, "registered_voters", "negative number of registered voters", text
                )
                bad = True
            newly = abroad = False
            if i_newly is not None:
                flag = parse_flag(cells[i_newly])
                if flag is None:
                    errors.add(
                        row_number, "newly_included", "expected 1/0 or yes/no", cells[i_newly]
                    )
                    bad = True
                newly = bool(flag)
            if i_abroad is not None:
                flag = parse_flag(cells[i_abroad])
                if flag is None:
                    errors.add(row_number, "abroad", "expected 1/0 or yes/no", cells[i_abroad])
                    bad = True
                abroad = bool(flag)
            special = ""
            if i_special is not None:
                special = cells[i_special].lower()
                if special not in SPECIAL_KINDS:
                    errors.add(
                        row_number,
                        "special",
                        f"unknown kind of special station (use {', '.join(sorted(SPECIAL_KINDS - {''}))})",
                        cells[i_special],
                    )
                    bad = True
            stratum = cells[i_stratum].strip() if i_stratum is not None else ""
            if len(stratum) > STRATUM_MAX:
                errors.add(
                    row_number, "stratum", f"longer than {STRATUM_MAX} characters", stratum[:80]
                )
                bad = True
            latitude = longitude = None
            for cell_index, name_, low, high in (
                (i_lat, "latitude", -90, 90),
                (i_lon, "longitude", -180, 180),
            ):
                if cell_index is None or not cells[cell_index]:
                    continue
                try:
                    value = float(cells[cell_index])
                except ValueError:
                    errors.add(row_number, name_, "not a number", cells[cell_index])
                    bad = True
                    continue
                if not low <= value <= high:
                    errors.add(row_number, name_, f"outside {low}..{high}", cells[cell_index])
                    bad = True
                elif name_ == "latitude":
                    latitude = value
                else:
                    longitude = value
            parent = None
            for depth, (level, ci, ni, other) in enumerate(level_columns, start=1):
                area_code = cells[ci]
                if not area_code:
                    errors.add(row_number, f"{level}_code", f"missing {level} code")
                    bad = True
                    break
                too_long = [
                    (f"{level}_{part}", text, most)
                    for part, text, most in (
                        ("code", area_code, AREA_CODE_MAX),
                        ("name", cells[ni] if ni is not None else "", AREA_NAME_MAX),
                        *((f"name_{lang}", cells[i], AREA_NAME_MAX) for lang, i in other.items()),
                    )
                    if len(text) > most
                ]
                for field_name, text, most in too_long:
                    errors.add(row_number, field_name, f"longer than {most} characters", text)
                if too_long:
                    bad = True
                    break
                pending = new_areas.get(area_code)
                if pending is None and area_code in existing_areas:
                    area = existing_areas[area_code]
                    known_depth, known_parent = (
                        area.level,
                        area.parent.code if area.parent else None,
                    )
                elif pending is not None:
                    known_depth, known_parent = pending[0], pending[1]
                else:
                    names = {lang: cells[i] for lang, i in other.items() if cells[i]}
                    new_areas[area_code] = [
                        depth,
                        parent,
                        (cells[ni] if ni is not None else "") or area_code,
                        names,
                        row_number,
                        False,
                    ]
                    known_depth, known_parent = depth, parent
                if known_depth != depth:
                    errors.add(
                        row_number,
                        f"{level}_code",
                        f"code {area_code!r} is already used at another level",
                        area_code,
                    )
                    bad = True
                    break
                if known_parent != parent:
                    errors.add(
                        row_number,
                        f"{level}_code",
                        f"{level} {area_code!r} is under {known_parent!r} elsewhere but under {parent!r} here",
                        area_code,
                    )
                    bad = True
                    break
                parent = area_code
            if bad:
                continue
            if newly and parent in new_areas:
                new_areas[parent][5] = True
            stations.append(
                (
                    code,
                    name,
                    parent,
                    voters,
                    latitude,
                    longitude,
                    newly,
                    abroad,
                    special,
                    stratum,
                    {name: cells[at] for at, name in kept if cells[at]},
                )
            )
    except TableError as exc:
        errors.add(exc.error.row, exc.error.column, exc.error.reason)
    if not stations and not errors.total:
        errors.add(None, "", "the file has a header but no stations")
    errors.raise_if_any()

    with transaction.atomic():
        if replace:
            PollingStation.objects.filter(election=election).delete()
        area_rows = _create_areas(election, new_areas, existing_areas, levels)
        _insert_stations(election, stations, area_rows, progress)
        refresh_area_totals(election)
        if languages:
            current = [lang for lang in election.languages.split(",") if lang]
            added = [lang for lang in sorted(languages) if lang not in current]
            if added:
                election.languages = ",".join(current + added)
                election.save(update_fields=["languages"])
        audit_import(
            "stations.imported",
            election,
            path,
            job,
            {
                "stations": len(stations),
                "areas_created": len(new_areas),
                "replace": replace,
                "mapping": mapping,
                "unmapped": [name for _, name in resolved.unmapped],
                "kept_as_extra": [name for _, name in kept],
            },
        )
    # Fresh planner statistics, or the first searches after a bulk load pick slow plans.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {PollingStation._meta.db_table}")
    return StationImportResult(
        len(stations),
        len(new_areas),
        blank_rows,
        time.perf_counter() - started,
        [name for _, name in resolved.unmapped],
        [name for _, name in kept],
    )


def _create_areas(
    election: Election, new_areas: dict[str, list], existing: dict[str, Area], levels: list[str]
) -> dict[str, tuple[int, str]]:
    """Create the new areas top-down; returns code -> (id, path) for every area."""
    known = {code: (area.pk, area.path) for code, area in existing.items()}
    for depth in range(1, len(levels) + 1):
        batch = []
        for code, (area_depth, parent, name, names, _row, newly) in new_areas.items():
            if area_depth != depth:
                continue
            parent_id, parent_path = known[parent] if parent else (None, "/")
            batch.append(
                Area(
                    election=election,
                    parent_id=parent_id,
                    level=depth,
                    level_name=levels[depth - 1],
                    code=code,
                    name=name[:200],
                    names=names,
                    path=f"{parent_path}{code}/",
                    newly_included=newly,
                )
            )
        for area in Area.objects.bulk_create(batch, batch_size=2000):
            known[area.code] = (area.pk, area.path)
    return known


def _insert_stations(
    election: Election,
    stations: list[tuple],
    areas: dict[str, tuple[int, str]],
    progress: Progress | None,
) -> None:
    table = PollingStation._meta.db_table
    columns = (
        "election_id, code, name, area_id, area_path, registered_voters, latitude, longitude, "
        "newly_included, abroad, special, stratum, extra"
    )
    total = len(stations)

    def records():
        for index, (code, name, leaf, *counts_and_flags) in enumerate(stations, 1):
            area_id, path = areas[leaf]
            if progress is not None and index % BATCH == 0:
                progress("writing", index, total)
            # voters, latitude, longitude, newly_included, abroad, special, stratum; extra as JSON
            *fields, extra = counts_and_flags
            yield (election.pk, code, name, area_id, path, *fields, json.dumps(extra or {}))

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            bulk = total >= BULK_ROWS
            # As pg_restore does: checking two foreign keys per row and updating a
            # trigram index row by row cost far more than validating the keys and
            # building the index once. All of it happens inside the import's
            # transaction, so a failure restores everything.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            foreign_keys = _drop_foreign_keys(cursor, table) if bulk else []
            rebuild = bulk and _drop_trigram_index(cursor)
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for record in records():
                    copy.write_row(record)
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for name, definition in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            if rebuild:
                cursor.execute(TRIGRAM_INDEX_SQL)
    else:
        connection.ensure_connection()
        raw = connection.connection
        placeholders = ", ".join("?" * 13)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
        iterator = records()
        while True:
            chunk = [record for _, record in zip(range(BATCH), iterator, strict=False)]
            if not chunk:
                break
            raw.executemany(sql, chunk)
    if progress is not None:
        progress("writing", total, total)


TRIGRAM_INDEX_SQL = "CREATE INDEX station_name_trgm ON elections_pollingstation USING gin (upper(name::text) gin_trgm_ops)"


def _drop_foreign_keys(cursor, table: str) -> list[tuple[str, str]]:
    """Drop the table's own foreign keys; returns (name, definition) to add them back."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    foreign_keys = cursor.fetchall()
    for name, _ in foreign_keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return foreign_keys


def _drop_trigram_index(cursor) -> bool:
    """Drop the name-search index (created by migration 0002 where pg_trgm exists); True if it was there."""
    cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'station_name_trgm'")
    if cursor.fetchone() is None:
        return False
    cursor.execute("DROP INDEX station_name_trgm")
    return True


def refresh_area_totals(election: Election) -> None:
    """Recompute station counts, registered voters and the newly-included flag for every area's subtree."""
    per_area = {
        row["area_id"]: row
        for row in PollingStation.objects.filter(election=election)
        .values("area_id")
        .annotate(
            stations=Count("id"),
            voters=Sum("registered_voters"),
            newly=Count("id", filter=Q(newly_included=True)),
        )
    }
    areas = list(Area.objects.filter(election=election).only("id", "parent_id", "level"))
    # area id -> [stations, registered voters, newly-included stations] over its subtree
    totals: dict[int, list[int]] = {a.pk: [0, 0, 0] for a in areas}
    for area_id, row in per_area.items():
        totals[area_id] = [row["stations"], row["voters"] or 0, row["newly"]]
    parents = {a.pk: a.parent_id for a in areas}
    # Deepest first, so each area's total is complete before it is added to its parent.
    for area in sorted(areas, key=lambda a: -a.level):
        parent_id = parents[area.pk]
        if parent_id is not None:
            parent_totals = totals[parent_id]
            parent_totals[0] += totals[area.pk][0]
            parent_totals[1] += totals[area.pk][1]
            parent_totals[2] += totals[area.pk][2]
    for area in areas:
        area.station_count, area.registered_voters, newly = totals[area.pk]
        area.newly_included = area.newly_included or newly > 0
    Area.objects.bulk_update(
        areas, ["station_count", "registered_voters", "newly_included"], batch_size=2000
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def store_raw_file(source: Path, original_name: str) -> tuple[str, str, int]:
    """Copy the file into the data folder before parsing; returns (relative path, sha256, size)."""
    sha = file_sha256(source)
    safe_name = "".join(c if c.isalnum() or c in "._-" else "_" for c in original_name)[-100:]
    relative = f"imports/{sha[:2]}/{sha}-{safe_name}"
    target = Path(settings.MEDIA_ROOT) / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return relative, sha, source.stat().st_size


def create_job(
    election: Election, kind: str, source: Path, original_name: str, options: dict, user=None
) -> ImportJob:
    relative, sha, size = store_raw_file(source, original_name)
    return ImportJob.objects.create(
        election=election,
        kind=kind,
        original_name=original_name,
        stored_path=relative,
        sha256=sha,
        size=size,
        options=options,
        created_by=user,
    )


def create_job_from_upload(
    election: Election, kind: str, upload, options: dict, user=None
) -> ImportJob:
    """The uploaded file (a Django UploadedFile) stored raw as an import job, read by nothing yet."""
    with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix) as temporary:
        for chunk in upload.chunks():
            temporary.write(chunk)
        temporary.flush()
        return create_job(election, kind, Path(temporary.name), upload.name, options, user=user)


def saving_progress(job: ImportJob, progress: Progress | None = None) -> Progress:
    """A progress callback that also saves rows done / total and the heartbeat on the job about
    once a second (the import page's progress bar reads them), then calls ``progress`` if given."""
    last_saved = [0.0]

    def report(phase: str, done: int, total: int) -> None:
        if progress is not None:
            progress(phase, done, total)
        now = time.monotonic()
        if now - last_saved[0] > 1.0:
            last_saved[0] = now
            ImportJob.objects.filter(pk=job.pk).update(
                rows_done=done, rows_total=max(total, done, 1), heartbeat=timezone.now()
            )

    return report


def fail_stale_jobs(election: Election | None = None) -> int:
    """Mark failed every running import that has shown no progress for IMPORT_STALE_MINUTES.

    A worker that is killed (out of memory, a restart, a deploy) cannot mark
    its job; without this the job would say "running" for ever. Each import
    writes in one transaction, so such a job wrote nothing. Should the worker
    in fact still be alive and finish, its last save sets the true outcome.
    Called whenever import jobs are listed or shown; returns how many were marked.
    """
    minutes = settings.IMPORT_STALE_MINUTES
    cutoff = timezone.now() - timedelta(minutes=minutes)
    stale = ImportJob.objects.filter(status=ImportJob.Status.RUNNING).filter(
        Q(heartbeat__lt=cutoff) | Q(heartbeat__isnull=True, created__lt=cutoff)
    )
    if election is not None:
        stale = stale.filter(election=election)
    message = (
        f"The import stopped without finishing: no progress for {minutes} minutes "
        "(the task worker was stopped or crashed). Nothing was imported; upload the file again."
    )
    return stale.update(
        status=ImportJob.Status.FAILED,
        message=message,
        error_count=1,
        errors_csv=errors_as_csv([RowError(None, "", message)]),
        finished=timezone.now(),
    )


def run_job(job: ImportJob, progress: Progress | None = None) -> ImportJob:
    """Run a stored import of any kind; the job ends "done" or "failed" with a message, never "running".

    Each importer writes in one transaction, so a failure of any kind (a bad
    file, a bug, a lost database connection) leaves the database as it was; an
    unexpected one is logged with its traceback and summarised on the job.
    """
    job.status = ImportJob.Status.RUNNING
    job.heartbeat = timezone.now()
    job.save(update_fields=["status", "heartbeat"])
    try:
        if job.kind == ImportJob.Kind.RESULTS:
            from pollwatch.results.importers import import_official

            return import_official(job, progress)
        _run_frame_import(job, saving_progress(job, progress))
        job.status = ImportJob.Status.DONE
        job.rows_done = job.rows_total = job.imported
    except ImportFailed as exc:
        job.status = ImportJob.Status.FAILED
        job.error_count = exc.total
        job.errors_csv = exc.as_csv()
        job.message = f"{exc.total:,} problem(s) found; nothing was imported."
    except TableError as exc:
        _fail(job, [exc.error], f"The file cannot be read: {exc}. Nothing was imported.")
    except Exception as exc:  # noqa: BLE001 — whatever went wrong, the job must not stay "running"
        logger.exception("import job %s (%s, %s) failed", job.pk, job.kind, job.original_name)
        _fail(
            job,
            [RowError(None, "", f"unexpected error: {type(exc).__name__}: {exc}")],
            f"The import stopped on an unexpected error ({type(exc).__name__}: {exc}). "
            "Nothing was imported; the details are in the server log.",
        )
    job.finished = timezone.now()
    job.save()
    return job


def _fail(job: ImportJob, errors: list[RowError], message: str) -> None:
    job.status = ImportJob.Status.FAILED
    job.imported = 0
    job.error_count = len(errors)
    job.errors_csv = errors_as_csv(errors)
    job.message = message[:2000]
    job.finished = timezone.now()


def _mapping_options(options: dict) -> dict:
    return {
        "mapping": options.get("mapping") or None,
        "preset": options.get("preset") or None,
        "keep_extra": bool(options.get("keep_extra")),
    }


def _leftover_note(unmapped: list[str], kept: list[str]) -> str:
    """The job's word on the columns no field took: never dropped without saying so."""
    if not unmapped:
        return ""
    dropped = [name for name in unmapped if name not in kept]
    note = ""
    if kept:
        note += f" Kept as extra attributes: {', '.join(kept)}."
    if dropped:
        note += f" Columns not imported (mapped to nothing): {', '.join(dropped)}."
    return note


def remembered_mapping(election: Election, kind: str, header: list[str]) -> dict | None:
    """The mapping last confirmed for this election and kind of import, if this header has its columns.

    Each job keeps the mapping it was run with; the newest one that fits is
    offered again, so a second file from the same source needs no remapping.
    """
    recent = (
        ImportJob.objects.filter(election=election, kind=kind, status=ImportJob.Status.DONE)
        .exclude(options__mapping=None)
        .values_list("options", flat=True)[:20]
    )
    for options in recent:
        mapping = (options or {}).get("mapping")
        if mapping and mapping_covers(header, mapping):
            return mapping
    return None


def _run_frame_import(job: ImportJob, report: Progress) -> None:
    """A stations or people import; sets the job's count and message."""
    from pollwatch.observers.importers import import_people

    path = Path(settings.MEDIA_ROOT) / job.stored_path
    options = job.options or {}
    if job.kind == ImportJob.Kind.STATIONS:
        result = import_stations(
            job.election,
            path,
            encoding=options.get("encoding", "utf-8"),
            replace=bool(options.get("replace")),
            progress=report,
            job=job,
            **_mapping_options(options),
        )
        job.imported = result.stations
        job.message = (
            f"Imported {result.stations:,} stations and {result.areas_created:,} new areas "
            f"in {result.seconds:.1f} s ({result.stations / max(result.seconds, 1e-9):,.0f} rows/s)."
            + _leftover_note(result.unmapped, result.kept)
        )
    elif job.kind == ImportJob.Kind.PEOPLE:
        people = import_people(
            job.election,
            path,
            encoding=options.get("encoding", "utf-8"),
            region=options.get("region") or job.election.country_code or None,
            progress=report,
            job=job,
            default_role=options.get("default_role") or "observer",
            **_mapping_options(options),
        )
        job.imported = people.people
        job.message = (
            f"Imported {people.people:,} people with {people.memberships:,} roles."
            + _leftover_note(people.unmapped, people.kept)
        )
    else:
        raise ValueError(f"unknown kind of import {job.kind!r}")


PREVIEW_ROWS = 8


@dataclass
class FramePreview:
    """What the mapping page shows for a stations or people file before anything is imported."""

    header: list[str]
    sample: list[tuple[int, list[str]]]
    fields: list[tuple[str, str, bool, bool]]
    mapping: dict
    unmapped: list[str]
    source: str  # "chosen", "remembered" or "guessed"


def frame_preview(job: ImportJob, preset: str | None = None) -> FramePreview:
    """The header, the first rows and the mapping to offer: the one already chosen for this job,
    else the one last confirmed for this election and kind (if the header has its columns),
    else a guess (with ``preset``'s names only, if given). TableError for an unreadable file."""
    options = job.options or {}
    path = Path(settings.MEDIA_ROOT) / job.stored_path
    header, rows = read_rows(
        path, options.get("encoding", "utf-8"), import_limits(), first_rows=PREVIEW_ROWS
    )
    # Apollo's participants export carries passwords in clear: never kept, so never shown.
    hidden = {i for i, name in enumerate(header) if is_never_kept(name)}
    sample = [
        (number, ["••••••" if i in hidden and cell else cell for i, cell in enumerate(cells)])
        for number, cells in rows
    ]
    if job.kind == ImportJob.Kind.STATIONS:
        fields, guessed = station_fields(header, preset)
    else:
        fields, guessed = (
            list(PEOPLE_FIELDS),
            guess_mapping(header, PEOPLE_FIELDS, PEOPLE_PRESETS, preset),
        )
    remembered = None if preset else remembered_mapping(job.election, job.kind, header)
    if options.get("mapping"):
        mapping, source = options["mapping"], "chosen"
    elif remembered:
        mapping, source = remembered, "remembered"
    else:
        mapping, source = guessed, "guessed"
    shown = [(f.key, f.label, f.required, f.many) for f in fields]
    known = {f.key for f in fields}
    # A remembered mapping may name geography levels this guess did not find.
    shown += [(key, key.replace("_", " "), False, False) for key in mapping if key not in known]
    return FramePreview(header, sample, shown, mapping, unmapped_columns(header, mapping), source)
