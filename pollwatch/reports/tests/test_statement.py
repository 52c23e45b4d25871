"""The preliminary statement: drafted from the data, edited, rendered as HTML and PDF, published frozen."""

from __future__ import annotations

import io

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


def test_every_section_with_data_is_drafted_from_the_figures(analyst, statement):
    from pollwatch.audit.models import head_hash
    from pollwatch.reports.render import sections_for

    keys = [s["key"] for s in sections_for(statement)]
    assert keys == [
        "findings",
        "incidents",
        "quick_count",
        "exit_polls",
        "official",
        "forensics",
        "media",
    ]
    page = analyst.get(reverse("statement", args=["demo", statement.pk])).content.decode()
    assert "The estimate is based on result forms from" in page
    assert head_hash()[1] in page


def test_an_analysts_text_replaces_the_draft_and_a_kept_draft_follows_the_data(analyst, statement):
    from pollwatch.reports.render import sections_for

    drafts = {s["key"]: s["suggestion"] for s in sections_for(statement)}
    response = analyst.post(
        reverse("statement", args=["demo", statement.pk]),
        {
            "text_quick_count": "Our own words about the count.",
            "draft_quick_count": drafts["quick_count"],
            "text_official": drafts["official"],
            "draft_official": drafts["official"],
        },
    )
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.texts == {"quick_count": "Our own words about the count."}


def test_the_pdf_renders_with_charts_and_the_audit_head(analyst, statement):
    import pypdfium2 as pdfium

    from pollwatch.audit.models import head_hash

    response = analyst.get(reverse("statement-pdf", args=["demo", statement.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    document = pdfium.PdfDocument(io.BytesIO(response.content))
    assert len(document) >= 3
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "Quick count" in text and "Audit chain head" in text
    assert head_hash()[1][:24] in text.replace("\n", "").replace("\r", "")
    # Rendered to pixels, the first page is not blank and a chart page holds colour.
    first = document[0].render(scale=1).to_pil().convert("L")
    assert first.getextrema()[0] < 100
    colours = [
        len(document[i].render(scale=0.5).to_pil().convert("RGB").getcolors(1 << 24))
        for i in range(len(document))
    ]
    assert max(colours) > 50, colours


def test_publishing_freezes_the_text_pdf_and_audit_head(analyst, statement):
    from pollwatch.audit.models import AuditEvent, head_hash

    # The demo night's quick count cannot call the result yet: publishing takes an override.
    response = analyst.post(
        reverse("statement-publish", args=["demo", statement.pk]),
        {"acknowledged": "quick_count", "reason": "Official results are out."},
    )
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.status == "published" and statement.pdf_path
    assert (
        statement.audit_head == head_hash()[1]
        or AuditEvent.objects.filter(kind="statement.published").exists()
    )
    assert statement.audit_head in statement.html
    frozen = analyst.get(reverse("statement", args=["demo", statement.pk])).content.decode()
    assert statement.html[:200] in frozen
    edit = analyst.post(
        reverse("statement", args=["demo", statement.pk]), {"text_quick_count": "Changed later."}
    )
    assert edit.status_code == 302
    statement.refresh_from_db()
    assert "quick_count" not in statement.texts
    pdf = analyst.get(reverse("statement-pdf", args=["demo", statement.pk]))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_a_title_with_markup_stays_text_in_every_rendering(analyst, statement):
    statement.title = "</title><script>alert(1)</script>"
    statement.save()
    for published in (False, True):
        if published:
            analyst.post(
                reverse("statement-publish", args=["demo", statement.pk]),
                {"acknowledged": "quick_count", "reason": "<b>Now</b>"},
            )
        html = analyst.get(reverse("statement-html", args=["demo", statement.pk])).content
        assert b"<script>alert(1)</script>" not in html
        assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert b"<b>Now</b>" not in html and b"&lt;b&gt;Now&lt;/b&gt;" in html


JARGON = (
    "variance group",
    "strata",
    "stratum",
    "standard error",
    "collaps",
    "linearized",
    "Benford",
)


def test_the_main_text_is_plain_and_the_design_details_are_in_the_methods_annex(analyst, statement):
    page = analyst.get(reverse("statement", args=["demo", statement.pk])).content.decode()
    document = page[page.index('<article class="statement">') :]
    main, annex = document.split('<section id="methods" class="annex">')
    for word in JARGON:
        assert word not in main, word
    assert "<h2>Methods</h2>" in annex
    for word in (
        "variance groups formed by collapsing strata",
        "Call rule: not enough data",
        "Benford",
    ):
        assert word in annex, word
    # The annex comes last, before only the audit head.
    assert annex.index("Audit chain head") > annex.index("Call rule")


def test_the_plain_text_carries_the_figures_of_the_analysis_page(analyst, statement):
    from pollwatch.reports.sections import quick_count
    from pollwatch.results.presenters import quick_count_context

    ctx = quick_count_context(statement.election, quick_count.figures(statement.election))
    qc, leader = ctx["qc"], ctx["rows"][0]
    analysis = analyst.get(reverse("quick-count", args=["demo"])).content.decode()
    page = analyst.get(reverse("statement", args=["demo", statement.pk])).content.decode()
    assert f"{qc['stations']} / {qc['sampled_stations']} ({ctx['reported_percent']} %)" in analysis
    assert (
        f"from {qc['stations']} of the {qc['sampled_stations']} randomly sampled polling stations "
        f"({ctx['reported_percent']} %)"
    ) in page
    share, low, high = (f"{100 * leader[k]:.1f} %" for k in ("estimate", "low", "high"))
    assert f"{share}</td>" in analysis and f"{low}–{high}" in analysis
    assert f"{leader['name']} {share} (between {low} and {high})" in page


def test_the_pdf_has_the_methods_annex_after_the_sections(analyst, statement):
    import pypdfium2 as pdfium

    response = analyst.get(reverse("statement-pdf", args=["demo", statement.pk]))
    document = pdfium.PdfDocument(io.BytesIO(response.content))
    text = " ".join(
        "".join(document[i].get_textpage().get_text_range() for i in range(len(document))).split()
    )
    assert text.index("Methods How the figures above were computed") > text.index("Media")
    assert "variance groups formed by collapsing strata" in text.split("Methods How")[1]
