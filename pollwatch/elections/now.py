"""What needs attention now: the mission home's panel, a few counts each linked to its page.

On election day and counting night the panel counts the silent observers, the critical
incidents nobody is following up, the reports waiting for a reviewer, and gives the quick
count's call; before election day, the setup steps still missing. No figure is worked out
here: each comes from the page the item links to, asked the same way that page asks it
(Coverage's ``deployments_reporting``, the Incidents and Submissions pages' own filters, the
figures of the Quick count page, the setup checklist), so a count is what its link lists.
Each item is for the roles that page serves, within their reach (``observers/access.py``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.http import QueryDict
from django.utils import timezone

from pollwatch.elections.models import Election
from pollwatch.elections.setup import readiness
from pollwatch.elections.setup_views import before_election_day, can_set_up
from pollwatch.observers.access import (
    Access,
    can_review,
    can_see_coverage,
    can_triage,
    incidents_for,
    submissions_for,
)
from pollwatch.results.access import can_see_analysis
from pollwatch.results.estimates import quick_count_for
from pollwatch.results.presenters import reported_percent
from pollwatch.submissions.coverage import silent_observers
from pollwatch.submissions.incident_search import search_incidents
from pollwatch.submissions.intake import reader_status
from pollwatch.submissions.search import search_submissions

SETUP, LIVE, CLOSED = "setup", "live", "closed"
REFRESH_SECONDS = 30
# The Incidents and Submissions pages' filters behind each count; the links carry the same.
UNASSIGNED_CRITICAL = "severity=critical&status=open&assignee=none"
WAITING_FOR_REVIEW = "status=partial"  # accepted with problems: a reviewer verifies or rejects
CONFLICTS = "conflict=1"
# The report reader is behind when this many reports wait, or the oldest waits this long.
READER_BACKLOG_REPORTS = 100
READER_BACKLOG_SECONDS = 60


def phase(election: Election) -> str:
    """ "setup" before election day, "live" from election day (or once its status says so)
    until the election is closed, then "closed"."""
    if election.status == Election.Status.CLOSED:
        return CLOSED
    live = (Election.Status.ELECTION_DAY, Election.Status.COUNTING)
    if election.status in live or not before_election_day(election):
        return LIVE
    return SETUP


def attention(access: Access, user: User) -> dict[str, Any]:
    """The items the user's roles may see in the election's phase; ``shown`` is False when
    there is none (an observer, a media monitor, a partner: the panel is left out)."""
    now: dict[str, Any] = {"phase": phase(access.election), "as_of": timezone.now()}
    if now["phase"] == SETUP and can_set_up(access):
        now["setup"] = [step for step in readiness(access.election) if not step.done]
    elif now["phase"] == LIVE:
        now.update(_live(access, user))
    now["shown"] = bool(now.keys() - {"phase", "as_of"})
    now["refresh_seconds"] = REFRESH_SECONDS
    return now


def _live(access: Access, user: User) -> dict[str, Any]:
    items: dict[str, Any] = {}
    # Analysts reach no deployment (deployments_for): Coverage would show them none silent.
    if can_see_coverage(access) and access.can_view_deployments():
        items["silent"] = silent_observers(access)
    if can_triage(access):
        found = search_incidents(
            incidents_for(access), access, user, QueryDict(UNASSIGNED_CRITICAL)
        )
        items["incidents"] = {"count": found.listed.count(), "query": UNASSIGNED_CRITICAL}
    if can_see_analysis(access):
        qc = quick_count_for(access.election)
        items["qc"] = qc
        if qc.get("available"):
            items["reported_percent"] = reported_percent(qc["stations"], qc["sampled_stations"])
    if can_review(access):
        items["review"] = {
            "count": _submissions(access, WAITING_FOR_REVIEW),
            "query": WAITING_FOR_REVIEW,
        }
        items["conflicts"] = {"count": _submissions(access, CONFLICTS), "query": CONFLICTS}
        backlog = reader_status()
        if (
            backlog["waiting"] >= READER_BACKLOG_REPORTS
            or backlog["oldest_seconds"] >= READER_BACKLOG_SECONDS
        ):
            since = timezone.now() - timedelta(seconds=backlog["oldest_seconds"])
            items["reader"] = {"waiting": backlog["waiting"], "since": since}
    return items


def _submissions(access: Access, query: str) -> int:
    reports, _search = search_submissions(
        submissions_for(access), access.election, QueryDict(query)
    )
    return reports.count()
