"""The request as our views see it: django-htmx's details and the current election."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from pollwatch.elections.models import Election


class PollwatchRequest(HttpRequest):
    htmx: HtmxDetails
    # Set by views that work inside one election, for the navigation.
    election: Election


def client_ip(request: HttpRequest) -> str:
    """The client's address as the web server saw it (rate limits and intake records use it)."""
    return request.META.get("REMOTE_ADDR", "")


def signed_in(request: HttpRequest) -> User | None:
    """The signed-in user as a model instance (for ``created_by`` fields), None for anonymous."""
    user = request.user
    return user if isinstance(user, User) else None
