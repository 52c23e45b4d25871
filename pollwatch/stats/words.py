"""Sentences the statistics write in English, each with a stable key and its parameters.

:class:`Sentence` is a ``str`` (the English text, exactly as the CLI prints
it and the JSON API returns it) that also carries ``key`` and ``params``, so
the web can say the same sentence in the reader's language from its own
table (``pollwatch.results.wording``) without this package knowing Django.
Parameters are raw values (numbers as computed, names as given; a nested
sentence for a phrase that changes with the case); the table formats them.
Anything done to the text (joining, slicing) gives a plain ``str``: English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Sentence(str):
    """English ``text`` with its ``key`` and ``params`` (see the module docstring)."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, text: str, params: Mapping[str, Any] | None = None) -> Sentence:
        sentence = super().__new__(cls, text)
        sentence.key = key
        sentence.params = dict(params or {})
        return sentence

    def __reduce__(self) -> tuple[Any, ...]:
        return (Sentence, (self.key, str(self), self.params))

    def __repr__(self) -> str:
        return f"Sentence({self.key!r}, {str(self)!r}, {self.params!r})"


def say(key: str, text: str, **params: Any) -> Sentence:
    """The sentence ``text`` under ``key``, with the values it was built from."""
    return Sentence(key, text, params)
