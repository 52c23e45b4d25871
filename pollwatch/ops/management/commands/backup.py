from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pollwatch.audit.models import record
from pollwatch.ops.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite's online backup API, safe while the server runs; or pg_dump) "
        "and the uploaded files into one archive with a manifest of counts and checksums; "
        "keeps the newest BACKUP_KEEP archives of the folder."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            type=Path,
            default=None,
            help="folder for the archive (default: BACKUP_DIR, the data folder's backups/)",
        )

    def handle(self, *args, **options):
        folder = options["to"] or settings.BACKUP_DIR
        try:
            archive, manifest = backup(
                folder, keep=settings.BACKUP_KEEP, show_progress=options["verbosity"] > 0
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        head = manifest["audit_head"]
        # A backup is a copy of everything, as an export is of a dataset: it is on the record.
        record("backup.made", actor="cli", payload={"archive": archive.name, "audit_head": head})
        self.stdout.write(
            f"{archive} ({archive.stat().st_size:,} bytes): {manifest['database']['kind']} database, "
            f"{len(manifest['files']) - 1:,} uploaded files, audit head {head['seq']} {head['hash']}"
        )
