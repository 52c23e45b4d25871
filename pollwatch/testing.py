"""Shared by the apps' tests: the personas the root ``mission`` fixture signs in, and the reach check."""

from __future__ import annotations

import os
import shutil

import pytest
from django.urls import reverse

# Browser tests drive Debian's Chromium with Playwright (no browser download). CI installs it;
# elsewhere they are skipped, and say why.
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason=f"Chromium not found at {CHROMIUM}",
    ),
]

# One user each in the mission fixture (conftest.py); "outsider" has no role in the election.
CRITICAL_CHECKLIST = """
code: CR
version: 1
kind: checklist
phase: counting
languages: [en]
name: {en: Count}
groups:
  - code: G
    label: {en: Count}
    questions:
      - {code: K1, kind: yes_no, critical: "K1 == 1", severity: critical, label: {en: "Did you see the protocol altered?"}}
"""
"""A counting checklist whose one question, answered 1, is a critical incident (severity critical)."""

PERSONAS = [
    "admin",
    "coordinator",
    "analyst",
    "media_monitor",
    "supervisor",
    "observer",
    "other_observer",
    "clerk",
    "partner",
    "outsider",
]


def assert_reach(client, mission, persona: str, url: str, allowed: set[str]) -> None:
    """GET ``url`` as ``persona`` ("anonymous" for nobody): the allowed get 200, anonymous users
    are sent to the login page, every other signed-in persona gets 403 or 404."""
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.get(url)
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif persona in allowed:
        assert response.status_code == 200, (persona, response.content[:300])
    else:
        assert response.status_code in (403, 404), persona


def protocol(c1: int, c2: int, registered: int = 1000, invalid: int = 5) -> dict[str, int]:
    """A consistent PVT result form (PR) for the mission fixture's two candidates."""
    valid = c1 + c2
    return {
        "RV": registered,
        "BI": valid + invalid,
        "BC": valid + invalid,
        "IN": invalid,
        "VA": valid,
        "C1": c1,
        "C2": c2,
    }


def sign_in_browser(context, live_server_url: str, user) -> None:
    """Give a Playwright browser context the session cookie of ``user`` (no login form needed)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server_url,
            }
        ]
    )


def send(mission, form, persona: str, station: str, answers: dict):
    """``persona`` of the ``mission`` fixture sends ``answers`` on ``form`` from ``station``, through intake."""
    import uuid

    from pollwatch.submissions.intake import submit

    return submit(
        mission.people[persona].memberships.get(),
        form,
        mission.stations[station],
        answers,
        client_uuid=uuid.uuid4(),
        source="web",
    )


# Where the ``mission`` fixture's six stations stand (longitude, latitude): two per district,
# the districts apart, for tests of boundaries and maps.
STATION_PLACES = {
    "D1-001": (45.2, 40.8),
    "D1-002": (45.6, 40.9),
    "D2-001": (45.3, 40.4),
    "D2-002": (45.8, 40.5),
    "D3-001": (46.4, 40.2),
    "D3-002": (46.6, 40.7),
}


def place_stations() -> None:
    """Give the ``mission`` fixture's stations the coordinates of :data:`STATION_PLACES`."""
    from pollwatch.elections.models import PollingStation

    for code, (lon, lat) in STATION_PLACES.items():
        PollingStation.objects.filter(code=code).update(longitude=lon, latitude=lat)
