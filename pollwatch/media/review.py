"""Human decisions on items: the coder's queue, confirming or correcting codes, reliability."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from pollwatch.audit.models import record
from pollwatch.elections.models import Election
from pollwatch.media.models import Coding, Item, Review, Subject
from pollwatch.mediatext.genre import GENRES
from pollwatch.mediatext.reliability import krippendorff_alpha
from pollwatch.mediatext.segment import sentences

TONE_NAMES = {-1: "negative", 0: "neutral", 1: "positive"}


class DecisionError(ValueError):
    """The decision cannot be stored; the message says why, for the form."""


def needs_tone() -> Exists:
    """Whether an item has machine codes whose tone waits for a coder (no model for its language)."""
    return Exists(Coding.objects.filter(item=OuterRef("pk"), tone_pending=True))


def queue_for(election: Election, user: Any = None) -> QuerySet[Item]:
    """Items still waiting for a human decision, oldest first.

    An item waits until it has as many reviews as it needs (two when double
    coded); a user never sees an item they have already reviewed.
    """
    items = (
        Item.objects.filter(election=election)
        .exclude(status=Item.Status.CONFIRMED)
        .annotate(needs_tone=needs_tone())
        .select_related("outlet", "duplicate_of")
        .order_by("created", "pk")
    )
    if user is not None and user.is_authenticated:
        items = items.exclude(reviews__coder=user)
    return items


def machine_codings(item: Item) -> list[Coding]:
    return list(
        item.codings.filter(is_machine=True)
        .select_related("subject")
        .order_by("-characters", "subject__name")
    )


def decide(
    item: Item,
    coder: Any,
    *,
    genre: str,
    tones: dict[int, int],
    seconds: dict[int, int | None] | None = None,
) -> Review:
    """Store one monitor's codes for the item: its genre and a tone per machine-coded subject.

    ``tones`` maps subject id to −1/0/1 and must cover every subject the
    machine found. Human rows copy the machine's space (the space is
    measured, the tone is judged); ``seconds`` (subject id to whole seconds)
    is the broadcast time as the monitor entered or corrected it, the
    machine's where not given. One audit event per subject and one for
    the genre, each saying whether the monitor corrected the machine. The
    item becomes confirmed once it has the reviews it needs.
    """
    seconds = seconds or {}
    if any(value is not None and value < 0 for value in seconds.values()):
        raise DecisionError("seconds must be 0 or more")
    if genre not in GENRES:
        raise DecisionError(f"genre must be one of {', '.join(GENRES)}")
    proposals = machine_codings(item)
    own = {c.subject_id: c for c in item.codings.filter(coder=coder)} if coder else {}
    removed = {subject_id for subject_id, c in own.items() if c.removed}
    proposals = [c for c in proposals if c.subject_id not in removed]
    missing = [c.subject.name for c in proposals if c.subject_id not in tones]
    if missing:
        raise DecisionError(f"give a tone for {', '.join(missing)}")
    if any(tone not in TONE_NAMES for tone in tones.values()):
        raise DecisionError("tone must be -1, 0 or 1")
    actor = getattr(coder, "username", "")
    try:
        with transaction.atomic():
            review = Review.objects.create(item=item, coder=coder, genre=genre)
            machine_genre = (item.machine or {}).get("genre") or item.genre
            record(
                "media.coded",
                actor=actor,
                election_id=item.election_id,
                obj=item,
                payload={
                    "field": "genre",
                    "machine": machine_genre,
                    "human": genre,
                    "corrected": genre != machine_genre,
                },
            )
            for proposal in proposals:
                tone = tones[proposal.subject_id]
                timed = seconds.get(proposal.subject_id, proposal.seconds)
                coding = own.get(proposal.subject_id) or Coding(
                    item=item,
                    subject=proposal.subject,
                    coder=coder,
                    characters=proposal.characters,
                    sentences=proposal.sentences,
                    direct_speech_characters=proposal.direct_speech_characters,
                )
                # A row the monitor made by correcting a span keeps its span.
                coding.seconds, coding.tone, coding.confirmed = timed, tone, True
                coding.save()
                record(
                    "media.coded",
                    actor=actor,
                    election_id=item.election_id,
                    obj=coding,
                    payload={
                        "item": item.pk,
                        "subject": proposal.subject.key,
                        "machine": proposal.tone,
                        "human": tone,
                        "corrected": tone != proposal.tone,
                        **(
                            {"machine_seconds": proposal.seconds, "human_seconds": timed}
                            if timed != proposal.seconds
                            else {}
                        ),
                    },
                )
            for subject_id, coding in own.items():
                # Subjects the monitor added: the confirm form may change their tone.
                if coding.added and not coding.removed and subject_id in tones:
                    coding.tone = tones[subject_id]
                    coding.seconds = seconds.get(subject_id, coding.seconds)
                    coding.save(update_fields=["tone", "seconds"])
            reviews = item.reviews.count()
            if reviews == 1:
                item.genre = genre
            if reviews >= item.coders_needed:
                item.status = Item.Status.CONFIRMED
            item.save(update_fields=["genre", "status"])
    except IntegrityError as error:
        raise DecisionError("you have already coded this item") from error
    return review


def find_span(item: Item, *, start: int | None, end: int | None, quote: str) -> tuple[int, int]:
    """The mention's (start, end) in ``item.text``: given as offsets, or as the quoted words.

    Offsets win when both are given; quoted words are looked up exactly, then
    ignoring case, and the first occurrence is taken. Raises DecisionError.
    """
    text = item.text
    if start is not None or end is not None:
        if start is None or end is None:
            raise DecisionError(gettext("give both the start and the end of the mention"))
        if not 0 <= start < end <= len(text):
            raise DecisionError(
                gettext("the mention must lie within the text: 0 ≤ start < end ≤ %(length)s")
                % {"length": len(text)}
            )
        if not text[start:end].strip():
            raise DecisionError(gettext("the mention is only spaces"))
        return start, end
    quote = " ".join(quote.split())
    if not quote:
        raise DecisionError(gettext("quote the words of the mention, or give its start and end"))
    at = text.find(quote)
    if at < 0:
        at = text.casefold().find(quote.casefold())
        # casefold can change lengths (ß → ss): only trust it when it does not.
        if at >= 0 and len(text.casefold()) != len(text):
            at = -1
    if at < 0:
        raise DecisionError(
            gettext("“%(quote)s” is not in the item's text") % {"quote": quote[:80]}
        )
    return at, at + len(quote)


def _space(item: Item, start: int, end: int) -> tuple[int, int]:
    """(characters, sentences) of the sentences holding ``text[start:end]``."""
    holding = [s for s in sentences(item.text) if s.start < end and start < s.end]
    if not holding:
        return end - start, 1
    return sum(s.end - s.start for s in holding), len(holding)


def _subject_of(item: Item, subject: Subject | int) -> Subject:
    subject_id = subject.pk if isinstance(subject, Subject) else subject
    found = Subject.objects.filter(election_id=item.election_id, pk=subject_id).first()
    if found is None:
        raise DecisionError(gettext("no such subject in this election"))
    return found


def _corrected(item: Item, coder: Any, coding: Coding, action: str, **payload: Any) -> None:
    record(
        "media.corrected",
        actor=getattr(coder, "username", ""),
        election_id=item.election_id,
        obj=coding,
        payload={"item": item.pk, "subject": coding.subject.key, "action": action, **payload},
    )


def add_subject(
    item: Item,
    coder: Any,
    subject: Subject | int,
    *,
    tone: int,
    start: int | None = None,
    end: int | None = None,
    quote: str = "",
    seconds: int | None = None,
) -> Coding:
    """A subject the machine did not find, as this monitor codes it: tone, the mention's span,
    the space of the sentences holding it (and seconds, for broadcast).

    Refused when the machine found the subject (correct its span or tone
    instead) unless this monitor removed it, or when the monitor added it already.
    """
    subject = _subject_of(item, subject)
    if tone not in TONE_NAMES:
        raise DecisionError(gettext("tone must be -1, 0 or 1"))
    if seconds is not None and seconds < 0:
        raise DecisionError(gettext("seconds must be 0 or more"))
    span = find_span(item, start=start, end=end, quote=quote)
    own = Coding.objects.filter(item=item, subject=subject, coder=coder).first()
    found = item.codings.filter(subject=subject, is_machine=True).exists()
    if own is not None and not own.removed:
        raise DecisionError(
            gettext("%(subject)s is coded already: correct its span instead")
            % {"subject": subject.name}
        )
    if found and own is None:
        raise DecisionError(
            gettext("the machine found %(subject)s: correct its span or tone instead")
            % {"subject": subject.name}
        )
    characters, count = _space(item, *span)
    coding = own or Coding(item=item, subject=subject, coder=coder)
    coding.added = not found
    coding.removed = False
    coding.tone, coding.confirmed, coding.seconds = tone, True, seconds
    coding.span_start, coding.span_end = span
    coding.characters, coding.sentences = characters, count
    coding.corrected = timezone.now()
    with transaction.atomic():
        coding.save()
        _corrected(
            item,
            coder,
            coding,
            "added",
            tone=tone,
            span=list(span),
            mention=item.text[span[0] : span[1]],
            seconds=seconds,
        )
    return coding


def remove_subject(item: Item, coder: Any, subject: Subject | int) -> Coding:
    """This monitor says the machine found ``subject`` wrongly: the item is not about it.

    Kept as the monitor's row with ``removed`` set (the machine's row stays);
    the report and the training file then leave the subject out of the item.
    """
    subject = _subject_of(item, subject)
    machine = item.codings.filter(subject=subject, is_machine=True).first()
    own = Coding.objects.filter(item=item, subject=subject, coder=coder).first()
    if own is not None and own.added:
        # Taking back one's own addition: nothing is left to say about the subject.
        with transaction.atomic():
            _corrected(item, coder, own, "withdrawn")
            own.delete()
        return own
    if machine is None:
        raise DecisionError(
            gettext("the machine did not find %(subject)s in this item") % {"subject": subject.name}
        )
    coding = own or _own_copy(item, subject, machine, coder)
    coding.removed, coding.confirmed, coding.corrected = True, True, timezone.now()
    with transaction.atomic():
        coding.save()
        _corrected(item, coder, coding, "removed", machine_tone=machine.tone)
    return coding


def _own_copy(item: Item, subject: Subject, machine: Coding, coder: Any) -> Coding:
    """A monitor's own code of what the machine found: its space, seconds and tone (unsaved)."""
    return Coding(
        item=item,
        subject=subject,
        coder=coder,
        characters=machine.characters,
        sentences=machine.sentences,
        direct_speech_characters=machine.direct_speech_characters,
        seconds=machine.seconds,
        tone=machine.tone,
    )


