"""Screenshots of every staff page of an election at 1366 px and 360 px, and of every page of the
statement PDF, kept for a reviewer to look at (issue 16).

The pages come from the URL conf: every named route under ``/e/<slug>/`` is either shown
(a page without further ids, or one detail page per kind with an id from the demo's data,
:data:`DETAILS`) or excluded with its reason (:data:`EXCLUDED`), so a new page is not forgotten.
Headless Debian Chromium drives the demo's election night as its admin. Each page must answer
200, fit a 360 px screen without sideways scrolling, have no broken image and not be blank.

The pictures go to ``$POLLWATCH_ARTEFACTS``, else ``build/artefacts/screenshots/`` in the
checkout, with an ``index.html`` linking them all.
"""

from __future__ import annotations

import html
import io
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pollwatch.testing import BROWSER_TEST, sign_in_browser

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "e/<slug:slug>/"
WIDTHS = {1366: 900, 360: 740}
# A picture of fewer colours than this is blank (a background and a line of text have more:
# anti-aliasing alone draws dozens).
MIN_COLOURS = 16
PDF_SCALE = 1.5  # 108 dpi: A4 is 893 × 1263 px

# Routes under /e/<slug>/ that are not pages to look at, and why.
EXCLUDED = {
    # POST only: buttons and forms on the pages that are shown (GET answers 405).
    "staff-role": "POST only (a button on the staff page)",
    "staff-reinvite": "POST only (a button on the staff page)",
    "staff-deactivate": "POST only (a button on the staff page)",
    "contest-new": "POST only (a form on the ballot page)",
    "forms-upload": "POST only (a form on the forms page)",
    "forms-replace": "POST only (a form on the forms page)",
    "forms-defaults": "POST only (a button on the forms page)",
    "form-publish": "POST only (a button on the form page)",
    "form-close": "POST only (a button on the form page)",
    "person-signin": "POST only (issues a sign-in link on the person page)",
    "card-job-download": "POST only (hands over the PDF of sign-in cards once)",
    "deployment-assign": "POST only (a form on the deployments page)",
    "deployment-remove": "POST only (a button on the deployments page)",
    "submission-check": "POST only (a clerk's tick on the correction page)",
    "person-call": "POST only (logs a call from the person page)",
    "caller-pin": "POST only (sets a caller PIN on the phone desk)",
    "station-call": "POST only (logs a call from the station page)",
    "inbox-reply": "POST only (a reply form in the inbox)",
    "sample-design-confirm": "POST only (a button on the quick-count page)",
    "official-upload": "POST only (a form on the official-results page)",
    "sample-upload": "POST only (a form on the sample page)",
    "published-poll-delete": "POST only (a button on the exit-poll page)",
    "statement-publish": "POST only (a button on the statement page)",
    "media-outlet-delete": "POST only (a button on the outlet's edit page)",
    "media-model-train": "POST only (a button on the tone models page)",
    "media-model-activate": "POST only (a button on the tone models page)",
    "media-model-rollback": "POST only (a button on the tone models page)",
    "media-recode": "POST only (a button on the tone models and media pages)",
    "media-job": "only while a training or re-coding job exists (the demo starts none)",
    # Downloads and pictures: no page of their own.
    "import-errors": "a CSV download (the import page shows the same rows)",
    "submission-photo": "an image (shown on the submission and photo-viewer pages)",
    "submission-photo-thumb": "an image (shown in the photo gallery)",
    "photos-export": "a ZIP download",
    "media-export": "a CSV download",
    "findings-csv": "a CSV download (the findings page shows the same figures)",
    "media-training": "a JSON-lines download",
    "chart": "an SVG/PNG image (drawn on the analysis pages shown here)",
    "statement-pdf": "the PDF: rasterised page by page below, not screenshotted",
    "statement-html": "a download: the statement as one HTML file (its page is shown)",
    "export": "a data download (the export page lists them)",
    # Steps of an import still in progress: the demo's imports are done, and the routes then
    # redirect to the import's page, which is shown.
    "import-mapping": "only while an import waits for its columns (redirects once done)",
    "official-mapping": "only while an official-results import waits for its columns",
    # A fragment loaded into the stations page by htmx, not a page.
    "area-children": "an htmx fragment of the stations page (the areas below one area)",
}


