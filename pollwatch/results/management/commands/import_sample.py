from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pollwatch.elections.management.commands._common import election_or_list
from pollwatch.results.design import import_sample
from pollwatch.stats.table import InputError


class Command(BaseCommand):
    help = (
        "Record the election's sample design from the output of `pollwatch sample` "
        "(stratum, weight 1/π and role per station); all rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--election", required=True)
        parser.add_argument("--station", default="code", help="station code column (default code)")
        parser.add_argument("--stratum", default="stratum", help="stratum column (default stratum)")
        parser.add_argument("--weight", default="weight", help="weight 1/π column (default weight)")
        parser.add_argument(
            "--role", default="sample_role", help="role column: sampled / reserve / observed"
        )
        parser.add_argument(
            "--calibrate",
            default="",
            metavar="COL[,COL]",
            help="frame columns of the file (e.g. rural) to post-stratify reporting stations by "
            "within strata: late or missing reporters are stood for by stations like them",
        )

    def handle(self, *args, **options):
        election = election_or_list(options["election"])
        try:
            design = import_sample(
                election,
                options["file"],
                station=options["station"],
                stratum=options["stratum"],
                weight=options["weight"],
                role=options["role"],
                calibrate=tuple(c.strip() for c in options["calibrate"].split(",") if c.strip()),
                actor="import-sample",
            )
        except InputError as exc:
            raise CommandError(str(exc)) from exc
        counts = {
            role: design.stations.filter(role=role).count() for role in ("sampled", "reserve")
        }
        self.stdout.write(
            f"Recorded a {design.get_method_display()} of {counts['sampled']} stations "
            f"({counts['reserve']} reserves) in {len(design.strata)} strata for {election.slug}."
        )
