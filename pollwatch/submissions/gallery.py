"""Protocol photos for staff: thumbnails, a full-size viewer, galleries and the ZIP export.

Every page here starts from ``photo_submissions_for``: never public, never through the
observer role (even for the observer's own reports), supervisors only in their areas.
The ZIP export is a bulk export, so it follows the exports' rule (admins, coordinators,
analysts; ``pollwatch.api.access.can_export``) and is written to the audit chain.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from pollwatch.accounts.http import PollwatchRequest
from pollwatch.api.access import can_export, exports_for_user
from pollwatch.audit.models import record
from pollwatch.checklists.models import Form
from pollwatch.elections.models import Election, PollingStation
from pollwatch.elections.zone import zone_exempt
from pollwatch.observers.access import (
    Access,
    areas_for,
    election_for_user,
    photo_submission_for_user,
    photo_submissions_for,
    station_for_user,
)
from pollwatch.submissions.models import Submission
from pollwatch.submissions.photo_export import export_rows, zip_stream
from pollwatch.submissions.photo_listing import (
    ORDER,
    neighbours,
    photo_item,
    photo_items,
    with_photos,
)
from pollwatch.submissions.photos import photo_file
from pollwatch.submissions.search import FILTERS, search_submissions
from pollwatch.submissions.thumbnails import PLACEHOLDER_SVG, THUMBNAIL_SIZE, thumbnail_path

GALLERY_PAGE_SIZE = 24  # reports per page; most hold one photo
PRIVATE_CACHE = "private, max-age=3600"


def _private[R: HttpResponseBase](response: R, cache: str = PRIVATE_CACHE) -> R:
    """Headers for an image only its viewer's browser may keep, and never read as a page."""
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def photo_thumbnail(
    request: PollwatchRequest, slug: str, pk: int, code: str
) -> HttpResponse | FileResponse:
    """A small JPEG of a photo, for whoever may open the photo itself; a placeholder for an
    image that cannot be read; ``?r=N`` for a photo an earlier revision held."""
    submission = photo_submission_for_user(request, slug, pk)
    item = photo_item(submission, code, request.GET.get("r"))
    if item is None or photo_file(item.digest) is None:
        raise Http404("No such photo")
    etag = f'"{item.digest}-{THUMBNAIL_SIZE}"'
    if request.headers.get("If-None-Match") == etag:
        return _private(HttpResponseNotModified())
    path = thumbnail_path(item.digest)
    if path is None:
        # Not kept long: a decoder installed later can make the real thumbnail.
        return _private(
            HttpResponse(PLACEHOLDER_SVG, content_type="image/svg+xml"), "private, max-age=60"
        )
    response = _private(FileResponse(path.open("rb"), content_type="image/jpeg"))
    response["ETag"] = etag
    return response


@login_required
def photo_viewer(request: PollwatchRequest, slug: str, pk: int, code: str) -> HttpResponse:
    """One photo full size, with where, what and who; previous and next within the gallery
    whose filters came along in the query string."""
    submission = photo_submission_for_user(request, slug, pk)
    item = photo_item(submission, code, request.GET.get("r"))
    if item is None:
        raise Http404("No such photo")
    election, access = election_for_user(request, slug)
    request.election = election
    earlier = request.GET.get("revisions") == "all"
    reports, search = search_submissions(photo_submissions_for(access), election, request.GET)
    previous, following = (
        (None, None)
        if search.problems
        else neighbours(with_photos(reports, election, earlier=earlier), item, earlier=earlier)
    )
    filters = _filter_query(request.GET)
    return render(
        request,
        "submissions/photo.html",
        {
            "election": election,
            "item": item,
            "submission": Submission.objects.select_related(
                "form", "station", "observer__person"
            ).get(pk=submission.pk),
            "previous": previous,
            "next": following,
            "filters": filters,
            "label": _label(submission.form, code),
        },
    )


@login_required
def photo_gallery(request: PollwatchRequest, slug: str) -> HttpResponse:
    """The photos within the user's reach, filtered by area, form, station, observer and time."""
    election, access = _photos_for_user(request, slug)
    return _gallery(request, election, access, None)


@login_required
def station_photos(request: PollwatchRequest, slug: str, code: str) -> HttpResponse:
    """One station's photos: the gallery with the station fixed."""
    station, _ = station_for_user(request, slug, code)
    election, access = _photos_for_user(request, slug)
    return _gallery(request, election, access, station)


@zone_exempt
@login_required
def photo_export(request: PollwatchRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    """The gallery's photos as one ZIP, streamed: ``<region>/<station>/<form>-<submission>-
    <question>.<ext>`` and a ``manifest.csv``. Audited with the filters and the count."""
    election, access = exports_for_user(request, slug)
    reports, search = search_submissions(photo_submissions_for(access), election, request.GET)
    if search.problems:
        return HttpResponse(
            "\n".join(search.problems) + "\n", status=400, content_type="text/plain; charset=utf-8"
        )
    earlier = request.GET.get("revisions") == "all"
    rows = export_rows(with_photos(reports, election, earlier=earlier), earlier=earlier)
    filters = {name: value for name, value in search.values.items() if value}
    if earlier:
        filters["revisions"] = "all"
    record(
        "photos.exported",
        actor=request.user.get_username(),
        election_id=election.pk,
        obj=election,
        payload={"filters": filters, "count": len(rows)},
    )
    stamp = timezone.localtime(timezone=timezone.get_default_timezone()).strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(zip_stream(rows), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{election.slug}-photos-{stamp}.zip"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _photos_for_user(request: PollwatchRequest, slug: str) -> tuple[Election, Access]:
    """(election, access); 404 without a role in the election, 403 for roles without photos."""
    election, access = election_for_user(request, slug)
    if not access.can_view_photos():
        raise PermissionDenied("Photos are for staff who review reports")
    request.election = election
    return election, access


def _gallery(
    request: PollwatchRequest,
    election: Election,
    access: Access,
    station: PollingStation | None,
) -> HttpResponse:
    params = request.GET.copy()
    if station is not None:
        params["station"] = station.code
    reports, search = search_submissions(photo_submissions_for(access), election, params)
    earlier = params.get("revisions") == "all"
    shown = (
        with_photos(reports, election, earlier=earlier)
        .select_related("form", "station", "observer__person")
        .order_by(*ORDER)
    )
    page = Paginator(shown, GALLERY_PAGE_SIZE).get_page(request.GET.get("page"))
    items = [item for submission in page for item in photo_items(submission, earlier=earlier)]
    template = "submissions/_photo_grid.html" if request.htmx else "submissions/photos.html"
    return render(
        request,
        template,
        {
            "election": election,
            "station": station,
            "page": page,
            "items": items,
            "search": search.values,
            "earlier": earlier,
            "problems": search.problems,
            "filters": _filter_query(params),
            "forms": Form.objects.filter(election=election, active=True).order_by("code"),
            "areas": areas_for(access).filter(level__lte=2).order_by("path")[:500],
            "can_export": can_export(access),
        },
        status=400 if search.problems and not request.htmx else 200,
    )


def _filter_query(params: QueryDict) -> str:
    """The gallery's filters as a query string, carried to the viewer and the export."""
    kept = QueryDict(mutable=True)
    for name in (*FILTERS, "revisions"):
        value = params.get(name, "").strip()
        if value:
            kept[name] = value
    return kept.urlencode()


def _label(form: Form, code: str) -> str:
    question = next((q for q in getattr(form.spec, "questions", []) if q.code == code), None)
    return getattr(question, "label", {}).get("en", "") if question is not None else ""
