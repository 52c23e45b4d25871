from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from pollwatch.audit.models import (
    AuditEvent,
    head_hash,
    quarantined,
    seal,
    seal_all,
    snapshot,
    waiting,
)
from pollwatch.lib.hashchain import verify_chain


class Command(BaseCommand):
    help = (
        "The hash-chained audit log: `verify` walks the chain and names any changed, deleted or reordered row "
        "and every quarantined event; `seal` links new events into the chain (`--follow` keeps doing it); "
        "`head` prints the chain's head."
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
        self.verify()

    def verify(self) -> None:
        """Walk the chain as of one moment: the head first, then the rows up to it, in one snapshot.

        Sealing goes on meanwhile (the snapshot blocks no writer); rows sealed after the
        head was read are not in the snapshot, so they can never look like rows added
        at the end. Quarantined events are named, not counted as breaks: they were
        never in the chain, and an ``audit.quarantined`` event in it records each.
        """
        with snapshot():
            head_seq, stored_head = head_hash()
            rows = (
                (event.seq or 0, event.prev_hash, event.hash, event.content())
                for event in AuditEvent.objects.filter(seq__isnull=False, seq__lte=head_seq)
                .order_by("seq")
                .iterator(chunk_size=5000)
            )
            checked, head, broken = verify_chain(rows)
            beyond = AuditEvent.objects.filter(seq__gt=head_seq).count()
            pending = waiting().count()
            # Only what the sealer wrote: the rest of a quarantined row may be unreadable.
            set_aside = list(
                quarantined().order_by("pk").values_list("pk", "quarantined_reason")[:50]
            )
            set_aside_count = quarantined().count()
        problems = [str(problem) for problem in broken]
        if stored_head != head:
            problems.append(
                f"head: the recorded head (seq {head_seq}, {stored_head[:12]}…) is not the last row's hash "
                f"({head[:12]}…): rows at the end were removed"
            )
        if beyond:
            problems.append(
                f"head: {beyond:,} row(s) carry a seq after the recorded head (seq {head_seq}): rows were added"
            )
        if problems:
            lines = "\n  ".join(problems[:50])
            raise CommandError(
                f"audit chain broken: {len(problems)} problem(s) in {checked:,} events\n  {lines}"
            )
        note = f" ({pending:,} newer events not yet sealed)" if pending else ""
        self.stdout.write(f"audit chain intact: {checked:,} events, head {head}{note}")
        if set_aside_count:
            self.stdout.write(
                f"{set_aside_count:,} event(s) quarantined (set aside, never in the chain; "
                "see the audit log in the admin):"
            )
            for pk, reason in set_aside:
                self.stdout.write(f"  event {pk}: {reason}")
            if set_aside_count > len(set_aside):
                self.stdout.write(f"  … and {set_aside_count - len(set_aside):,} more")
