"""The staff interface's catalogues and the templates already converted to them."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

PACKAGE = Path(__file__).resolve().parents[2]
TEMPLATES = PACKAGE / "templates"
LOCALE = PACKAGE / "locale"
# The site's catalogue, and an app's own where an app keeps one (pollwatch/<app>/locale): Django
# merges them all at run time, and each is held to the same rules here.
LOCALES = [LOCALE, *sorted(PACKAGE.glob("*/locale"))]
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]

# Every staff template is translated: a new one fails the tests below until its text is marked.
# The observer app's templates keep their own languages, set per form (docs/forms.md).
OBSERVER_APP = "observer_app/"
CONVERTED = sorted(
    str(path.relative_to(TEMPLATES))
    for path in TEMPLATES.rglob("*.html")
    if not str(path.relative_to(TEMPLATES)).startswith(OBSERVER_APP)
)
# Words that are the same in every language: the product's name, a file format and a hash's.
NOT_WORDS = {"pollwatch", "pdf", "sha"}
# Attributes a reader or a screen reader sees.
VISIBLE_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")


def untranslated_words(source: str) -> list[str]:
    """Words of `source` (a Django template) a reader would see outside {% translate %} and
    {% blocktranslate %}: comments, scripts, styles, tags and variables are not text."""
    text = re.sub(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", " ", source, flags=re.S)
    text = re.sub(r"\{#.*?#\}", " ", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
    text = re.sub(r"\{%\s*blocktranslate\b.*?\{%\s*endblocktranslate\s*%\}", " ", text, flags=re.S)
    text = re.sub(r"\{%.*?%\}", " ", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}", " ", text, flags=re.S)
    visible = []
    for attribute in VISIBLE_ATTRIBUTES:
        visible += re.findall(rf'\b{attribute}="([^"]*)"', text)
    text = re.sub(r"<[^>]*>", " ", text, flags=re.S)
    text = re.sub(r"&\w+;|&#\d+;", " ", text)
    words = re.findall(r"[^\W\d_]{2,}", " ".join([text, *visible]))
    return [w for w in words if w.lower() not in NOT_WORDS]


@pytest.mark.parametrize("name", CONVERTED)
def test_a_converted_template_has_no_literal_text(name):
    words = untranslated_words((TEMPLATES / name).read_text())
    assert not words, f"templates/{name} shows {words} outside {{% translate %}}"


def test_the_check_finds_literal_text():
    source = (
        '{% load i18n %}<h1>{% translate "Log in" %}</h1>{# a note #}<p>Hello {{ user }}</p>'
        '<button aria-label="close it">×</button><script>let x = "word";</script>'
        "{% blocktranslate %}Fine {{ x }}{% endblocktranslate %}"
    )
    assert untranslated_words(source) == ["Hello", "close", "it"]


def test_a_template_not_converted_yet_is_caught():
    """Proof the check bites on a real page: the API tokens page as it was before its conversion
    (a heading, a table header and a data-label left in English are each caught)."""
    before = (
        '{% extends "base.html" %}{% block title %}API tokens · pollwatch{% endblock %}'
        '{% block content %}<h1>API tokens</h1><table class="data"><thead><tr><th>Name</th>'
        '</tr></thead><tbody>{% for token in tokens %}<tr><td data-label="Created">'
        '{{ token.created|date:"Y-m-d H:i" }}</td></tr>{% endfor %}</tbody></table>{% endblock %}'
    )
    assert untranslated_words(before) == ["API", "tokens", "API", "tokens", "Name"]
    assert not untranslated_words((TEMPLATES / "api/tokens.html").read_text())


CATALOGUES = [(locale, code) for locale in LOCALES for code in TRANSLATED]


def catalogue(code: str, locale: Path = LOCALE):
    with open(locale / code / "LC_MESSAGES" / "django.po", "rb") as f:
        return read_po(f, locale=code)


def messages(code: str, locale: Path = LOCALE):
    return [m for m in catalogue(code, locale) if m.id]


def every_message_id(code: str) -> set[str]:
    return {
        m.id if isinstance(m.id, str) else m.id[0]
        for locale in LOCALES
        for m in messages(code, locale)
    }


def where(locale: Path, code: str) -> str:
    return f"{locale.relative_to(PACKAGE)}/{code}/LC_MESSAGES/django.po"


@pytest.mark.parametrize("locale, code", CATALOGUES, ids=lambda v: str(v)[-12:])
def test_every_message_is_translated_with_its_placeholders(locale, code):
    problems = []
    for m in messages(code, locale):
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = sorted(PLACEHOLDER.findall(ids[0]))
        if m.fuzzy:
            problems.append(f"{ids[0]!r} is marked fuzzy")
        if isinstance(m.id, tuple) and len(strings) != catalogue(code, locale).num_plurals:
            problems.append(f"{ids[0]!r} has {len(strings)} plural forms")
        for i, string in enumerate(strings):
            if not string:
                problems.append(f"{ids[0]!r} has no translation (form {i})")
            elif sorted(PLACEHOLDER.findall(string)) != wanted:
                problems.append(f"{ids[0]!r} form {i}: placeholders {PLACEHOLDER.findall(string)}")
    assert not problems, f"{where(locale, code)}: " + "; ".join(problems)


@pytest.mark.parametrize("locale, code", CATALOGUES, ids=lambda v: str(v)[-12:])
def test_the_catalogue_header_asks_for_a_native_speakers_review(locale, code):
    assert "a native speaker's review\n# is welcome" in catalogue(code, locale).header_comment


@pytest.mark.parametrize("locale, code", CATALOGUES, ids=lambda v: str(v)[-12:])
def test_the_compiled_catalogue_matches_its_source(locale, code):
    """The .mo files are committed: recompile with `django-admin compilemessages` when this fails."""
    with open(locale / code / "LC_MESSAGES" / "django.mo", "rb") as f:
        compiled = {k: v for k, v in gettext.GNUTranslations(f)._catalog.items() if k}
    source = {}
    for m in messages(code, locale):
        # gettext keys a message with a context (msgctxt) as "context\x04message".
        key = f"{m.context}\x04" if m.context else ""
        if isinstance(m.id, tuple):
            source.update({(key + m.id[0], i): s for i, s in enumerate(m.string)})
        else:
            source[key + m.id] = m.string
    assert compiled == source, f"{where(locale, code)[:-3]}.mo is stale"


def marked_strings() -> set[str]:
    """The simple {% translate "…" %} strings of the converted templates (a "%" doubled, as
    Django looks them up), the `_("…")` of the navigation and the accounts' forms and views, and
    the chart titles the analysis template tags mark with `gettext_noop("…")`."""
    found: set[str] = set()
    for name in CONVERTED:
        source = (TEMPLATES / name).read_text()
        found |= {s.replace("%", "%%") for s in re.findall(r'\{%\s*translate\s+"([^"]+)"', source)}
    for module in ("context.py", "forms.py", "views.py"):
        found |= set(re.findall(r'_\("([^"]+)"\)', (PACKAGE / "accounts" / module).read_text()))
    tags = (PACKAGE / "results" / "templatetags" / "analysis.py").read_text()
    found |= set(re.findall(r'gettext_noop\("([^"]+)"\)', tags))
    return found


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_marked_string_is_in_the_catalogue(code):
    """Run `django-admin makemessages` (docs/translations.md) when this fails."""
    assert not marked_strings() - every_message_id(code)


@pytest.mark.parametrize("locale", LOCALES[1:], ids=lambda v: v.parent.name)
def test_an_apps_catalogue_is_not_hidden_by_another(locale):
    """An app's catalogue ranks below the apps listed before it in INSTALLED_APPS (the admin's
    "Filter" once hid ours): each of its messages must show as written, else give it a context."""
    from django.utils import translation

    hidden = []
    for code in TRANSLATED:
        for m in messages(code, locale):
            if isinstance(m.id, tuple) or m.context:
                continue
            with translation.override(code):
                shown = translation.gettext(m.id)
            if shown != m.string:
                hidden.append(f"{code} {m.id!r}: {shown!r} instead of {m.string!r}")
    assert not hidden, f"{locale.relative_to(PACKAGE)}: " + "; ".join(hidden)
