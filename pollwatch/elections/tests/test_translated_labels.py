"""A special station's kind in other languages on the station list (issue 13)."""

from __future__ import annotations

from pollwatch.elections.models import PollingStation

STATIONS = "/e/test-election/stations/"


def test_a_special_stations_kind_is_shown_in_russian(client, mission):
    PollingStation.objects.filter(pk=mission.stations["D1-001"].pk).update(special="hospital")
    client.force_login(mission.users["admin"])
    html = client.get(STATIONS, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<span class="badge">больница</span>' in html
    english = client.get(STATIONS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span class="badge">hospital</span>' in english  # as the stored value read before
