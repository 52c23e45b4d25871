from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pollwatch.checklists.models import Form
from pollwatch.ops.traffic import Observer, Traffic


class Command(BaseCommand):
    help = "Play election day against a running demo: web and SMS reports, some malformed, duplicated or late."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument(
            "--rate", type=float, default=3.0, help="messages per second on average"
        )
        parser.add_argument(
            "--duration", type=float, help="seconds to run (default: until stopped)"
        )
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        path = Path(settings.DATA_DIR) / "demo-observers.json"
        if not path.exists():
            raise CommandError(f"{path} not found: run `pollwatch demo` first")
        data = json.loads(path.read_text())
        observers = [Observer(**o) for o in data["observers"]]
        forms = [
            {"code": f.code, "kind": f.kind, "spec": f.spec.to_dict()}
            for f in Form.objects.filter(election__slug="demo", active=True)
        ]
        traffic = Traffic(
            options["base_url"], data["sms_secret"], observers, forms, seed=options["seed"]
        )
        try:
            traffic.run(rate=options["rate"], duration=options["duration"], say=self.stdout.write)
        except KeyboardInterrupt:
            pass
        self.stdout.write(f"demo traffic stopped: {traffic.counts}")
