"""Pages beside the JSON API: the user's API tokens, the export list and the export files, the docs' assets."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import cast

import ninja
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from pollwatch.accounts.http import PollwatchRequest
from pollwatch.api.access import can_hold_tokens, exports_for_user, user_for_token
from pollwatch.api.datasets import DATASETS
from pollwatch.api.forms import TokenForm
from pollwatch.api.models import ApiToken
from pollwatch.api.writers import csv_chunks, write_parquet, write_xlsx
from pollwatch.audit.models import record
from pollwatch.elections.zone import zone_exempt

# A user with more live tokens than this should revoke some first.
MAX_ACTIVE_TOKENS = 20
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
NINJA_STATIC = Path(ninja.__file__).resolve().parent / "static" / "ninja"
DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-init.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
    "favicon.png": "image/png",
}


def login_or_token_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """A signed-in session (else the login page), or an API token in ``Authorization: Bearer``,
    so that scripts download exports as they read the API. A bad token is 401, not a redirect."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        header = request.headers.get("Authorization", "")
        if header[:7].lower() != "bearer ":
            return login_required(view)(request, *args, **kwargs)
        user = user_for_token(header[7:].strip())
        if user is None:
            response = HttpResponse("Unknown or revoked API token\n", status=401)
            response["Content-Type"] = "text/plain; charset=utf-8"
            response["WWW-Authenticate"] = "Bearer"
            return response
        request.user = user
        return view(request, *args, **kwargs)

    return wrapped


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's own tokens; a new one is shown once, in the answer to the POST that made it."""
    user = cast(User, request.user)  # login_required
    eligible = can_hold_tokens(user)
    form = TokenForm()
    new_token = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "revoke":
            pk = request.POST.get("token", "")
            token = (
                ApiToken.objects.filter(user=user, pk=int(pk), revoked__isnull=True).first()
                if pk.isdigit()
                else None
            )
            if token is None:
                raise Http404("No such token")
            with transaction.atomic():
                token.revoked = timezone.now()
                token.save(update_fields=["revoked"])
                record(
                    "api_token.revoke",
                    actor=user.get_username(),
                    obj=token,
                    payload={"name": token.name, "prefix": token.prefix},
                )
            messages.success(
                request,
                gettext("Token “%(name)s” (%(prefix)s…) revoked.")
                % {"name": token.name, "prefix": token.prefix},
            )
            return redirect("api-tokens")
        if action != "create":
            return HttpResponse("Unknown action", status=400)
        if not eligible:
            raise PermissionDenied(gettext("API tokens are for admins, coordinators and analysts"))
        form = TokenForm(request.POST)
        if (
            form.is_valid()
            and user.api_tokens.filter(revoked__isnull=True).count() >= MAX_ACTIVE_TOKENS
        ):
            form.add_error(
                None,
                gettext("You have %(count)s live tokens; revoke one first.")
                % {"count": MAX_ACTIVE_TOKENS},
            )
        if form.is_valid():
            with transaction.atomic():
                token, new_token = ApiToken.issue(user, form.cleaned_data["name"])
                record(
                    "api_token.create",
                    actor=user.get_username(),
                    obj=token,
                    payload={"name": token.name, "prefix": token.prefix},
                )
            form = TokenForm()
            status = 201
        else:
            status = 400
    return render(
        request,
        "api/tokens.html",
        {
            "eligible": eligible,
            "form": form,
            "new_token": new_token,
            "tokens": user.api_tokens.all(),
            "api_url": request.build_absolute_uri(reverse("api-v1:api-root")),
        },
        status=status,
    )


@login_required
def exports(request: PollwatchRequest, slug: str) -> HttpResponse:
    election, _access = exports_for_user(request, slug)
    datasets = [
        {
            "name": name,
            "title": module.TITLE,
            "description": module.DESCRIPTION,
            "links": [(fmt, reverse("export", args=[slug, name, fmt])) for fmt in FORMATS],
        }
        for name, module in DATASETS.items()
    ]
    return render(request, "api/exports.html", {"election": election, "datasets": datasets})


@zone_exempt
@login_or_token_required
@require_GET
def export(request: PollwatchRequest, slug: str, dataset: str, fmt: str) -> HttpResponseBase:
    """One dataset in one format. CSV streams as it is read; XLSX and Parquet are written to a
    temporary file a chunk at a time, then streamed from it."""
    election, access = exports_for_user(request, slug)
    module = DATASETS.get(dataset)
    if module is None or fmt not in FORMATS:
        raise Http404("No such export")
    record(
        "export.download",
        actor=request.user.get_username(),
        election_id=election.pk,
        payload={"dataset": dataset, "format": fmt},
    )
    columns = module.columns(election)
    chunks = module.chunks(access)
    filename = f"{election.slug}-{dataset}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(csv_chunks(columns, chunks), content_type=FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    handle = tempfile.TemporaryFile()
    try:
        if fmt == "xlsx":
            write_xlsx(columns, chunks, handle, title=dataset)
        else:
            write_parquet(columns, chunks, handle)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=FORMATS[fmt])


@require_GET
def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    """Swagger UI's files from the installed django-ninja; the URL carries its version."""
    if name not in DOCS_ASSETS:
        raise Http404("No such file")
    response = FileResponse(open(NINJA_STATIC / name, "rb"), content_type=DOCS_ASSETS[name])
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