def correct_span(
    item: Item,
    coder: Any,
    subject: Subject | int,
    *,
    start: int | None = None,
    end: int | None = None,
    quote: str = "",
) -> Coding:
    """This monitor's span of the mention of ``subject`` (found by the machine or added)."""
    subject = _subject_of(item, subject)
    machine = item.codings.filter(subject=subject, is_machine=True).first()
    own = Coding.objects.filter(item=item, subject=subject, coder=coder).first()
    if own is not None and own.removed:
        raise DecisionError(
            gettext("you removed %(subject)s from this item: add it again instead")
            % {"subject": subject.name}
        )
    if machine is None and own is None:
        raise DecisionError(
            gettext("%(subject)s is not coded in this item: add it instead")
            % {"subject": subject.name}
        )
    span = find_span(item, start=start, end=end, quote=quote)
    if own is not None and own.span_start is not None and own.span_end is not None:
        before: tuple[int, int] | None = (own.span_start, own.span_end)
    else:
        before = _machine_span(item, subject)
    coding = own
    if coding is None:
        assert machine is not None
        coding = _own_copy(item, subject, machine, coder)
        coding.confirmed = True
    coding.span_start, coding.span_end = span
    coding.corrected = timezone.now()
    with transaction.atomic():
        coding.save()
        _corrected(
            item,
            coder,
            coding,
            "span",
            before=list(before) if before else None,
            span=list(span),
            mention=item.text[span[0] : span[1]],
        )
    return coding


