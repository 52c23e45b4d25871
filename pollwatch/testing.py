"""Shared by the apps' tests: the personas the root ``mission`` fixture signs in, and the reach check."""

from __future__ import annotations

from django.urls import reverse

# One user each in the mission fixture (conftest.py); "outsider" has no role in the election.
PERSONAS = [
    "admin",
    "coordinator",
    "analyst",
    "media_monitor",
    "supervisor",
    "observer",
    "other_observer",
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
