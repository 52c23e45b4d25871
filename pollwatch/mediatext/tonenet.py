"""A small convolutional network over the words around a mention, in numpy only.

The linear tone model (``tone.LinearToneModel``) sees the words around a mention as
a bag: n-grams, windows, averages of word vectors. This network reads them in order:
the 15 words either side of the mention as GloVe vectors (the mention itself is a
learned vector), each with a learned embedding of its position relative to the
mention, through convolutions of width 3 and 5 (100 filters each), ReLU and the
maximum over positions, then a linear layer to the polarities (Kim 2014, "Convolutional
neural networks for sentence classification"; position embeddings as in Zeng et al.
2014). The tone model adds its log-probabilities, times a weight, to the linear
scores: alone it is weaker than the linear model (0.66 vs 0.70 macro-F1 on unseen
articles), but it errs elsewhere, and the sum is better than either (docs/media.md).

Training is plain minibatch backpropagation with Adam (Kingma & Ba 2015), written
here so that a tone model trains and predicts with numpy alone, as the linear one
does; ``tests/test_tonenet.py`` checks the gradients against finite differences.
Everything is seeded: the same records give the same network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

WINDOW = 15  # words either side of the mention
WIDTHS = (3, 5)  # convolution widths
FILTERS = 100  # per width
POSITION_DIMENSIONS = 10
EPOCHS = 6
BATCH = 64
LEARNING_RATE = 1e-3
DROPOUT = 0.5
POSITIONS = 2 * WINDOW + 1
# Words whose convolution terms are computed once per process (GloVe's most frequent;
# 8 offsets x 100 filters x 4 bytes = 3.2 kB each, 32 MB in all).
COMMON_WORDS = 10_000


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def window_rows(left: Sequence[str], right: Sequence[str], index: dict[str, int]) -> np.ndarray:
    """Row of each of the 2·WINDOW+1 positions in the word-vector table: -1 for no word
    (before the sentence's start, after its end, or a word with no vector); the mention's
    own position (WINDOW) is -1 too, it gets the learned mention vector."""
    rows = np.full(POSITIONS, -1, dtype=np.int64)
    for offset, word in enumerate(reversed(left[-WINDOW:]), start=1):
        rows[WINDOW - offset] = index.get(word, -1)
    for offset, word in enumerate(right[:WINDOW], start=1):
        rows[WINDOW + offset] = index.get(word, -1)
    return rows


def embed(rows: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """(n, POSITIONS, dims) word vectors of ``window_rows`` (zeros where a row is -1)."""
    known = rows >= 0
    out = np.zeros((*rows.shape, vectors.shape[1]), dtype=np.float32)
    out[known] = vectors[rows[known]]
    return out


def _unfold(inputs: np.ndarray, width: int) -> np.ndarray:
    """(n, T, width·channels): each position with its neighbours, zero-padded ('same')."""
    n, positions, channels = inputs.shape
    pad = width // 2
    padded = np.zeros((n, positions + 2 * pad, channels), dtype=inputs.dtype)
    padded[:, pad : pad + positions] = inputs
    return np.concatenate([padded[:, k : k + positions] for k in range(width)], axis=2)


def _fold(gradient: np.ndarray, width: int, channels: int) -> np.ndarray:
    """The adjoint of ``_unfold``: gradient (n, T, width·channels) → (n, T, channels)."""
    n, positions, _ = gradient.shape
    pad = width // 2
    padded = np.zeros((n, positions + 2 * pad, channels), dtype=gradient.dtype)
    for k in range(width):
        padded[:, k : k + positions] += gradient[:, :, k * channels : (k + 1) * channels]
    return padded[:, pad : pad + positions]


@dataclass
class _Pass:
    """What a forward pass keeps for the backward one."""

    logits: np.ndarray
    inputs: np.ndarray  # (n, T, dims + POSITION_DIMENSIONS)
    saved: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # per width: unfolded, hidden, argmax
    features: np.ndarray  # pooled (after dropout)


@dataclass
class ToneNetwork:
    """The network's parameters; ``log_proba`` is all prediction needs."""

    mention: np.ndarray  # (dims,) the vector put where the mention is
    positions: np.ndarray  # (POSITIONS, POSITION_DIMENSIONS)
    kernels: list[np.ndarray]  # per width: (width · (dims + POSITION_DIMENSIONS), FILTERS)
    biases: list[np.ndarray]  # per width: (FILTERS,)
    output: np.ndarray  # (len(WIDTHS) · FILTERS, classes)
    output_bias: np.ndarray  # (classes,)
    # ``log_proba_rows``' projections, for the vector table they were made from.
    _cache: tuple[np.ndarray, tuple[np.ndarray, list[np.ndarray], np.ndarray]] | None = field(
        default=None, repr=False, compare=False
    )

    def _inputs(self, words: np.ndarray) -> np.ndarray:
        inputs = np.concatenate(
            [words, np.broadcast_to(self.positions, (len(words), *self.positions.shape))],
            axis=2,
        )
        inputs[:, WINDOW, : words.shape[2]] += self.mention
        return inputs

    def _forward(self, words: np.ndarray, keep: np.ndarray | None = None) -> _Pass:
        inputs = self._inputs(words)
        pooled, saved = [], []
        for width, kernel, bias in zip(WIDTHS, self.kernels, self.biases, strict=True):
            unfolded = _unfold(inputs, width)
            hidden = np.maximum(unfolded @ kernel + bias, 0.0)  # (n, T, FILTERS)
            best = hidden.argmax(axis=1)  # (n, FILTERS)
            pooled.append(np.take_along_axis(hidden, best[:, None, :], axis=1)[:, 0])
            saved.append((unfolded, hidden, best))
        features = np.concatenate(pooled, axis=1)
        if keep is not None:
            features = features * keep
        return _Pass(features @ self.output + self.output_bias, inputs, saved, features)

    def log_proba(self, words: np.ndarray) -> np.ndarray:
        """(n, classes) log-probabilities for (n, POSITIONS, dims) word vectors (the
        training pass; ``log_proba_rows`` gives the same faster)."""
        return _log_softmax(self._forward(words.astype(np.float32, copy=False)).logits)

    def log_proba_rows(self, rows: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """(n, classes) log-probabilities for (n, POSITIONS) rows of ``window_rows`` in the
        word-vector table ``vectors``: equal to ``log_proba(embed(rows, vectors))``.

        A convolution is a sum over its offsets of (input at t + offset) @ (the kernel's
        slice for that offset). The slices are applied once per process to the vectors
        of the COMMON_WORDS most frequent words (GloVe's rows are in order of frequency),
        to the position embeddings and to the mention vector (always at WINDOW, so with
        the positions a constant per output position); a window then only gathers and
        adds rows, and rarer words are multiplied out per call: about 1.3 ms for an
        800-word item's 20 subject-sentences, window rows included (docs/media.md).
        """
        table, constants, kernels = self._projections(vectors)
        n = len(rows)
        padding = max(WIDTHS) // 2
        common = np.full((n, POSITIONS + 2 * padding), COMMON_WORDS, dtype=np.int64)
        common[:, padding : padding + POSITIONS] = np.where(
            (rows >= 0) & (rows < COMMON_WORDS), rows, COMMON_WORDS
        )
        rare_at = np.nonzero(rows >= COMMON_WORDS)
        rare_rows, rare_index = np.unique(rows[rare_at], return_inverse=True)
        rare = np.einsum("vd,bdf->bvf", vectors[rare_rows].astype(np.float32), kernels)
        pooled = []
        block = 0
        for width, constant in zip(WIDTHS, constants, strict=True):
            pad = width // 2
            hidden = np.broadcast_to(constant, (n, POSITIONS, FILTERS)).copy()
            for offset in range(width):
                # Output position t reads input t + offset - pad.
                start = padding + offset - pad
                hidden += table[block][common[:, start : start + POSITIONS]]
                if rare_rows.size:
                    target = rare_at[1] - offset + pad
                    inside = (target >= 0) & (target < POSITIONS)
                    np.add.at(
                        hidden,
                        (rare_at[0][inside], target[inside]),
                        rare[block][rare_index[inside]],
                    )
                block += 1
            pooled.append(np.maximum(hidden, 0.0).max(axis=1))
        return _log_softmax(np.concatenate(pooled, axis=1) @ self.output + self.output_bias)

    def _projections(self, vectors: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
        """(offset blocks, COMMON_WORDS + 1, FILTERS) projections of the common words (the
        last row zeros: no word), per width the (POSITIONS, FILTERS) constant (bias,
        positions, mention) and the (offset blocks, dims, FILTERS) word kernels; cached
        for the table they were made from (a trained network's parameters do not change)."""
        cached = self._cache
        if cached is not None and cached[0] is vectors:
            return cached[1]
        dims = self.mention.shape[0]
        word_kernels, constants = [], []
        for width, kernel, bias in zip(WIDTHS, self.kernels, self.biases, strict=True):
            pad = width // 2
            sliced = kernel.reshape(width, dims + POSITION_DIMENSIONS, FILTERS)
            constant = np.tile(bias, (POSITIONS, 1)).astype(np.float32)
            for offset in range(width):
                word_kernels.append(sliced[offset, :dims])
                source = self.positions @ sliced[offset, dims:]
                source[WINDOW] += self.mention @ sliced[offset, :dims]
                low, high = max(0, pad - offset), min(POSITIONS, POSITIONS + pad - offset)
                constant[low:high] += source[low + offset - pad : high + offset - pad]
            constants.append(constant)
        kernels = np.stack(word_kernels).astype(np.float32)
        common = vectors[:COMMON_WORDS].astype(np.float32)
        # The row after the common words stays zeros: "no word" (padding, unknown, rare).
        table = np.zeros((len(kernels), COMMON_WORDS + 1, FILTERS), dtype=np.float32)
        table[:, : len(common)] = np.einsum("vd,bdf->bvf", common, kernels)
        parts = (table, constants, kernels)
        self._cache = (vectors, parts)
        return parts

    def parameters(self) -> list[np.ndarray]:
        return [
            self.mention,
            self.positions,
            *self.kernels,
            *self.biases,
            self.output,
            self.output_bias,
        ]

    def gradients(
        self,
        words: np.ndarray,
        labels: np.ndarray,
        sample_weights: np.ndarray,
        keep: np.ndarray | None = None,
    ) -> tuple[float, list[np.ndarray]]:
        """Weighted cross-entropy (Σ wᵢ·lossᵢ / Σ wᵢ, as torch's weighted mean) and its
        gradient for each of ``parameters()``, in that order."""
        cache = self._forward(words, keep)
        shifted = cache.logits - cache.logits.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        total = sample_weights.sum()
        loss = float(-(sample_weights * log_p[np.arange(len(labels)), labels]).sum() / total)
        d_logits = np.exp(log_p)
        d_logits[np.arange(len(labels)), labels] -= 1.0
        d_logits *= (sample_weights / total)[:, None]
        d_output = cache.features.T @ d_logits
        d_output_bias = d_logits.sum(axis=0)
        d_features = d_logits @ self.output.T
        if keep is not None:
            d_features = d_features * keep
        d_inputs = np.zeros_like(cache.inputs)
        d_kernels, d_biases = [], []
        channels = cache.inputs.shape[2]
        for part, (width, kernel) in enumerate(zip(WIDTHS, self.kernels, strict=True)):
            unfolded, hidden, best = cache.saved[part]
            d_pooled = d_features[:, part * FILTERS : (part + 1) * FILTERS]
            d_hidden = np.zeros_like(hidden)
            np.put_along_axis(d_hidden, best[:, None, :], d_pooled[:, None, :], axis=1)
            d_hidden *= hidden > 0
            flat = d_hidden.reshape(-1, FILTERS)
            d_kernels.append(unfolded.reshape(-1, unfolded.shape[2]).T @ flat)
            d_biases.append(flat.sum(axis=0))
            d_inputs += _fold(d_hidden @ kernel.T, width, channels)
        dims = self.mention.shape[0]
        d_mention = d_inputs[:, WINDOW, :dims].sum(axis=0)
        d_positions = d_inputs[:, :, dims:].sum(axis=0)
        return loss, [
            d_mention,
            d_positions,
            *d_kernels,
            *d_biases,
            d_output,
            d_output_bias,
        ]


def initial_network(dims: int, classes: int, rng: np.random.Generator) -> ToneNetwork:
    """Parameters drawn as torch's defaults would (uniform ±1/√fan-in; positions N(0, 1))."""

    def uniform(fan_in: int, shape: tuple[int, ...]) -> np.ndarray:
        bound = 1.0 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(np.float32)

    channels = dims + POSITION_DIMENSIONS
    return ToneNetwork(
        mention=np.zeros(dims, dtype=np.float32),
        positions=rng.standard_normal((POSITIONS, POSITION_DIMENSIONS)).astype(np.float32),
        kernels=[uniform(w * channels, (w * channels, FILTERS)) for w in WIDTHS],
        biases=[uniform(w * channels, (FILTERS,)) for w in WIDTHS],
        output=uniform(len(WIDTHS) * FILTERS, (len(WIDTHS) * FILTERS, classes)),
        output_bias=uniform(len(WIDTHS) * FILTERS, (classes,)),
    )


def train_network(
    words: np.ndarray, labels: np.ndarray, classes: int, seed: int = 0
) -> ToneNetwork:
    """Fit a ToneNetwork on (n, POSITIONS, dims) word vectors and label indices 0..classes-1:
    EPOCHS passes in shuffled minibatches, Adam, dropout before the output layer, each
    class weighted by n / (classes · its count) ("balanced", as the linear model)."""
    rng = np.random.default_rng(seed)
    words = words.astype(np.float32, copy=False)
    network = initial_network(words.shape[2], classes, rng)
    counts = np.bincount(labels, minlength=classes).astype(np.float64)
    class_weight = len(labels) / (classes * np.maximum(counts, 1.0))
    parameters = network.parameters()
    first = [np.zeros_like(p) for p in parameters]
    second = [np.zeros_like(p) for p in parameters]
    beta1, beta2, epsilon = 0.9, 0.999, 1e-8
    step = 0
    width = len(WIDTHS) * FILTERS
    for _epoch in range(EPOCHS):
        order = rng.permutation(len(labels))
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            keep = (rng.random((len(batch), width)) >= DROPOUT) / (1.0 - DROPOUT)
            _loss, grads = network.gradients(
                words[batch], labels[batch], class_weight[labels[batch]], keep.astype(np.float32)
            )
            step += 1
            correction1 = 1.0 - beta1**step
            correction2 = 1.0 - beta2**step
            for parameter, grad, m, v in zip(parameters, grads, first, second, strict=True):
                m *= beta1
                m += (1.0 - beta1) * grad
                v *= beta2
                v += (1.0 - beta2) * grad * grad
                parameter -= (
                    LEARNING_RATE * (m / correction1) / (np.sqrt(v / correction2) + epsilon)
                ).astype(parameter.dtype)
    return network


def network_arrays(network: ToneNetwork) -> dict[str, np.ndarray]:
    """The network's parameters as named float32 arrays, for a model's ``.npz`` file."""
    arrays = {
        "net_mention": network.mention,
        "net_positions": network.positions,
        "net_output": network.output,
        "net_output_bias": network.output_bias,
    }
    for width, kernel, bias in zip(WIDTHS, network.kernels, network.biases, strict=True):
        arrays[f"net_kernel{width}"] = kernel
        arrays[f"net_bias{width}"] = bias
    return {name: value.astype(np.float32) for name, value in arrays.items()}


def network_from_arrays(data: Mapping[str, np.ndarray]) -> ToneNetwork:
    """The network ``network_arrays`` wrote (KeyError if a part is missing, ValueError if
    the parts do not fit together)."""
    network = ToneNetwork(
        mention=data["net_mention"].astype(np.float32),
        positions=data["net_positions"].astype(np.float32),
        kernels=[data[f"net_kernel{w}"].astype(np.float32) for w in WIDTHS],
        biases=[data[f"net_bias{w}"].astype(np.float32) for w in WIDTHS],
        output=data["net_output"].astype(np.float32),
        output_bias=data["net_output_bias"].astype(np.float32),
    )
    channels = network.mention.shape[0] + POSITION_DIMENSIONS
    expected = [
        (network.mention.ndim, 1),
        (network.positions.shape, (POSITIONS, POSITION_DIMENSIONS)),
        *((k.shape, (w * channels, FILTERS)) for w, k in zip(WIDTHS, network.kernels, strict=True)),
        *((b.shape, (FILTERS,)) for b in network.biases),
        (network.output.shape[0], len(WIDTHS) * FILTERS),
        (network.output_bias.shape, (network.output.shape[1],)),
    ]
    if any(found != wanted for found, wanted in expected):
        raise ValueError("the tone network's arrays do not fit together")
    return network


def network_settings() -> dict[str, object]:
    """The architecture and training settings, recorded in a model's metadata."""
    return {
        "window": WINDOW,
        "widths": list(WIDTHS),
        "filters": FILTERS,
        "position_dimensions": POSITION_DIMENSIONS,
        "epochs": EPOCHS,
        "batch": BATCH,
        "learning_rate": LEARNING_RATE,
        "dropout": DROPOUT,
    }
