"""Honest evaluation of a tone model: cross-validation grouped by article, and a
cluster bootstrap interval for macro-F1.

Targets from one article share its topic, its people and often near-identical
sentences, so a model evaluated on targets whose article it was trained on is
flattered (NewsMTSC dev shares most of its articles with train). Every split
here keeps each article wholly on one side.

**Article key** (``article_key``): a record's ``article`` field when it has one
(a mission's confirmed codes carry their item's id there); otherwise the
article parsed from a NewsMTSC id, whose layout is
``<source>_<article>_<story>_<sentence>_<target>_<from>_<to>`` for AllSides
(``allsides_1000_401_25_Reality Leigh Winner_0_6``: article 1000, story 401)
and ``polusa_v1_<article>_-1_<sentence>_<target>_<from>_<to>`` for POLUSA
(``polusa_v1_59488606_-1_30_...``: article 59488606); the key is
``allsides:1000`` / ``polusa:59488606``. A record with neither is its own
article (keyed by its sentence, so repeated sentences still stay together).

**Story key** (``story_key``): AllSides groups two or three outlets' articles
about the same event into one story (``401`` above); grouping by story is
stricter than by article (no event seen in training), and is what
``grouped_folds`` uses by default. Each story is a set of whole articles, so
no article is ever on both sides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pollwatch.mediatext.tone import (
    POLARITIES,
    LinearToneModel,
    Target,
    ToneModel,
    record_polarity,
    record_target,
    softmax,
    train_tone_model,
)

ALLSIDES_ID = re.compile(r"^allsides_(\d+)_(\d+)_")
POLUSA_ID = re.compile(r"^polusa_v\d+_(\d+)_")
BOOTSTRAP_REPLICATES = 2000


def article_key(record: dict[str, Any]) -> str:
    """The article a labelled target comes from (rule in the module docstring)."""
    article = record.get("article")
    if article not in (None, ""):
        return f"article:{article}"
    identifier = str(record.get("id") or "")
    match = ALLSIDES_ID.match(identifier)
    if match:
        return f"allsides:{match.group(1)}"
    match = POLUSA_ID.match(identifier)
    if match:
        return f"polusa:{match.group(1)}"
    return f"sentence:{record.get('sentence', '')}"


def story_key(record: dict[str, Any]) -> str:
    """The AllSides story (event covered by several outlets) of a target; otherwise its article."""
    if record.get("article") in (None, ""):
        match = ALLSIDES_ID.match(str(record.get("id") or ""))
        if match:
            return f"allsides-story:{match.group(2)}"
    return article_key(record)


def grouped_folds(groups: Sequence[str], folds: int, seed: int = 0) -> list[np.ndarray]:
    """Indices of each evaluation fold: groups shuffled (seeded) then dealt greedily to the
    fold with the fewest targets so far, so the folds are about equal in size."""
    if folds < 2:
        raise ValueError("grouped cross-validation needs at least 2 folds")
    members: dict[str, list[int]] = {}
    for index, group in enumerate(groups):
        members.setdefault(group, []).append(index)
    if len(members) < folds:
        raise ValueError(f"{len(members)} groups cannot fill {folds} folds")
    order = list(members)
    np.random.default_rng(seed).shuffle(order)
    order.sort(key=lambda g: -len(members[g]))  # stable: big groups first, ties shuffled
    sizes = [0] * folds
    chosen: list[list[int]] = [[] for _ in range(folds)]
    for group in order:
        fold = min(range(folds), key=lambda f: (sizes[f], f))
        chosen[fold] += members[group]
        sizes[fold] += len(members[group])
    return [np.array(sorted(c), dtype=np.int64) for c in chosen]


def confusion(gold: Sequence[int], predicted: Sequence[int]) -> np.ndarray:
    """3×3 counts, rows gold, columns predicted, in the order of POLARITIES."""
    index = {p: i for i, p in enumerate(POLARITIES)}
    matrix = np.zeros((3, 3), dtype=np.int64)
    for g, p in zip(gold, predicted, strict=True):
        matrix[index[g], index[p]] += 1
    return matrix


def f1_per_class(matrix: np.ndarray) -> np.ndarray:
    """F1 of each polarity from confusion matrices (works on a stack ``(..., 3, 3)``)."""
    true_positive = np.diagonal(matrix, axis1=-2, axis2=-1).astype(np.float64)
    predicted = matrix.sum(axis=-2)
    gold = matrix.sum(axis=-1)
    denominator = predicted + gold
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, 2 * true_positive / np.maximum(denominator, 1), 0.0)


def macro_f1_from_confusion(matrix: np.ndarray) -> np.ndarray | float:
    """Mean F1 over the polarities present in gold or predictions (as ``tone.macro_f1``)."""
    present = (matrix.sum(axis=-2) + matrix.sum(axis=-1)) > 0
    scores = f1_per_class(matrix)
    return (scores * present).sum(axis=-1) / np.maximum(present.sum(axis=-1), 1)


def cluster_bootstrap(
    gold: Sequence[int],
    predicted: Sequence[int],
    groups: Sequence[str],
    replicates: int = BOOTSTRAP_REPLICATES,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile interval of macro-F1, resampling whole groups (articles) with replacement:
    targets of one article are not independent, so resampling targets would be too narrow."""
    keys = sorted(set(groups))
    position = {k: i for i, k in enumerate(keys)}
    per_group = np.zeros((len(keys), 3, 3), dtype=np.int64)
    index = {p: i for i, p in enumerate(POLARITIES)}
    for g, p, group in zip(gold, predicted, groups, strict=True):
        per_group[position[group], index[g], index[p]] += 1
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(keys), np.full(len(keys), 1.0 / len(keys)), size=replicates)
    matrices = np.einsum("rg,gij->rij", draws, per_group)
    scores = np.asarray(macro_f1_from_confusion(matrices))
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(scores, [tail, 1.0 - tail])
    return float(low), float(high)


