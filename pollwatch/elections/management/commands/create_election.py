from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from pollwatch.elections.models import Contest, Election
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
        if Election.objects.filter(slug=slug).exists():
            raise CommandError(f"An election {slug!r} exists already")
        election = Election.objects.create(
            slug=slug,
            name=options["name"],
            date=date,
            kind=options["kind"],
            country_code=options["country"].upper(),
        )
        Contest.objects.create(election=election, name=options["name"])
        Mission.objects.create(
            election=election,
            name=options["mission"] or f"{election.name} observation mission",
            kind=options["mission_kind"],
        )
        self.stdout.write(f"Created election {slug}")
