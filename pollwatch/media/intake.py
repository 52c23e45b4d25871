"""Items in: subjects catalogue, pasted text and uploaded files, duplicates, machine coding.

Append-first (DESIGN §2): the paste or file is stored as an ``Intake`` with its
sha256 before it is parsed; each item keeps its own raw input; a bad line or
row is a named problem stored on the intake while the good items are kept.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from pollwatch.audit.models import record
from pollwatch.elections.models import Election
from pollwatch.media.models import Coding, Intake, Item, MediaSettings, Outlet, Subject
from pollwatch.media.tonemodels import ToneChooser
from pollwatch.media.transcripts import (
    TranscriptError,
    parse_transcript,
    seconds_per_subject,
    transcript_format,
    transcript_text,
    whole_seconds,
)
from pollwatch.mediatext.coding import code_item
from pollwatch.mediatext.dedupe import content_hash, find_duplicates
from pollwatch.mediatext.extract import (
    MAX_FILE_BYTES,
    ExtractionError,
    decode_bytes,
    detect_language,
    item_from_html,
    item_from_text,
    read_items,
)
from pollwatch.mediatext.extract import Item as ParsedItem
from pollwatch.mediatext.subjects import SubjectCatalogue, parse_subjects

# Near duplicates are looked for among this many of the election's latest items;
# exact duplicates (same content hash) among all of them.
NEAR_DUPLICATE_WINDOW = 500
NEAR_DUPLICATE_THRESHOLD = 0.8
FILE_KINDS = ("txt", "html", "htm", "jsonl", "json", "ndjson", "csv")


def replace_subjects(election: Election, data: Any, source: str = "subjects") -> list[Subject]:
    """Install the catalogue ``data`` (parsed YAML) in the election, all or nothing.

    Raises ``SubjectsError`` naming the entry and field at fault. Existing
    subjects with the same key are updated (their codes stay); keys missing
    from the file are kept, since codes may point at them.
    """
    catalogue = parse_subjects(data, source)
    saved = []
    with transaction.atomic():
        for subject in catalogue.subjects:
            row, _ = Subject.objects.update_or_create(
                election=election,
                key=subject.id,
                defaults={
                    "kind": subject.kind,
                    "name": subject.name,
                    "aliases": list(subject.aliases),
                    "party": subject.party or "",
                    "gender": subject.gender or "",
                },
            )
            saved.append(row)
    return saved


def catalogue_for(election: Election) -> SubjectCatalogue | None:
    """The election's catalogue for ``code_item``, or None when it has no subjects yet."""
    entries = [s.to_dict() for s in Subject.objects.filter(election=election).order_by("key")]
    if not entries:
        return None
    return parse_subjects(entries, f"subjects of {election.slug}")


def double_code_every(election: Election) -> int:
    settings_row = MediaSettings.objects.filter(election=election).first()
    return settings_row.double_code_every if settings_row else MediaSettings().double_code_every


@dataclass
class IntakeResult:
    intake: Intake
    items: list[Item] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> list[Item]:
        return [item for item in self.items if item.duplicate_of_id]


def _parse_date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _raw_pieces(kind: str, text: str) -> dict[int, str]:
    """Line or row number -> the raw line (JSONL) or the row as JSON (CSV), as read_items numbers them."""
    if kind in ("jsonl", "json", "ndjson"):
        return {number: line for number, line in enumerate(text.splitlines(), start=1)}
    if kind == "csv":
        rows = csv.DictReader(io.StringIO(text, newline=""))
        return {
            number: json.dumps(row, ensure_ascii=False) for number, row in enumerate(rows, start=2)
        }
    return {}


