"""The backup and restore drill, for real: a backup of a day's reports (with a protocol photo)
restores into a fresh database with every submission and an intact audit chain; a tampered
archive, a database that holds tables and conflicting uploads are refused before anything is
written. On SQLite the fresh database is a new file; on PostgreSQL a scratch database created
and dropped here, dumped and restored with pg_dump and pg_restore."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import stat
import tarfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from pollwatch.audit.models import ChainHead, seal_all
from pollwatch.ops.backups import backup
from pollwatch.submissions.intake import process_pending
from pollwatch.submissions.models import Submission

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump and SQLite's backup see commits only

PHOTO = b"\x89PNG\r\n\x1a\n" + b"protocol of D1-001" * 200


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _dump_tools():
    if connection.vendor == "postgresql" and not (
        shutil.which("pg_dump") and shutil.which("pg_restore")
    ):
        pytest.skip("pg_dump and pg_restore are not installed")


@pytest.fixture
def folders(settings, tmp_path):
    """The data folder, its uploads and its backups, all new."""
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = settings.DATA_DIR / "uploads"
    settings.BACKUP_DIR = settings.DATA_DIR / "backups"
    settings.MEDIA_ROOT.mkdir(parents=True)
    return settings


@pytest.fixture
def reported(client, forms, observer_token, folders):
    """Four reports through the observer API, one with a photo, and the audit chain sealed."""
    bodies = [
        {"form": "OP", "station": "D1-001", "answers": {"A1": 1, "A2": n, "A3": 1}}
        for n in (3, 4, 5)
    ]
    photo = "data:image/png;base64," + base64.b64encode(PHOTO).decode()
    bodies.append({"form": "IN", "station": "D1-001", "answers": {"T": "1", "P": photo}})
    for body in bodies:
        body["client_uuid"] = str(uuid.uuid4())
        response = client.post(
            "/api/o/submissions",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Token {observer_token}"},
        )
        assert response.status_code == 202, response.content
    process_pending()
    seal_all()
    return {s.client_uuid: s.answers for s in Submission.objects.all()}


@pytest.fixture
def fresh_database(tmp_path):
    """The name of a database with nothing in it, of the kind the tests run on."""
    if connection.vendor == "sqlite":
        (tmp_path / "restored").mkdir()
        yield str(tmp_path / "restored" / "pollwatch.sqlite3")
        return
    name = f"{connection.settings_dict['NAME']}_restore"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def using_database(name: str):
    """Point the default connection at another database for the block."""
    saved = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = saved


def make_backup(*args: str) -> Path:
    out = io.StringIO()
    call_command("backup", *args, stdout=out, verbosity=0)
    return Path(out.getvalue().split(" (")[0])


def restore(archive: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("restore", str(archive), *args, stdout=out, verbosity=0)
    return out.getvalue()


def photo_path(root: Path) -> Path:
    digest = hashlib.sha256(PHOTO).hexdigest()
    return root / "photos" / digest[:2] / f"{digest}.png"


def test_a_backup_restores_into_a_fresh_database_with_every_submission_and_an_intact_audit_chain(
    reported, folders, fresh_database, tmp_path
):
    head = ChainHead.objects.get()
    archive = make_backup()
    folders.MEDIA_ROOT = tmp_path / "fresh-uploads"  # and a fresh upload folder
    with using_database(fresh_database):
        said = restore(archive)
        assert {s.client_uuid: s.answers for s in Submission.objects.all()} == reported
        assert (ChainHead.objects.get().seq, ChainHead.objects.get().hash) == (head.seq, head.hash)
        out = io.StringIO()
        call_command("audit", "verify", stdout=out)
    assert "audit chain intact" in said
    assert f"audit chain intact: {head.seq:,} events, head {head.hash}" in out.getvalue()
    restored_photo = photo_path(folders.MEDIA_ROOT)
    assert restored_photo.read_bytes() == PHOTO and mode(restored_photo) == 0o600


def test_the_archive_is_private_and_its_manifest_describes_the_snapshot(reported, folders):
    archive = make_backup()
    assert archive.parent == folders.BACKUP_DIR
    assert mode(archive) == 0o600 and mode(folders.BACKUP_DIR) == 0o700
    with tarfile.open(archive) as tar:
        manifest = json.loads(read_member(tar, "manifest.json"))
    assert manifest["database"]["kind"] == connection.vendor
    assert manifest["counts"]["submissions_submission"] == len(reported)
    head = ChainHead.objects.get()
    assert manifest["audit_head"] == {"seq": head.seq, "hash": head.hash}
    photo = f"uploads/{photo_path(Path()).as_posix()}"
    assert manifest["files"][photo] == {
        "bytes": len(PHOTO),
        "sha256": hashlib.sha256(PHOTO).hexdigest(),
    }
    assert set(manifest["files"]) == {manifest["database"]["file"], photo}


def test_restore_refuses_a_database_that_holds_tables_unless_forced(
    reported, folders, fresh_database, tmp_path
):
    archive = make_backup()
    with pytest.raises(CommandError, match="the database is not empty"):
        restore(archive)  # into the very database it came from
    assert Submission.objects.count() == len(reported)
    folders.MEDIA_ROOT = tmp_path / "fresh-uploads"
    with using_database(fresh_database):
        restore(archive)
        Submission.objects.all().delete()
        with pytest.raises(CommandError, match="not empty"):
            restore(archive)
        restore(archive, "--force")
        assert Submission.objects.count() == len(reported)
        call_command("audit", "verify", stdout=io.StringIO())


def test_restore_refuses_uploads_that_would_replace_other_contents(
    reported, folders, fresh_database
):
    archive = make_backup()
    photo_path(folders.MEDIA_ROOT).write_bytes(b"another photo")  # same name, other bytes
    with using_database(fresh_database):
        with pytest.raises(CommandError, match="upload"):
            restore(archive)
        assert connection.introspection.table_names() == []


def read_member(tar: tarfile.TarFile, member: str | tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    assert handle is not None, member
    return handle.read()


def rewrite(archive: Path, change) -> None:
    """Rewrite the archive member by member through change(name, data) -> [(name, data)]."""
    with tarfile.open(archive) as tar:
        members = [(m.name, read_member(tar, m)) for m in tar.getmembers()]
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in members:
            for new_name, new_data in change(name, data):
                info = tarfile.TarInfo(new_name)
                info.size = len(new_data)
                tar.addfile(info, io.BytesIO(new_data))


def _listing(manifest: bytes, name: str, data: bytes) -> bytes:
    """The manifest with one more file, checksum and all."""
    listed = json.loads(manifest)
    listed["files"][name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return json.dumps(listed).encode()


TAMPERING = {
    "a changed photo": (
        lambda name, data: [(name, data[:-1] + b"!" if name.endswith(".png") else data)],
        "does not match its SHA-256",
    ),
    "a file the manifest does not list": (
        lambda name, data: (
            [(name, data)] + ([("uploads/extra.txt", b"x")] if name == "manifest.json" else [])
        ),
        "not listed in the manifest",
    ),
    "a path out of the folder": (
        lambda name, data: (
            [(name, data)] + ([("../outside.txt", b"x")] if name == "manifest.json" else [])
        ),
        "not listed in the manifest",
    ),
    "an upload that climbs out of the upload folder": (
        lambda name, data: (
            [(name, data)]
            if name != "manifest.json"
            else [
                ("uploads/../secret_key", b"x"),
                (name, _listing(data, "uploads/../secret_key", b"x")),
            ]
        ),
        "not a file it may hold",
    ),
    "no manifest": (
        lambda name, data: [] if name == "manifest.json" else [(name, data)],
        "no readable manifest.json",
    ),
}


@pytest.mark.parametrize("tampering", TAMPERING)
def test_restore_checks_the_archive_before_it_writes_anything(
    reported, folders, fresh_database, tmp_path, tampering
):
    archive = make_backup()
    change, message = TAMPERING[tampering]
    rewrite(archive, change)
    folders.MEDIA_ROOT = tmp_path / "fresh-uploads"
    with using_database(fresh_database):
        with pytest.raises(CommandError, match=message):
            restore(archive)
        assert connection.introspection.table_names() == []
    assert not folders.MEDIA_ROOT.exists()
    assert not (tmp_path / "outside.txt").exists()
    assert not (folders.DATA_DIR / "secret_key").exists()


def test_a_backup_keeps_the_newest_archives_of_its_folder(reported, folders, tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    old = [target / f"pollwatch-backup-2026010{n}T000000Z.tar.gz" for n in (1, 2, 3)]
    for path in old:
        path.write_bytes(b"old")
    (target / "notes.txt").write_text("not a backup: never deleted")
    folders.BACKUP_KEEP = 2
    archive = make_backup("--to", str(target))
    assert sorted(p.name for p in target.iterdir()) == sorted(
        [old[2].name, archive.name, "notes.txt"]
    )


def test_a_backup_is_on_the_audit_record(reported, folders):
    from pollwatch.audit.models import AuditEvent

    archive = make_backup()
    event = AuditEvent.objects.get(kind="backup.made")
    assert event.payload["archive"] == archive.name


def test_a_sqlite_backup_does_not_wait_for_a_writer(reported, folders):
    """The server's writer may hold the write lock at any moment: the backup reads beside it."""
    import sqlite3
    import time

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's pg_dump reads an MVCC snapshot")
    writer = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # what a web worker's transaction takes first
        writer.execute("DELETE FROM submissions_submission")  # not committed while we back up
        started = time.monotonic()
        archive, _manifest = backup(folders.BACKUP_DIR, keep=0, show_progress=False)
        assert time.monotonic() - started < 10
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    with tarfile.open(archive) as tar:
        manifest = json.loads(read_member(tar, "manifest.json"))
    assert manifest["counts"]["submissions_submission"] == len(reported)  # the committed state