def _machine_span(item: Item, subject: Subject) -> tuple[int, int] | None:
    """The first mention the machine found of ``subject``, if any."""
    for found in (item.machine or {}).get("subjects", []):
        if found.get("subject_id") == subject.key and found.get("mention_spans"):
            start, end = sorted(tuple(span) for span in found["mention_spans"])[0]
            return int(start), int(end)
    return None


def corrections(item: Item) -> QuerySet[Coding]:
    """Every monitor's corrections of the item (added, removed, span), newest first."""
    return (
        item.codings.filter(is_machine=False)
        .filter(Q(added=True) | Q(removed=True) | Q(span_start__isnull=False))
        .select_related("subject", "coder")
        .order_by("-corrected", "-pk")
    )


@dataclass
class Disagreement:
    item: Item
    subject: str
    codes: list[tuple[str, str]]


@dataclass
class Reliability:
    units: int = 0
    tone_alpha: float | None = None
    genre_alpha: float | None = None
    genre_units: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    note: str = ""


def _alpha(matrix: dict[Any, dict[Any, Any]], units: list[Any]) -> float | None:
    codes = [[row.get(unit) for unit in units] for row in matrix.values()]
    try:
        return krippendorff_alpha(codes, "nominal")
    except ValueError:
        return None


def reliability(election: Election) -> Reliability:
    """Krippendorff's alpha (nominal) of the double-coded items' tone per subject and genre.

    A unit is (item, subject) for tone and the item for genre; it counts when
    at least two monitors coded it. Every unit where their codes differ is a
    disagreement.
    """
    result = Reliability()
    double = (
        Item.objects.filter(election=election)
        .annotate(coders=Count("reviews", distinct=True))
        .filter(coders__gte=2)
    )
    human = (
        Coding.objects.filter(item__in=double, is_machine=False, removed=False)
        .select_related("item", "subject", "coder")
        .order_by("item_id", "subject__name", "coder__username")
    )
    tone_matrix: dict[int, dict[tuple[int, int], int]] = {}
    seen: dict[tuple[int, int], list[Coding]] = {}
    for coding in human:
        unit = (coding.item_id, coding.subject_id)
        tone_matrix.setdefault(coding.coder_id or 0, {})[unit] = coding.tone
        seen.setdefault(unit, []).append(coding)
    units = [unit for unit, codings in seen.items() if len(codings) >= 2]
    result.units = len(units)
    if units:
        result.tone_alpha = _alpha(tone_matrix, units)
    for unit in units:
        codings = seen[unit]
        if len({c.tone for c in codings}) > 1:
            result.disagreements.append(
                Disagreement(
                    codings[0].item,
                    codings[0].subject.name,
                    [
                        (c.coder.username if c.coder else "machine", TONE_NAMES[c.tone])
                        for c in codings
                    ],
                )
            )
    genre_matrix: dict[int, dict[int, str]] = {}
    genre_seen: dict[int, list[Review]] = {}
    for review in (
        Review.objects.filter(item__in=double)
        .select_related("item", "coder")
        .order_by("item_id", "coder__username")
    ):
        genre_matrix.setdefault(review.coder_id, {})[review.item_id] = review.genre
        genre_seen.setdefault(review.item_id, []).append(review)
    genre_units = list(genre_seen)
    result.genre_units = len(genre_units)
    if genre_units:
        result.genre_alpha = _alpha(genre_matrix, genre_units)
    for reviews in genre_seen.values():
        if len({r.genre for r in reviews}) > 1:
            result.disagreements.append(
                Disagreement(
                    reviews[0].item, "genre", [(r.coder.username, r.genre) for r in reviews]
                )
            )
    if not units and not genre_units:
        result.note = gettext("No item has been coded by two monitors yet.")
    return result


def pending_double_coding(election: Election) -> int:
    return (
        Item.objects.filter(election=election, double_code=True)
        .annotate(coders=Count("reviews", distinct=True))
        .filter(Q(coders__lt=2))
        .count()
    )
