"""Message texts: placeholders checked and filled, and the SMS parts a text will take.

Pure (no Django): the compose page, the queue and the tests share it.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

PLACEHOLDERS = {
    "name": "the person's full name",
    "first_name": "the first word of the person's name",
    "code": "the observer's code (the id typed in SMS reports)",
    "station": "the code of the person's (first) station",
    "station_name": "the name of that station",
    "election": "the election's name",
}

# GSM 03.38: these fit one 7-bit character; the extension table's take two (an escape first).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")
# Twilio's limit on a message body, and about ten SMS parts: longer is a letter, not an SMS.
MAX_CHARS = 1600


def problems(text: str) -> list[str]:
    """What is wrong with a template text, each named: empty, a stray brace, an unknown placeholder."""
    if not text.strip():
        return ["the text is empty"]
    if len(text) > MAX_CHARS:
        return [f"the text is {len(text):,} characters; at most {MAX_CHARS:,} (about ten SMS)"]
    found = []
    try:
        fields = [
            name for _, name, spec, conv in string.Formatter().parse(text) if name is not None
        ]
    except ValueError as exc:
        return [f"{exc} (write {{{{ and }}}} for a brace)"]
    for name in fields:
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            found.append(f"unknown placeholder {{{name}}}: use one of {known}")
    return found


def render(text: str, values: Mapping[str, str]) -> str:
    """The text with its placeholders filled; a value missing for this person becomes ''."""
    return string.Formatter().vformat(text, (), _Blank(values))


class _Blank(dict):
    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)

    def __missing__(self, key: str) -> str:
        return ""


def sms_parts(text: str) -> tuple[int, str]:
    """(parts, encoding): how many SMS the text takes (GSM-7: 160, or 153 each when split;
    UCS-2 for anything else: 70, or 67 each)."""
    if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text):
        length = sum(2 if ch in GSM_EXTENDED else 1 for ch in text)
        return (1 if length <= 160 else -(-length // 153)), "GSM-7"
    # UTF-16 code units: a character outside the BMP (an emoji) takes two.
    length = len(text.encode("utf-16-le")) // 2
    return (1 if length <= 70 else -(-length // 67)), "UCS-2"


def pick_text(texts: Mapping[str, str], language: str, default: str) -> tuple[str, str]:
    """(language, text): the person's language when there is a text in it, else the default's."""
    if texts.get(language, "").strip():
        return language, texts[language]
    if texts.get(default, "").strip():
        return default, texts[default]
    for other, text in texts.items():
        if text.strip():
            return other, text
    return default, ""
