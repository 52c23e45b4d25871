"""Sentences the statistics write in English, each with a stable key and its parameters.

:class:`Sentence` is a ``str`` (the English text, exactly as the CLI prints
it and the JSON API returns it) that also carries ``key`` and ``params``, so
the web can say the same sentence in the reader's language from its own
table (``pollwatch.results.wording``) without this package knowing Django.
Anything done to the text (joining, slicing) gives a plain ``str``: English.

Two ways to write one, the same sentence either way:

* :func:`say` takes the English as written by the caller and the raw values
  it was built from (numbers as computed, names as given; a nested sentence
  for a phrase that changes with the case); the table formats the values for
  the reader's language (the calls, the quick count, the exit poll).
* :func:`written` fills a template registered with :func:`register`
  (``%(name)s`` parameters) with values already formatted as strings, so the
  sentence keeps its figures in every language (forensics, the official
  results' mapping checks).

A result stored as JSON (a forensics run, an import's mapping warnings)
loses what a ``str`` carries beyond its text, so those results keep
:meth:`Sentence.as_dict` (``{"key": …, "params": …}``) beside the English
(``reading_words``, ``rule_words``, a warning's ``words``), and the web
renders that stored form again with :meth:`Sentence.from_dict`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

TEMPLATES: dict[str, str] = {}
"""Every registered template: key → English %-format string (``%(name)s`` parameters)."""


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

    def as_dict(self) -> dict[str, Any]:
        """The key and the parameters as plain JSON (nested sentences as dicts), to store."""
        return {
            "key": self.key,
            "params": {
                name: value.as_dict() if isinstance(value, Sentence) else value
                for name, value in self.params.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], text: str | None = None) -> Sentence:
        """A stored sentence (:meth:`as_dict`) again, with ``text`` as its English.

        Without ``text``, the English is written again from the registered
        template, or left empty when the key has none.
        """
        params = {
            str(name): cls.from_dict(value) if isinstance(value, Mapping) else str(value)
            for name, value in (data.get("params") or {}).items()
        }
        key = str(data["key"])
        if text is None:
            text = TEMPLATES[key] % params if key in TEMPLATES else ""
        return cls(key, text, params)


def say(key: str, text: str, **params: Any) -> Sentence:
    """The sentence ``text`` under ``key``, with the values it was built from."""
    return Sentence(key, text, params)


def register(templates: Mapping[str, str]) -> Mapping[str, str]:
    """Add ``templates`` to ``TEMPLATES``; a key registered twice with another text is a bug."""
    for key, text in templates.items():
        if TEMPLATES.get(key, text) != text:
            raise ValueError(f"sentence {key!r} is registered twice with different texts")
        TEMPLATES[key] = text
    return templates


def written(key: str, **params: str | Sentence) -> Sentence:
    """The sentence under ``key`` written from its registered template with ``params``."""
    return Sentence(key, TEMPLATES[key] % params, params)


register({"list.and": "%(items)s and %(last)s"})


def quoted_list(items: Sequence[str]) -> str | Sentence:
    """'a', 'b' and 'c': the items quoted as Python would, the last joined by "and"."""
    quoted = [f"{i!r}" for i in items]
    if len(quoted) == 1:
        return quoted[0]
    return written("list.and", items=", ".join(quoted[:-1]), last=quoted[-1])


def reading(key: str, **params: str | Sentence) -> dict[str, Any]:
    """A result's ``reading`` (English, as the CLI and the API show it) and its ``reading_words``."""
    sentence = written(key, **params)
    return {"reading": sentence, "reading_words": sentence.as_dict()}
