from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from pollwatch.elections.management.commands._common import election_or_list
from pollwatch.media.intake import code_pending, replace_subjects
from pollwatch.media.jobs import recode_items
from pollwatch.media.models import Item
from pollwatch.mediatext.subjects import SubjectsError


class Command(BaseCommand):
    help = (
        "Install the media subject catalogue (YAML, docs/media.md) in an election; all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--election", required=True)
        parser.add_argument(
            "--recode",
            action="store_true",
            help="then re-code every item's machine codes with the new catalogue (human codes kept)",
        )

    def handle(self, *args, **options):
        import yaml

        election = election_or_list(options["election"])
        path = options["file"]
        try:
            with open(path, encoding="utf-8-sig") as source:
                data = yaml.safe_load(source)
        except OSError as error:
            raise CommandError(f"{path}: cannot read: {error.strerror or error}") from error
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: not valid YAML: {error}") from error
        try:
            saved = replace_subjects(election, data, path)
        except SubjectsError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{len(saved)} subjects installed in {election.slug}")
        coded = code_pending(election)
        if coded:
            self.stdout.write(f"{coded} items stored before the catalogue are now coded")
        if options["recode"]:
            count = recode_items(election)
            self.stdout.write(f"{count} items re-coded (human codes kept)")
        elif coded < Item.objects.filter(election=election).count():
            self.stdout.write(
                "Items coded with the earlier catalogue keep their codes: re-code them with "
                "--recode, or from the media page (Re-code all items)"
            )
