from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pollwatch.elections.importers import ImportFailed, store_raw_file
from pollwatch.elections.management.commands._common import election_or_list
from pollwatch.lib.tabular import TableError
from pollwatch.observers.deploy import import_deployments


class Command(BaseCommand):
    help = (
        "Deploy observers to stations from a CSV, XLSX or XLS file (observer code, station code, "
        "[reserve], [starts_at, ends_at]); all rows or none. An observer deployed elsewhere is moved."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--election", required=True, help="election slug")
        parser.add_argument(
            "--encoding", default="utf-8", help="text encoding of a CSV file (default utf-8)"
        )
        parser.add_argument(
            "--errors-csv", type=Path, help="where to write the error report (CSV) if rows are bad"
        )

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        election = election_or_list(options["election"])
        relative, _, _ = store_raw_file(path, path.name)  # the raw file is kept, as for imports
        try:
            result = import_deployments(
                election,
                Path(settings.MEDIA_ROOT) / relative,
                encoding=options["encoding"],
                actor="import-deployments",
            )
        except TableError as exc:
            raise CommandError(str(exc)) from exc
        except ImportFailed as exc:
            if options.get("errors_csv"):
                options["errors_csv"].write_text(exc.as_csv(), encoding="utf-8")
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Deployments: {result.assigned} assigned, {result.moved} moved, "
            f"{result.unchanged} unchanged."
        )
