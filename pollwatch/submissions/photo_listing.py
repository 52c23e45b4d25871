"""Which photos a gallery, the viewer and the ZIP export list, in one order.

A photo is one answer to a photo question (``"sha256:<hex>"``, see ``photos.py``). By default
only the answers as they stand now count (the submission's current revision); asked for
earlier revisions too, a photo that an observer's correction or a staff edit replaced is
listed after the current ones, marked with the revision that last held it, so that an analyst
can compare a replaced protocol with the new one.

Everything here narrows reports the caller already took from ``photo_submissions_for``: it
never widens a user's reach.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Election
from pollwatch.submissions.models import Revision, Submission
from pollwatch.submissions.photos import STORED_PHOTO

ORDER = ("-created", "-pk")


@dataclass(frozen=True)
class PhotoItem:
    """One photo of one submission; ``revision`` is None for the current answers."""

    submission: Submission
    code: str
    digest: str
    revision: int | None = None

    @property
    def query(self) -> str:
        """The query string that picks an earlier revision's photo in the photo URLs."""
        return f"r={self.revision}" if self.revision is not None else ""


def photo_codes(form: Form) -> list[str]:
    """The form's photo questions, in code order."""
    return sorted(q.code for q in getattr(form.spec, "questions", []) if q.kind == "photo")


def digests_in(form: Form, answers: object) -> dict[str, str]:
    """Question code -> sha256 hex of the kept photos in ``answers`` (photo questions only)."""
    if not isinstance(answers, dict):
        return {}
    digests = {}
    for code in photo_codes(form):
        value = answers.get(code)
        match = STORED_PHOTO.fullmatch(value) if isinstance(value, str) else None
        if match:
            digests[code] = match.group(1)
    return digests


def with_photos(
    reports: QuerySet[Submission], election: Election, *, earlier: bool = False
) -> QuerySet[Submission]:
    """``reports`` that hold at least one kept photo now (or, with ``earlier``, in any revision).

    Decided in the database (a JSON key per photo question), so a gallery pages over reports
    with photos without loading the others.
    """
    forms_by_code: dict[str, list[int]] = defaultdict(list)
    for form in Form.objects.filter(election=election):
        for code in photo_codes(form):
            forms_by_code[code].append(form.pk)
    if not forms_by_code:
        return reports.none()
    aliases = {
        f"photo_answer_{n}": KeyTextTransform(code, "answers")
        for n, code in enumerate(forms_by_code)
    }
    reports = reports.alias(**aliases)
    now = _any_photo(aliases, forms_by_code.values(), form="form_id")
    if not earlier:
        return reports.filter(now)
    revisions = (
        Revision.objects.filter(submission=OuterRef("pk"))
        .alias(**aliases)
        .filter(_any_photo(aliases, forms_by_code.values(), form="submission__form_id"))
    )
    return reports.filter(now | Q(Exists(revisions)))


def _any_photo(aliases: dict, form_ids: Iterable[list[int]], *, form: str) -> Q:
    """Some photo question of the row's form is answered with a stored photo."""
    query = Q()
    for alias, ids in zip(aliases, form_ids, strict=True):
        query |= Q(**{f"{form}__in": ids, f"{alias}__startswith": "sha256:"})
    return query


def photo_items(submission: Submission, *, earlier: bool = False) -> list[PhotoItem]:
    """The submission's photos: current ones by question code, then (with ``earlier``) each
    replaced photo once, with the latest revision that held it."""
    current = digests_in(submission.form, submission.answers)
    items = [PhotoItem(submission, code, digest) for code, digest in sorted(current.items())]
    if not earlier:
        return items
    seen = {(code, digest) for code, digest in current.items()}
    for number, answers in submission.revisions.order_by("-number").values_list(
        "number", "answers"
    ):
        for code, digest in sorted(digests_in(submission.form, answers).items()):
            if (code, digest) not in seen:
                seen.add((code, digest))
                items.append(PhotoItem(submission, code, digest, number))
    return items


def photo_item(submission: Submission, code: str, revision: str | None) -> PhotoItem | None:
    """The photo a URL names: the current answer to ``code`` or, with ``revision`` (the ``r``
    parameter), that revision's; None when there is no such kept photo."""
    if not revision:
        digest = digests_in(submission.form, submission.answers).get(code)
        return PhotoItem(submission, code, digest) if digest else None
    if not revision.isdigit():
        return None
    answers = (
        submission.revisions.filter(number=int(revision)).values_list("answers", flat=True).first()
    )
    digest = digests_in(submission.form, answers).get(code)
    return PhotoItem(submission, code, digest, int(revision)) if digest else None


def iter_items(reports: QuerySet[Submission], *, earlier: bool = False) -> Iterator[PhotoItem]:
    """Every photo of ``reports`` (already narrowed by ``with_photos``), newest report first,
    read in chunks so an export of thousands of reports does not hold them all."""
    rows = reports.select_related("form", "station", "observer__person").order_by(*ORDER)
    for submission in rows.iterator(chunk_size=500):
        yield from photo_items(submission, earlier=earlier)


# A report whose JSON says "sha256:" but holds no readable reference yields no photo: the
# neighbour search then looks a little further instead of stopping at it.
NEIGHBOUR_LOOKAHEAD = 20


def neighbours(
    reports: QuerySet[Submission], item: PhotoItem, *, earlier: bool = False
) -> tuple[PhotoItem | None, PhotoItem | None]:
    """(previous, next) photo around ``item`` in the gallery order of ``reports``."""
    submission = item.submission
    own = photo_items(submission, earlier=earlier)
    position = next(
        (
            i
            for i, other in enumerate(own)
            if (other.code, other.revision) == (item.code, item.revision)
        ),
        None,
    )
    if position is None or not reports.filter(pk=submission.pk).exists():
        return None, None
    newer = Q(created__gt=submission.created) | Q(created=submission.created, pk__gt=submission.pk)
    older = Q(created__lt=submission.created) | Q(created=submission.created, pk__lt=submission.pk)
    previous = own[position - 1] if position > 0 else None
    if previous is None:
        candidates = reports.filter(newer).order_by("created", "pk")
        previous = _first(candidates, earlier, last=True)
    following = own[position + 1] if position + 1 < len(own) else None
    if following is None:
        following = _first(reports.filter(older).order_by(*ORDER), earlier, last=False)
    return previous, following


def _first(candidates: QuerySet[Submission], earlier: bool, *, last: bool) -> PhotoItem | None:
    for submission in candidates.select_related("form")[:NEIGHBOUR_LOOKAHEAD]:
        items = photo_items(submission, earlier=earlier)
        if items:
            return items[-1] if last else items[0]
    return None


def region_code(area_path: str) -> str:
    """The first-level area of a station's ``area_path`` ("/R1/D1/" -> "R1")."""
    return next((part for part in area_path.split("/") if part), "")
