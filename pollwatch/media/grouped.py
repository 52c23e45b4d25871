"""Train a mission's tone model and measure it on items it never saw (no Django).

The mission's confirmed codes are tone targets (``report.training_targets``);
several targets come from one item, and targets of one item share its
wording, so an honest figure keeps every item whole on one side: grouped
k-fold cross-validation by item (no item in both the training and the
evaluation part of a fold), macro-F1 over all out-of-fold predictions, and a
bootstrap interval that resamples items, not targets. The model kept is then
trained on every target.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pollwatch.mediatext.tone import LinearToneModel, train_tone_model
from pollwatch.mediatext.toneeval import grouped_cross_validation

FOLDS = 5
BOOTSTRAP_REPLICATES = 1000
# Below these a mission's model is not worth training: too few codes to learn from
# and to measure with.
MIN_TARGETS = 200
MIN_CLASSES = 3


class NotEnoughCodes(ValueError):
    """Too few confirmed codes, or not all three tones among them."""


@dataclass
class Evaluation:
    macro_f1: float
    low: float
    high: float
    targets: int
    items: int
    folds: int
    fold_macro_f1: list[float] = field(default_factory=list)
    per_class: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": f"{self.folds}-fold cross-validation grouped by item",
            "macro_f1": self.macro_f1,
            "interval": [self.low, self.high],
            "interval_level": 0.95,
            "bootstrap": f"{BOOTSTRAP_REPLICATES} resamples of items",
            "targets": self.targets,
            "items": self.items,
            "fold_macro_f1": self.fold_macro_f1,
            "per_class": self.per_class,
        }


def check_enough(records: Sequence[dict[str, Any]], minimum: int | None = None) -> None:
    """Raise NotEnoughCodes unless ``records`` has ``minimum`` (MIN_TARGETS) targets with
    all three tones."""
    minimum = MIN_TARGETS if minimum is None else minimum
    tones = {record.get("polarity") for record in records}
    if len(records) < minimum or len(tones) < MIN_CLASSES:
        raise NotEnoughCodes(
            f"{len(records)} confirmed codes with {len(tones)} of the 3 tones; "
            f"training needs at least {minimum} with all three tones"
        )


def evaluate(
    records: Sequence[dict[str, Any]],
    group: Callable[[dict[str, Any]], str],
    *,
    folds: int = FOLDS,
    seed: int = 0,
    replicates: int = BOOTSTRAP_REPLICATES,
    progress: Callable[[int], None] | None = None,
) -> Evaluation:
    """Grouped cross-validation of ``train_tone_model`` on ``records``: the one grouped
    evaluation ``pollwatch media evaluate --grouped`` runs (``mediatext.toneeval``), by item."""
    folds = max(2, min(folds, len({group(r) for r in records})))
    result = grouped_cross_validation(
        records,
        lambda training: train_tone_model(training),
        folds=folds,
        seed=seed,
        group=group,
        replicates=replicates,
        progress=progress,
    )
    return Evaluation(
        macro_f1=result.macro_f1,
        low=result.interval[0],
        high=result.interval[1],
        targets=len(records),
        items=result.articles,
        folds=folds,
        fold_macro_f1=result.fold_macro_f1,
        per_class={str(p): result.gold.count(p) for p in (-1, 0, 1)},
    )


def train_and_evaluate(
    records: Sequence[dict[str, Any]],
    group: Callable[[dict[str, Any]], str],
    *,
    minimum: int | None = None,
    name: str = "mission",
    folds: int = FOLDS,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[LinearToneModel, Evaluation]:
    """The evaluation (``folds`` steps) then the model trained on all (one more step)."""
    check_enough(records, minimum)
    steps = max(2, min(folds, len({group(r) for r in records}))) + 1
    evaluation = evaluate(
        records,
        group,
        folds=folds,
        progress=None if progress is None else (lambda done: progress(done, steps)),
    )
    model = train_tone_model(records, name=name)
    if progress is not None:
        progress(steps, steps)
    return model, evaluation
