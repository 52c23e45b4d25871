"""A contest's rules for the threshold-aware call: stored on the contest, validated, handed to the core."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from pollwatch.elections.models import Contest
from pollwatch.stats.calls import ContestRules


def test_a_new_contest_is_won_outright_above_half_with_a_runoff_otherwise(mission):
    contest = Contest.objects.get(election=mission.election)
    assert contest.call_rules() == ContestRules(
        outright_threshold=0.5, runoff=True, party_threshold=None
    )


def test_a_contest_keeps_its_party_threshold_and_plurality_rule(mission):
    contest = Contest.objects.get(election=mission.election)
    contest.outright_threshold = None
    contest.party_threshold = 0.05
    contest.save()
    contest.refresh_from_db()
    assert contest.call_rules() == ContestRules(outright_threshold=None, party_threshold=0.05)


@pytest.mark.parametrize("field", ["outright_threshold", "party_threshold"])
def test_it_rejects_a_threshold_written_as_a_percentage(mission, field):
    contest = Contest.objects.get(election=mission.election)
    setattr(contest, field, 50)
    with pytest.raises(ValidationError) as error:
        contest.full_clean()
    assert field in error.value.message_dict
