from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from pollwatch.checklists.loading import close
from pollwatch.checklists.management.commands._versions import listing, versions_of
from pollwatch.checklists.models import Form
from pollwatch.elections.management.commands._common import election_or_list


class Command(BaseCommand):
    help = (
        "Take a form's live version out of use: observers, SMS and ODK no longer get it;"
        " its reports stay. `publish-form` brings it back. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="the form code, e.g. OPN")
        parser.add_argument("--election", required=True)

    def handle(self, *args, **options):
        election = election_or_list(options["election"])
        versions = versions_of(election, options["code"])
        live = [f for f in versions if f.state == Form.State.LIVE]
        if not live:
            raise CommandError(f"{versions[0].code} has no live version ({listing(versions)})")
        form = close(live[0], actor="cli")
        self.stdout.write(f"{form.code:<6} v{form.version:<3} closed     {form.name}")
