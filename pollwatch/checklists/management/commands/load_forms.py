from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from pollwatch.checklists.loading import install_defaults, install_form, load_file
from pollwatch.checklists.models import Form
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
        parser.add_argument(
            "--code",
            help="the form code (1-10 letters and digits) for the one file given; an XLSForm's"
            " own comes from its settings sheet (code, else form_id)",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="let a different form take the code of the form observers fill now",
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="keep the files' forms as drafts (the live versions stay);"
            " `pollwatch publish-form CODE` makes one live",
        )

    def handle(self, *args, **options):
        election = election_or_list(options["election"])
        if not options["files"] and not options["defaults"]:
            raise CommandError("give form files, --defaults, or both")
        if options["draft"] and options["defaults"]:
            raise CommandError("--draft is for form files: the defaults are installed live")
        if options["draft"] and options["replace"]:
            raise CommandError(
                "--replace is for live forms: a draft replaces nothing until"
                " `pollwatch publish-form CODE --replace`"
            )
        if options["code"] and len(options["files"]) != 1:
            raise CommandError("--code names the code of one form: give exactly one file")
        code = options["code"].strip().upper() if options["code"] else None
        # Every file is read before anything is installed: one bad file installs nothing.
        specs = []
        for path in options["files"]:
            try:
                specs.append(load_file(path, code=code))
            except (OSError, ValueError) as exc:
                raise CommandError(f"{path}: {exc}") from exc
        codes = [spec.code for spec in specs]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise CommandError(f"two files give the same form code {', '.join(twice)}; use --code")
        where = "defaults"
        try:
            with transaction.atomic():
                installed = install_defaults(election, actor="cli") if options["defaults"] else []
                for path, spec in zip(options["files"], specs, strict=True):
                    where = str(path)
                    installed.append(
                        install_form(
                            election,
                            spec,
                            actor="cli",
                            replace=options["replace"],
                            draft=options["draft"],
                        )
                    )
        except ValueError as exc:
            raise CommandError(f"{where}: {exc}; nothing was installed") from exc
        for form, created in installed:
            if created:
                state = "drafted" if form.state == Form.State.DRAFT else "installed"
            else:
                state = f"unchanged ({form.state})"
            self.stdout.write(f"{form.code:<6} v{form.version:<3} {state:<10} {form.name}")
