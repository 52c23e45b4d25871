"""Per-outlet coverage of each subject: share of space and tone breakdown (DESIGN §4).

The monitoring report's two tables per outlet: how much of the space that
the outlet gave to all subjects went to each one, and how that space was
toned. Space is counted in characters of the sentences about the subject
(``SubjectCoding.characters``); tone is counted both in items (the
subject's tone in each item) and in characters of positive, neutral and
negative space, the measure ODIHR reports use most.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from pollwatch.mediatext.coding import ItemCoding


@dataclass
class SubjectCoverage:
    subject_id: str
    name: str
    items: int = 0
    sentences: int = 0
    characters: int = 0
    direct_speech_characters: int = 0
    share_of_characters: float = 0.0
    tone_items: dict[str, int] = field(
        default_factory=lambda: {"positive": 0, "neutral": 0, "negative": 0}
    )
    tone_characters: dict[str, int] = field(
        default_factory=lambda: {"positive": 0, "neutral": 0, "negative": 0}
    )


@dataclass
class OutletCoverage:
    outlet: str
    items: int = 0
    items_without_subjects: int = 0
    subjects: list[SubjectCoverage] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def coverage_by_outlet(codings: Iterable[tuple[str | None, ItemCoding]]) -> list[OutletCoverage]:
    """Coverage per outlet from ``(outlet, coding)`` pairs (outlet ``None`` → "unknown").

    Outlets are sorted by name, subjects within an outlet by space, largest
    first. ``share_of_characters`` is the subject's characters over the sum
    of all subjects' characters in that outlet (a sentence about two subjects
    counts for both, so shares are of subject space, not of the outlet's text).
    Tone characters split each of the subject's sentences by the tone the model
    gave that sentence; sentences without a tone call count as neutral.
    """
    outlets: dict[str, OutletCoverage] = {}
    per_subject: dict[str, dict[str, SubjectCoverage]] = {}
    for outlet_name, coding in codings:
        outlet = outlet_name or "unknown"
        summary = outlets.setdefault(outlet, OutletCoverage(outlet))
        by_id = per_subject.setdefault(outlet, {})
        summary.items += 1
        if not coding.subjects:
            summary.items_without_subjects += 1
        for subject in coding.subjects:
            coverage = by_id.setdefault(
                subject.subject_id, SubjectCoverage(subject.subject_id, subject.name)
            )
            coverage.items += 1
            coverage.sentences += subject.sentences
            coverage.characters += subject.characters
            coverage.direct_speech_characters += subject.direct_speech_characters
            coverage.tone_items[subject.tone] += 1
            toned = 0
            for evidence in subject.evidence:
                coverage.tone_characters[evidence.tone] += evidence.end - evidence.start
                toned += evidence.end - evidence.start
            coverage.tone_characters["neutral"] += max(subject.characters - toned, 0)
    result = []
    for outlet in sorted(outlets):
        summary = outlets[outlet]
        ranked = sorted(per_subject[outlet].values(), key=lambda s: (-s.characters, s.subject_id))
        total = sum(s.characters for s in ranked)
        for ranked_coverage in ranked:
            ranked_coverage.share_of_characters = (
                round(ranked_coverage.characters / total, 4) if total else 0.0
            )
        summary.subjects = ranked
        result.append(summary)
    return result
