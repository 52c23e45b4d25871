"""A real `pollwatch` process keeps the data folder to its owner: the SQLite database and the
-wal and -shm files SQLite creates later, photos written by plain Python, and a folder left
readable by an older version, even when started with the usual umask of 022."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

PROBE = """
import stat
from pathlib import Path
from django.conf import settings
from django.db import connection

with connection.cursor() as cursor:  # a write, so SQLite creates its -wal and -shm files
    cursor.execute("CREATE TABLE IF NOT EXISTS probe (x integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
database = Path(settings.DATABASES["default"]["NAME"])
photo = Path(settings.MEDIA_ROOT) / "photos" / "ab" / "ab12.jpg"  # as intake.store_photos does
photo.parent.mkdir(parents=True, exist_ok=True)
photo.write_bytes(b"jpeg")
for path in [settings.DATA_DIR, database, Path(f"{database}-wal"), Path(f"{database}-shm"),
             Path(settings.MEDIA_ROOT), photo.parent, photo]:
    print(path.name, oct(stat.S_IMODE(path.stat().st_mode)))
"""


def run_probe(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # SQLite, whatever CI runs
    env["POLLWATCH_DATA"] = str(data)
    done = subprocess.run(
        [sys.executable, "-m", "pollwatch", "shell", "--no-imports", "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        umask=0o022,  # what a login shell or systemd gives a service
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(line.split() for line in done.stdout.splitlines())


def test_a_new_data_folder_and_everything_in_it_is_for_the_owner_only(tmp_path):
    modes = run_probe(tmp_path / "data")
    assert modes == {
        "data": "0o700",
        "pollwatch.sqlite3": "0o600",
        "pollwatch.sqlite3-wal": "0o600",
        "pollwatch.sqlite3-shm": "0o600",
        "uploads": "0o700",
        "ab": "0o700",
        "ab12.jpg": "0o600",
    }


def test_a_data_folder_left_readable_is_tightened_on_start(tmp_path):
    data = tmp_path / "data"
    (data / "uploads").mkdir(parents=True)
    database = data / "pollwatch.sqlite3"
    sqlite3.connect(database).close()
    (data / "secret_key").write_text("k" * 50)
    for path, mode in [(data, 0o755), (data / "uploads", 0o755), (database, 0o644)]:
        path.chmod(mode)
    (data / "secret_key").chmod(0o644)
    modes = run_probe(data)
    assert modes["data"] == "0o700"
    assert modes["uploads"] == "0o700"
    assert modes["pollwatch.sqlite3"] == "0o600"
    assert modes["pollwatch.sqlite3-wal"] == "0o600"  # created after the tightening
    assert stat.S_IMODE((data / "secret_key").stat().st_mode) == 0o600
