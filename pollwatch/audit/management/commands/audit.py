from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from pollwatch.audit.models import AuditEvent, head_hash
from pollwatch.lib.hashchain import verify_chain


class Command(BaseCommand):
    help = "Work with the hash-chained audit log: `pollwatch audit verify` walks the whole chain."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "head"])

    def handle(self, *args, **options):
        if options["action"] == "head":
            seq, digest = head_hash()
            self.stdout.write(f"{seq} {digest}")
            return
        rows = (
            (event.seq, event.pk, event.prev_hash, event.hash, event.event())
            for event in AuditEvent.objects.order_by("seq", "pk").iterator(chunk_size=5000)
        )
        checked, head, problems = verify_chain(rows)
        stored_seq, stored_head = head_hash()
        if checked and stored_head != head:
            problems.append(_HeadProblem(stored_seq, stored_head, head))
        if problems:
            lines = "\n  ".join(str(p) for p in problems[:50])
            raise CommandError(
                f"audit chain broken: {len(problems)} problem(s) in {checked:,} events\n  {lines}"
            )
        self.stdout.write(f"audit chain intact: {checked:,} events, head {head}")


class _HeadProblem:
    def __init__(self, seq: int, stored: str, walked: str):
        self.text = f"head: the recorded head (seq {seq}, {stored[:12]}…) is not the last event's hash ({walked[:12]}…); events at the end were removed or added"

    def __str__(self) -> str:
        return self.text
