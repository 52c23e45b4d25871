"""A WSGI application for test_web_server.py: reads the body as the intake does and says what it got."""

import hashlib
import json
import os
import resource

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pollwatch.settings")

import django  # noqa: E402

django.setup()

from django.core.handlers.wsgi import WSGIRequest  # noqa: E402

from pollwatch.accounts.boundary import read_body  # noqa: E402

LIMIT = 4_000_000
STARTED_KB = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # before any request


def application(environ, start_response):
    body = read_body(WSGIRequest(environ), LIMIT)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - STARTED_KB
    answer = json.dumps(
        {
            "size": body.size,
            "too_large": body.too_large,
            "sha256": body.sha256,
            "text_sha256": hashlib.sha256(body.text.encode()).hexdigest(),
            "grown_kb": grown,
        }
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [answer]
