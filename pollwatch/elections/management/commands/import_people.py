from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from pollwatch.elections.management.commands.import_stations import run_import_command
from pollwatch.elections.models import ImportJob


class Command(BaseCommand):
    help = "Import people with their roles (observer, supervisor, ...) from a CSV or XLSX file; all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--election", required=True, help="election slug")
        parser.add_argument(
            "--encoding", default="utf-8", help="text encoding of a CSV file (default utf-8)"
        )
        parser.add_argument(
            "--region", help="default country for phone numbers without +code, e.g. AZ"
        )
        parser.add_argument(
            "--errors-csv", type=Path, help="where to write the error report (CSV) if rows are bad"
        )

    def handle(self, *args, **options):
        run_import_command(
            self, ImportJob.Kind.PEOPLE, options, {"region": options.get("region") or ""}
        )
