from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from pollwatch.audit.models import record
from pollwatch.ops.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a `pollwatch backup` archive into a fresh database and upload folder: checks every "
        "checksum first, refuses a database that holds tables unless --force, then compares the "
        "row counts and the audit head with the manifest and verifies the audit chain. "
        "Stop the server first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="a pollwatch-backup-*.tar.gz")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that holds tables, and uploads with other contents",
        )

    def handle(self, *args, **options):
        try:
            restored = restore(
                options["archive"],
                force=options["force"],
                show_progress=options["verbosity"] > 0,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = restored.manifest
        head = manifest["audit_head"]
        self.stdout.write(
            f"restored {restored.archive} (made {manifest['created']}): "
            f"{sum(c or 0 for c in manifest['counts'].values()):,} rows in "
            f"{len(manifest['counts'])} tables as counted in the manifest, "
            f"{restored.files:,} uploaded files, audit head {head['seq']} {head['hash']}"
        )
        call_command("audit", "verify", stdout=self.stdout, stderr=self.stderr)
        record(
            "backup.restored",
            actor="cli",
            payload={"archive": restored.archive.name, "created": manifest["created"]},
        )
        self.stdout.write("then: `pollwatch migrate` if this pollwatch is newer than the backup's")
