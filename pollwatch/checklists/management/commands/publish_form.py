from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from pollwatch.checklists.loading import FormCodeTaken, NotAllowed, publish
from pollwatch.checklists.management.commands._versions import listing, versions_of
from pollwatch.checklists.models import Form
from pollwatch.elections.management.commands._common import election_or_list


class Command(BaseCommand):
    help = (
        "Make a version of a form live (the newest draft, or --version N): the live version"
        " is superseded. Audited."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Our --version (the form's) replaces Django's (the program's).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("code", help="the form code, e.g. OPN")
        parser.add_argument("--election", required=True)
        parser.add_argument(
            "--version",
            type=int,
            help="the version to publish (a draft, or an older or closed one); default: the"
            " newest draft",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="let a different form take the code of the form observers fill now",
        )

    def handle(self, *args, **options):
        election = election_or_list(options["election"])
        versions = versions_of(election, options["code"])
        if options["version"] is None:
            drafts = [f for f in versions if f.state == Form.State.DRAFT]
            if not drafts:
                raise CommandError(
                    f"{versions[0].code} has no draft ({listing(versions)}): give --version N"
                )
            form = drafts[0]
        else:
            matching = [f for f in versions if f.version == options["version"]]
            if not matching:
                raise CommandError(
                    f"{versions[0].code} has no version {options['version']} ({listing(versions)})"
                )
            form = matching[0]
        try:
            form = publish(form, actor="cli", replace=options["replace"])
        except (FormCodeTaken, NotAllowed) as exc:
            raise CommandError(f"{form.code} v{form.version}: {exc}") from exc
        self.stdout.write(f"{form.code:<6} v{form.version:<3} live       {form.name}")
