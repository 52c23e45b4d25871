"""The tone network: its gradients against finite differences, training that learns and
is repeatable, the window it reads, and its place in a saved tone model."""

from __future__ import annotations

import numpy as np
import pytest

from pollwatch.mediatext import tonenet
from pollwatch.mediatext.tone import (
    LinearToneModel,
    Target,
    ToneInputError,
    split_target,
    train_tone_model,
)

from .test_tone import tiny_corpus


def _float64(network: tonenet.ToneNetwork) -> tonenet.ToneNetwork:
    return tonenet.ToneNetwork(
        mention=network.mention.astype(np.float64),
        positions=network.positions.astype(np.float64),
        kernels=[k.astype(np.float64) for k in network.kernels],
        biases=[b.astype(np.float64) for b in network.biases],
        output=network.output.astype(np.float64),
        output_bias=network.output_bias.astype(np.float64),
    )


@pytest.mark.parametrize("with_dropout", [False, True])
def test_gradients_match_finite_differences(with_dropout):
    rng = np.random.default_rng(3)
    network = _float64(tonenet.initial_network(6, 3, rng))
    network.mention += rng.standard_normal(6) * 0.3
    words = rng.standard_normal((4, tonenet.POSITIONS, 6))
    words[:, :3] = 0.0  # padding, as before a sentence's start
    labels = np.array([0, 2, 1, 2])
    weights = np.array([1.0, 2.0, 0.5, 1.0])
    width = len(tonenet.WIDTHS) * tonenet.FILTERS
    keep = (rng.random((4, width)) >= 0.5) * 2.0 if with_dropout else None
    _loss, gradients = network.gradients(words, labels, weights, keep)
    checked = 0
    for parameter, gradient in zip(network.parameters(), gradients, strict=True):
        flat, grad = parameter.reshape(-1), gradient.reshape(-1)
        for j in rng.choice(flat.size, size=min(6, flat.size), replace=False):
            saved = flat[j]
            flat[j] = saved + 1e-6
            up, _ = network.gradients(words, labels, weights, keep)
            flat[j] = saved - 1e-6
            down, _ = network.gradients(words, labels, weights, keep)
            flat[j] = saved
            assert (up - down) / 2e-6 == pytest.approx(grad[j], rel=1e-4, abs=1e-9)
            checked += 1
    assert checked == sum(min(6, g.size) for g in gradients)


def test_training_learns_a_separable_rule_and_is_repeatable():
    # Class 2 when a "good" vector stands right of the mention, 0 for "bad", 1 for neither.
    rng = np.random.default_rng(0)
    good, bad = rng.standard_normal(8), rng.standard_normal(8)
    words = rng.standard_normal((600, tonenet.POSITIONS, 8)) * 0.3
    labels = rng.integers(0, 3, 600)
    words[labels == 2, tonenet.WINDOW + 2] = good
    words[labels == 0, tonenet.WINDOW + 1] = bad
    network = tonenet.train_network(words[:500], labels[:500], 3)
    held_out = network.log_proba(words[500:]).argmax(axis=1)
    assert (held_out == labels[500:]).mean() > 0.9
    again = tonenet.train_network(words[:500], labels[:500], 3)
    assert np.array_equal(again.log_proba(words[500:]), network.log_proba(words[500:]))


def test_window_rows_put_words_at_their_distance_from_the_mention():
    index = {"said": 0, "the": 1, "failed": 2}
    rows = tonenet.window_rows(["the", "unknownword", "said"], ["failed"], index)
    assert rows[tonenet.WINDOW] == -1  # the mention: its learned vector
    assert rows[tonenet.WINDOW - 1] == 0  # "said", just left
    assert rows[tonenet.WINDOW - 2] == -1  # no vector
    assert rows[tonenet.WINDOW - 3] == 1
    assert rows[tonenet.WINDOW + 1] == 2
    assert (rows[: tonenet.WINDOW - 3] == -1).all() and (rows[tonenet.WINDOW + 2 :] == -1).all()
    long = tonenet.window_rows(["said"] * 40, [], index)
    assert (long[: tonenet.WINDOW] == 0).all()  # only the nearest 15 words


def test_tone_model_adds_the_network_and_saves_it(tmp_path):
    model = train_tone_model(tiny_corpus(), min_count=1, buckets=1 << 16)
    assert model.network is not None
    assert model.metadata["network"]["weight"] == pytest.approx(0.3)
    assert model.metadata["network"]["window"] == tonenet.WINDOW
    target = Target("Critics said the CEC failed voters badly.", 17, 20)
    linear = model._linear_decisions([target], [split_target(target)])[0]
    network_part = model.decision(target) - linear
    assert np.abs(network_part).max() > 0
    assert np.allclose(np.exp(network_part / 0.3).sum(), 1.0, atol=1e-5)  # log-probabilities
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = LinearToneModel.load(path)
    assert loaded.network is not None
    assert np.allclose(loaded.decision(target), model.decision(target), atol=1e-2)
    assert loaded.predict([target]) == model.predict([target])
    # batch and one by one agree
    targets = [target, Target("Voters praised the mayor.", 19, 24)]
    assert np.allclose(loaded.decisions(targets)[1], loaded.decision(targets[1]))


def test_a_model_without_vectors_has_no_network():
    model = train_tone_model(tiny_corpus(), min_count=1, buckets=1 << 16, vector_scale=None)
    assert model.network is None and "network" not in model.metadata
    linear_only = train_tone_model(tiny_corpus(), min_count=1, buckets=1 << 16, network_weight=None)
    assert linear_only.network is None


def test_a_model_file_with_a_broken_network_is_refused(tmp_path):
    model = train_tone_model(tiny_corpus(), min_count=1, buckets=1 << 16)
    path = tmp_path / "model.npz"
    model.save(path)
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["net_kernel3"] = arrays["net_kernel3"][:-1]
    broken = tmp_path / "broken.npz"
    np.savez(broken, **arrays)
    with pytest.raises(ToneInputError, match="broken.npz: cannot read tone model"):
        LinearToneModel.load(broken)


def test_the_fast_pass_over_rows_equals_the_training_pass():
    rng = np.random.default_rng(5)
    network = tonenet.initial_network(8, 3, rng)
    network.mention += rng.standard_normal(8).astype(np.float32)
    # A table with more rows than COMMON_WORDS, so that rare words take the other path.
    vectors = rng.standard_normal((tonenet.COMMON_WORDS + 50, 8)).astype(np.float32)
    rows = rng.integers(-1, len(vectors), (40, tonenet.POSITIONS))
    rows[rng.random(rows.shape) < 0.3] = -1  # no word
    rows[:5] = rng.integers(tonenet.COMMON_WORDS, len(vectors), (5, tonenet.POSITIONS))  # all rare
    rows[5, :] = -1  # nothing but the mention
    rows[:, tonenet.WINDOW] = -1  # the mention's own place, as window_rows gives
    slow = network.log_proba(tonenet.embed(rows, vectors))
    fast = network.log_proba_rows(rows, vectors)
    assert np.allclose(fast, slow, atol=1e-4)
    assert np.allclose(network.log_proba_rows(rows[7:9], vectors), slow[7:9], atol=1e-4)
    small = vectors[:100]  # fewer words than COMMON_WORDS
    few = np.where(rows < 100, rows, -1)
    assert np.allclose(
        network.log_proba_rows(few, small), network.log_proba(tonenet.embed(few, small)), atol=1e-4
    )
