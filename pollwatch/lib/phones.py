"""Phone numbers as E.164 (+994501234567), parsed with Google's libphonenumber."""

from __future__ import annotations

import phonenumbers


def to_e164(text: str, default_region: str | None) -> str:
    """The number in E.164; raises ValueError with a readable reason when it is not a valid number."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("empty phone number")
    try:
        number = phonenumbers.parse(cleaned, (default_region or "").upper() or None)
    except phonenumbers.NumberParseException as exc:
        hint = "" if default_region else " (write it with its country code, e.g. +994...)"
        raise ValueError(f"not a phone number: {exc}{hint}") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
