"""Model choices, staff refusals and staff e-mails in other languages (issue 13)."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.core import mail

from pollwatch.accounts.models import LanguagePreference
from pollwatch.submissions.models import Incident
from pollwatch.testing import send

STAFF = "/e/test-election/staff/"


def test_a_role_name_is_shown_in_russian_on_the_staff_page(client, mission):
    client.force_login(mission.users["admin"])
    html = client.get(STAFF, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Аналитик" in html and "Администратор" in html
    # The stored value is what the forms send, whatever the language.
    assert '<option value="analyst">Аналитик</option>' in html
    english = client.get(STAFF, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="analyst">Analyst</option>' in english and "Аналитик" not in english


def test_an_incident_status_and_severity_are_shown_in_russian(client, mission, forms):
    send(mission, forms["OP"], "observer", "D1-001", {"A1": 1, "A3": 0})
    incident = Incident.objects.get()
    assert incident.status == "new"
    client.force_login(mission.users["coordinator"])
    url = f"/e/test-election/incidents/{incident.pk}/"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert ">Новый</span>" in html
    assert (
        f">{ {1: 'Низкая', 2: 'Средняя', 3: 'Высокая', 4: 'Критическая'}[incident.severity] }<"
        in html
    )
    assert '<option value="confirmed">Подтверждён</option>' in html


def test_a_status_change_note_stays_english_in_any_page_language(client, mission, forms):
    send(mission, forms["OP"], "observer", "D1-001", {"A1": 1, "A3": 0})
    incident = Incident.objects.get()
    client.force_login(mission.users["coordinator"])
    client.post(
        "/e/test-election/incidents/",
        {"incident": incident.pk, "status": "confirmed"},
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    incident.refresh_from_db()
    assert incident.status == "confirmed"
    assert incident.notes.get(kind="status").text == "Status: New → Confirmed"


def test_an_invitation_is_mailed_in_the_inviters_language(client, mission):
    client.force_login(mission.users["admin"])
    response = client.post(
        STAFF,
        {"email": "nouveau@example.org", "full_name": "Nouveau", "role": "analyst"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject.startswith("Votre compte ")
    assert "vous invite à" in message.body and "Votre nom d'utilisateur est" in message.body
    assert "pendant 72 heures" in message.body or re.search(r"pendant \d+ heures?", message.body)
    assert "&#x27;" not in message.body  # plain text: not HTML-escaped
    assert re.search(r"https?://testserver/\S+", message.body)


def test_a_refusal_of_the_staff_page_is_in_the_managers_language(client, mission):
    client.force_login(mission.users["admin"])
    taken = mission.users["analyst"].email or "analyst@example.org"
    if not mission.users["analyst"].email:
        User.objects.filter(pk=mission.users["analyst"].pk).update(email=taken)
    response = client.post(
        STAFF,
        {"email": taken, "full_name": "Quelqu'un", "role": "analyst"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    assert "a déjà un compte : changez ses rôles dans la liste" in response.content.decode()
    own = client.post(
        f"{STAFF}{mission.users['admin'].pk}/deactivate", HTTP_ACCEPT_LANGUAGE="es", follow=True
    )
    assert "No puede desactivar su propia cuenta" in own.content.decode()


def test_a_password_reset_is_mailed_in_the_users_chosen_language(client, db):
    user = User.objects.create_user("ana", email="ana@example.org", password="old password 1")
    LanguagePreference.objects.create(user=user, language="es")
    client.post("/password-reset/", {"email": "ana@example.org"}, HTTP_ACCEPT_LANGUAGE="ru")
    (message,) = mail.outbox
    assert message.subject.startswith("Su contraseña de ")
    assert "la cuenta de" in message.body and "«ana»" in message.body


def test_a_password_reset_without_a_choice_is_in_the_pages_language(client, db):
    User.objects.create_user("ivan", email="ivan@example.org", password="old password 1")
    client.post("/password-reset/", {"email": "ivan@example.org"}, HTTP_ACCEPT_LANGUAGE="ru")
    (message,) = mail.outbox
    assert message.subject.startswith("Ваш пароль ") and "«ivan»" in message.body
