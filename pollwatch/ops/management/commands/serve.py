from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from pollwatch.ops.processes import run_until_interrupted, serve_commands


class Command(BaseCommand):
    help = "Serve the web application (gunicorn) and run the background task worker; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=4, help="threads per worker")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the task worker here"
        )
        parser.add_argument(
            "--no-migrate", action="store_true", help="do not apply pending migrations first"
        )

    def handle(self, *args, **options):
        if not options["no_migrate"]:
            call_command("migrate", verbosity=0)
        self.stdout.write(f"Serving at http://{options['host']}:{options['port']}/ (Ctrl-C stops)")
        code = run_until_interrupted(
            serve_commands(
                options["host"],
                options["port"],
                options["workers"],
                options["threads"],
                not options["no_worker"],
            )
        )
        if code:
            raise SystemExit(code)
