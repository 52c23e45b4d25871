"""The analysis pages and the statement in other languages (issue 13, slice A): official results,
discrepancies, forensics, findings, exit polls, the sample page and the preliminary statement."""

from __future__ import annotations

import re

from django.urls import reverse


def member(night, role: str):
    return night.election.memberships.filter(role=role).first().person.user


def page(client, name: str, language: str, *args) -> str:
    response = client.get(reverse(name, args=["demo", *args]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_the_official_results_and_forensics_pages_in_arabic_and_french(client, night):
    client.force_login(member(night, "analyst"))
    html = page(client, "official", "ar")
    assert re.search(r'<html lang="ar" dir="rtl"', html)
    assert "<h1>النتائج الرسمية مقابل عدّنا السريع</h1>" in html
    assert "<h2>حسب المنطقة</h2>" in html and "<th>الخلاصة</th>" in html
    assert "Official results against" not in html and "By region" not in html

    html = page(client, "forensics", "fr")
    assert "<h1>Analyse forensique des résultats officiels</h1>" in html
    assert "<h2>Valeurs impossibles</h2>" in html and "<th>Lecture</th>" in html
    assert "<h2>Impossible values</h2>" not in html and "Warning signs" not in html
    # The charts' titles under them are translated; the tests' own titles stay English.
    assert "Empreinte électorale : participation contre part du premier" in html


def test_discrepancies_findings_and_exit_polls_in_french_with_counts(client, night):
    client.force_login(member(night, "analyst"))
    html = page(client, "discrepancies", "fr")
    assert "<h1>Procès-verbaux officiels contre les copies de nos observateurs</h1>" in html
    # The count of compared stations takes the plural of its number.
    assert re.search(r"<p>\d[\d\u202f\xa0 ]* bureaux? (a|ont) à la fois un résultat officiel", html)

    html = page(client, "findings", "fr")
    assert "<h1>Constats de la liste de contrôle</h1>" in html and "<th>Constat</th>" in html
    assert "Checklist findings" not in html

    html = page(client, "exit-polls", "ar")
    assert "<h2>استطلاع الخروج الخاص بنا</h2>" in html and "<h2>أرقام أعلنها آخرون</h2>" in html
    # The form's own labels come from the results app's catalogue too.
    assert "<label>وقت الإعلان" in html and "<label>Announced at" not in html


def test_the_sample_page_in_spanish_labels_its_form(client, night):
    client.force_login(member(night, "coordinator"))
    html = page(client, "sample-draw", "es")
    assert "<h1>Muestra de mesas</h1>" in html and "<h2>Extraer la muestra</h2>" in html
    assert "Semilla" in html and "Tasa de respuesta" in html and "Response rate" not in html


def test_the_statement_in_arabic_and_its_saved_message_in_french(client, night):
    from pollwatch.reports.models import Statement

    statement = Statement.objects.get(election=night.election)
    client.force_login(member(night, "analyst"))
    html = page(client, "statement", "ar", statement.pk)
    # Section titles, the methods annex and the audit line, and the editing form.
    assert "<h2>العدّ السريع</h2>" in html and "<h2>المنهجية</h2>" in html
    assert "رأس سلسلة التدقيق" in html and "Audit chain head" not in html
    assert "مسودة من المعطيات:" in html

    response = client.post(
        reverse("statement", args=["demo", statement.pk]),
        {"title": statement.title},
        HTTP_ACCEPT_LANGUAGE="fr",
        follow=True,
    )
    assert "Enregistré." in response.content.decode()

    html = page(client, "statements", "ru")
    assert "<h1>Предварительные заявления</h1>" in html and "черновик" in html
