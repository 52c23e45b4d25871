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


# Twilio refuses a body over 1,600 characters (error 21617); 10 to 24 SMS parts is past any
# reminder's purpose, and a pasted document would be paid for once per person.
MAX_LENGTH = 1600


def problems(text: str) -> list[str]:
    """What is wrong with a template text, each named: empty, too long, a stray brace, an unknown
    placeholder, or a placeholder with a conversion or format (``{name!r}``, ``{name:>9999}``:
    Python's formatting would run them, padding a text to any size or failing when sent)."""
    if not text.strip():
        return ["the text is empty"]
    if len(text) > MAX_LENGTH:
        return [f"the text has {len(text):,} characters; at most {MAX_LENGTH:,}"]
    found = []
    try:
        fields = [
            (name, spec, conv)
            for _, name, spec, conv in string.Formatter().parse(text)
            if name is not None
        ]
    except ValueError as exc:
        return [f"{exc} (write {{{{ and }}}} for a brace)"]
    for name, spec, conv in fields:
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            found.append(f"unknown placeholder {{{name}}}: use one of {known}")
        elif spec or conv:
            written = "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
            found.append(f"write {{{name}}} alone: {written} is not a placeholder")
    return found


def render(text: str, values: Mapping[str, str]) -> str:
    """The text with its placeholders filled; a value missing for this person becomes ''.

    Only names are filled: a conversion or format written after one is ignored, never run
    (``problems`` names it), and a text with a stray brace is shown as written, so the preview
    can show any text typed."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return text
    return "".join(
        literal + (values.get(name, "") if name is not None else "")
        for literal, name, _spec, _conv in parsed
    )


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
