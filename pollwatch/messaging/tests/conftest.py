"""Fixtures of the messaging tests: the console outbox in a file, observers with languages."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def outbox(settings, tmp_path):
    """The console gateway writes to this file; ``read()`` gives its lines as dicts."""
    path = tmp_path / "outbox.jsonl"
    settings.SMS_OUTBOX = str(path)
    settings.SMS_SEND_GATEWAY = "console"
    settings.SMS_SEND_RATE = 0  # no pacing in tests

    class Outbox:
        def read(self) -> list[dict]:
            if not path.exists():
                return []
            return [json.loads(line) for line in path.read_text().splitlines()]

    return Outbox()


@pytest.fixture
def speakers(mission):
    """The observer reads Azerbaijani, the other observer English; the supervisor has no phone."""
    mission.people["observer"].language = "az"
    mission.people["observer"].save()
    mission.people["supervisor"].phone = ""
    mission.people["supervisor"].save()
    mission.election.languages = "en,az"
    mission.election.save()
    return mission