Ids = dict[str, object]


def _first(queryset) -> Any:
    found = queryset.order_by("pk").first()
    assert found is not None, f"the demo has no {queryset.model.__name__}"
    return found


def _pk(label: str, **where) -> Callable[[Any], Ids]:
    """The first ``label`` (app.Model) of the election matching ``where``."""

    def pick(election) -> Ids:
        from django.apps import apps

        return {"pk": _first(apps.get_model(label).objects.filter(election=election, **where)).pk}

    return pick


def _observer(election) -> Ids:
    """A deployed observer (the demo's observers have sent reports, been called, messaged)."""
    from pollwatch.observers.models import Membership, Role

    deployed = Membership.objects.filter(
        election=election, role=Role.OBSERVER, deployments__isnull=False
    )
    return {"code": _first(deployed).person.code}


def _station(election) -> Ids:
    from pollwatch.submissions.models import Submission

    return {"code": _first(Submission.objects.filter(election=election)).station.code}


def _form(election) -> Ids:
    from pollwatch.checklists.models import Form

    form = _first(Form.objects.filter(election=election, kind="checklist"))
    return {"code": form.code, "version": form.version}


def _photo(election) -> Ids:
    """An incident report's photo (the demo's incidents come with one)."""
    from pollwatch.submissions.models import Submission

    for submission in Submission.objects.filter(election=election, form__kind="incident"):
        for question in submission.form.spec.questions:
            if question.kind == "photo" and submission.answers.get(question.code):
                return {"pk": submission.pk, "code": question.code}
    raise AssertionError("the demo has no photo")


def _photo_station(election) -> Ids:
    from pollwatch.submissions.models import Submission

    return {"code": Submission.objects.get(pk=_photo(election)["pk"]).station.code}


def _card_job(election) -> Ids:
    """A finished print of sign-in cards (the demo prints none: it makes cards on demand)."""
    from django.contrib.auth.models import User

    from pollwatch.observers.models import CardJob, Membership, Role

    people = list(
        Membership.objects.filter(election=election, role=Role.OBSERVER)
        .order_by("pk")
        .values_list("person_id", flat=True)[:40]
    )
    job = CardJob.objects.create(
        election=election,
        created_by=User.objects.get(username="admin"),
        people=people,
        selection="all observers",
        base_url="https://pollwatch.example.org",
        status=CardJob.Status.DONE,
        cards_done=len(people),
    )
    return {"pk": job.pk}


# Routes with ids besides the election's: one page each, its ids taken from the demo's data.
DETAILS: dict[str, Callable[[Any], Ids]] = {
    "station": _station,
    "station-photos": _photo_station,
    "import": _pk("elections.ImportJob", kind="stations"),
    "contest-edit": _pk("elections.Contest"),
    "form": lambda election: {"code": _form(election)["code"]},
    "form-compare": lambda election: {"code": _form(election)["code"]},
    "form-preview": _form,
    "card-job": _card_job,
    "person": _observer,
    "person-messages": _observer,
    "person-thread": _observer,
    "phone-report": _observer,
    "team": _pk("observers.Team"),
    "submission": _pk("submissions.Submission", form__kind="results"),
    "submission-correct": _pk("submissions.Submission", form__kind="results"),
    "photo-viewer": _photo,
    "incident": _pk("submissions.Incident"),
    "broadcast": _pk("messaging.Broadcast"),
    "media-intake-detail": _pk("media.Intake"),
    "media-item": _pk("media.Item"),
    "media-outlet-edit": _pk("media.Outlet"),
    "official-import": _pk("elections.ImportJob", kind="results"),
    "statement": _pk("reports.Statement"),
}


