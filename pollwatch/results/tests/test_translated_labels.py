"""A sample design's method in other languages on the sample page (issue 13)."""

from __future__ import annotations

from pollwatch.results.tests.test_sample_draw_page import draw_data

DRAW = "/e/test-election/sample/draw/"


def test_the_recorded_designs_method_is_shown_in_french(client, mission, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client.force_login(mission.users["coordinator"])
    saved = client.post(
        DRAW, draw_data(method="pps", action="save"), HTTP_ACCEPT_LANGUAGE="fr", follow=True
    )
    html = saved.content.decode()
    assert "(probabilité proportionnelle à la taille)" in html  # the message after saving
    assert '<p id="current-design">Probabilité proportionnelle à la taille' in html
    english = client.get(DRAW, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<p id="current-design">Probability proportional to size:' in english
