"""An existing data folder is closed to the group and others; links and owner bits are left alone."""

from __future__ import annotations

import os
import stat

from pollwatch.lib.private_files import owner_only_umask, tighten


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_it_takes_group_and_other_access_away_from_the_folder_and_its_entries(tmp_path):
    folder = tmp_path / "data"
    (folder / "uploads" / "photos").mkdir(parents=True)
    (folder / "pollwatch.sqlite3").write_bytes(b"")
    (folder / "uploads" / "photos" / "a.jpg").write_bytes(b"")
    for path, wanted in [
        (folder, 0o755),
        (folder / "uploads", 0o755),
        (folder / "pollwatch.sqlite3", 0o644),
        (folder / "uploads" / "photos" / "a.jpg", 0o644),
    ]:
        path.chmod(wanted)
    assert tighten(folder) == []
    assert mode(folder) == 0o700
    assert mode(folder / "uploads") == 0o700
    assert mode(folder / "pollwatch.sqlite3") == 0o600
    # Deeper entries keep their mode: the folders above them already shut others out.
    assert mode(folder / "uploads" / "photos" / "a.jpg") == 0o644


def test_it_does_not_follow_a_link_out_of_the_folder(tmp_path):
    outside = tmp_path / "shared.txt"
    outside.write_text("not ours to change")
    outside.chmod(0o644)
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "link").symlink_to(outside)
    assert tighten(folder) == []
    assert mode(outside) == 0o644


def test_new_files_and_folders_are_for_the_owner_only(tmp_path):
    previous = owner_only_umask()
    try:
        (tmp_path / "new").mkdir()
        (tmp_path / "new" / "file").write_bytes(b"x")
    finally:
        os.umask(previous)
    assert mode(tmp_path / "new") == 0o700
    assert mode(tmp_path / "new" / "file") == 0o600