def parse_upload(name: str, data: bytes) -> tuple[list[tuple[ParsedItem, str]], list[str]]:
    """(items with their raw input, problems) of one uploaded file; problems name ``name:line``."""
    safe_name = re.sub(r"[^\w.-]+", "_", Path(name).name) or "upload.txt"
    kind = (Path(safe_name).suffix.lstrip(".") or "txt").lower()
    if kind not in FILE_KINDS:
        return [], [f"{name}: unknown file kind {kind!r} (expected txt, html, jsonl or csv)"]
    if len(data) > MAX_FILE_BYTES:
        return [], [f"{name}: file too large ({len(data):,} bytes; limit {MAX_FILE_BYTES:,})"]
    with tempfile.TemporaryDirectory(prefix="pollwatch-media-") as folder:
        path = Path(folder) / safe_name
        path.write_bytes(data)
        parsed, problems = read_items(path)
    prefix = str(path)
    messages = [
        f"{name}{str(p)[len(prefix) :]}" if str(p).startswith(prefix) else str(p) for p in problems
    ]
    # The text as read_items decoded it (a Windows-1251 file stays readable); the
    # intake keeps the exact bytes in any case.
    try:
        whole = decode_bytes(data, name)
    except ExtractionError:
        whole = data.decode("utf-8", errors="replace")
    pieces: dict[int, str] = {}
    if kind in ("jsonl", "json", "ndjson", "csv") and parsed:
        pieces = _raw_pieces(kind, whole)
    items = []
    for item in parsed:
        line = item.source.rsplit(":", 1)[-1]
        item.source = name + item.source[len(prefix) :] if item.source.startswith(prefix) else name
        raw = pieces.get(int(line), whole) if line.isdigit() else whole
        items.append((item, raw))
    return items, messages


def parse_paste(text: str, *, title: str = "") -> tuple[list[tuple[ParsedItem, str]], list[str]]:
    """One item from pasted text, or from pasted HTML when it looks like markup."""
    try:
        if re.match(r"\s*<(!doctype|html|body|article|div|p)\b", text, re.IGNORECASE):
            item = item_from_html(text, source="pasted", title=title or None)
        else:
            item = item_from_text(text, source="pasted", title=title or None)
    except ExtractionError as error:
        return [], [str(error)]
    return [(item, text)], []


def parse_transcript_input(
    text: str, *, name: str, kind: str, title: str = "", outlet: Outlet | None = None
) -> tuple[list[tuple[ParsedItem, str]], list[str]]:
    """One broadcast item from an SRT or WebVTT transcript of a TV or radio outlet.

    Its text is the spoken words, one cue a line; its raw input the transcript
    as received, which ``machine_code`` reads again for the seconds per subject.
    """
    if outlet is None or not outlet.is_broadcast:
        return [], [f"{name}: a timed transcript is for a TV or radio outlet: choose one"]
    try:
        cues = parse_transcript(text, name, kind)
        item = item_from_text(transcript_text(cues), source=name, raw=text, title=title or None)
    except (TranscriptError, ExtractionError) as error:
        return [], [str(error)]
    item.extra["transcript_format"] = kind
    return [(item, text)], []


def transcript_seconds(item: Item, catalogue: SubjectCatalogue) -> dict[str, int] | None:
    """Subject key -> whole seconds of the item's cues naming it; None unless a readable transcript."""
    if not item.transcript_format:
        return None
    try:
        cues = parse_transcript(item.raw, item.source or "transcript", item.transcript_format)
    except TranscriptError:
        return None
    totals = seconds_per_subject(
        cues, lambda words: (m.subject_id for m in catalogue.find_names(words))
    )
    return {key: whole_seconds(seconds) for key, seconds in totals.items()}


@dataclass
class Proposal:
    """An item's machine codes as computed, before anything is written (``propose``)."""

    machine: dict[str, Any]
    coded: bool = False  # False: the election has no subject catalogue yet
    subjects: list[Any] = field(default_factory=list)  # SubjectCoding of each subject found
    version: Any = None  # the ToneModel row whose model gave the tones; None: left to coders
    seconds: dict[str, int] | None = None
    genre: str = ""
    language: str = ""


def propose(
    item: Item, catalogue: SubjectCatalogue | None, tones: ToneChooser | None = None
) -> Proposal:
    """Compute the item's machine codes without writing anything: coding a long item takes
    seconds, and with SQLite a write transaction held that long stops every other writer
    (observers' reports, SMS, sign-in). ``store`` writes the result in a short one.

    Subjects and space are found in any language; the tone only by the active
    model of the item's language (``tones``, the election's by default). Without
    one each code is ``tone_pending``: the tone is left to a coder. The outlet's
    language is used when the identifier is unsure (``detect_language``).
    """
    if catalogue is None:
        return Proposal(machine={"problems": ["the election has no subject catalogue yet"]})
    if tones is None:
        tones = ToneChooser.for_election(item.election)
    language = item.language or detect_language(item.text) or ""
    if not language and item.outlet is not None:
        language = item.outlet.language
    version, model = tones.choose(language)
    coding = code_item(
        item.text,
        catalogue,
        model,
        title=item.title or None,
        language=language or None,
    )
    machine = coding.to_dict()
    machine["tone_model_version"] = version.label if version else None
    if version is None:
        machine["tone_pending"] = True
        machine["problems"].append(
            f"no tone model for language {language or 'unknown'}: the tone needs a coder"
        )
    seconds = transcript_seconds(item, catalogue)
    if seconds is not None:
        machine["seconds"] = seconds
    return Proposal(
        machine=machine,
        coded=True,
        subjects=list(coding.subjects),
        version=version,
        seconds=seconds,
        genre=coding.genre,
        language=coding.language or "",
    )


