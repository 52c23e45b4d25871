"""Outlet and subject kinds, intake and item statuses and tones in other languages (issue 13)."""

from __future__ import annotations

from django.urls import reverse


def test_media_home_shows_kinds_and_item_statuses_in_russian(client, mission, media, item):
    client.force_login(mission.users["media_monitor"])
    url = reverse("media-home", args=[media.election.slug])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "<td>State TV</td><td>ТВ</td>" in html and "<td>Meydan</td><td>Онлайн</td>" in html
    assert "<td>Учреждение</td>" in html and "<td>Кандидат</td>" in html
    assert "<dt>закодирован машиной</dt>" in html
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<td>State TV</td><td>TV</td>" in english and "<td>Institution</td>" in english
    assert "<dt>machine-coded</dt>" in english


def test_an_items_status_and_tones_are_shown_in_spanish(client, mission, item):
    client.force_login(mission.users["media_monitor"])
    url = reverse("media-item", args=[item.election.slug, item.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert f'<span class="badge status-{item.status}">codificada por la máquina</span>' in html
    assert "positivo 1" in html and "positive 1" not in html  # the machine's sentence tones
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<span class="badge status-{item.status}">machine-coded</span>' in english
    assert "positive 1" in english
    intake = reverse("media-intake", args=[item.election.slug])
    assert ">leído</td>" in client.get(intake, HTTP_ACCEPT_LANGUAGE="es").content.decode()
