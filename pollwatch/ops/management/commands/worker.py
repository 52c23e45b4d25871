from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background task worker (imports and other long work); several may run at once."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls when idle"
        )

    def handle(self, *args, **options):
        call_command("db_worker", interval=options["interval"])