@dataclass
class GroupedEvaluation:
    """Out-of-fold predictions of a grouped cross-validation and their figures."""

    gold: list[int]
    predicted: list[int]
    groups: list[str]
    folds: list[np.ndarray]
    # Class scores (``LinearToneModel.decision``) per target, when the model gives them.
    scores: list[np.ndarray | None] = field(default_factory=list)
    macro_f1: float = 0.0
    interval: tuple[float, float] = (0.0, 0.0)
    per_class_f1: dict[int, float] = field(default_factory=dict)
    confusion: np.ndarray = field(default_factory=lambda: np.zeros((3, 3), dtype=np.int64))
    fold_macro_f1: list[float] = field(default_factory=list)

    @property
    def articles(self) -> int:
        return len(set(self.groups))


def grouped_cross_validation(
    records: Sequence[dict[str, Any]],
    train: Callable[[list[dict[str, Any]]], ToneModel],
    folds: int = 5,
    seed: int = 0,
    group: Callable[[dict[str, Any]], str] = story_key,
    replicates: int = BOOTSTRAP_REPLICATES,
    progress: Callable[[int], None] | None = None,
) -> GroupedEvaluation:
    """Train on all folds but one, predict the held-out one, for each fold; every record is
    predicted exactly once by a model that never saw its article (nor its story, by default).

    Raises ValueError if a group were on both sides of a split (a guard, it cannot happen).
    """
    groups = [group(r) for r in records]
    targets: list[Target] = [record_target(r, f"record {i + 1}") for i, r in enumerate(records)]
    gold = [record_polarity(r, f"record {i + 1}") for i, r in enumerate(records)]
    predicted = [0] * len(records)
    scores: list[np.ndarray | None] = [None] * len(records)
    chosen = grouped_folds(groups, folds, seed)
    fold_scores = []
    for held_out in chosen:
        held = set(held_out.tolist())
        training = [r for i, r in enumerate(records) if i not in held]
        seen = {a for i, a in enumerate(groups) if i not in held}
        articles_seen = {article_key(r) for r in training}
        if seen & {groups[i] for i in held} or articles_seen & {
            article_key(records[i]) for i in held
        }:
            raise ValueError("an article is on both sides of a split")
        model = train(training)
        held_targets = [targets[i] for i in held_out]
        decisions = getattr(model, "decisions", None)
        if decisions is not None:
            classes = model.classes  # type: ignore[attr-defined]
            raw = list(decisions(held_targets))
            labels = [classes[int(np.argmax(r))] for r in raw]
            for i, r in zip(held_out, raw, strict=True):
                scores[i] = r
        else:
            labels = model.predict(held_targets)
        for i, label in zip(held_out, labels, strict=True):
            predicted[i] = label
        fold_scores.append(
            float(macro_f1_from_confusion(confusion([gold[i] for i in held_out], labels)))
        )
        if progress is not None:
            progress(len(fold_scores))  # folds done
    matrix = confusion(gold, predicted)
    per_class = f1_per_class(matrix)
    return GroupedEvaluation(
        gold=gold,
        predicted=predicted,
        groups=groups,
        folds=chosen,
        scores=scores,
        macro_f1=float(macro_f1_from_confusion(matrix)),
        interval=cluster_bootstrap(gold, predicted, groups, replicates=replicates, seed=seed),
        per_class_f1={p: float(per_class[i]) for i, p in enumerate(POLARITIES)},
        confusion=matrix,
        fold_macro_f1=fold_scores,
    )


