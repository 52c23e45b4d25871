"""Election night in the test election, and an API token for every persona."""

from __future__ import annotations

import datetime
import uuid

import pytest

# Protocols of the two deployed stations (the quick count's sample) and the other four.
PROTOCOLS = {
    "D1-001": {"RV": 1001, "BI": 620, "BC": 610, "IN": 10, "VA": 600, "C1": 400, "C2": 200},
    "D1-002": {"RV": 1002, "BI": 500, "BC": 500, "IN": 0, "VA": 500, "C1": 300, "C2": 200},
    "D2-001": {"RV": 1001, "BI": 700, "BC": 690, "IN": 20, "VA": 670, "C1": 500, "C2": 170},
    "D2-002": {"RV": 1002, "BI": 650, "BC": 650, "IN": 5, "VA": 645, "C1": 345, "C2": 300},
    "D3-001": {"RV": 1001, "BI": 900, "BC": 900, "IN": 0, "VA": 900, "C1": 890, "C2": 10},
    "D3-002": {"RV": 1002, "BI": 880, "BC": 880, "IN": 0, "VA": 880, "C1": 870, "C2": 10},
}
TALLIES = {"D1-001": {"C1": 31, "C2": 19, "RF": 6}, "D3-001": {"C1": 40, "C2": 9, "RF": 2}}
FORENSICS_RESULT = {
    "stations": 6,
    "integer_percentages": {"turnout": {"observed": 0.0, "null_mean": 0.01}},
    "benford": {"second_digit_mean": 4.1},
}


def observer_report(mission, forms, persona: str, station: str, form: str, answers: dict):
    from pollwatch.submissions.intake import submit

    return submit(
        mission.people[persona].memberships.get(),
        forms[form],
        mission.stations[station],
        answers,
        client_uuid=uuid.uuid4(),
        source="web",
    )


@pytest.fixture
def forensics_run(mission):
    """A finished forensics run (and a queued one, which the API does not show)."""
    from django.utils import timezone

    from pollwatch.results.models import ForensicsRun

    ForensicsRun.objects.create(election=mission.election, status=ForensicsRun.Status.QUEUED)
    return ForensicsRun.objects.create(
        election=mission.election,
        status=ForensicsRun.Status.DONE,
        stations=6,
        replicates=100,
        result=FORENSICS_RESULT,
        finished=timezone.now() - datetime.timedelta(minutes=5),
    )


@pytest.fixture
def election_night(mission, forms, forensics_run):
    """The mission with result forms and exit-poll tallies from both deployed observers, an
    opening checklist and an incident from each, official results for all six stations, a
    broadcaster's exit poll and a finished forensics run (``forensics_run``)."""
    from pollwatch.checklists.loading import candidates_of, install_form
    from pollwatch.formspec.defaults import exitpoll_form, results_form
    from pollwatch.results.models import OfficialResult, PublishedPoll

    election = mission.election
    candidates = candidates_of(election)
    forms = {
        **forms,
        "PR": install_form(election, results_form(candidates))[0],
        "EP": install_form(election, exitpoll_form(candidates))[0],
    }
    for persona, station in [("observer", "D1-001"), ("other_observer", "D3-001")]:
        observer_report(mission, forms, persona, station, "PR", PROTOCOLS[station])
        observer_report(mission, forms, persona, station, "EP", TALLIES[station])
        observer_report(mission, forms, persona, station, "OP", {"A1": 1, "A2": 5, "A3": 1})
        observer_report(mission, forms, persona, station, "IN", {"T": "1", "D": "=1+1 threats"})
    for code, p in PROTOCOLS.items():
        OfficialResult.objects.create(
            election=election,
            station=mission.stations[code],
            registered=p["RV"],
            ballots_issued=p["BI"],
            ballots_cast=p["BC"],
            invalid=p["IN"],
            valid=p["VA"],
            votes={"C1": p["C1"], "C2": p["C2"]},
            flags=["ballots cast below issued"] if p["BI"] != p["BC"] else [],
        )
    PublishedPoll.objects.create(
        election=election, source="State TV", shares={"C1": 73.0, "C2": 27.0}, turnout=77.5
    )
    return mission


@pytest.fixture
def tokens(mission):
    """persona -> a live API token of that persona's user (made directly, whatever the role)."""
    from pollwatch.api.models import ApiToken

    return {
        persona: ApiToken.issue(user, f"{persona}'s script")[1]
        for persona, user in mission.users.items()
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
