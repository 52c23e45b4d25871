"""An election's pages show times in the election's time zone (``Election.time_zone``).

The middleware activates the zone for every request under ``/e/<slug>/`` before the view runs,
so templates (``|when``, ``|day``), forms and the times typed into them (a broadcast's send
time, a search's since/until) all use the polling stations' clock; other pages keep
settings.TIME_ZONE. The page header says which zone once (``zone_label``), so cells don't.
Machine formats are not concerned: exports and the API write ISO 8601 with the offset."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from pollwatch.elections.models import Election


class ElectionTimeZoneMiddleware:
    """Activates the election's time zone for its pages, and the default again after."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request: HttpRequest, view, args, kwargs) -> None:
        slug = kwargs.get("slug")
        if (
            not slug
            or not request.path_info.startswith("/e/")
            or getattr(view, "zone_exempt", False)
        ):
            return
        name = Election.objects.filter(slug=slug).values_list("time_zone", flat=True).first()
        zone = _zone(name or "")
        if zone is not None:
            timezone.activate(zone)


def zone_exempt(view: Callable) -> Callable:
    """Marks a view whose output is for machines (an export, a chart image): its times stay
    ISO 8601 whatever the zone, so the middleware spares it the election's look-up."""
    view.zone_exempt = True  # type: ignore[attr-defined]
    return view


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def utc_offset(zone: datetime.tzinfo, moment: datetime.datetime | None = None) -> str:
    """The offset at ``moment`` (now by default): "UTC+4", "UTC−3:30", "UTC"."""
    offset = (moment or timezone.now()).astimezone(zone).utcoffset() or datetime.timedelta()
    minutes = int(offset.total_seconds()) // 60
    if not minutes:
        return "UTC"
    sign = "+" if minutes > 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_label(moment: datetime.datetime | None = None) -> str:
    """The active time zone as the header names it: "Asia/Baku (UTC+4)", "UTC"."""
    zone = timezone.get_current_timezone()
    name = timezone.get_current_timezone_name()
    offset = utc_offset(zone, moment)
    return name if name == offset else f"{name} ({offset})"