def fit_temperature(scores: np.ndarray, gold_index: np.ndarray) -> float:
    """Temperature T minimising the log-loss of softmax(scores / T) (grid, log-spaced)."""
    grid = np.exp(np.linspace(np.log(0.02), np.log(5.0), 161))
    rows = np.arange(len(gold_index))
    losses = [
        -np.log(np.maximum(softmax(scores / t)[rows, gold_index], 1e-12)).mean() for t in grid
    ]
    return float(grid[int(np.argmin(losses))])


def choose_threshold(confidence: np.ndarray, correct: np.ndarray, precision: float) -> float:
    """Lowest confidence threshold at which the targets at or above it are right at least
    ``precision`` of the time (the most auto-coding for that precision); 1.0 if none is."""
    order = np.argsort(-confidence, kind="stable")
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    good = np.flatnonzero(running >= precision)
    # Ties: a threshold admits every target with that confidence.
    for position in good[::-1]:
        if (
            position + 1 == len(order)
            or confidence[order[position + 1]] < confidence[order[position]]
        ):
            return float(confidence[order[position]])
    return 1.0


@dataclass
class Abstention:
    """Calibrated abstention measured on held-out articles.

    ``temperature`` and ``threshold`` are fitted on all out-of-fold scores (for the
    shipped model); ``precision`` and ``abstention_rate`` are cross-fitted: each
    fold's targets are judged with a temperature and threshold chosen on the
    other folds' out-of-fold scores only.
    """

    target_precision: float
    temperature: float
    threshold: float
    precision: float  # share right among the auto-coded (not abstained) targets
    abstention_rate: float  # share of targets left to a coder
    macro_f1_auto: float  # macro-F1 over the auto-coded targets only (for information)


def calibrate_abstention(evaluation: GroupedEvaluation, precision: float = 0.8) -> Abstention:
    """Temperature and confidence threshold for ``LinearToneModel.assess`` from a grouped
    cross-validation of a model with class scores."""
    if any(s is None for s in evaluation.scores):
        raise ValueError("abstention needs a model with class scores (LinearToneModel)")
    scores = np.array(evaluation.scores, dtype=np.float64)
    index = {p: i for i, p in enumerate(POLARITIES)}
    gold = np.array([index[g] for g in evaluation.gold])
    correct = np.array(evaluation.gold) == np.array(evaluation.predicted)
    auto = np.zeros(len(gold), dtype=bool)
    for held_out in evaluation.folds:
        others = np.setdiff1d(np.arange(len(gold)), held_out)
        temperature = fit_temperature(scores[others], gold[others])
        confidence = softmax(scores / temperature).max(axis=1)
        threshold = choose_threshold(confidence[others], correct[others], precision)
        auto[held_out] = confidence[held_out] >= threshold
    temperature = fit_temperature(scores, gold)
    confidence = softmax(scores / temperature).max(axis=1)
    threshold = choose_threshold(confidence, correct, precision)
    kept = np.flatnonzero(auto)
    return Abstention(
        target_precision=precision,
        temperature=temperature,
        threshold=threshold,
        precision=float(correct[auto].mean()) if auto.any() else 0.0,
        abstention_rate=float(1.0 - auto.mean()),
        macro_f1_auto=float(
            macro_f1_from_confusion(
                confusion(
                    [evaluation.gold[i] for i in kept], [evaluation.predicted[i] for i in kept]
                )
            )
        ),
    )


def tuned_trainer(
    grid: Sequence[float], folds: int = 3, group: Callable[[dict[str, Any]], str] = story_key
) -> Callable[[list[dict[str, Any]]], LinearToneModel]:
    """A ``train`` for ``grouped_cross_validation`` that picks the SVM's C from ``grid`` by an
    inner grouped cross-validation on its own training records only (nested: the held-out
    articles play no part in the choice), then trains on all of them with it."""

    def train(records: list[dict[str, Any]]) -> LinearToneModel:
        best = max(
            grid,
            key=lambda c: (
                grouped_cross_validation(
                    records,
                    lambda r: train_tone_model(r, regularisation=c),
                    folds=folds,
                    group=group,
                    replicates=1,
                ).macro_f1
            ),
        )
        model = train_tone_model(records, regularisation=best)
        model.metadata["chosen_by_inner_cv"] = {"grid": list(grid), "C": best}
        return model

    return train
