"""The staff language: the header's switcher, the saved choice, right-to-left Arabic."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from pollwatch.accounts.models import LanguagePreference
from pollwatch.testing import PERSONAS


def html_tag(content: bytes) -> str:
    return re.search(rb"<html[^>]*>", content).group(0).decode()


def test_the_login_page_in_arabic_is_right_to_left_and_arabic(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 200
    assert html_tag(response.content) == '<html lang="ar" dir="rtl">'
    text = response.content.decode()
    assert "تسجيل الدخول" in text and "كلمة المرور" in text
    assert "Forgot your password?" not in text


def test_the_login_page_is_english_and_left_to_right_by_default(client, db):
    response = client.get(reverse("login"))
    assert html_tag(response.content) == '<html lang="en" dir="ltr">'
    assert "Forgot your password?" in response.content.decode()


def test_the_switcher_sets_the_cookie_for_an_anonymous_visitor(client, db):
    response = client.post(reverse("set-language"), {"language": "fr", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert response.cookies["django_language"].value == "fr"
    assert "Mot de passe oublié" in client.get("/login/").content.decode()
    assert not LanguagePreference.objects.exists()


def test_a_user_who_chose_russian_sees_the_nav_in_russian_on_another_client(mission):
    coordinator = mission.users["coordinator"]
    first = Client()
    first.force_login(coordinator)
    first.post(reverse("set-language"), {"language": "ru", "next": "/"})
    assert LanguagePreference.objects.get(user=coordinator).language == "ru"

    other = Client(HTTP_ACCEPT_LANGUAGE="en")  # a new browser: no cookie, English asked for
    other.force_login(coordinator)
    page = other.get(reverse("election-home", args=["test-election"])).content.decode()
    nav = re.search(r'<nav aria-label="[^"]*">(.*?)</nav>', page, re.S).group(1)
    assert ">Миссия<" in nav and ">Участки<" in nav and ">Сотрудники<" in nav
    assert ">Mission<" not in nav and ">Stations<" not in nav
    assert '<html lang="ru" dir="ltr">' in page


def test_the_switcher_refuses_a_post_without_the_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("set-language"), {"language": "ar", "next": "/"})
    assert response.status_code == 403
    assert "django_language" not in response.cookies


def test_the_switcher_works_with_the_csrf_token_from_the_header(db):
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login")).content.decode()
    form = re.search(r'<form method="post" action="/language/".*?</form>', page, re.S).group(0)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = client.post(
        reverse("set-language"), {"language": "ar", "next": "/login/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert 'dir="rtl"' in html_tag(client.get("/login/").content)


def test_the_switcher_names_an_unknown_language(client, db):
    response = client.post(reverse("set-language"), {"language": "xx", "next": "/"})
    assert response.status_code == 400
    assert b"Unknown language 'xx'" in response.content


def test_the_switcher_does_not_go_off_site(client, db):
    response = client.post(
        reverse("set-language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_the_switcher_only_takes_posts(client, db):
    assert client.get(reverse("set-language")).status_code == 405


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_every_role_can_choose_a_language(mission, client, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    response = client.post(reverse("set-language"), {"language": "az", "next": "/"})
    assert response.status_code == 302
    saved = LanguagePreference.objects.filter(language="az")
    assert saved.count() == (0 if persona == "anonymous" else 1)


def test_the_staff_page_and_its_messages_follow_the_chosen_language(mission, client):
    admin = mission.users["admin"]
    LanguagePreference.objects.create(user=admin, language="fr")
    client.force_login(admin)
    page = client.get(reverse("staff", args=["test-election"])).content.decode()
    assert "<h1>Comptes de l'équipe</h1>" in page and "Nom complet" in page
    analyst = mission.users["analyst"]
    response = client.post(
        reverse("staff-role", args=["test-election", analyst.pk]),
        {"role": "supervisor", "granted": "1"},
        follow=True,
    )
    assert f"{analyst.username} a maintenant le rôle Superviseur." in response.content.decode()
