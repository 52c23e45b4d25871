from __future__ import annotations

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from pollwatch.elections.management.commands._common import election_or_list
from pollwatch.results.design import confirm_design


class Command(BaseCommand):
    help = (
        "Confirm, as the named user, the sample design inferred from the deployments "
        "(stratified SRS, strata as the quick-count page states them); audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("--election", required=True)
        parser.add_argument("--user", required=True, help="the user name of the person confirming")

    def handle(self, *args, **options):
        election = election_or_list(options["election"])
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        design = confirm_design(election, user)
        if design.source != "inferred":
            self.stdout.write(f"{election.slug} has an imported design; confirmed as it stands.")
        else:
            self.stdout.write(f"Confirmed the inferred sample design of {election.slug}.")
