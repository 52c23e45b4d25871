from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pollwatch.elections.boundaries import import_boundaries
from pollwatch.elections.importers import ImportFailed
from pollwatch.elections.management.commands._common import election_or_list


class Command(BaseCommand):
    help = "Set area boundaries from a GeoJSON FeatureCollection (for the coverage map); all features or none."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--election", required=True)
        parser.add_argument(
            "--property", default="code", help="the feature property holding the area code"
        )

    def handle(self, *args, **options):
        election = election_or_list(options["election"])
        try:
            count = import_boundaries(election, options["file"], code_property=options["property"])
        except ImportFailed as exc:
            raise CommandError(str(exc).replace("row ", "feature ")) from exc
        self.stdout.write(f"Set the boundaries of {count} areas.")
