"""People, deployments, messages and forms pages in other languages (issue 13, slice B)."""

from __future__ import annotations

from django.urls import reverse

SLUG = "test-election"


def russian_people(n: int) -> str:
    if n % 10 in (2, 3, 4) and not 12 <= n % 100 <= 14:
        return "человека"
    return "человек"


def test_the_people_list_in_russian_and_arabic(client, mission):
    client.force_login(mission.users["coordinator"])
    url = reverse("people", args=[SLUG])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="ru")
    html = response.content.decode()
    assert "<h1>Люди</h1>" in html and "<th>Телефон</th>" in html
    n = response.context["page"].paginator.count
    assert n > 1 and f"{n} {russian_people(n)}</p>" in html
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in html and "<h1>الأشخاص</h1>" in html and "<th>الهاتف</th>" in html
    assert "Phone</th>" not in html and "people</p>" not in html


def test_a_deployment_is_confirmed_in_the_language_of_the_page(client, mission):
    client.force_login(mission.users["coordinator"])
    response = client.post(
        reverse("deployment-assign", args=[SLUG]),
        {"observer": "1006", "station": "D1-002"},
        HTTP_ACCEPT_LANGUAGE="fr",
        follow=True,
    )
    html = response.content.decode()
    assert "<h1>Déploiements</h1>" in html
    assert "déplacé de" in html or "déployé à D1-002" in html
    assert " moved from " not in html and " deployed at " not in html


def test_writing_to_a_group_in_arabic_and_the_forms_in_spanish(client, mission):
    client.force_login(mission.users["coordinator"])
    html = client.get(reverse("compose", args=[SLUG]), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in html and "<h1>راسل مجموعة</h1>" in html
    assert "<legend>مَن</legend>" in html and "Write to a group" not in html
    html = client.get(reverse("forms", args=[SLUG]), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<h1>Formularios</h1>" in html and "<th>Código</th>" in html
    assert '<th class="num">Versiones</th>' in html and "Versions</th>" not in html


def test_the_deployment_import_page_names_its_columns_in_french(client, mission):
    client.force_login(mission.users["coordinator"])
    url = reverse("deployment-import", args=[SLUG])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<h1>Déployer depuis un fichier</h1>" in html
    assert "Début (date et heure ISO)" in html and "(obligatoire)" in html
    assert "Starts at" not in html
