"""The data folder is for the account that runs pollwatch, no one else.

It holds the SQLite database (observers' phones, password hashes, every raw
message), the secret key, uploaded import files, protocol photos and backups.
Two measures keep them private:

* `owner_only_umask` (called by settings.py, which every pollwatch process
  imports before it creates a file: the `pollwatch` command, gunicorn through
  wsgi.py, the task worker, tests) makes every file created afterwards 0600 and
  every folder 0700, whichever code creates it: Django, ``Path.write_bytes``,
  SQLite. SQLite gives its ``-wal`` and ``-shm`` files the database file's own
  mode, so once the database is 0600 they are too, even those created later.
* `tighten` fixes a data folder made before that (files 0644, folders 0755)
  when pollwatch starts: the folder itself becomes 0700, which alone shuts
  everything inside it to other accounts, and its top-level files and folders
  0600 and 0700. It does not walk the tree (a mission has hundreds of
  thousands of photos, and every process start would pay for the walk);
  `chmod -R go-rwx` does that once, see docs/deployment.md.

Pure Python, no Django.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

OWNER_ONLY_UMASK = 0o077


def owner_only_umask() -> int:
    """Set the process umask so new files are 0600 and new folders 0700; returns the old umask."""
    return os.umask(OWNER_ONLY_UMASK)


def tighten(folder: Path) -> list[str]:
    """Take the group's and others' access away from the folder and its top-level entries
    (0755 becomes 0700, 0644 becomes 0600).

    Symbolic links are left alone (chmod would follow them out of the folder).
    Returns a problem per entry that could not be changed (another account's file),
    so the caller can warn; nothing raises.
    """
    problems: list[str] = []
    _owner_only(folder, problems)
    for entry in os.scandir(folder):
        if not entry.is_symlink():
            _owner_only(Path(entry.path), problems)
    return problems


def _owner_only(path: Path, problems: list[str]) -> None:
    try:
        current = stat.S_IMODE(path.lstat().st_mode)
        if current & OWNER_ONLY_UMASK:  # the group or others have some access
            path.chmod(current & ~OWNER_ONLY_UMASK)
    except OSError as exc:
        problems.append(f"{path}: cannot make it private to its owner ({exc.strerror})")
