"""A refused request is one line in the log; a server error keeps its traceback."""

from __future__ import annotations

import logging

import pytest

from pollwatch.lib.logfilters import ClientErrorsBrief


def record(status: int) -> logging.LogRecord:
    try:
        raise PermissionError("no")
    except PermissionError:
        import sys

        entry = logging.LogRecord(
            "django.request", logging.WARNING, "x", 1, "Forbidden", (), sys.exc_info()
        )
    entry.status_code = status
    return entry


@pytest.mark.parametrize(
    ("status", "kept"), [(403, False), (404, False), (400, False), (500, True)]
)
def test_only_server_errors_keep_their_traceback(status, kept):
    entry = record(status)
    assert ClientErrorsBrief().filter(entry)
    assert (entry.exc_info is not None) is kept


def test_the_settings_attach_it_to_the_console():
    from django.conf import settings

    assert "client_errors_brief" in settings.LOGGING["handlers"]["console"]["filters"]
