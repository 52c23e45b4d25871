"""A form's kind, phase and state in other languages on the forms pages (issue 13)."""

from __future__ import annotations

from django.utils import translation

from pollwatch.checklists.models import PHASE_LABELS, phase_label
from pollwatch.formspec.spec import PHASES

FORMS = "/e/test-election/forms/"


def test_every_phase_of_formspec_has_a_label():
    assert tuple(PHASE_LABELS) == PHASES
    with translation.override("ru"):
        assert phase_label("voting") == "голосование"
        assert phase_label("unheard-of") == "unheard-of"  # shown as stored


def test_the_forms_list_shows_kind_phase_and_state_in_french(client, mission, forms):
    client.force_login(mission.users["admin"])
    html = client.get(FORMS, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<td>Liste de contrôle</td><td>ouverture</td>" in html
    assert "<td>Incident</td><td>toutes</td>" in html
    # The CSS class keeps the stored value; only the word shown is translated.
    assert '<span class="badge state-live">en service</span>' in html
    english = client.get(FORMS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<td>Checklist</td><td>opening</td>" in english
    assert "<td>Incident</td><td>any</td>" in english
    assert '<span class="badge state-live">live</span>' in english


def test_a_forms_versions_show_their_state_in_arabic(client, mission, forms):
    client.force_login(mission.users["admin"])
    html = client.get(f"{FORMS}OP/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<span class="badge state-live">قيد الاستخدام</span>' in html
    english = client.get(f"{FORMS}OP/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span class="badge state-live">live</span>' in english
