"""The setup pages: a new election (site admins), its ballot, and what is still missing."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from pollwatch.accounts.http import PollwatchRequest
from pollwatch.audit.models import record
from pollwatch.elections.forms import (
    BaseCandidateFormSet,
    CandidateFormSet,
    ContestForm,
    ElectionForm,
)
from pollwatch.elections.models import Contest, Election
from pollwatch.elections.setup import (
    CandidateSpec,
    ContestSpec,
    create_election,
    readiness,
    save_candidates,
)
from pollwatch.observers.access import Access, election_for_user
from pollwatch.observers.models import Role

SETUP_ROLES = {Role.ADMIN, Role.COORDINATOR}


def can_set_up(access: Access) -> bool:
    return bool(access.roles & SETUP_ROLES)


def setup_for_user(request: PollwatchRequest, slug: str) -> tuple[Election, Access]:
    """The election, for its admins and coordinators; 403 for other roles, 404 without a role."""
    election, access = election_for_user(request, slug)
    if not can_set_up(access):
        raise PermissionDenied
    request.election = election
    return election, access


def before_election_day(election: Election) -> bool:
    """True until election day begins in the election's time zone."""
    today = datetime.datetime.now(zoneinfo.ZoneInfo(election.time_zone)).date()
    return today < election.date


@login_required
@require_http_methods(["GET", "POST"])
def new_election(request: PollwatchRequest) -> HttpResponse:
    """Site admins create an election with its mission, contest and candidates."""
    if not request.user.is_superuser:
        raise PermissionDenied("Only site administrators create elections")
    data = request.POST if request.method == "POST" else None
    form = ElectionForm(data)
    candidates = cast(BaseCandidateFormSet, CandidateFormSet(data, prefix="c"))
    if data is not None and form.is_valid() and candidates.is_valid():
        values = form.cleaned_data
        election = create_election(
            name=values["name"],
            date=values["date"],
            slug=values["slug"],
            kind=values["kind"],
            country=values["country"],
            time_zone=values["time_zone"],
            mission=values["mission"],
            contests=[
                ContestSpec(name=values["contest"] or values["name"], candidates=candidates.specs())
            ],
            actor=request.user.get_username(),
        )
        messages.success(
            request,
            _("Election %(name)s created. Next: the steps below.") % {"name": election.name},
        )
        return redirect("election-setup", slug=election.slug)
    return render(request, "elections/new_election.html", {"form": form, "candidates": candidates})


@login_required
def election_setup(request: PollwatchRequest, slug: str) -> HttpResponse:
    """The setup checklist: each step in order, done or not, and what is still missing."""
    election, _access = setup_for_user(request, slug)
    steps = readiness(election)
    return render(
        request,
        "elections/setup.html",
        {
            "election": election,
            "steps": steps,
            "missing": [s for s in steps if not s.done],
            "editable": before_election_day(election),
        },
    )


@login_required
def ballot(request: PollwatchRequest, slug: str) -> HttpResponse:
    """The contests and their candidates, with links to edit them before election day."""
    election, _access = setup_for_user(request, slug)
    contests = election.contests.prefetch_related("candidates").order_by("pk")
    return render(
        request,
        "elections/ballot.html",
        {
            "election": election,
            "contests": contests,
            "editable": before_election_day(election),
            "new_contest": ContestForm(),
        },
    )


def _refuse_after_election_day(election: Election) -> None:
    if not before_election_day(election):
        raise PermissionDenied(
            "The ballot is fixed from election day on: reports already use its candidate codes"
        )


@login_required
@require_http_methods(["POST"])
def contest_new(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, _access = setup_for_user(request, slug)
    _refuse_after_election_day(election)
    form = ContestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A contest needs a name."))
        return redirect("ballot", slug=slug)
    contest = Contest.objects.create(election=election, name=form.cleaned_data["name"])
    record(
        "contest.created",
        actor=request.user.get_username(),
        election_id=election.pk,
        obj=contest,
        payload={"name": contest.name},
    )
    return redirect("contest-edit", slug=slug, pk=contest.pk)


@login_required
@require_http_methods(["GET", "POST"])
def contest_edit(request: PollwatchRequest, slug: str, pk: int) -> HttpResponse:
    """Rename a contest and change its candidates (code, name, party, colour) before election day."""
    election, _access = setup_for_user(request, slug)
    contest = Contest.objects.filter(election=election, pk=pk).first()
    if contest is None:
        raise Http404("No such contest")
    editable = before_election_day(election)
    initial = [
        {"code": c.code, "name": c.name, "party": c.party, "colour": c.colour}
        for c in contest.candidates.order_by("ballot_order")
    ]
    data = request.POST if request.method == "POST" else None
    if data is not None:
        _refuse_after_election_day(election)
    form = ContestForm(data, initial={"name": contest.name})
    candidates = cast(BaseCandidateFormSet, CandidateFormSet(data, prefix="c", initial=initial))
    if data is not None and form.is_valid() and candidates.is_valid():
        specs: list[CandidateSpec] = candidates.specs()
        with transaction.atomic():
            contest.name = form.cleaned_data["name"]
            contest.save(update_fields=["name"])
            save_candidates(contest, specs)
            record(
                "contest.changed",
                actor=request.user.get_username(),
                election_id=election.pk,
                obj=contest,
                payload={
                    "name": contest.name,
                    "before": [c["code"] for c in initial],
                    "after": [c.code for c in specs],
                },
            )
        messages.success(
            request,
            ngettext(
                "%(contest)s: %(n)s candidate saved.",
                "%(contest)s: %(n)s candidates saved.",
                len(specs),
            )
            % {"contest": contest.name, "n": len(specs)},
        )
        return redirect("ballot", slug=slug)
    return render(
        request,
        "elections/contest.html",
        {
            "election": election,
            "contest": contest,
            "form": form,
            "candidates": candidates,
            "editable": editable,
        },
    )
