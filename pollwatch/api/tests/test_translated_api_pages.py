"""The API tokens and exports pages in other languages (issue 13, slice A)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

PAGE = "/account/api-tokens/"


def test_the_tokens_page_follows_the_language_cookie(client, mission):
    client.force_login(mission.users["analyst"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    html = client.get(PAGE).content.decode()
    assert "<h1>API-токены</h1>" in html and "<h2>Ваши токены</h2>" in html
    assert "Создать токен" in html and "Create token" not in html
    # The form's label and help text are translated too.
    assert "Для чего токен" in html

    response = client.post(PAGE, {"action": "create", "name": ""})
    assert response.status_code == 400
    assert "Обязательное поле." in response.content.decode()


def test_the_exports_page_in_french_names_its_datasets(client, mission):
    client.force_login(mission.users["analyst"])
    html = client.get(
        f"/e/{mission.election.slug}/export/", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "<h1>Exports</h1>" in html and "<th>Jeu de données</th>" in html
    assert (
        "<strong>Bureaux de vote</strong>" in html and "chaque bureau de vote avec sa zone" in html
    )
    assert "The sampling frame" not in html


def test_a_revoked_token_message_keeps_its_name():
    with translation.override("ar"):
        text = translation.gettext("Token “%(name)s” (%(prefix)s…) revoked.") % {
            "name": "دفتر",
            "prefix": "pw_ab",
        }
    assert text == "أُلغي الرمز «دفتر» (pw_ab…)."
