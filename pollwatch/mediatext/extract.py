"""Items (articles, transcripts) from pasted text, TXT, HTML, JSONL or CSV files.

Contract: readers never raise on one bad item. They return the items they
could build and a ``Problem`` per item or file they could not, naming the
source (file, line or row) and the field. The caller keeps the raw input
(DESIGN §2: intake is append-first), so nothing is lost. ``ExtractionError``
is raised only by the single-item functions (``item_from_text``,
``item_from_html``), with a message naming the item.

* HTML is reduced to the article by trafilatura (title, author, date and
  site name kept), falling back to all visible text when trafilatura
  finds no article body.
* Bytes are decoded as UTF-8 (with or without BOM), UTF-16 with a BOM, or
  else the encoding charset-normalizer judges coherent; when none is, the
  item is refused as "unknown encoding" rather than guessed into mojibake.
* Files with NUL bytes in their first 8 KiB are refused as binary; items
  larger than ``MAX_ITEM_BYTES`` (HTML: ``MAX_HTML_BYTES``) are refused as
  too large, before any parsing.
* Text is NFC-normalised, line ends made LF, and trimmed; ``Item.text``
  is the text that coding offsets refer to.
* Language: ISO 639-1 code from py3langid (offline, model shipped in the
  package), ``None`` for text too short to tell (< ``MIN_LANGUAGE_CHARS``).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pollwatch.lib.boundary import escape_unstorable

MAX_ITEM_BYTES = 5_000_000
MAX_HTML_BYTES = 10_000_000
MAX_FILE_BYTES = 200_000_000
MIN_LANGUAGE_CHARS = 20
MIN_LANGUAGE_CONFIDENCE = 0.5
# Characters read to tell the language: the identifier's time grows with them, and 1,000
# characters of running text (about 170 words) tell a language as well as 2,000.
LANGUAGE_SAMPLE = 1000
TEXT_FIELDS = ("text", "body", "content", "article")
META_FIELDS = ("id", "title", "author", "date", "url", "outlet")


class ExtractionError(ValueError):
    """One item cannot be built; the message names the item and the reason."""


@dataclass(frozen=True)
class Problem:
    """Why the item at ``where`` (``file:line``, ``file row N``, ``pasted``) was not read."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Item:
    """One article or transcript. ``text`` is the plain text that coding works on;
    ``raw_sha256`` identifies the raw bytes or string it came from."""

    text: str
    source: str
    title: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None
    outlet: str | None = None
    id: str | None = None
    language: str | None = None
    raw_sha256: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when the text is too short to tell
    or the identifier is unsure (probability below MIN_LANGUAGE_CONFIDENCE: a short
    English sentence full of Azerbaijani names came out Nigerian Pidgin at 0.30, a
    transcript's cue lines Tagalog at 0.07; the outlet's language is then used)."""
    sample = text[:LANGUAGE_SAMPLE]
    if len(re.sub(r"\W+", "", sample)) < MIN_LANGUAGE_CHARS:
        return None
    language, probability = _language_identifier().classify(sample)
    return str(language) if probability >= MIN_LANGUAGE_CONFIDENCE else None


@functools.cache
def _language_identifier() -> Any:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    # Normalised probabilities, so that how sure it is can be read off.
    return LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)


def decode_bytes(data: bytes, where: str) -> str:
    """Text of ``data`` under the rules in the module docstring; ExtractionError names ``where``.

    NUL characters past the sniffed start are kept as visible ``\\x00`` escapes
    (``lib/boundary.py``): PostgreSQL text cannot hold them.
    """
    return escape_unstorable(_decoded(data, where))


def _decoded(data: bytes, where: str) -> str:
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractionError(f"{where}: binary file (NUL bytes), not text")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ExtractionError(f"{where}: broken UTF-16 ({error.reason})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None or best.chaos > 0.2:
        raise ExtractionError(
            f"{where}: unknown encoding (not UTF-8, and no encoding gives coherent text); "
            "save it as UTF-8"
        )
    try:
        return data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        raise ExtractionError(
            f"{where}: unknown encoding (guessed {best.encoding}, which does not decode it all); "
            "save it as UTF-8"
        ) from None


def _raw_hash(raw: str | bytes) -> str:
    return hashlib.sha256(raw.encode("utf-8") if isinstance(raw, str) else raw).hexdigest()


def _clean_text(text: str) -> str:
    # NFC so that a decomposed "ü" (u + combining diaeresis) matches the alias
    # "Müsavat"; offsets from coding then refer to this cleaned text.
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return re.sub(r"[ \t\u00a0]+\n", "\n", text).strip()


def item_from_text(
    text: str | bytes, *, source: str = "pasted", raw: str | bytes | None = None, **meta: Any
) -> Item:
    """An item from plain text (pasted or a TXT file). Raises ExtractionError naming
    ``source`` when the text is empty, binary, too large or undecodable."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if len(data) > MAX_ITEM_BYTES:
        raise ExtractionError(
            f"{source}: too large ({len(data):,} bytes; limit {MAX_ITEM_BYTES:,})"
        )
    decoded = decode_bytes(text, source) if isinstance(text, bytes) else text
    if "\x00" in decoded:
        raise ExtractionError(f"{source}: binary content (NUL characters), not text")
    cleaned = _clean_text(decoded)
    if not cleaned:
        raise ExtractionError(f"{source}: empty item (no text)")
    known = {
        k: (str(v) if v not in (None, "") else None) for k, v in meta.items() if k in META_FIELDS
    }
    extra = {k: v for k, v in meta.items() if k not in META_FIELDS}
    return Item(
        text=cleaned,
        source=source,
        language=detect_language(cleaned),
        raw_sha256=_raw_hash(raw if raw is not None else text),
        extra=extra,
        **known,
    )


