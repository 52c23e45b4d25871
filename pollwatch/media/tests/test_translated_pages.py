"""The media monitoring pages in other languages (issue 13, slice C)."""

from __future__ import annotations

from django.urls import reverse


def test_media_home_in_spanish_and_arabic(client, mission, media):
    client.force_login(mission.users["media_monitor"])
    url = reverse("media-home", args=[media.election.slug])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<h1>Monitoreo de medios</h1>" in html and "<h2>Medios</h2>" in html
    assert "State TV" in html  # an outlet's own name, as entered
    assert "Media monitoring" not in html and "Outlets" not in html
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in html and "<h1>رصد الإعلام</h1>" in html and "<h2>الجهات</h2>" in html


def test_an_item_in_french_keeps_the_tone_choices_translated(client, mission, item):
    client.force_login(mission.users["media_monitor"])
    url = reverse("media-item", args=[item.election.slug, item.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<h2>Proposition de la machine</h2>" in html and ">Confirmer les codes</button>" in html
    assert ">négatif</option>" in html and "Machine proposal" not in html
