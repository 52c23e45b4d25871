from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pollwatch.elections.management.commands._common import election_or_list
from pollwatch.results.design import import_sample
from pollwatch.stats.table import InputError


def _columns(spec: str | None) -> tuple[str, ...]:
    """--calibrate's columns; an option given with no column name is an error, not "no calibration"."""
    if spec is None:
        return ()
    names = tuple(c.strip() for c in spec.split(",") if c.strip())
    if not names:
        raise CommandError("--calibrate names no column (e.g. --calibrate rural)")
    return names


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
            default=None,
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
                calibrate=_columns(options["calibrate"]),
                actor="import-sample",
            )
        except (InputError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        counts = {
            role: design.stations.filter(role=role).count() for role in ("sampled", "reserve")
        }
        calibration = (
            f"; reporting stations post-stratified by {', '.join(design.calibrate_by)}"
            if design.calibrate_by
            else ""
        )
        self.stdout.write(
            f"Recorded a {design.get_method_display()} of {counts['sampled']} stations "
            f"({counts['reserve']} reserves) in {len(design.strata)} "
            f"{'stratum' if len(design.strata) == 1 else 'strata'} for {election.slug}"
            f"{calibration}."
        )
