"""Moments and days as every staff page prints them: ``{{ value|when }}``, ``{{ value|day }}``.

One format per language (pollwatch/formats/), in the active time zone: the election's on its
pages (pollwatch/elections/zone.py), named once in the page header by ``{% zone_label %}``."""

from __future__ import annotations

import datetime

from django import template
from django.utils import formats

from pollwatch.elections import zone

register = template.Library()


@register.filter(expects_localtime=True)
def when(value: datetime.datetime | None) -> str:
    """A moment: "5 Dec 2026, 13:57" in English, "05.12.2026, 13:57" in Russian; "" for none."""
    if value in (None, ""):
        return ""
    return formats.date_format(value, "DATETIME_FORMAT")


@register.filter(expects_localtime=True)
def day(value: datetime.date | None) -> str:
    """A day (a date, or a moment's day in the active zone): "5 Dec 2026"; "" for none."""
    if value in (None, ""):
        return ""
    return formats.date_format(value, "DATE_FORMAT")


@register.simple_tag
def zone_label() -> str:
    """The active time zone: "Asia/Baku (UTC+4)"."""
    return zone.zone_label()
