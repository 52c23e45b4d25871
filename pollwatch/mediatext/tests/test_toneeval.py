"""Honest tone evaluation: cross-validation grouped by article (story), cluster bootstrap,
calibrated abstention; the held-out figure on NewsMTSC as measured."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from pollwatch.mediatext import toneeval
from pollwatch.mediatext.tone import (
    Target,
    default_tone_model,
    macro_f1,
    read_jsonl,
    train_tone_model,
)

needs_sklearn = pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None, reason="training needs scikit-learn"
)

# Measured with `pollwatch media evaluate train.jsonl dev.jsonl --grouped 5` (docs/media.md):
# 5 folds grouped by AllSides story / article, C = 0.1, GloVe vectors and the network
# (weight 0.3), all 9,082 targets held out once: 0.707 (0.697-0.717). Training is seeded;
# the network's float32 sums still vary with the BLAS thread count (0.707 both ways,
# folds within 0.004), hence the margin.
HELD_OUT_MACRO_F1 = 0.707
HELD_OUT_LOWER = 0.697
MARGIN = 0.005
GOAL = 0.70  # the goal on unseen articles


def test_article_key_follows_the_newsmtsc_id_layout():
    assert toneeval.article_key({"id": "allsides_1000_401_25_Reality Leigh Winner_0_6"}) == (
        "allsides:1000"
    )
    assert toneeval.story_key({"id": "allsides_1000_401_25_Reality Leigh Winner_0_6"}) == (
        "allsides-story:401"
    )
    polusa = {"id": "polusa_v1_59488606_-1_30_Dr. Sidney J. Blair_1_3"}
    assert toneeval.article_key(polusa) == toneeval.story_key(polusa) == "polusa:59488606"
    # A mission's confirmed codes name their item; a record with nothing is its own article.
    assert toneeval.article_key({"article": 17, "id": "allsides_1_2_3_x_0_1"}) == "article:17"
    assert toneeval.article_key({"sentence": "A b."}) == "sentence:A b."


def test_grouped_folds_keep_each_group_whole_and_are_balanced():
    groups = [f"g{i % 37}" for i in range(500)]
    folds = toneeval.grouped_folds(groups, 5)
    assert sorted(np.concatenate(folds).tolist()) == list(range(500))
    owners = [{groups[i] for i in fold} for fold in folds]
    for a in range(5):
        for b in range(a + 1, 5):
            assert not owners[a] & owners[b]
    assert max(map(len, folds)) - min(map(len, folds)) <= 14  # one group's size
    with pytest.raises(ValueError):
        toneeval.grouped_folds(["a", "a", "b"], 3)


def test_confusion_macro_f1_agrees_with_the_plain_computation():
    gold = [-1, -1, 0, 0, 1, 1, 1, 0]
    predicted = [-1, 0, 0, 1, 1, 1, -1, 0]
    matrix = toneeval.confusion(gold, predicted)
    assert float(toneeval.macro_f1_from_confusion(matrix)) == pytest.approx(
        macro_f1(gold, predicted)
    )


def test_cluster_bootstrap_is_wider_when_targets_of_an_article_move_together():
    rng = np.random.default_rng(1)
    gold = rng.choice([-1, 0, 1], size=600).tolist()
    # Each article is wholly right or wholly wrong: targets are not independent.
    right = rng.random(60) < 0.7
    groups = [f"a{i // 10}" for i in range(600)]
    predicted = [g if right[i // 10] else (g + 2) % 3 - 1 for i, g in enumerate(gold)]
    clustered = toneeval.cluster_bootstrap(gold, predicted, groups, replicates=500)
    naive = toneeval.cluster_bootstrap(gold, predicted, [str(i) for i in range(600)], 500)
    point = macro_f1(gold, predicted)
    assert clustered[0] < point < clustered[1]
    assert clustered[1] - clustered[0] > 2 * (naive[1] - naive[0])


def test_choose_threshold_is_the_lowest_reaching_the_precision():
    confidence = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    correct = np.array([True, True, False, True, False])
    assert toneeval.choose_threshold(confidence, correct, 0.75) == 0.6  # 3 of 4 right
    assert toneeval.choose_threshold(confidence, correct, 1.0) == 0.8
    assert toneeval.choose_threshold(confidence, np.zeros(5, dtype=bool), 0.5) == 1.0


def test_shipped_model_reports_calibrated_confidence_and_abstains_when_unsure():
    model = default_tone_model()
    assert model.temperature and model.abstain_below is not None
    targets = [
        Target("Critics said Smith is corrupt and failed voters.", 13, 18),
        Target("Smith arrived in Baku on Monday.", 0, 5),
    ]
    calls = model.assess(targets)
    assert [c.polarity for c in calls] == model.predict(targets)
    assert all(1 / 3 <= c.confidence <= 1 for c in calls)
    assert all(c.uncertain == (c.confidence < model.abstain_below) for c in calls)


@pytest.fixture(scope="module")
def held_out(shared_data):
    folder = shared_data / "newsmtsc-rw"
    records = read_jsonl(folder / "train.jsonl")[0] + read_jsonl(folder / "dev.jsonl")[0]
    evaluation = toneeval.grouped_cross_validation(
        records, lambda r: train_tone_model(r, regularisation=0.1), folds=5
    )
    return records, evaluation


@pytest.mark.slow
@needs_sklearn
def test_no_article_is_on_both_sides_of_any_split(held_out):
    records, evaluation = held_out
    assert sum(map(len, evaluation.folds)) == len(records) == 9082
    for fold in evaluation.folds:
        inside = set(fold.tolist())
        for key in (toneeval.article_key, toneeval.story_key):
            held = {key(records[i]) for i in inside}
            trained = {key(r) for i, r in enumerate(records) if i not in inside}
            assert held and trained and not held & trained


@pytest.mark.slow
@needs_sklearn
def test_held_out_macro_f1_over_all_targets_is_what_was_measured(held_out):
    _records, evaluation = held_out
    low, high = evaluation.interval
    # The goal is 0.70 on unseen articles: the linear model with GloVe vectors
    # reached 0.6997; with the convolutional network beside it 0.707, 0.705 with the
    # network's weight chosen nested (docs/media.md; 0.676 without vectors).
    assert evaluation.macro_f1 == pytest.approx(HELD_OUT_MACRO_F1, abs=MARGIN)
    assert evaluation.macro_f1 >= GOAL
    assert low >= HELD_OUT_LOWER - MARGIN
    assert low < evaluation.macro_f1 < high


@pytest.mark.slow
@needs_sklearn
def test_abstention_reaches_its_precision_on_held_out_articles(held_out):
    _records, evaluation = held_out
    abstention = toneeval.calibrate_abstention(evaluation, precision=0.8)
    # Cross-fitted: each fold judged with a threshold chosen on the other folds.
    assert abstention.precision >= 0.78
    assert 0.2 < abstention.abstention_rate < 0.6
