from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from pollwatch.elections.management.commands._common import election_or_list
from pollwatch.submissions.cleanup import Scope, revoke_tokens


class Command(BaseCommand):
    help = (
        "Revoke the observer app's sign-in tokens after a leak: every observer of an election, "
        "or one team's, or one region's (area and the areas below it). Audited; issue new links "
        "with observer-links."
    )

    def add_arguments(self, parser):
        parser.add_argument("--election", required=True)
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--team", help="the team's name")
        who.add_argument("--area", help="an area code: its observers and those below it")
        who.add_argument("--all", action="store_true", help="every observer of the election")
        parser.add_argument("--reason", required=True, help="kept in the audit log")

    def handle(self, *args, **options):
        election = election_or_list(options["election"])
        scope = Scope(election, team=options["team"] or "", area=options["area"] or "")
        try:
            count = revoke_tokens(scope, reason=options["reason"], actor="revoke-tokens")
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"revoked {count} token(s) of {scope} in {election.slug}")
