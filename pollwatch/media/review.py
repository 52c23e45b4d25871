"""Human decisions on items: the coder's queue, confirming or correcting codes, reliability."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from pollwatch.audit.models import record
from pollwatch.elections.models import Election
from pollwatch.media.models import Coding, Item, Review
from pollwatch.mediatext.genre import GENRES
from pollwatch.mediatext.reliability import krippendorff_alpha

TONE_NAMES = {-1: "negative", 0: "neutral", 1: "positive"}


class DecisionError(ValueError):
    """The decision cannot be stored; the message says why, for the form."""


def queue_for(election: Election, user: Any = None) -> QuerySet[Item]:
    """Items still waiting for a human decision, oldest first.

    An item waits until it has as many reviews as it needs (two when double
    coded); a user never sees an item they have already reviewed.
    """
    items = (
        Item.objects.filter(election=election)
        .exclude(status=Item.Status.CONFIRMED)
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
                coding = Coding.objects.create(
                    item=item,
                    subject=proposal.subject,
                    coder=coder,
                    characters=proposal.characters,
                    sentences=proposal.sentences,
                    direct_speech_characters=proposal.direct_speech_characters,
                    seconds=timed,
                    tone=tone,
                    confirmed=True,
                )
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
            reviews = item.reviews.count()
            if reviews == 1:
                item.genre = genre
            if reviews >= item.coders_needed:
                item.status = Item.Status.CONFIRMED
            item.save(update_fields=["genre", "status"])
    except IntegrityError as error:
        raise DecisionError("you have already coded this item") from error
    return review


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
        Coding.objects.filter(item__in=double, is_machine=False)
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
