"""Backups of the database and the uploaded files into one archive, and their restore.

An archive (``pollwatch-backup-<UTC time>.tar.gz``, mode 0600) holds:

* ``database.sqlite3``: a copy made with SQLite's online backup API, one
  consistent snapshot taken while the server keeps writing (WAL: readers and
  the one writer do not block each other); or ``database.pgdump``: PostgreSQL's
  ``pg_dump`` in its custom format;
* ``uploads/...``: every file of the upload folder (raw import files, protocol
  photos, published statements);
* ``manifest.json``: when, which kind of database, the audit chain's head, the
  row count of every table, and the size and SHA-256 of every other member.

The counts and the head are read from the very snapshot that is archived (the
SQLite copy; on PostgreSQL, a repeatable-read transaction whose snapshot
``pg_dump --snapshot`` shares), so a restore can check that it got exactly that.

`restore` checks every checksum before it touches anything, refuses a database
that holds tables (or uploads that would be overwritten by different ones)
unless forced, restores, then compares the counts and the audit head with the
manifest. The drill is described in docs/deployment.md.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.postgresql.client import DatabaseClient
from tqdm import tqdm

from pollwatch import __version__
from pollwatch.lib.hashchain import GENESIS

FORMAT = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ARCHIVE_NAME = re.compile(r"pollwatch-backup-\d{8}T\d{6}Z\.tar\.gz")
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


Progress = Callable[[int], object]


def _bar(total: int, desc: str, show: bool) -> tqdm:
    """A byte progress bar on stderr, shown on a terminal only (cron gets no bar lines)."""
    return tqdm(total=total, unit="B", unit_scale=True, desc=desc, disable=None if show else True)


@dataclass(frozen=True)
class Restored:
    archive: Path
    manifest: dict[str, Any]
    files: int


# --- what a database holds -----------------------------------------------------------------


def database_kind() -> str:
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"cannot back up a {vendor} database (SQLite and PostgreSQL only)")
    return vendor


def model_tables() -> set[str]:
    """The tables of pollwatch's and Django's models (many-to-many tables included)."""
    models = apps.get_models(include_auto_created=True)
    return {m._meta.db_table for m in models if m._meta.managed and not m._meta.proxy}


def _existing_tables(cursor: Any, kind: str) -> set[str]:
    if kind == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return {row[0] for row in cursor.fetchall()}


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def database_facts(cursor: Any, kind: str, tables: set[str] | None = None) -> dict[str, Any]:
    """The audit chain's head and the row count of each table, read through a DB-API cursor.

    ``tables``: those to count (one missing from the database counts as None); by default
    every model's table that the database has.
    """
    from pollwatch.audit.models import ChainHead

    existing = _existing_tables(cursor, kind)
    if tables is None:
        tables = model_tables() & existing
    counts: dict[str, int | None] = {}
    for table in sorted(tables):
        if table in existing:
            cursor.execute(f"SELECT COUNT(*) FROM {_quoted(table)}")
            counts[table] = cursor.fetchone()[0]
        else:
            counts[table] = None
    head_table = ChainHead._meta.db_table
    head = None
    if head_table in existing:
        cursor.execute(f"SELECT seq, hash FROM {_quoted(head_table)} WHERE id = 1")
        head = cursor.fetchone()
    seq, digest = head or (0, GENESIS)
    return {"audit_head": {"seq": seq, "hash": digest}, "counts": counts}


def is_empty() -> bool:
    """Whether the configured database has no tables at all (a fresh one)."""
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


# --- snapshots -----------------------------------------------------------------------------


def _sqlite_path() -> Path:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"the SQLite database {name!r} is not a file")
    return Path(name)


def sqlite_snapshot(target: Path) -> dict[str, Any]:
    """Copy the live database into ``target`` with the online backup API; its facts."""
    timeout = connection.settings_dict.get("OPTIONS", {}).get("timeout", 20)
    source = sqlite3.connect(_sqlite_path(), timeout=timeout)
    copy = sqlite3.connect(target)
    try:
        # One step (pages=-1) copies everything inside one read transaction: a consistent
        # snapshot that never restarts, however busy the writers are.
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        (check,) = copy.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise BackupError(f"the copied database fails SQLite's quick_check: {check}")
        return database_facts(copy.cursor(), "sqlite")
    finally:
        copy.close()
        source.close()


def _libpq_env() -> dict[str, str]:
    """The environment that points pg_dump and pg_restore at Django's database (no password in argv)."""
    database = connection.settings_dict
    _args, env = DatabaseClient.settings_to_cmd_args_env(database, [])
    where = {
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
        "PGDATABASE": database.get("NAME"),
    }
    return {**os.environ, **(env or {}), **{k: str(v) for k, v in where.items() if v}}