def item_from_html(html: str | bytes, *, source: str = "pasted", **meta: Any) -> Item:
    """An item from an HTML page, reduced to the article (title, author, date kept).

    Raises ExtractionError naming ``source`` when the page is too large
    (``MAX_HTML_BYTES``), binary, undecodable, or holds no text.
    """
    # A str has at most as many characters as UTF-8 bytes: a long one is refused unencoded.
    size = len(html)
    if isinstance(html, str) and size <= MAX_HTML_BYTES:
        size = len(html.encode("utf-8"))
    if size > MAX_HTML_BYTES:
        raise ExtractionError(
            f"{source}: HTML too large ({size:,} bytes; limit {MAX_HTML_BYTES:,}); "
            "save the article page alone"
        )
    markup = decode_bytes(html, source) if isinstance(html, bytes) else html
    import trafilatura

    document = trafilatura.bare_extraction(
        markup,
        include_comments=False,
        include_tables=False,
        with_metadata=True,
        favor_precision=True,
    )
    found: dict[str, Any] = {}
    body = ""
    if document is not None:
        found = document if isinstance(document, dict) else document.as_dict()
        body = found.get("text") or ""
    if not body.strip():
        # No article structure (a bare fragment): keep every visible text node.
        body = trafilatura.html2txt(markup) or _visible_text(markup)
    if not body.strip():
        raise ExtractionError(f"{source}: no text found in the HTML")
    for key, found_key in (
        ("title", "title"),
        ("author", "author"),
        ("date", "date"),
        ("url", "url"),
        ("outlet", "sitename"),
    ):
        if not meta.get(key) and found.get(found_key):
            meta[key] = found[found_key]
    return item_from_text(body, source=source, raw=html, **meta)