def election_routes() -> Iterator[tuple[str, str]]:
    """(name, route) of every named route under /e/<slug>/ in the URL conf."""
    from django.urls import get_resolver
    from django.urls.resolvers import URLResolver

    def walk(patterns, prefix: str) -> Iterator[tuple[str, str]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif pattern.name and (prefix + str(pattern.pattern)).startswith(PREFIX):
                yield pattern.name, prefix + str(pattern.pattern)

    yield from walk(get_resolver().url_patterns, "")


def _ids(route: str) -> set[str]:
    return set(re.findall(r"<(?:\w+:)?(\w+)>", route)) - {"slug"}


def test_every_route_of_an_election_is_shown_or_excluded_with_a_reason():
    """No browser needed: a new route must be added to DETAILS or EXCLUDED (or be a plain page)."""
    routes = dict(election_routes())
    assert len(routes) > 50, "the URL conf walk found too few routes"
    unlisted = sorted(
        name for name, route in routes.items() if _ids(route) and name not in DETAILS | EXCLUDED
    )
    assert not unlisted, f"routes with ids neither in DETAILS nor in EXCLUDED: {unlisted}"
    assert not set(DETAILS) & set(EXCLUDED)
    stale = sorted((set(DETAILS) | set(EXCLUDED)) - set(routes))
    assert not stale, f"no longer in the URL conf: {stale}"


def staff_pages(election) -> dict[str, str]:
    """{page name: path} of every page of ``election`` to look at, in URL-conf order."""
    from django.urls import reverse

    pages = {}
    for name, route in election_routes():
        if name in EXCLUDED:
            continue
        kwargs = DETAILS[name](election) if _ids(route) else {}
        pages[name] = reverse(name, kwargs={"slug": election.slug, **kwargs})
    return pages


# What pushes the page sideways, furthest first, as CSS selectors: elements sticking out of the
# screen that are wider than their parent (a table too wide for its column) or whose own text
# does not fit (an unbreakable word); not inside something that scrolls sideways by itself.
OVERFLOWING = """() => {
  const limit = document.documentElement.clientWidth + 1;
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) return s + '#' + el.id;
    if (el.classList.length) s += '.' + [...el.classList].join('.');
    return s;
  };
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      parts.unshift(name(e));
      if (e.id) break;
    }
    return parts.join(' > ');
  };
  const scrolls = (el) => {
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      if (getComputedStyle(e).overflowX !== 'visible') return true;
    }
    return false;
  };
  const reach = (el) => {
    const box = el.getBoundingClientRect();
    return Math.max(box.right, box.left + el.scrollWidth);
  };
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    const right = reach(el);
    if (box.width === 0 || right <= limit || scrolls(el)) continue;
    const parent = el.parentElement;
    const tooWide = parent && box.width > parent.clientWidth + 1;
    const ownText = el.scrollWidth > el.clientWidth + 1
      && ![...el.children].some((c) => reach(c) > limit);
    if (tooWide || ownText) found.push([path(el), Math.round(right)]);
  }
  return found.sort((a, b) => b[1] - a[1]).slice(0, 5);
}"""

BROKEN_IMAGES = """() => [...document.images]
  .filter((img) => img.getAttribute('src') && !(img.complete && img.naturalWidth > 0))
  .map((img) => img.getAttribute('src'))"""


def artefacts() -> Path:
    folder = Path(os.environ.get("POLLWATCH_ARTEFACTS") or ROOT / "build/artefacts/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    for old in [*folder.glob("*-1366.png"), *folder.glob("*-360.png")]:
        old.unlink()
    for old in folder.glob("pdf-page-*.png"):
        old.unlink()
    return folder


def colours(png: Path) -> int:
    """How many distinct colours the picture has (counted up to MIN_COLOURS)."""
    from PIL import Image

    with Image.open(png) as image:
        found = image.convert("RGB").getcolors(MIN_COLOURS)
    return MIN_COLOURS + 1 if found is None else len(found)


def write_index(folder: Path, pages: dict[str, str], pdf_pages: list[str]) -> None:
    rows = "\n".join(
        f"<tr><th>{html.escape(name)}</th><td><code>{html.escape(path)}</code></td>"
        + "".join(
            f'<td><a href="{name}-{w}.png"><img src="{name}-{w}.png" alt="{name} at {w} px"'
            f' width="{160 if w == 1366 else 80}"></a></td>'
            for w in WIDTHS
        )
        + "</tr>"
        for name, path in pages.items()
    )
    pdf = "\n".join(
        f'<a href="{p}"><img src="{p}" alt="PDF page {n}" width="180"></a>'
        for n, p in enumerate(pdf_pages, start=1)
    )
    (folder / "index.html").write_text(
        f"""<!doctype html>
<html lang="en"><meta charset="utf-8"><title>pollwatch screenshots</title>
<style>body{{font:14px sans-serif;margin:1em}}td,th{{padding:4px;text-align:left;
vertical-align:top;border-bottom:1px solid #ddd}}img{{border:1px solid #999}}</style>
<h1>Staff pages of the demo election night</h1>
<p>{len(pages)} pages, full page, at 1366 × {WIDTHS[1366]} and 360 × {WIDTHS[360]};
signed in as the admin. Click a picture for its full size.</p>
<table><tr><th>page</th><th>path</th><th>1366 px</th><th>360 px</th></tr>
{rows}
</table>
<h2>Statement PDF ({len(pdf_pages)} pages)</h2>
<p>{pdf}</p>
</html>
""",
        encoding="utf-8",
    )


@pytest.mark.django_db(transaction=True)
@BROWSER_TEST[0]
@BROWSER_TEST[1]
def test_screenshots_of_every_staff_page_and_the_statement_pdf(
    live_server, browser, night, settings
):
    import pypdfium2 as pdfium
    from django.contrib.auth.models import User
    from django.urls import reverse
    from playwright.sync_api import Error as PlaywrightError

    from pollwatch.reports.models import Statement

    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    folder = artefacts()
    pages = staff_pages(night.election)
    admin = User.objects.get(username="admin")
    problems: list[str] = []
    for width, height in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        sign_in_browser(context, live_server.url, admin)
        page = context.new_page()
        for name, path in pages.items():
            try:
                response = page.goto(live_server.url + path, wait_until="load")
            except PlaywrightError as error:  # a download: not a page
                problems.append(f"{name} ({path}): not a page, add it to EXCLUDED ({error})")
                continue
            if response is None or response.status != 200:
                problems.append(f"{name} ({path}): HTTP {response and response.status}")
                continue
            # Lazy images (charts, photos) load now, so the full-page picture has them.
            page.evaluate(
                "() => document.querySelectorAll('img').forEach((i) => (i.loading = 'eager'))"
            )
            page.wait_for_function("() => [...document.images].every((i) => i.complete)")
            shot = folder / f"{name}-{width}.png"
            page.screenshot(path=shot, full_page=True, animations="disabled")
            if broken := page.evaluate(BROKEN_IMAGES):
                problems.append(f"{name} at {width} px: broken images {broken}")
            if colours(shot) <= MIN_COLOURS:
                problems.append(f"{name} at {width} px: the screenshot is blank")
            if width == 360 and page.evaluate(
                "() => document.documentElement.scrollWidth > window.innerWidth + 1"
            ):
                problems.append(
                    f"{name} at 360 px: wider than the screen, "
                    f"{page.evaluate('() => document.documentElement.scrollWidth')} px; "
                    f"widest: {page.evaluate(OVERFLOWING)}"
                )
        context.close()

    # The statement's PDF as the admin downloads it, one picture per page.
    statement = Statement.objects.get(election=night.election)
    context = browser.new_context()
    sign_in_browser(context, live_server.url, admin)
    response = context.request.get(
        live_server.url + reverse("statement-pdf", args=[night.election.slug, statement.pk]),
        timeout=120_000,
    )
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    document = pdfium.PdfDocument(io.BytesIO(response.body()))
    pdf_pages = []
    for number, pdf_page in enumerate(document, start=1):
        picture = f"pdf-page-{number:02d}.png"
        pdf_page.render(scale=PDF_SCALE).to_pil().save(folder / picture)
        if colours(folder / picture) <= MIN_COLOURS:
            problems.append(f"PDF page {number}: blank")
        pdf_pages.append(picture)
    context.close()
    write_index(folder, pages, pdf_pages)
    assert not problems, "\n".join(problems)
    assert len(document) == len(list(folder.glob("pdf-page-*.png"))) > 1
    assert len(list(folder.glob("*-1366.png"))) == len(list(folder.glob("*-360.png"))) == len(pages)
