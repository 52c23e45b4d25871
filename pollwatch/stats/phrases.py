"""Sentences the statistics write, as a stable key with its parameters beside the English text.

Django-free. A module registers its sentences once (``register({key: English
%-format string})``) and builds each one as ``Words(key, params)``;
``words.english()`` is the text the CLI and the JSON API show, unchanged.
The web pages render the same ``Words`` in the reader's language from one
table of gettext strings (``pollwatch.results.forensic_wording``) whose
English equals these templates.

Parameters are strings (numbers already formatted, so a sentence keeps its
figures in every language) or nested ``Words`` (a field's name, a list), so
``as_dict()`` is plain JSON and a stored result can be rendered again later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ENGLISH: dict[str, str] = {}
"""Every registered sentence: key → English template (%-format, ``%(name)s`` parameters)."""


def register(templates: Mapping[str, str]) -> Mapping[str, str]:
    """Add ``templates`` to ``ENGLISH``; a key registered twice with another text is a bug."""
    for key, text in templates.items():
        if ENGLISH.get(key, text) != text:
            raise ValueError(f"sentence {key!r} is registered twice with different texts")
        ENGLISH[key] = text
    return templates


@dataclass(frozen=True)
class Words:
    """One sentence: ``key`` (see ``ENGLISH``) and its parameters (strings or nested ``Words``)."""

    key: str
    params: Mapping[str, str | Words] = field(default_factory=dict)

    def english(self) -> str:
        return ENGLISH[self.key] % {
            name: value.english() if isinstance(value, Words) else value
            for name, value in self.params.items()
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "params": {
                name: value.as_dict() if isinstance(value, Words) else value
                for name, value in self.params.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Words:
        return cls(
            str(data["key"]),
            {
                name: cls.from_dict(value) if isinstance(value, Mapping) else str(value)
                for name, value in (data.get("params") or {}).items()
            },
        )


register({"list.and": "%(items)s and %(last)s"})


def quoted_list(items: Sequence[str]) -> str | Words:
    """'a', 'b' and 'c': the items quoted as Python would, the last joined by "and"."""
    quoted = [f"{i!r}" for i in items]
    if len(quoted) == 1:
        return quoted[0]
    return Words("list.and", {"items": ", ".join(quoted[:-1]), "last": quoted[-1]})


def reading(key: str, **params: str | Words) -> dict[str, Any]:
    """A result's ``reading`` (English, as the CLI and the API show it) and its ``reading_words``."""
    words = Words(key, params)
    return {"reading": words.english(), "reading_words": words.as_dict()}
