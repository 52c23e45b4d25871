from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pollwatch.checklists.loading import install_defaults, install_form, load_file
from pollwatch.elections.management.commands._common import election_or_list


class Command(BaseCommand):
    help = "Install forms into an election: the shipped defaults and/or YAML or XLSForm files; changes make new versions."

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="*", type=Path, help="form definitions (.yaml or XLSForm .xlsx)"
        )
        parser.add_argument("--election", required=True)
        parser.add_argument(
            "--defaults", action="store_true", help="install the shipped international forms"
        )

    def handle(self, *args, **options):
        election = election_or_list(options["election"])
        if not options["files"] and not options["defaults"]:
            raise CommandError("give form files, --defaults, or both")
        installed = install_defaults(election, actor="cli") if options["defaults"] else []
        for path in options["files"]:
            try:
                spec = load_file(path)
            except (OSError, ValueError) as exc:
                raise CommandError(f"{path}: {exc}") from exc
            installed.append(install_form(election, spec, actor="cli"))
        for form, created in installed:
            state = "installed" if created else "unchanged"
            self.stdout.write(f"{form.code:<6} v{form.version:<3} {state:<10} {form.name}")
