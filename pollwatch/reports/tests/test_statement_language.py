"""A statement is published in its reader's language, charts included, and its HTML file says so
(issue 13): lang, and dir="rtl" for Arabic, whoever downloads it later."""

from __future__ import annotations

from django.urls import reverse

from pollwatch.reports.tests.test_publishing_gate import decided, media_root  # noqa: F401 (fixtures)


def test_a_statement_published_in_arabic_is_an_arabic_document(client, mission, decided):  # noqa: F811
    client.force_login(mission.users["analyst"])
    slug = mission.election.slug
    response = client.post(
        reverse("statement-publish", args=[slug, decided.pk]), HTTP_ACCEPT_LANGUAGE="ar"
    )
    assert response.status_code == 302
    decided.refresh_from_db()
    assert decided.status == "published" and decided.language == "ar"
    # Its charts were drawn in Arabic into the frozen text (and the PDF made from it).
    assert "<svg" in decided.html and "المرشح" in decided.html
    assert "share of valid votes" not in decided.html
    # An English reader downloads it: the document is still marked Arabic, right to left.
    html = client.get(
        reverse("statement-html", args=[slug, decided.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert html.startswith('<!doctype html><html lang="ar" dir="rtl">')


def test_a_statement_published_in_french_is_left_to_right(client, mission, decided):  # noqa: F811
    client.force_login(mission.users["analyst"])
    slug = mission.election.slug
    client.post(reverse("statement-publish", args=[slug, decided.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    html = client.get(
        reverse("statement-html", args=[slug, decided.pk]), HTTP_ACCEPT_LANGUAGE="ar"
    ).content.decode()
    assert html.startswith('<!doctype html><html lang="fr"><head>')


def test_the_pdfs_page_footer_is_in_the_active_language():
    from django.utils import translation

    from pollwatch.reports.pdfstyle import pdf_css

    assert 'content: "page " counter(page) " of " counter(pages);' in pdf_css()
    with translation.override("ru"):
        assert 'content: "стр. " counter(page) " из " counter(pages);' in pdf_css()
    with translation.override("az"):
        assert 'content: "səhifə " counter(page) " / " counter(pages);' in pdf_css()
