from django.core.management import call_command
from django.core.management.base import BaseCommand

from pollwatch.ops.processes import run_until_interrupted, sealer, task_worker


class Command(BaseCommand):
    help = (
        "Run the background task worker (imports and other long work); several may run at once. "
        "With --sealer, also the audit sealer (exactly one per deployment), both restarted if they die."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls when idle"
        )
        parser.add_argument(
            "--sealer",
            action="store_true",
            help="also run the audit sealer on this host; run it on exactly one host",
        )

    def handle(self, *args, **options):
        if not options["sealer"]:
            call_command("db_worker", interval=options["interval"])
            return
        self.stdout.write("Running the task worker and the audit sealer (Ctrl-C stops)")
        run_until_interrupted([task_worker(options["interval"]), sealer()])
