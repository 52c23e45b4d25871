"""Coverage per outlet and subject from the stored codes: the human's where confirmed, else the machine's."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext

from pollwatch.elections.models import Election
from pollwatch.lib.spreadsheet_safe import safe_row
from pollwatch.media import charts
from pollwatch.media.models import Coding, Item

TONES = {1: "positive", 0: "neutral", -1: "negative"}


@dataclass
class SubjectShare:
    key: str
    name: str
    items: int = 0
    characters: int = 0
    share: float = 0.0
    seconds: int = 0
    time_share: float = 0.0
    confirmed: int = 0
    # Machine codes in a language with no tone model: counted for space, not for tone.
    untoned: int = 0
    tone: dict[str, int] = field(
        default_factory=lambda: {"positive": 0, "neutral": 0, "negative": 0}
    )


@dataclass
class OutletReport:
    outlet: str
    items: int = 0
    kind: str = ""
    reach: int | None = None
    seconds: int = 0

    @property
    def broadcast(self) -> bool:
        return self.kind in ("tv", "radio")

    @property
    def timed(self) -> bool:
        """TV or radio with seconds measured: time share is shown beside the characters."""
        return self.broadcast and self.seconds > 0

    subjects: list[SubjectShare] = field(default_factory=list)


def chart_words() -> charts.Words:
    """The words the media charts draw, in the active language (``charts`` has no gettext)."""
    return charts.Words(
        positive=gettext("positive"),
        neutral=gettext("neutral"),
        negative=gettext("negative"),
        tone_summary=gettext(
            "%(subject)s: %(positive)s positive, %(neutral)s neutral, %(negative)s negative"
        ),
        tone_count=gettext("%(subject)s: %(count)s %(tone)s"),
        days_summary=gettext(
            "%(days)s days from %(first)s to %(last)s; highest daily count %(largest)s"
        ),
        subject_items=gettext("%(subject)s: %(count)s items"),
    )


def counted_items(election: Election):
    """Items that count: a duplicate of an item in the same outlet is the same publication twice."""
    items = Item.objects.filter(election=election)
    return [
        item
        for item in items.select_related("duplicate_of").only(
            "pk", "outlet_id", "published", "created", "duplicate_of__outlet_id"
        )
        if item.duplicate_of is None or item.duplicate_of.outlet_id != item.outlet_id
    ]


def effective_codings(election: Election) -> dict[tuple[int, int], Coding]:
    """(item id, subject id) -> the code the report uses: the first human's, else the machine's.

    A subject the first monitor removed (the machine found it wrongly) is left
    out; one a monitor added (the machine missed it) is in, as their code.
    """
    chosen: dict[tuple[int, int], Coding] = {}
    rows = (
        Coding.objects.filter(item__election=election)
        .select_related("subject")
        .order_by("is_machine", "created", "pk")
    )
    for coding in rows:
        chosen.setdefault((coding.item_id, coding.subject_id), coding)
    return {key: coding for key, coding in chosen.items() if not coding.removed}


def coverage(election: Election) -> list[OutletReport]:
    """Per outlet (by name; items without an outlet under "no outlet"): each subject's items,
    characters, share of all subjects' characters in that outlet, and items per tone;
    for broadcast time, each subject's seconds and share of all subjects' seconds
    (codes without seconds count 0)."""
    items = {item.pk: item for item in counted_items(election)}
    outlets = {o.pk: o for o in election.outlets.all()}
    outlet_names = {pk: o.name for pk, o in outlets.items()}
    reports: dict[str, OutletReport] = {}
    for item in items.values():
        name = outlet_names.get(item.outlet_id, "no outlet")
        if name not in reports:
            outlet = outlets.get(item.outlet_id) if item.outlet_id else None
            reports[name] = OutletReport(
                name, kind=outlet.kind if outlet else "", reach=outlet.reach if outlet else None
            )
        reports[name].items += 1
    shares: dict[str, dict[int, SubjectShare]] = defaultdict(dict)
    for (item_id, subject_id), coding in effective_codings(election).items():
        item = items.get(item_id)
        if item is None:
            continue
        name = outlet_names.get(item.outlet_id, "no outlet")
        row = shares[name].setdefault(
            subject_id, SubjectShare(coding.subject.key, coding.subject.name)
        )
        row.items += 1
        row.characters += coding.characters
        row.seconds += coding.seconds or 0
        if coding.tone_pending and coding.is_machine:
            row.untoned += 1
        else:
            row.tone[TONES[coding.tone]] += 1
        row.confirmed += 0 if coding.is_machine else 1
    for name, report in reports.items():
        rows = sorted(shares[name].values(), key=lambda r: (-r.characters, r.name))
        total = sum(r.characters for r in rows)
        seconds = sum(r.seconds for r in rows)
        for row in rows:
            row.share = row.characters / total if total else 0.0
            row.time_share = row.seconds / seconds if seconds else 0.0
        report.seconds = seconds
        if report.timed:
            rows.sort(key=lambda r: (-r.seconds, -r.characters, r.name))
        report.subjects = rows
    return [reports[name] for name in sorted(reports)]


def trend(election: Election) -> tuple[list[str], dict[str, list[int]]]:
    """Days of the campaign (published, else received) and items per day per subject, every day filled."""
    items = {item.pk: item for item in counted_items(election)}
    per_day: dict[str, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    for (item_id, _subject_id), coding in effective_codings(election).items():
        item = items.get(item_id)
        if item is None:
            continue
        day = item.published or item.created.date()
        per_day[coding.subject.name][day] += 1
    if not per_day:
        return [], {}
    all_days = {day for counts in per_day.values() for day in counts}
    first, last = min(all_days), max(all_days)
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    series = {
        name: [counts.get(day, 0) for day in days]
        for name, counts in sorted(per_day.items(), key=lambda kv: -sum(kv[1].values()))
    }
    return [day.isoformat() for day in days], series


CSV_HEADER = [
    "item",
    "outlet",
    "published",
    "title",
    "genre",
    "subject",
    "subject_kind",
    "coder",
    "is_machine",
    "confirmed",
    "characters",
    "sentences",
    "direct_speech_characters",
    "tone",
    "duplicate_of",
    "created",
    "seconds",
    "added",
    "removed",
    "span_start",
    "span_end",
    "tone_model",
    "tone_pending",
]


def coding_rows(election: Election) -> Iterator[Sequence[object]]:
    """Every code of the election, machine and human, one CSV row each (header first).

    Text cells pass through `safe_row`, as in every export: a title or a coder's
    name that a spreadsheet could run as a formula gets a leading apostrophe.
    """
    yield CSV_HEADER
    rows = (
        Coding.objects.filter(item__election=election)
        .select_related("item__outlet", "subject", "coder", "tone_model")
        .defer("tone_model__data")
        .order_by("item_id", "subject__key", "is_machine", "pk")
    )
    for coding in rows.iterator(chunk_size=2000):
        item = coding.item
        yield safe_row(
            [
                item.pk,
                item.outlet.name if item.outlet else "",
                item.published.isoformat() if item.published else "",
                item.title,
                item.genre,
                coding.subject.key,
                coding.subject.kind,
                coding.coder.username if coding.coder else "",
                int(coding.is_machine),
                int(coding.confirmed),
                coding.characters,
                coding.sentences,
                coding.direct_speech_characters,
                coding.tone,
                item.duplicate_of_id or "",
                coding.created.isoformat(),
                "" if coding.seconds is None else coding.seconds,
                int(coding.added),
                int(coding.removed),
                "" if coding.span_start is None else coding.span_start,
                "" if coding.span_end is None else coding.span_end,
                coding.tone_model.label if coding.tone_model else "",
                int(coding.tone_pending),
            ]
        )


def training_targets(election: Election) -> Iterator[dict[str, object]]:
    """Monitors' confirmed tones as tone-model targets (docs/media.md, NewsMTSC layout).

    A human code is for the subject in the whole item, a target is one
    sentence; so only subjects named in exactly one sentence of the item give
    a target (that sentence, the first mention's span within it, the
    monitor's tone). A mention whose span a monitor gave (a subject the
    machine missed, or a corrected span) is a target in any case: the
    sentence(s) holding that span, the span, the monitor's tone. Subjects a
    monitor removed give none. The first monitor's code counts, as in the report.
    """
    from pollwatch.mediatext.segment import sentences

    chosen: dict[tuple[int, int], Coding] = {}
    human = (
        Coding.objects.filter(item__election=election, is_machine=False, confirmed=True)
        .select_related("item", "subject")
        .order_by("created", "pk")
    )
    for coding in human:
        chosen.setdefault((coding.item_id, coding.subject_id), coding)
    for coding in chosen.values():
        item = coding.item
        if coding.removed:
            continue
        if coding.span_start is not None and coding.span_end is not None:
            target = _target_at(
                election.slug, coding, coding.span_start, coding.span_end, sentences(item.text)
            )
            if target is not None:
                yield target
            continue
        found = next(
            (
                s
                for s in (item.machine or {}).get("subjects", [])
                if s.get("subject_id") == coding.subject.key
            ),
            None,
        )
        if not found or not found.get("mention_spans"):
            continue
        spans = sorted(tuple(span) for span in found["mention_spans"])
        holding = {
            (sentence.start, sentence.end)
            for start, end in spans
            for sentence in sentences(item.text)
            if sentence.start <= start and end <= sentence.end
        }
        if len(holding) != 1:
            continue
        (sentence_start, sentence_end) = holding.pop()
        start, end = spans[0]
        yield {
            "sentence": item.text[sentence_start:sentence_end],
            "from": start - sentence_start,
            "to": end - sentence_start,
            "polarity": coding.tone,
            "id": f"{election.slug}-{item.pk}-{coding.subject.key}",
            "item": item.pk,
            # The grouping key of `pollwatch media evaluate --grouped`: a near-duplicate goes
            # with its original, so the two never fall on both sides of a split.
            "article": item.duplicate_of_id or item.pk,
            "mention": item.text[start:end],
            "language": item.language,
        }


def _target_at(
    slug: str, coding: Coding, start: int, end: int, spans: list
) -> dict[str, object] | None:
    """The target of a monitor's own span: the sentences holding it, the span within them."""
    item = coding.item
    if not 0 <= start < end <= len(item.text):
        return None
    holding = [s for s in spans if s.start < end and start < s.end]
    first = min([s.start for s in holding] + [start])
    last = max([s.end for s in holding] + [end])
    return {
        "sentence": item.text[first:last],
        "from": start - first,
        "to": end - first,
        "polarity": coding.tone,
        "id": f"{slug}-{item.pk}-{coding.subject.key}",
        "item": item.pk,
        "article": item.duplicate_of_id or item.pk,
        "mention": item.text[start:end],
        "language": item.language,
        "source": "added" if coding.added else "corrected",
    }
