"""The WSGI entry of observer reports: ``POST /api/o/submissions`` without the site's middleware.

On election day this one path carries nearly all the traffic, and none of the site's middleware
serves it: it signs in by token (no session, no user, no CSRF, no messages), answers JSON (no
content-security policy, no htmx, no static files) and judges its own body (the boundary
middleware steps aside for it anyway). What it keeps: the host check (``ALLOWED_HOSTS``), the
security headers, Django's request signals (database connections are recycled as for any
request) and its error handling (a 500 is logged, never a traceback to the client).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest
from django.middleware.security import SecurityMiddleware
from django.urls import ResolverMatch

PATH = "/api/o/submissions"


class IntakeHandler(WSGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        view = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]

        def checked_host(request: HttpRequest) -> Any:
            request.get_host()  # DisallowedHost → 400, as CommonMiddleware would answer
            return view(request)

        chain = convert_exception_to_response(checked_host)
        self._middleware_chain = convert_exception_to_response(SecurityMiddleware(chain))

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        # One path, one view: no need to try the site's URL patterns in turn.
        from pollwatch.submissions.views import api_submissions

        match = ResolverMatch(api_submissions, (), {}, url_name="api-observer-submissions")
        request.resolver_match = match
        return match


def with_intake_path(site: Callable, intake: Callable | None = None) -> Callable:
    """The site's WSGI application, with observer reports' posts sent to :class:`IntakeHandler`."""
    intake = intake or IntakeHandler()

    def application(environ: dict[str, Any], start_response: Callable) -> Any:
        if environ.get("HTTP_HOST") == "":
            # A request without a Host header (HTTP/1.0, some load balancers' health checks):
            # granian passes it on empty, which Django refuses; gunicorn leaves it out, and
            # Django then takes the server's own name, as PEP 3333 says.
            del environ["HTTP_HOST"]
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == PATH:
            return intake(environ, start_response)
        return site(environ, start_response)

    return application
