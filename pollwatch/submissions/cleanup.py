"""After an attack: set junk aside and sign out many phones at once, audited, deleting nothing.

* :func:`mark_junk` marks inbound rows as junk. They stay in the raw table
  (the audit trail) but leave the message logs' counts and the exports, and
  any report made from them is rejected through the ordinary review decision
  (a revision and an audit event each), so estimates leave it out too.
* :func:`revoke_tokens` revokes the observer app's sign-in tokens of a whole
  team, region or mission after a leak; each observer then needs a new link.
  The Django admin's actions and ``pollwatch revoke-tokens`` call these.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet

from pollwatch.audit.models import record
from pollwatch.elections.models import Area, Election
from pollwatch.observers.models import Person, Role
from pollwatch.submissions import lookups
from pollwatch.submissions.intake import decide
from pollwatch.submissions.models import Inbound, ObserverToken, Submission


def mark_junk(rows: QuerySet[Inbound], *, reason: str, actor: User) -> tuple[int, int]:
    """Mark ``rows`` as junk and reject the reports made from them; returns (rows, reports rejected)."""
    if not reason.strip():
        raise ValueError("marking junk needs a reason")
    with transaction.atomic():
        pending = list(rows.select_for_update().filter(junk=False).values_list("pk", "election_id"))
        ids = [pk for pk, _ in pending]
        Inbound.objects.filter(pk__in=ids).update(junk=True, junk_reason=reason)
        # Posts not yet read by the worker never will be.
        Inbound.objects.filter(pk__in=ids, status=Inbound.Status.STORED).update(
            status=Inbound.Status.REJECTED, problem=f"junk: {reason}"[:2000]
        )
        for election_id in sorted({e for _, e in pending}, key=lambda e: e or 0):
            record(
                "inbound.junk",
                actor=actor.get_username(),
                election_id=election_id,
                payload={
                    "reason": reason,
                    "inbound": [pk for pk, e in pending if e == election_id],
                },
            )
        reports = Submission.objects.filter(inbound__in=ids).exclude(
            status=Submission.Status.REJECTED
        )
        rejected = 0
        for report in reports:
            decide(report, "reject", reason=f"junk: {reason}", actor=actor)
            rejected += 1
    return len(ids), rejected


@dataclass(frozen=True)
class Scope:
    """Whose tokens: every observer of the election, or those of one team or one region (area subtree)."""

    election: Election
    team: str = ""
    area: str = ""

    def people(self) -> QuerySet[Person]:
        people = Person.objects.filter(
            memberships__election=self.election, memberships__role=Role.OBSERVER
        )
        if self.team:
            people = people.filter(memberships__team__name=self.team)
        if self.area:
            area = Area.objects.filter(election=self.election, code=self.area).first()
            if area is None:
                raise ValueError(f"no area {self.area!r} in {self.election.slug}")
            people = people.filter(memberships__area__path__startswith=area.path)
        return people.distinct()

    def __str__(self) -> str:
        parts = [f"team {self.team}" if self.team else "", f"area {self.area}" if self.area else ""]
        return ", ".join(p for p in parts if p) or "every observer"


def revoke_tokens(scope: Scope, *, reason: str, actor: str) -> int:
    """Revoke every live token of the people in ``scope``; returns how many. Web workers forget a
    revoked token within about a second (``submissions/lookups.py``)."""
    tokens = ObserverToken.objects.filter(person__in=scope.people())
    return revoke_token_rows(
        tokens, reason=reason, actor=actor, election=scope.election, scope=str(scope)
    )


def revoke_token_rows(
    tokens: QuerySet[ObserverToken],
    *,
    reason: str,
    actor: str | User,
    election: Election | None = None,
    scope: str = "selected tokens",
) -> int:
    """Revoke the live ones of ``tokens``, with one audit event per election; returns how many."""
    if not reason.strip():
        raise ValueError("revoking tokens needs a reason")
    name = actor if isinstance(actor, str) else actor.get_username()
    with transaction.atomic():
        live = list(
            tokens.select_for_update()
            .filter(revoked=False)
            .values_list("pk", "person__code", "person__mission__election_id")
        )
        ObserverToken.objects.filter(pk__in=[pk for pk, _, _ in live]).update(revoked=True)
        lookups.changed(
            ObserverToken.objects.filter(pk__in=[pk for pk, _, _ in live]).values_list(
                "person_id", flat=True
            )
        )
        elections = {e for _, _, e in live} or ({election.pk} if election else set())
        for election_id in sorted(elections):
            codes = sorted({code for _, code, e in live if e == election_id})
            record(
                "token.revoked",
                actor=name,
                election_id=election_id,
                payload={
                    "scope": scope,
                    "reason": reason,
                    "tokens": sum(1 for _, _, e in live if e == election_id),
                    "people": codes,
                },
            )
    return len(live)
