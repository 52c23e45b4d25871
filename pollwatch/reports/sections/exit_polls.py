"""Exit polls: ours, and the figures others announced, against our intervals."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from pollwatch.elections.models import Election

KEY = "exit_polls"
TITLE = gettext_lazy("Exit polls")
CHARTS = ["exit-poll"]


def context(election: Election) -> dict[str, Any] | None:
    from pollwatch.results.estimates import exit_poll_for, quick_count_for
    from pollwatch.results.presenters import published_verdicts, share_rows

    own = exit_poll_for(election)
    polls = published_verdicts(election, quick_count_for(election), own)
    if not own.get("available") and not polls:
        return None
    return {"own": own, "own_rows": share_rows(own) if own.get("available") else [], "polls": polls}


def suggestion(ctx: dict[str, Any]) -> str:
    sentences = [f"{p['poll'].source}: {p['summary']}" for p in ctx["polls"]]
    if ctx["own"].get("available"):
        sentences.insert(
            0,
            f"The mission's own exit poll interviewed {ctx['own']['respondents']:,} voters at "
            f"{ctx['own']['stations']:,} stations.",
        )
    return " ".join(sentences)


def methods(ctx: dict[str, Any]) -> list[str]:
    return []
