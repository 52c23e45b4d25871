"""Observer reports' posts enter by their own WSGI path, without the site's middleware: still
host-checked, with the security headers, and everything else goes to the site as before."""

from __future__ import annotations

import io
import json
import uuid
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from pollwatch.intake_wsgi import IntakeHandler, with_intake_path
from pollwatch.submissions.models import Inbound


@pytest.fixture
def app(db):
    """The application as wsgi.py builds it; the test's own transaction stays open (as the
    test client does, connections are not recycled between these requests)."""
    from django.core.wsgi import get_wsgi_application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield with_intake_path(get_wsgi_application(), IntakeHandler())
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def call(app, method, path, body=b"", host="localhost", **headers):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "HTTP_HOST": host,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    chunks = app(environ, start_response)
    answer["body"] = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    return answer


def report(station="D1-001"):
    return json.dumps(
        {"client_uuid": str(uuid.uuid4()), "form": "OP", "station": station, "answers": {"A1": 1}}
    ).encode()


def test_a_report_is_received_by_the_intake_path_with_the_security_headers(
    app, forms, observer_token
):
    answer = call(
        app, "POST", "/api/o/submissions", report(), authorization=f"Token {observer_token}"
    )
    assert answer["status"] == 202, answer["body"]
    assert json.loads(answer["body"])["status"] == "received"
    assert answer["headers"]["X-Content-Type-Options"] == "nosniff"
    assert Inbound.objects.get().status == "stored"


def test_the_intake_path_still_checks_the_host_and_the_token(app, forms, observer_token):
    foreign = call(
        app,
        "POST",
        "/api/o/submissions",
        report(),
        host="evil.example",
        authorization=f"Token {observer_token}",
    )
    assert foreign["status"] == 400 and not Inbound.objects.exists()
    assert call(app, "POST", "/api/o/submissions", report())["status"] == 401
    refused = call(
        app, "POST", "/api/o/submissions", report("D3-001"), authorization=f"Token {observer_token}"
    )
    assert refused["status"] == 403 and Inbound.objects.get().status == "rejected"


def test_everything_else_goes_to_the_site_with_its_middleware(app, forms, observer_token):
    statuses = call(app, "GET", "/api/o/submissions", authorization=f"Token {observer_token}")
    assert statuses["status"] == 200
    page = call(app, "GET", "/login/")
    assert page["status"] == 200 and "Content-Security-Policy" in page["headers"]
    assert (
        "Content-Security-Policy"
        not in call(
            app, "POST", "/api/o/submissions", report(), authorization=f"Token {observer_token}"
        )["headers"]
    )
