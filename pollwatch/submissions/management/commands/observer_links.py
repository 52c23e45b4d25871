from __future__ import annotations

import csv

from django.core.management.base import BaseCommand

from pollwatch.elections.management.commands._common import election_or_list
from pollwatch.lib.spreadsheet_safe import safe_row
from pollwatch.observers.models import Person, Role
from pollwatch.submissions.views import issue_token


class Command(BaseCommand):
    help = "Issue sign-in links for the observer app (one new token per observer; older ones keep working)."

    def add_arguments(self, parser):
        parser.add_argument("--election", required=True)
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="the site's address as observers reach it",
        )
        parser.add_argument(
            "--code", action="append", help="only these observer codes (repeatable)"
        )
        parser.add_argument(
            "--send",
            action="store_true",
            help="also send each link by SMS through the outbox (SMS_SEND_GATEWAY); the CSV "
            "then lists who got one",
        )

    def handle(self, *args, **options):
        election = election_or_list(options["election"])
        people = Person.objects.filter(
            memberships__election=election, memberships__role=Role.OBSERVER
        ).distinct()
        if options["code"]:
            people = people.filter(code__in=options["code"])
        # Quoted by csv (a name may hold a comma) and safe to open in a spreadsheet.
        out = csv.writer(self.stdout, lineterminator="\n")
        if options["send"]:
            from pollwatch.messaging.outbox import ComposeError
            from pollwatch.messaging.phones import send_signin_link

            out.writerow(["code", "name", "phone", "sent"])
            for person in people.order_by("code"):
                try:
                    send_signin_link(person, options["base_url"], None)
                    sent = "queued"
                except ComposeError as exc:
                    sent = "; ".join(exc.problems.values())
                out.writerow(safe_row([person.code, person.full_name, person.phone, sent]))
            return
        out.writerow(["code", "name", "phone", "link"])
        for person in people.order_by("code"):
            link = f"{options['base_url'].rstrip('/')}/o/#t={issue_token(person)}"
            out.writerow(safe_row([person.code, person.full_name, person.phone, link]))