def _run(command: list[str]) -> str:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed: on Debian `apt install postgresql-client-15`"
            " (its major version must be the server's)"
        )
    done = subprocess.run(command, env=_libpq_env(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def postgres_snapshot(target: Path) -> dict[str, Any]:
    """pg_dump (custom format) into ``target``; its facts from the very snapshot it dumps."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        facts = database_facts(cursor, "postgresql")
        _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}"])
    return facts


# --- archives ------------------------------------------------------------------------------


class _HashingReader:
    """Reads a file for tarfile while hashing exactly the bytes that go into the archive."""

    def __init__(self, handle: IO[bytes], progress: Progress):
        self.handle, self.progress, self.sha256 = handle, progress, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.sha256.update(data)
        self.progress(len(data))
        return data


def _add_file(tar: tarfile.TarFile, path: Path, name: str, progress: Progress) -> dict[str, Any]:
    with open(path, "rb") as handle:
        info = tar.gettarinfo(arcname=name, fileobj=handle)
        info.uid, info.gid, info.uname, info.gname, info.mode = 0, 0, "", "", 0o600
        reader = _HashingReader(handle, progress)
        tar.addfile(info, reader)  # type: ignore[arg-type]
    return {"bytes": info.size, "sha256": reader.sha256.hexdigest()}


def _upload_files() -> Iterator[tuple[Path, str]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path, f"{UPLOADS}/{path.relative_to(root).as_posix()}"


def _private_file(path: Path) -> IO[bytes]:
    """A new file only its owner can read, whatever the umask and wherever --to points."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def backup(folder: Path, *, keep: int, show_progress: bool = True) -> tuple[Path, dict[str, Any]]:
    """Write a new archive into ``folder``; then keep only the newest ``keep`` (0: all)."""
    kind = database_kind()
    if is_empty():
        raise BackupError(
            "the database has no tables, nothing to back up (run `pollwatch migrate`?)"
        )
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    archive = folder / f"pollwatch-backup-{now:%Y%m%dT%H%M%SZ}.tar.gz"
    if archive.exists():
        raise BackupError(f"{archive} exists already: wait a second and try again")
    partial = archive.with_name(f".{archive.name}.partial")
    with tempfile.TemporaryDirectory(dir=folder, prefix=".snapshot-") as work:
        dump = Path(work) / DATABASE_FILES[kind]
        snapshot = sqlite_snapshot if kind == "sqlite" else postgres_snapshot
        facts = snapshot(dump)
        members = [(dump, dump.name), *_upload_files()]
        total = sum(path.stat().st_size for path, _ in members)
        files: dict[str, Any] = {}
        try:
            with (
                _private_file(partial) as raw,
                tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar,
                _bar(total, "backup", show_progress) as bar,
            ):
                for path, name in members:
                    files[name] = _add_file(tar, path, name, bar.update)
                manifest = {
                    "format": FORMAT,
                    "created": now.isoformat(),
                    "pollwatch": __version__,
                    "database": {"kind": kind, "file": DATABASE_FILES[kind]},
                    **facts,
                    "files": files,
                }
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
                tar.addfile(info, io.BytesIO(data))
                raw.flush()
                os.fsync(raw.fileno())
            partial.rename(archive)
        finally:
            partial.unlink(missing_ok=True)
    prune(folder, keep)
    return archive, manifest


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` archives of the folder (0 keeps all); returns those deleted."""
    if keep <= 0:
        return []
    archives = sorted(p for p in folder.iterdir() if ARCHIVE_NAME.fullmatch(p.name))
    old = archives[:-keep]
    for path in old:
        path.unlink()
    return old


# --- restore -------------------------------------------------------------------------------


def _sha256(path: Path, progress: Progress) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            progress(len(chunk))
    return digest.hexdigest()


def _read_manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    try:
        handle = tar.extractfile(MANIFEST)
        manifest = json.loads(handle.read()) if handle else None
    except (KeyError, ValueError) as exc:
        raise BackupError(f"{archive}: no readable {MANIFEST} ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            f"{archive}: {MANIFEST} is not a pollwatch backup manifest (format {FORMAT})"
        )
    return manifest


def _allowed_name(name: str, manifest: dict[str, Any]) -> bool:
    """The database file, or a path under uploads/ that cannot climb out of the upload folder."""
    if name == manifest.get("database", {}).get("file"):
        return name in DATABASE_FILES.values()
    parts = name.split("/")
    return parts[0] == UPLOADS and len(parts) > 1 and not {"", ".", ".."} & set(parts[1:])


def unpack(archive: Path, into: Path, *, show_progress: bool = True) -> dict[str, Any]:
    """Extract the archive into ``into`` and check every member against the manifest.

    Refuses links, devices and paths outside the folder (tarfile's "data" filter),
    members the manifest does not list, and any missing or changed file.
    """
    try:
        tar = tarfile.open(archive, mode="r:*")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{archive}: not a readable archive ({exc})") from exc
    with tar:
        manifest = _read_manifest(tar, archive)
        listed = manifest.get("files", {})
        for name in listed:
            if not _allowed_name(name, manifest):
                raise BackupError(f"{archive}: the manifest lists {name!r}, not a file it may hold")
        for member in tar.getmembers():
            if member.name == MANIFEST:
                continue
            if not member.isfile() or member.name not in listed:
                raise BackupError(f"{archive}: {member.name} is not listed in the manifest")
        members = [m for m in tar.getmembers() if m.name != MANIFEST]
        with _bar(sum(m.size for m in members), "extracting", show_progress) as bar:
            for member in members:
                try:
                    tar.extract(member, into, filter="data")
                except (OSError, tarfile.TarError) as exc:
                    raise BackupError(f"{archive}: cannot extract {member.name} ({exc})") from exc
                bar.update(member.size)
    total = sum(int(entry["bytes"]) for entry in listed.values())
    with _bar(total, "checking", show_progress) as bar:
        for name, entry in sorted(listed.items()):
            path = into / name
            if not path.is_file():
                raise BackupError(f"{archive}: {name} is listed in the manifest but missing")
            if _sha256(path, bar.update) != entry["sha256"]:
                raise BackupError(f"{archive}: {name} does not match its SHA-256 in the manifest")
    return manifest


def _upload_conflicts(unpacked: Path, names: list[str]) -> list[str]:
    """Upload files that exist with other contents (same name and same bytes is no conflict)."""
    root = Path(settings.MEDIA_ROOT)
    conflicts = []
    for name in names:
        target = root / name.removeprefix(f"{UPLOADS}/")
        if target.exists() and _sha256(target, lambda n: None) != _sha256(
            unpacked / name, lambda n: None
        ):
            conflicts.append(name)
    return conflicts


def _clear_database() -> None:
    """Drop every table of the configured PostgreSQL database, for a forced restore."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table in _existing_tables(cursor, "postgresql"):
            cursor.execute(f"DROP TABLE IF EXISTS {_quoted(table)} CASCADE")


def _restore_sqlite(dump: Path) -> None:
    # Into the configured file with the backup API too: SQLite then deals with its own -wal and
    # -shm beside the target, and no stale -wal can be replayed over the restored pages.
    target = _sqlite_path()
    connection.close()
    source = sqlite3.connect(dump)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def _restore_postgres(dump: Path) -> None:
    connection.close()
    # The dump's COMMENT ON EXTENSION (pg_trgm) needs the extension's owner, who is a
    # superuser when one ran the migrations: leave it out, so the database's owner can restore.
    listing = _run(["pg_restore", "--list", str(dump)])
    wanted = dump.with_suffix(".list")
    wanted.write_text(
        "".join(
            line
            for line in listing.splitlines(keepends=True)
            if " COMMENT - EXTENSION " not in line
        )
    )
    # One transaction: a restore that fails leaves the database as it was.
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--use-list={wanted}",
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump),
        ]
    )


def restore(archive: Path, *, force: bool = False, show_progress: bool = True) -> Restored:
    """Check the archive, then restore its database and uploads into this installation.

    Nothing is written before every checksum matched, the database was found empty
    (or ``force``) and no upload would be replaced by different contents (or ``force``).
    """
    kind = database_kind()
    with tempfile.TemporaryDirectory(dir=settings.DATA_DIR, prefix=".restore-") as work:
        unpacked = Path(work)
        manifest = unpack(archive, unpacked, show_progress=show_progress)
        if manifest["database"]["kind"] != kind:
            raise BackupError(
                f"{archive} holds a {manifest['database']['kind']} database and this"
                f" installation uses {kind}: restore into the same kind (set or unset DATABASE_URL)"
            )
        uploads = sorted(n for n in manifest["files"] if n.startswith(f"{UPLOADS}/"))
        if not force:
            _refuse_overwrites(unpacked, uploads)
        _restore_database(kind, unpacked / manifest["database"]["file"])
        _move_uploads(unpacked, uploads)
    _check_restored(manifest)
    return Restored(archive=archive, manifest=manifest, files=len(uploads))


def _refuse_overwrites(unpacked: Path, uploads: list[str]) -> None:
    if not is_empty():
        raise BackupError(
            "the database is not empty: restore into a fresh database, or pass --force"
            " to replace everything in it (take a backup of it first)"
        )
    conflicts = _upload_conflicts(unpacked, uploads)
    if conflicts:
        raise BackupError(
            f"{len(conflicts)} upload(s) exist with other contents, e.g. {conflicts[0]}:"
            " restore into an empty upload folder, or pass --force"
        )


def _restore_database(kind: str, dump: Path) -> None:
    if kind == "sqlite":
        _restore_sqlite(dump)  # replaces the whole file's contents, whatever was there
        return
    if not is_empty():
        _clear_database()
    _restore_postgres(dump)


def _move_uploads(unpacked: Path, uploads: list[str]) -> None:
    root = Path(settings.MEDIA_ROOT)
    for name in uploads:
        target = root / name.removeprefix(f"{UPLOADS}/")
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.move(unpacked / name, target)
        target.chmod(0o600)


def _check_restored(manifest: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        facts = database_facts(cursor, connection.vendor, set(manifest["counts"]))
    wrong = [
        f"{table}: {facts['counts'].get(table)} rows, the manifest says {count}"
        for table, count in manifest["counts"].items()
        if facts["counts"].get(table) != count
    ]
    if facts["audit_head"] != manifest["audit_head"]:
        wrong.append(
            f"audit head {facts['audit_head']}, the manifest says {manifest['audit_head']}"
        )
    if wrong:
        raise BackupError(
            "the restored database differs from the manifest:\n  " + "\n  ".join(wrong)
        )
