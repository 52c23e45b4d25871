from django.core.management.base import BaseCommand

from pollwatch.ops.processes import (
    message_sender,
    report_reader,
    run_until_interrupted,
    sealer,
    task_worker,
)


class Command(BaseCommand):
    help = (
        "Run the background task worker (imports and other long work) and the report reader "
        "(observer reports received by the web server); several may run at once. With --sealer, also the audit sealer and the message sender (exactly one of each per deployment: the chain has one head, the send rate is kept per process), all restarted if they die."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls when idle"
        )
        parser.add_argument(
            "--sealer",
            action="store_true",
            help="also run the audit sealer and the message sender on this host; on exactly one host",
        )

    def handle(self, *args, **options):
        children = [task_worker(options["interval"]), report_reader()]
        if options["sealer"]:
            children += [sealer(), message_sender()]
        names = ", ".join(child.name for child in children)
        self.stdout.write(f"Running the {names} (Ctrl-C stops)")
        run_until_interrupted(children)
