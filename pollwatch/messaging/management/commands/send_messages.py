from django.conf import settings
from django.core.management.base import BaseCommand

from pollwatch.messaging.sender import Pace, batch_size, send_due
from pollwatch.ops.processes import follow


class Command(BaseCommand):
    help = (
        "Send the queued outbound messages through their gateway at SMS_SEND_RATE, retrying "
        "with back-off, and queue scheduled reminders when their time comes; `--follow` keeps "
        "sending. `pollwatch serve` and `pollwatch worker` run it (run one per mission: the "
        "rate is kept per process)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--follow", action="store_true", help="keep sending as messages come")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls when idle"
        )
        parser.add_argument(
            "--nice", type=int, default=5, help="lower the sender's CPU priority by this much"
        )

    def handle(self, *args, **options):
        pace = Pace(settings.SMS_SEND_RATE)
        limit = batch_size(settings.SMS_SEND_RATE, settings.SMS_SEND_TIMEOUT)
        if not options["follow"]:
            total = 0
            while tried := send_due(pace, limit):
                total += tried
            self.stdout.write(f"tried {total} messages")
            return
        follow(
            lambda: send_due(pace, limit),
            limit,
            interval=options["interval"],
            name="send-messages",
            stderr=self.stderr,
            nice=options["nice"],
        )