def _visible_text(markup: str) -> str:
    """Every text node outside script/style, one per line (for fragments trafilatura skips)."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        root = lxml_html.fromstring(markup)
    except (ValueError, etree.ParserError):
        return ""
    if root.tag in ("script", "style", "noscript", "template"):
        return ""
    for hidden in root.xpath("//script|//style|//noscript|//template"):
        hidden.drop_tree()
    return "\n".join(text.strip() for text in root.itertext() if text.strip())


# Fields of an Item written by `pollwatch media extract`, so its output reads back in.
ITEM_OWN_FIELDS = ("source", "language", "raw_sha256", "extra")


def _item_from_record(record: dict[str, Any], where: str) -> Item:
    text_field = next((f for f in TEXT_FIELDS if record.get(f) not in (None, "")), None)
    html = record.get("html")
    if text_field is None and not html:
        raise ExtractionError(
            f"{where}: field 'text' is missing or empty (also tried {', '.join(TEXT_FIELDS[1:])}, html)"
        )
    meta = {
        k: v
        for k, v in record.items()
        if k not in TEXT_FIELDS and k not in ITEM_OWN_FIELDS and k != "html"
    }
    if isinstance(record.get("extra"), dict):
        meta = {**record["extra"], **meta}
    if record.get("source"):
        meta["original_source"] = record["source"]
    if text_field is None:
        return item_from_html(str(html), source=where, **meta)
    value = record[text_field]
    if not isinstance(value, str):
        raise ExtractionError(
            f"{where}: field {text_field!r} must be text, got {type(value).__name__}"
        )
    return item_from_text(
        value, source=where, raw=json.dumps(record, ensure_ascii=False, sort_keys=True), **meta
    )


def items_from_records(
    records: Iterable[dict[str, Any]], source: str
) -> tuple[list[Item], list[Problem]]:
    """Items from already-parsed records (JSON objects, CSV rows) with a ``text`` field."""
    items, problems = [], []
    for number, record in enumerate(records, start=1):
        where = f"{source}:{number}"
        try:
            items.append(_item_from_record(record, where))
        except ExtractionError as error:
            problems.append(Problem(where, str(error).removeprefix(f"{where}: ")))
    return items, problems


def read_items(path: str | Path, *, kind: str | None = None) -> tuple[list[Item], list[Problem]]:
    """Items of one file: ``kind`` (or the extension) is txt, html/htm, jsonl/json or csv.

    A JSONL line or CSV row that fails becomes a Problem (``file:line``); a
    file that fails whole (binary, too large, undecodable, unknown kind)
    gives no items and one Problem.
    """
    path = Path(path)
    where = str(path)
    kind = (kind or path.suffix.lstrip(".") or "txt").lower()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return [], [
                Problem(where, f"file too large ({size:,} bytes; limit {MAX_FILE_BYTES:,})")
            ]
        if kind in ("html", "htm") and size > MAX_HTML_BYTES:
            return [], [
                Problem(
                    where,
                    f"HTML too large ({size:,} bytes; limit {MAX_HTML_BYTES:,}); save the article page alone",
                )
            ]
        data = path.read_bytes()
    except OSError as error:
        return [], [Problem(where, f"cannot read: {error.strerror or error}")]
    try:
        if kind in ("txt", "text", "md"):
            return [item_from_text(data, source=where)], []
        if kind in ("html", "htm"):
            return [item_from_html(data, source=where)], []
        text = decode_bytes(data, where)
    except ExtractionError as error:
        return [], [Problem(where, str(error).removeprefix(f"{where}: "))]
    if kind in ("jsonl", "json", "ndjson"):
        return _items_from_jsonl(text, where)
    if kind == "csv":
        rows = csv.DictReader(io.StringIO(text, newline=""))
        if not rows.fieldnames or not set(rows.fieldnames) & {*TEXT_FIELDS, "html"}:
            return [], [Problem(where, f"CSV has no 'text' column (header: {rows.fieldnames})")]
        items, problems = [], []
        for number, row in enumerate(rows, start=2):
            row_where = f"{where}:{number}"
            try:
                items.append(_item_from_record(dict(row), row_where))
            except ExtractionError as error:
                problems.append(Problem(row_where, str(error).removeprefix(f"{row_where}: ")))
        return items, problems
    return [], [Problem(where, f"unknown file kind {kind!r} (expected txt, html, jsonl or csv)")]


def _items_from_jsonl(text: str, where: str) -> tuple[list[Item], list[Problem]]:
    items, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        line_where = f"{where}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(Problem(line_where, f"not JSON ({error.msg})"))
            continue
        if not isinstance(record, dict):
            problems.append(Problem(line_where, "expected a JSON object with a 'text' field"))
            continue
        try:
            items.append(_item_from_record(record, line_where))
        except ExtractionError as error:
            problems.append(Problem(line_where, str(error).removeprefix(f"{line_where}: ")))
    return items, problems
