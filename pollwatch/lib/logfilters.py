"""Logging filters for the one console handler (settings.LOGGING)."""

from __future__ import annotations

import logging


class ClientErrorsBrief(logging.Filter):
    """Keep a request refused with a 4xx to its one line: drop the traceback Django attaches.

    Django logs a ``PermissionDenied`` or a bad request with the exception's
    traceback; a signed-in user can cause thousands of those, and they say
    nothing about the server. Server errors (5xx) keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
