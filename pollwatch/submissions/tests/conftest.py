"""Fixtures shared by the intake tests: the SMS gateways switched on, an observer with a real phone."""

from __future__ import annotations

import pytest


@pytest.fixture
def gateways_on(settings, tmp_path):
    settings.SMS_JSON_SECRET = "json-secret"
    settings.TWILIO_AUTH_TOKEN = "twilio-token"
    settings.TELERIVET_SECRET = "telerivet-secret"
    settings.SMS_OUTBOX = str(tmp_path / "outbox.jsonl")
    return tmp_path / "outbox.jsonl"


@pytest.fixture
def reachable_phone(mission):
    """The fixture's phones are not real numbers; give the observer a valid Azerbaijani mobile."""
    person = mission.people["observer"]
    person.phone = "+994501234567"
    person.save()
    return person.phone
