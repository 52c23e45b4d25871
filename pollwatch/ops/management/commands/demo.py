from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from pollwatch.ops.demo import load_demo, observer_app_link, reset_demo, sms_secret
from pollwatch.ops.processes import Child, pollwatch_command, run_until_interrupted, serve_children


class Command(BaseCommand):
    help = "Load a simulated election with a mission, deployed observers and one account per role, then serve it."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--reset", action="store_true", help="throw away the demo election and make a new one"
        )
        parser.add_argument(
            "--stations", type=int, default=6500, help="polling stations to simulate"
        )
        parser.add_argument("--observers", type=int, default=600, help="observers to deploy")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-serve", action="store_true", help="load the data and exit")
        parser.add_argument(
            "--no-traffic", action="store_true", help="do not simulate election-day reports"
        )
        parser.add_argument(
            "--traffic-rate", type=float, default=3.0, help="simulated reports per second"
        )

    def handle(self, *args, **options):
        say = self.stdout.write
        if options["stations"] < 1 or options["observers"] < 1:
            raise CommandError("--stations and --observers must be at least 1")
        if options["observers"] > options["stations"]:
            raise CommandError(
                f"--observers {options['observers']} is more than --stations "
                f"{options['stations']}: each observer is deployed to a sampled station of its own"
            )
        say(f"Data folder: {settings.DATA_DIR}")
        call_command("migrate", verbosity=0)
        if options["reset"]:
            reset_demo(say)
        accounts = load_demo(
            stations=options["stations"],
            observers=options["observers"],
            seed=options["seed"],
            say=say,
        )
        url = f"http://{options['host']}:{options['port']}/"
        say("")
        say("Accounts (username / password):")
        for username, password in accounts.items():
            say(f"  {username:<14} {password}")
        say("")
        say(f"Observer app (offline-capable, on a phone): {observer_app_link(url)}")
        say(f"SMS webhook: POST {url}sms/json/ with 'Authorization: Bearer {sms_secret()}'")
        say("")
        if options["no_serve"]:
            return
        say(f"Serving the demo at {url}  (Ctrl-C stops the web server and the worker)")
        # The demo serves plain HTTP on loopback, where Secure cookies would not be sent back.
        children = serve_children(options["host"], options["port"], 2, 4, True)
        if not options["no_traffic"]:
            say(
                "Simulating election-day reports (web and SMS, some malformed, duplicated or late) …"
            )
            children.append(
                Child(
                    "demo traffic",
                    pollwatch_command(
                        "demo-traffic", "--base-url", url, "--rate", str(options["traffic_rate"])
                    ),
                )
            )
        code = run_until_interrupted(
            children,
            env={
                "SECURE_COOKIES": "false",
                "POLLWATCH_DATA": str(settings.DATA_DIR),
                "SMS_JSON_SECRET": sms_secret(),
                "SMS_OUTBOX": str(settings.DATA_DIR / "sms-outbox.jsonl"),
            },
        )
        if code:
            raise SystemExit(code)
