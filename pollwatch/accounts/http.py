"""The request as our views see it: django-htmx's details, the current election, the client's address."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from django.conf import settings
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
    """The client's address (rate limits and intake records use it).

    With ``TRUSTED_PROXIES`` = 0 (the default) it is REMOTE_ADDR, the peer of the web server.
    Behind N trusted proxies, each of which appends the address it was connected from to
    X-Forwarded-For, the N-th entry from the right was written by the outermost trusted proxy:
    that is the client. Entries further left came from the client and may be forged, so they
    are never read. A header with fewer than N entries (a request that bypassed the proxies)
    or an entry that is not an IP address gives REMOTE_ADDR.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXIES
    if trusted <= 0:
        return remote_addr
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [hop for hop in forwarded if hop]
    if len(forwarded) < trusted:
        return remote_addr
    return _ip_address(forwarded[-trusted]) or remote_addr


def _ip_address(hop: str) -> str | None:
    """The address in one X-Forwarded-For entry, in canonical form; some proxies add a port."""
    candidates = [hop]
    if hop.startswith("[") and "]" in hop:  # [2001:db8::1]:443
        candidates.append(hop[1 : hop.index("]")])
    elif hop.count(":") == 1:  # 192.0.2.1:443
        candidates.append(hop.split(":")[0])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def signed_in(request: HttpRequest) -> User | None:
    """The signed-in user as a model instance (for ``created_by`` fields), None for anonymous."""
    user = request.user
    return user if isinstance(user, User) else None
