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

import numpy as np

from pollwatch.mediatext.tone import (
    LinearToneModel,
    macro_f1,
    record_polarity,
    record_target,
    train_tone_model,
)

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


def item_folds(groups: Sequence[str], folds: int, seed: int = 0) -> list[np.ndarray]:
    """Indices of each fold; every item's targets fall in one fold (items shuffled, then dealt)."""
    keys = sorted(set(groups))
    order = np.random.default_rng(seed).permutation(len(keys))
    fold_of = {keys[index]: rank % folds for rank, index in enumerate(order)}
    return [
        np.array([i for i, g in enumerate(groups) if fold_of[g] == fold], dtype=np.int64)
        for fold in range(folds)
    ]


def bootstrap_interval(
    gold: Sequence[int],
    predicted: Sequence[int],
    groups: Sequence[str],
    replicates: int = BOOTSTRAP_REPLICATES,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile interval of macro-F1 over resamples of whole items."""
    by_group: dict[str, list[int]] = {}
    for index, group in enumerate(groups):
        by_group.setdefault(group, []).append(index)
    members = list(by_group.values())
    rng = np.random.default_rng(seed)
    scores = []
    for _ in range(replicates):
        chosen = rng.integers(0, len(members), len(members))
        rows = [i for c in chosen for i in members[c]]
        scores.append(macro_f1([gold[i] for i in rows], [predicted[i] for i in rows]))
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(scores, [tail, 1.0 - tail])
    return float(low), float(high)


def evaluate(
    records: Sequence[dict[str, Any]],
    group: Callable[[dict[str, Any]], str],
    *,
    folds: int = FOLDS,
    seed: int = 0,
    replicates: int = BOOTSTRAP_REPLICATES,
    progress: Callable[[int], None] | None = None,
) -> Evaluation:
    """Grouped cross-validation of ``train_tone_model`` on ``records``."""
    groups = [group(r) for r in records]
    folds = max(2, min(folds, len(set(groups))))
    gold = [record_polarity(r, f"target {i + 1}") for i, r in enumerate(records)]
    predicted = [0] * len(records)
    fold_scores = []
    for number, held_out in enumerate(item_folds(groups, folds, seed), start=1):
        held = set(held_out.tolist())
        training = [r for i, r in enumerate(records) if i not in held]
        if {groups[i] for i in held} & {groups[i] for i in range(len(records)) if i not in held}:
            raise ValueError("an item is on both sides of a split")  # cannot happen: a guard
        model = train_tone_model(training)
        labels = model.predict(
            [record_target(records[i], f"target {i + 1}") for i in held_out.tolist()]
        )
        for i, label in zip(held_out.tolist(), labels, strict=True):
            predicted[i] = label
        fold_scores.append(macro_f1([gold[i] for i in held_out.tolist()], labels))
        if progress is not None:
            progress(number)
    low, high = bootstrap_interval(gold, predicted, groups, replicates, seed)
    return Evaluation(
        macro_f1=macro_f1(gold, predicted),
        low=low,
        high=high,
        targets=len(records),
        items=len(set(groups)),
        folds=folds,
        fold_macro_f1=fold_scores,
        per_class={str(p): gold.count(p) for p in (-1, 0, 1)},
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
