from django.core.management.base import BaseCommand

from pollwatch.ops.processes import follow
from pollwatch.submissions.intake import process_pending


class Command(BaseCommand):
    help = (
        "Read the observer reports received but not yet read (validate, store, flag), in batches; "
        "`--follow` keeps reading. `pollwatch serve` and `pollwatch worker` run it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--follow", action="store_true", help="keep reading as reports arrive")
        parser.add_argument(
            "--interval", type=float, default=0.2, help="seconds between polls when idle"
        )
        parser.add_argument("--batch", type=int, default=500, help="reports read per transaction")
        parser.add_argument(
            "--nice",
            type=int,
            default=10,
            help=(
                "lower the reader's CPU priority by this much (0: not at all): on a busy host "
                "the web answers posts first and the reader catches up when the burst eases"
            ),
        )

    def handle(self, *args, **options):
        batch = max(1, options["batch"])
        if not options["follow"]:
            total = 0
            while read := process_pending(batch):
                total += read
            self.stdout.write(f"read {total} reports")
            return
        follow(
            lambda: process_pending(batch),
            batch,
            interval=options["interval"],
            name="read-reports",
            stderr=self.stderr,
            nice=options["nice"],
        )
