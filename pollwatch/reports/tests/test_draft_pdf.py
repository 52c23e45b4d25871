"""A draft statement's PDF is rendered once per data version and kept; a new version renders once."""

from __future__ import annotations

import threading

import pytest
from django.urls import reverse


@pytest.fixture
def statement(night):
    from pollwatch.reports.models import Statement

    return Statement.objects.get(election=night.election)


@pytest.fixture
def analyst(client, night):
    client.force_login(night.election.memberships.get(role="analyst").person.user)
    return client


def _pdf(client, statement) -> bytes:
    response = client.get(reverse("statement-pdf", args=["demo", statement.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_repeated_gets_of_a_draft_pdf_render_it_once(analyst, statement):
    from pollwatch.reports import render

    before = render.renders
    first = _pdf(analyst, statement)
    assert _pdf(analyst, statement) == _pdf(analyst, statement) == first
    assert render.renders == before + 1


def test_a_draft_is_drawn_again_in_the_readers_language(analyst, statement):
    """The kept PDF is per language: an Arabic reader does not get the English one."""
    from pollwatch.reports import render

    english = _pdf(analyst, statement)
    before = render.renders
    analyst.cookies["django_language"] = "ar"
    arabic = _pdf(analyst, statement)
    assert render.renders == before + 1 and arabic != english
    assert _pdf(analyst, statement) == arabic and render.renders == before + 1
    # The downloadable HTML file is in the reader's language and direction too.
    html = analyst.get(reverse("statement-html", args=["demo", statement.pk])).content.decode()
    assert '<html lang="ar" dir="rtl">' in html and "<h2>المنهجية</h2>" in html


def test_an_edited_text_or_new_data_renders_the_pdf_once_more(analyst, statement, night):
    from pollwatch.reports import render
    from pollwatch.submissions.models import Submission

    before = render.renders
    first = _pdf(analyst, statement)
    statement.texts = {"introduction": "Edited after the first download."}
    statement.save()
    edited = _pdf(analyst, statement)
    assert edited != first and _pdf(analyst, statement) == edited
    assert render.renders == before + 2
    Submission.objects.filter(election=night.election).first().save()  # a form arrives again
    _pdf(analyst, statement)
    _pdf(analyst, statement)
    assert render.renders == before + 3
    kept = list((night.folder.parent / "statement-pdfs").glob(f"{statement.pk}-*.pdf"))
    assert len(kept) == 1, "older versions' files are removed"


def test_a_request_waits_for_the_pdf_another_is_rendering_instead_of_rendering_it_too(
    analyst, statement, settings
):
    from pollwatch.reports import render

    folder = settings.DATA_DIR / "statement-pdfs"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{statement.pk}-{render.draft_version(statement)}.pdf"
    lock = target.with_suffix(".lock")
    lock.touch()

    def the_other_request_finishes():
        target.write_bytes(b"%PDF-1.7 rendered by the other request")
        lock.unlink()

    threading.Timer(0.5, the_other_request_finishes).start()
    before = render.renders
    assert _pdf(analyst, statement) == b"%PDF-1.7 rendered by the other request"
    assert render.renders == before
