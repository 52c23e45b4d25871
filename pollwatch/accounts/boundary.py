"""Where outside text meets the web app: request bodies read within limits, parameters checked once.

The pure checks are in ``pollwatch/lib/boundary.py``. Here:

* :func:`read_body` reads an intake request's body without ever holding more
  than the limit in memory: within it, the whole body as storable text; over
  it, only its size, sha256 and first 4 KB (kept raw, so a refused post still
  leaves a trace nobody can use to fill the disk).
* :class:`BoundaryMiddleware` refuses, with a 400 naming the parameter, any
  query-string or form parameter holding NUL or a lone surrogate, before a
  view hands it to the database (PostgreSQL cannot store NUL and raises).
  Views that keep the raw input themselves (the SMS webhooks, the observer
  API) are marked with :func:`stores_raw_first` and are skipped, so what they
  receive is stored before it is judged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from pollwatch.lib.boundary import decode_body, escape_unstorable, unstorable_problem

KEPT_PREFIX_BYTES = 4096
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Body:
    text: str
    """The body as storable text, or its first 4 KB when it was over the limit."""
    size: int
    sha256: str
    too_large: bool
    problem: str | None
    """Why the body is not clean UTF-8, or None."""


def read_body(request: HttpRequest, limit: int) -> Body:
    """The request body, read in chunks; never more than ``limit`` bytes held in memory.

    A body over ``limit`` by its Content-Length is read to its end only to hash
    it (the client pays for the upload, not our memory), up to 16 × ``limit``;
    its first 4 KB are kept. After such a body, ``request.body`` cannot be read.
    A chunked body (no Content-Length) is read from the server's de-chunked
    stream the same way, and kept as ``request.body`` when within the limit.
    """
    declared = content_length(request)
    chunked = declared is None and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "")
    if not chunked and (declared is None or declared <= limit):
        # (Without a Content-Length and not chunked there is no body: Django reads none.)
        data = request.body
        if declared is not None and len(data) < declared:
            return _cut_short(data, len(data), hashlib.sha256(data).hexdigest(), declared)
        decoded = decode_body(data)
        return Body(
            decoded.text, len(data), hashlib.sha256(data).hexdigest(), False, decoded.problem
        )
    # Django reads nothing without a Content-Length; the web server (granian or gunicorn)
    # de-chunks wsgi.input (pollwatch/ops/tests/test_web_server.py).
    stream = request.META["wsgi.input"] if chunked else request
    digest = hashlib.sha256()
    prefix = bytearray()
    size = 0
    kept: bytearray | None = bytearray()
    ended = False
    while size <= 16 * limit:
        chunk = stream.read(_CHUNK)
        if not chunk:
            ended = True
            break
        digest.update(chunk)
        size += len(chunk)
        if len(prefix) < KEPT_PREFIX_BYTES:
            prefix += chunk[: KEPT_PREFIX_BYTES - len(prefix)]
        if kept is not None:
            kept += chunk
            if len(kept) > limit:
                kept = None
    if kept is not None and ended and declared is not None and size < declared:
        # (A body over the limit is refused as such, whether or not all of it came.)
        return _cut_short(bytes(prefix), size, digest.hexdigest(), declared)
    if kept is not None:
        data = bytes(kept)
        request._body = data  # as Django caches it, so a gateway parses these same bytes
        decoded = decode_body(data)
        return Body(decoded.text, size, digest.hexdigest(), False, decoded.problem)
    decoded = decode_body(bytes(prefix))
    return Body(decoded.text, size, digest.hexdigest(), True, decoded.problem)


def _cut_short(start: bytes, size: int, sha256: str, declared: int) -> Body:
    """A body that ended before its Content-Length (the client went away mid-upload): kept by its
    first 4 KB, with the reason, never read as a whole report."""
    decoded = decode_body(start[:KEPT_PREFIX_BYTES])
    problem = f"the upload ended after {size:,} of its {declared:,} bytes (cut short)"
    return Body(decoded.text, size, sha256, False, problem)


def content_length(request: HttpRequest) -> int | None:
    """The declared Content-Length, or None when absent or not a number."""
    try:
        value = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    return value if value >= 0 else None


def stores_raw_first(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark an intake view that stores what it receives before judging it (the middleware skips it)."""
    view.stores_raw_first = True  # type: ignore[attr-defined]
    return view


def parameter_problem(request: HttpRequest) -> tuple[str, str, str] | None:
    """The first query or form parameter (name or value) holding unstorable text, as
    (where, name, what is wrong); or None."""
    sources = [("query", request.GET)]
    if request.method == "POST" and request.content_type in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        sources.append(("form", request.POST))
    for where, params in sources:
        for name, values in params.lists():
            problem = unstorable_problem(name)
            if problem:
                return where, escape_unstorable(name), f"the parameter's name {problem}"
            for value in values:
                problem = unstorable_problem(value)
                if problem:
                    return where, name, problem
    return None


class BoundaryMiddleware:
    """Refuse requests whose parameters cannot be stored, with a 400 that names the parameter."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view, "stores_raw_first", False):
            return None
        found = parameter_problem(request)
        if found is None:
            return None
        where, name, problem = found
        if request.path.startswith("/api/v1/"):
            # The JSON API's own shape for a bad parameter (docs/api.md).
            detail = [{"loc": [where, name], "msg": problem, "type": "unstorable_text"}]
            return JsonResponse({"detail": detail}, status=422)
        message = f"{where} parameter {name!r} {problem}"
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"error": message}, status=400)
        return HttpResponse(f"Bad request: {message}", status=400, content_type="text/plain")
