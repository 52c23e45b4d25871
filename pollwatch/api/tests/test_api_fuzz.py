"""Schemathesis over every operation of the OpenAPI schema, in process through the WSGI app.

Each operation gets up to 25 generated requests (valid and invalid query
parameters, in the seeded election half the time and in made-up ones
otherwise), with an analyst's token. No answer may be a server error, and
every answer must match the schema: its status code, content type and body.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pollwatch.api.tests.conftest import bearer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Loaded when the tests are collected, by one in-process GET (no database needed).
# (schemathesis.pytest.from_fixture would load it per test, but 4.32 does not run under pytest 9.)
# Django's own handler: pollwatch.wsgi would also start its chart warm-up thread.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@schema.hook
def before_generate_path_parameters(context, strategy):
    # Made-up slugs only ever reach the 404; the seeded election reaches the data.
    return st.one_of(strategy, st.just({"slug": "test-election"}))


@pytest.fixture
def in_test_transaction():
    """Django's WSGI handler closes "old" connections as each request starts and ends, and a
    connection inside the test's transaction looks old to it (PostgreSQL would lose the test data;
    SQLite's in-memory database ignores the close). Django's test client turns this off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_operation_fails_or_leaves_its_schema(case, election_night, tokens, in_test_transaction):
    case.call_and_validate(headers=bearer(tokens["analyst"]), checks=CHECKS)
