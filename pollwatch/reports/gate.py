"""What holds a statement back from publication, and what it takes to publish anyway.

A mission that publishes before its quick count can call the result, or
while critical incidents are unreviewed, must be able to defend that choice.
So publication stops at each :class:`Blocker` until an analyst overrides it
with a reason; the published text then says so (``Statement.override_notice``)
and the audit log keeps who did it and why.

The gate reads the same figures as the statement's sections
(``sections.quick_count.figures``, ``sections.incidents.unreviewed_critical``):
how the call is computed may change, what the statement shows and what the
gate checks cannot differ.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from pollwatch.elections.models import Election
from pollwatch.reports.sections import incidents, quick_count
from pollwatch.results import wording

REASON_MAX = 1000


@dataclass(frozen=True)
class Blocker:
    """One reason not to publish yet.

    ``problem`` is what the publish page shows, ``detail`` the technical
    reason behind it (may be ""), ``clause`` completes "Published …" in the
    statement's override notice, ``review_url`` where to resolve it (may be "").
    """

    key: str
    problem: str
    detail: str
    clause: str
    review_url: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def publication_blockers(election: Election) -> list[Blocker]:
    """Everything that must be settled, or overridden with a reason, before publication; [] when ready."""
    found = [_quick_count_blocker(election), _incidents_blocker(election)]
    return [blocker for blocker in found if blocker is not None]


def _quick_count_blocker(election: Election) -> Blocker | None:
    if not quick_count.runs_quick_count(election):
        # A mission observing without a results form has no result to call.
        return None
    qc = quick_count.figures(election)
    call = quick_count.deciding_call(qc)
    if call["status"] not in quick_count.UNDECIDED:
        return None
    if call["status"] in ("too close", "too close to call"):
        problem = gettext(
            "The quick count cannot call the result: the lead is within the margin of error."
        )
        clause = "while the race was too close for the quick count to call"
    else:
        problem = gettext(
            "The quick count cannot call the result yet: result forms are in from %(stations)s "
            "of the %(sampled)s sampled polling stations."
        ) % {
            "stations": _count(qc.get("stations", 0)),
            "sampled": _count(qc.get("sampled_stations", qc.get("sampled", 0))),
        }
        clause = "before the quick count could call the result"
    return Blocker(
        key="quick_count",
        problem=problem,
        detail=f"{wording.status(call['status'])}: {wording.say(call['reason'])}",
        clause=clause,
        review_url=reverse("quick-count", args=[election.slug]),
    )


def _incidents_blocker(election: Election) -> Blocker | None:
    waiting = incidents.unreviewed_critical(election)
    if not waiting:
        return None
    many = waiting != 1
    return Blocker(
        key="incidents",
        problem=ngettext(
            "%(count)s critical incident reported by observers is still new: no coordinator has "
            "confirmed, resolved or rejected it yet.",
            "%(count)s critical incidents reported by observers are still new: no coordinator "
            "has confirmed, resolved or rejected them yet.",
            waiting,
        )
        % {"count": _count(waiting)},
        detail="",
        clause=f"while {waiting:,} critical incident{'s were' if many else ' was'} still awaiting review",
        review_url=reverse("incidents", args=[election.slug]) + "?status=new",
    )


def _count(value: int) -> str:
    return number_format(value, force_grouping=True)


def override_refusal(
    blockers: list[Blocker], reason: str, acknowledged: Collection[str]
) -> str | None:
    """Why publication cannot go ahead now (a message for the publish page), or None if it can.

    With blockers, it takes a reason and the keys of the blockers the analyst
    saw (``acknowledged``, sent back by the publish page): one that appeared
    since the page was drawn must be read before it is overridden.
    """
    if not blockers:
        return None
    if not reason:
        return gettext(
            "Publishing now needs a reason: say why the statement cannot wait. It is printed in "
            "the statement."
        )
    if len(reason) > REASON_MAX:
        return gettext("The reason has %(length)s characters; keep it to %(max)s.") % {
            "length": _count(len(reason)),
            "max": _count(REASON_MAX),
        }
    unseen = [blocker for blocker in blockers if blocker.key not in acknowledged]
    if unseen:
        return gettext(
            "Something else now blocks publication; read it and confirm again: %(problems)s"
        ) % {"problems": " ".join(blocker.problem for blocker in unseen)}
    return None
