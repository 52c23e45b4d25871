"""The setup checklist and the station list in other languages (issue 13, slice C)."""

from __future__ import annotations

SLUG = "test-election"


def test_the_setup_checklist_in_spanish_translates_the_steps_and_their_counts(client, mission):
    client.force_login(mission.users["admin"])
    html = client.get(f"/e/{SLUG}/setup/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    name = mission.election.name
    assert f"<h1>Configuración de {name}</h1>" in html
    assert "Geografía y mesas de votación" in html and "Muestra de mesas" in html
    stations = mission.election.stations.count()
    assert (f"{stations} mesa," if stations == 1 else f"{stations} mesas") in html
    assert "Setting up" not in html and "Station sample" not in html


def test_the_setup_checklist_in_arabic_is_right_to_left(client, mission):
    client.force_login(mission.users["admin"])
    html = client.get(f"/e/{SLUG}/setup/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in html and f"<h1>إعداد {mission.election.name}</h1>" in html
    assert "عينة المراكز" in html and "Station sample" not in html


def test_the_station_list_counts_in_russian(client, mission):
    client.force_login(mission.users["admin"])
    html = client.get(f"/e/{SLUG}/stations/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "<h1>Избирательные участки</h1>" in html and "<th>Название</th>" in html
    n = mission.election.stations.count()
    word = {1: "участок", 2: "участка", 3: "участка", 4: "участка"}.get(n % 10, "участков")
    if 11 <= n % 100 <= 14:
        word = "участков"
    assert f"{n} {word}" in html
