from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from pollwatch.ops.processes import WEB_SERVERS, run_until_interrupted, serve_children


class Command(BaseCommand):
    help = (
        "Serve the web application (granian, or gunicorn) with the background task worker and the audit sealer, "
        "which are restarted if they die; the web server's exit or Ctrl-C stops all."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="web server processes")
        parser.add_argument(
            "--server",
            choices=WEB_SERVERS,
            default="granian",
            help="the web server: granian (default) or gunicorn",
        )
        parser.add_argument("--threads", type=int, default=4, help="threads per worker")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="web only: run neither the task worker nor the audit sealer here",
        )
        parser.add_argument(
            "--no-sealer",
            action="store_true",
            help="do not run the audit sealer here (a deployment runs exactly one)",
        )
        parser.add_argument(
            "--no-migrate", action="store_true", help="do not apply pending migrations first"
        )

    def handle(self, *args, **options):
        if not options["no_migrate"]:
            call_command("migrate", verbosity=0)
        self.stdout.write(f"Serving at http://{options['host']}:{options['port']}/ (Ctrl-C stops)")
        with_worker = not options["no_worker"]
        code = run_until_interrupted(
            serve_children(
                options["host"],
                options["port"],
                options["workers"],
                options["threads"],
                with_worker,
                with_sealer=with_worker and not options["no_sealer"],
                server=options["server"],
            )
        )
        if code:
            raise SystemExit(code)
