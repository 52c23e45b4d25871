from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from pollwatch.elections.management.commands.import_stations import (
    add_mapping_arguments,
    run_import_command,
)
from pollwatch.elections.models import ImportJob


class Command(BaseCommand):
    help = (
        "Import people with their roles (observer, supervisor, ...) from a CSV, XLSX or XLS file "
        "(ours, Apollo's participants export or NEMO's user file); all rows or none."
    )

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
        parser.add_argument(
            "--default-role",
            default="observer",
            help="role of rows without one (NEMO's user files have no role column); default observer",
        )
        add_mapping_arguments(parser)

    def handle(self, *args, **options):
        run_import_command(
            self,
            ImportJob.Kind.PEOPLE,
            options,
            {"region": options.get("region") or "", "default_role": options["default_role"]},
        )
