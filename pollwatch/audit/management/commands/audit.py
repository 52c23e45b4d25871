from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from pollwatch.audit.models import AuditEvent, head_hash, seal, seal_all
from pollwatch.lib.hashchain import verify_chain


class Command(BaseCommand):
    help = (
        "The hash-chained audit log: `verify` walks the chain and names any changed, deleted or reordered row; "
        "`seal` links new events into the chain (`--follow` keeps doing it); `head` prints the chain's head."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "seal", "head"])
        parser.add_argument(
            "--follow", action="store_true", help="seal: keep sealing every --interval seconds"
        )
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args, **options):
        action = options["action"]
        if action == "seal":
            if not options["follow"]:
                self.stdout.write(f"sealed {seal_all()} events")
                return
            try:
                while True:
                    if not seal():
                        time.sleep(options["interval"])
            except KeyboardInterrupt:
                return
        if action == "head":
            seq, digest = head_hash()
            self.stdout.write(f"{seq} {digest}")
            return
        rows = (
            (event.seq, event.prev_hash, event.hash, event.content())
            for event in AuditEvent.objects.filter(seq__isnull=False)
            .order_by("seq")
            .iterator(chunk_size=5000)
        )
        checked, head, problems = verify_chain(rows)
        stored_seq, stored_head = head_hash()
        if stored_head != head:
            problems.append(
                f"head: the recorded head (seq {stored_seq}, {stored_head[:12]}…) is not the last row's hash "
                f"({head[:12]}…): rows at the end were removed or added"
            )
        pending = AuditEvent.objects.filter(seq__isnull=True).count()
        if problems:
            lines = "\n  ".join(str(p) for p in problems[:50])
            raise CommandError(
                f"audit chain broken: {len(problems)} problem(s) in {checked:,} events\n  {lines}"
            )
        note = f" ({pending:,} newer events not yet sealed)" if pending else ""
        self.stdout.write(f"audit chain intact: {checked:,} events, head {head}{note}")
