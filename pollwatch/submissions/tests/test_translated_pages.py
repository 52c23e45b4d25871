"""The submissions list and a submission's page in other languages (issue 13, second slice)."""

from __future__ import annotations

from django.urls import reverse


def coordinator(night):
    return night.election.memberships.get(role="coordinator").person.user


def test_the_submissions_list_in_russian_counts_with_russian_plurals(client, night):
    from pollwatch.submissions.models import Submission

    client.force_login(coordinator(night))
    html = client.get(
        reverse("submissions", args=["demo"]), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()
    assert "<h1>Отчёты</h1>" in html and "<th>Когда</th>" in html
    n = Submission.objects.filter(election=night.election).count()
    word = {1: "отчёт", 2: "отчёта", 3: "отчёта", 4: "отчёта"}.get(n % 10, "отчётов")
    if 11 <= n % 100 <= 14:
        word = "отчётов"
    assert f" {word}</p>" in html


def test_a_submission_in_arabic_is_right_to_left_and_keeps_the_forms_own_labels(client, night):
    from pollwatch.submissions.models import Submission

    submission = Submission.objects.filter(election=night.election).first()
    client.force_login(coordinator(night))
    url = reverse("submission", args=["demo", submission.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in html and "<h2>الإجابات</h2>" in html and "<th>السؤال</th>" in html
    assert f"<h1>{submission.form.name} " in html  # the form's own name, as entered
    assert "Answers" not in html


def test_the_incidents_page_in_spanish_and_arabic(client, night):
    client.force_login(coordinator(night))
    url = reverse("incidents", args=["demo"])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<h1>Incidentes</h1>" in html and "<th>Gravedad</th>" in html
    assert "Open for over" not in html and "Filter</button>" not in html
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in html and "<h1>الحوادث</h1>" in html and "تصفية</button>" in html