def store(item: Item, proposal: Proposal, subjects: dict[str, Subject]) -> None:
    """Write a proposal: the item's machine summary and one machine Coding per subject found
    (replacing none). Each code records the model version that gave its tone. A
    confirmed item stays confirmed."""
    item.machine = proposal.machine
    if not proposal.coded:  # no subject catalogue yet: the item stays new
        item.save(update_fields=["machine"])
        return
    item.genre = item.genre or proposal.genre
    item.language = item.language or proposal.language
    if item.status == Item.Status.NEW:
        item.status = Item.Status.CODED
    item.save(update_fields=["machine", "genre", "language", "status"])
    seconds = proposal.seconds
    Coding.objects.bulk_create(
        [
            Coding(
                item=item,
                subject=subjects[found.subject_id],
                characters=found.characters,
                sentences=found.sentences,
                direct_speech_characters=found.direct_speech_characters,
                seconds=None if seconds is None else seconds.get(found.subject_id, 0),
                tone=found.polarity,
                is_machine=True,
                tone_model=proposal.version,
                tone_pending=proposal.version is None,
            )
            for found in proposal.subjects
            if found.subject_id in subjects
        ]
    )


def machine_code(
    item: Item,
    catalogue: SubjectCatalogue | None,
    subjects: dict[str, Subject],
    tones: ToneChooser | None = None,
) -> None:
    """Propose the item's codes and store them (``propose`` then ``store``)."""
    store(item, propose(item, catalogue, tones), subjects)


def code_pending(election: Election) -> int:
    """Machine-code the election's items still ``new`` (stored before it had subjects); returns how many."""
    catalogue = catalogue_for(election)
    if catalogue is None:
        return 0
    subjects = {s.key: s for s in Subject.objects.filter(election=election)}
    pending = list(
        Item.objects.filter(election=election, status=Item.Status.NEW)
        .select_related("election", "outlet")
        .order_by("pk")
    )
    tones = ToneChooser.for_election(election)
    proposals = [propose(item, catalogue, tones) for item in pending]
    with transaction.atomic():
        for item, proposal in zip(pending, proposals, strict=True):
            store(item, proposal, subjects)
    return len(pending)


def _link_duplicates(election: Election, new_items: list[Item]) -> None:
    """Point each new item at the earliest earlier item with the same or nearly the same text."""
    if not new_items:
        return
    first_new = min(item.pk for item in new_items)
    earlier = list(
        Item.objects.filter(election=election, pk__lt=first_new)
        .order_by("-pk")
        .only("pk", "text", "content_hash")[:NEAR_DUPLICATE_WINDOW]
    )[::-1]
    pool = earlier + new_items
    best: dict[int, tuple[int, float]] = {}
    for pair in find_duplicates([item.text for item in pool], NEAR_DUPLICATE_THRESHOLD):
        first, second = sorted((pair.first, pair.second))
        if pool[second].pk >= first_new and (second not in best or first < best[second][0]):
            best[second] = (first, pair.similarity)
    outside = {
        item.content_hash: item.pk
        for item in Item.objects.filter(
            election=election,
            pk__lt=earlier[0].pk if earlier else first_new,
            content_hash__in=[i.content_hash for i in new_items],
        ).order_by("-pk")
    }
    for index, item in enumerate(pool):
        if item.pk < first_new:
            continue
        if item.content_hash in outside:
            item.duplicate_of_id, item.duplicate_similarity = outside[item.content_hash], 1.0
        elif index in best:
            first, similarity = best[index]
            item.duplicate_of_id, item.duplicate_similarity = pool[first].pk, similarity
        else:
            continue
        item.save(update_fields=["duplicate_of", "duplicate_similarity"])


