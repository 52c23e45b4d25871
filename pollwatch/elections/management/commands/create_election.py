from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from pollwatch.elections.models import Election
from pollwatch.elections.setup import create_election
from pollwatch.observers.models import Mission


class Command(BaseCommand):
    help = "Create an election with its contest and observation mission."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--date", required=True, help="YYYY-MM-DD")
        parser.add_argument("--slug")
        parser.add_argument(
            "--kind", default="presidential", choices=[k.value for k in Election.Kind]
        )
        parser.add_argument(
            "--country", default="", help="ISO 3166 code, default region for phone numbers"
        )
        parser.add_argument(
            "--time-zone", default="UTC", help="IANA time zone of the stations, e.g. Asia/Baku"
        )
        parser.add_argument("--mission", help="mission name")
        parser.add_argument(
            "--mission-kind", default="domestic", choices=[k.value for k in Mission.Kind]
        )

    def handle(self, *args, **options):
        try:
            date = datetime.date.fromisoformat(options["date"])
        except ValueError as exc:
            raise CommandError(f"--date: {exc}") from exc
        slug = options["slug"] or slugify(options["name"])
        try:
            create_election(
                name=options["name"],
                date=date,
                slug=slug,
                kind=options["kind"],
                country=options["country"],
                time_zone=options["time_zone"],
                mission=options["mission"] or "",
                mission_kind=options["mission_kind"],
                actor="create-election",
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Created election {slug}")