def receive(
    election: Election,
    *,
    name: str,
    raw: bytes,
    outlet: Outlet | None = None,
    actor: Any = None,
    pasted: bool = False,
    title: str = "",
) -> Intake:
    """Store a paste or file as received, with its sha256, before anything reads it."""
    return Intake.objects.create(
        election=election,
        name=name[:255],
        raw=raw,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        pasted=pasted,
        title=title[:500],
        outlet=outlet,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def process(intake: Intake) -> IntakeResult:
    """Read a received intake: parse it, store and code its items; the intake becomes done.

    Safe to call on an intake that is done already: it returns the items it made.
    """
    if intake.status == Intake.Status.DONE:
        return IntakeResult(intake, list(intake.items.order_by("pk")), list(intake.problems))
    raw = bytes(intake.raw)
    parsed: list[tuple[ParsedItem, str]]
    problems: list[str]
    kind = transcript_format(
        raw[:200].decode("utf-8", errors="replace"), "" if intake.pasted else intake.name
    )
    if kind is not None:
        try:
            text = decode_bytes(raw, intake.name)
        except ExtractionError as error:
            parsed, problems = [], [str(error)]
        else:
            parsed, problems = parse_transcript_input(
                text, name=intake.name, kind=kind, title=intake.title, outlet=intake.outlet
            )
    elif intake.pasted:
        parsed, problems = parse_paste(raw.decode("utf-8"), title=intake.title)
    else:
        parsed, problems = parse_upload(intake.name, raw)
    return store_items(
        intake.election,
        name=intake.name,
        raw=raw,
        parsed=parsed,
        problems=problems,
        outlet=intake.outlet,
        actor=intake.created_by,
        intake=intake,
    )


def store_items(
    election: Election,
    *,
    name: str,
    raw: bytes,
    parsed: list[tuple[ParsedItem, str]],
    problems: list[str],
    outlet: Outlet | None,
    actor: Any = None,
    intake: Intake | None = None,
) -> IntakeResult:
    """Keep the intake (unless ``intake`` was received already), then its good items,
    link duplicates and code each item automatically.

    An item's own ``outlet`` field (JSONL/CSV) names an outlet of the election
    when one has that name; otherwise ``outlet`` applies.
    """
    if intake is None:
        intake = receive(election, name=name, raw=raw, outlet=outlet, actor=actor)
    result = IntakeResult(intake, problems=list(problems))
    outlets = {o.name.casefold(): o for o in Outlet.objects.filter(election=election)}
    subjects = {s.key: s for s in Subject.objects.filter(election=election)}
    catalogue = catalogue_for(election)
    tones = ToneChooser.for_election(election) if catalogue is not None else None
    every = double_code_every(election)
    unsaved = []
    for parsed_item, item_raw in parsed:
        named = outlets.get((parsed_item.outlet or "").casefold())
        unsaved.append(
            Item(
                election=election,
                outlet=named or outlet,
                intake=intake,
                source=parsed_item.source[:300],
                title=(parsed_item.title or "")[:500],
                author=(parsed_item.author or "")[:300],
                published=_parse_date(parsed_item.date),
                url=(parsed_item.url or "")[:1000]
                if (parsed_item.url or "").startswith("http")
                else "",
                text=parsed_item.text,
                raw=item_raw,
                raw_sha256=parsed_item.raw_sha256,
                content_hash=content_hash(parsed_item.text),
                # Detected when the identifier is sure; otherwise the outlet's language.
                language=parsed_item.language or str(getattr(named or outlet, "language", "")),
                transcript_format=parsed_item.extra.get("transcript_format", ""),
            )
        )
    # Coded before the write transaction, which then only writes (``propose``).
    proposals = [propose(item, catalogue, tones) for item in unsaved]
    with transaction.atomic():
        for item in unsaved:
            item.save(force_insert=True)
            if every and item.pk % every == 0:
                item.double_code = True
                item.save(update_fields=["double_code"])
            result.items.append(item)
        _link_duplicates(election, result.items)
        for item, proposal in zip(result.items, proposals, strict=True):
            store(item, proposal, subjects)
        intake.problems = list(problems)
        intake.status = Intake.Status.DONE
        intake.save(update_fields=["problems", "status"])
        record(
            "media.intake",
            actor=getattr(actor, "username", "") or "",
            election_id=election.pk,
            obj=intake,
            payload={
                "name": intake.name,
                "sha256": intake.raw_sha256,
                "items": [item.pk for item in result.items],
                "problems": problems,
            },
        )
    return result
