"""Tone models: the measured macro-F1 on NewsMTSC dev, training, saving, bad labelled input."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from pollwatch.mediatext.tone import (
    DEFAULT_MODEL_PATH,
    LEXICON_FEATURES,
    VECTOR_FEATURES,
    LexiconToneModel,
    LinearToneModel,
    Target,
    ToneInputError,
    _bucket,
    _word_vectors,
    default_tone_model,
    load_tone_model,
    macro_f1,
    read_jsonl,
    record_polarity,
    record_target,
    sparse_feature_blocks,
    split_target,
    train_tone_model,
    vector_features,
    vector_features_many,
)

needs_sklearn = pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None, reason="training needs scikit-learn"
)


def labelled(path):
    records, problems = read_jsonl(path)
    assert problems == []
    return records


def dev_macro_f1(model, records):
    targets = [record_target(r) for r in records]
    return macro_f1([record_polarity(r) for r in records], model.predict(targets))


@pytest.fixture(scope="module")
def newsmtsc(shared_data):
    folder = shared_data / "newsmtsc-rw"
    return labelled(folder / "train.jsonl"), labelled(folder / "dev.jsonl")


@pytest.mark.slow
def test_shipped_default_model_reaches_its_measured_dev_macro_f1(newsmtsc):
    _train, dev = newsmtsc
    # Measured 0.713 on the 343 dev targets (docs/media.md); dev shares most of its
    # articles with train, so this flatters: test_toneeval.py holds articles out.
    assert dev_macro_f1(default_tone_model(), dev) == pytest.approx(0.713, abs=0.005)


@pytest.mark.slow
@needs_sklearn
def test_model_trained_on_the_train_split_reaches_0_70_on_dev(newsmtsc):
    train, dev = newsmtsc
    model = train_tone_model(train)
    score = dev_macro_f1(model, dev)
    assert score >= 0.70, score  # measured 0.713


@pytest.mark.slow
def test_lexicon_model_dev_macro_f1_is_what_was_measured(newsmtsc):
    _train, dev = newsmtsc
    # The no-training fallback is far weaker: measured 0.522.
    assert dev_macro_f1(LexiconToneModel(), dev) == pytest.approx(0.522, abs=0.005)


def test_shipped_model_is_small_and_loads_without_training_packages():
    assert DEFAULT_MODEL_PATH.stat().st_size < 2_000_000
    model = default_tone_model()
    assert model.classes == [-1, 0, 1]
    assert model.predict([Target("Critics said Smith is corrupt and failed voters.", 13, 18)]) == [
        -1
    ]


def tiny_corpus():
    positive = ["praised {} for the excellent reform", "{} won a great victory", "voters love {}"]
    negative = ["{} was accused of fraud", "critics condemned {} as corrupt", "{} failed badly"]
    neutral = ["{} will travel to Baku on Monday", "{} met the delegation", "{} spoke at noon"]
    records = []
    for polarity, templates in ((1, positive), (-1, negative), (0, neutral)):
        for template in templates:
            for name in ("Aliyev", "Smith", "Ivanova", "Brown"):
                sentence = template.format(name)
                start = sentence.index(name)
                records.append(
                    {
                        "sentence": sentence,
                        "from": start,
                        "to": start + len(name),
                        "polarity": polarity,
                    }
                )
    return records


@needs_sklearn
def test_trained_model_survives_save_and_load_with_identical_predictions(tmp_path):
    model = train_tone_model(tiny_corpus(), min_count=1, buckets=1 << 16)
    path = tmp_path / "tone.npz"
    model.save(path)
    loaded = load_tone_model(path)
    targets = [record_target(r) for r in tiny_corpus()]
    assert loaded.predict(targets) == model.predict(targets)
    assert isinstance(loaded, LinearToneModel)


@needs_sklearn
def test_trained_model_learns_the_tiny_corpus():
    model = train_tone_model(tiny_corpus(), min_count=1, buckets=1 << 16, regularisation=1.0)
    records = tiny_corpus()
    assert dev_macro_f1(model, records) == 1.0


def test_lexicon_model_reads_tone_around_the_mention():
    model = LexiconToneModel()
    assert model.predict([Target("Voters praised Smith for an excellent debate.", 15, 20)]) == [1]
    assert model.predict([Target("Smith is a corrupt liar.", 0, 5)]) == [-1]
    assert model.predict([Target("Smith is not corrupt and not a liar.", 0, 5)]) != [-1]
    assert model.predict([Target("Smith will visit Baku on Monday.", 0, 5)]) == [0]


@pytest.mark.parametrize(
    "record, field",
    [
        ({"from": 0, "to": 3, "polarity": 1}, "'sentence'"),
        ({"sentence": "Bob won", "to": 3, "polarity": 1}, "'from'"),
        ({"sentence": "Bob won", "from": 5, "to": 30, "polarity": 1}, "'from'=5"),
        ({"sentence": "Bob won", "from": "a", "to": 3, "polarity": 1}, "integers"),
    ],
)
def test_bad_target_names_the_record_and_field(record, field):
    with pytest.raises(ToneInputError, match="line 7") as error:
        record_target(record, "line 7")
    assert field in str(error.value)


@pytest.mark.parametrize("value", [2, "positive", None, 0.5])
def test_bad_polarity_is_refused(value):
    with pytest.raises(ToneInputError, match="'polarity' must be -1, 0 or 1"):
        record_polarity({"polarity": value}, "line 3")


@needs_sklearn
def test_training_needs_two_polarities():
    records = [r for r in tiny_corpus() if r["polarity"] == 1]
    with pytest.raises(ToneInputError, match="at least two polarities"):
        train_tone_model(records)


@needs_sklearn
def test_training_names_the_bad_record():
    records = tiny_corpus()
    records[4] = {"sentence": "x", "from": 0, "to": 1, "polarity": 5, "_line": 42}
    with pytest.raises(ToneInputError, match="record 42"):
        train_tone_model(records)


def test_loading_a_file_that_is_not_a_model_says_so(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(b"not a model")
    with pytest.raises(ToneInputError, match="cannot read tone model"):
        load_tone_model(path)


def test_read_jsonl_keeps_good_lines_and_reports_bad_ones(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"sentence": "a"}\nnot json\n[1]\n\n{"sentence": "b"}\n', encoding="utf-8")
    records, problems = read_jsonl(path)
    assert [r["sentence"] for r in records] == ["a", "b"]
    assert [r["_line"] for r in records] == [1, 5]
    assert len(problems) == 2 and ":2: not JSON" in problems[0] and ":3:" in problems[1]


def test_macro_f1_matches_hand_computation():
    gold = [1, 1, 0, -1]
    predicted = [1, 0, 0, 1]
    # F1: positive 2*.5*.5/1=0.5, neutral 2*.5*1/1.5=0.667, negative 0
    assert macro_f1(gold, predicted) == pytest.approx((0.5 + 2 / 3 + 0) / 3)


def test_tone_records_round_trip_through_json(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in tiny_corpus()), encoding="utf-8")
    records, problems = read_jsonl(path)
    assert len(records) == len(tiny_corpus()) and problems == []


def test_word_vector_features_are_unit_averages_around_the_mention():
    left, right = ["critics", "said"], ["is", "corrupt", ",", "but", "popular"]
    features = vector_features(left, right).reshape(5, -1)
    assert features.size == VECTOR_FEATURES
    # clause, distance-weighted window, sentence, left, right: each L2-normalised.
    assert np.allclose(np.linalg.norm(features, axis=1), 1.0)
    # The clause stops at the comma: "popular" is in the sentence's average, not the clause's.
    assert not np.allclose(features[0], features[2])
    # Words GloVe does not know give zeros, not an error.
    assert not vector_features(["qqzxv"], ["zzqqx"]).any()
    # Written out for the clause ("critics said" | "is corrupt") and the weighted window.
    index, vectors, _content = _word_vectors()
    clause = sum(vectors[index[w]].astype(np.float64) for w in ("critics", "said", "corrupt"))
    assert np.allclose(features[0], clause / np.linalg.norm(clause))  # "is": a function word
    distance = {"critics": 1, "said": 0, "is": 0, "corrupt": 1, ",": 2, "but": 3, "popular": 4}
    window = sum(vectors[index[w]].astype(np.float64) / (1 + d / 2) for w, d in distance.items())
    assert np.allclose(features[1], window / np.linalg.norm(window))


def test_word_vector_features_of_many_mentions_are_each_ones_own():
    splits = [
        (["critics", "said"], ["is", "corrupt", ",", "but", "popular"]),
        (["qqzxv"], ["zzqqx"]),  # no known word: zeros, between others
        ([], []),
        (["voters", "love"], []),
    ]
    many = vector_features_many(splits)
    assert many.shape == (4, VECTOR_FEATURES)
    for row, (left, right) in zip(many, splits, strict=True):
        assert np.array_equal(row, vector_features(left, right))
    assert not many[1].any() and not many[2].any()
    assert vector_features_many([]).shape == (0, VECTOR_FEATURES)


@needs_sklearn
def test_model_without_word_vectors_still_trains_saves_and_predicts(tmp_path):
    model = train_tone_model(tiny_corpus(), min_count=1, buckets=1 << 16, vector_scale=None)
    with_vectors = train_tone_model(tiny_corpus(), min_count=1, buckets=1 << 16)
    assert model.vector_scale is None and with_vectors.vector_scale == 1.0
    dense = len(model.weights) - len(model.kept) * len(model.idf)
    assert dense == LEXICON_FEATURES
    assert len(with_vectors.weights) - len(with_vectors.kept) * len(with_vectors.idf) == (
        LEXICON_FEATURES + VECTOR_FEATURES
    )
    path = tmp_path / "plain.npz"
    model.save(path)
    loaded = load_tone_model(path)
    targets = [record_target(r) for r in tiny_corpus()]
    assert isinstance(loaded, LinearToneModel) and loaded.vector_scale is None
    assert loaded.predict(targets) == model.predict(targets)


def _scores_one_by_one(model, target):
    """The linear scores of one target written out plainly: each block's features hashed
    (character n-grams expanded here, not cached), sublinear TF-IDF, L2 norm, dot product."""
    blocks, dense = sparse_feature_blocks(target, vectors=model.vector_scale is not None)
    kept = len(model.kept)
    scores = model.intercepts.astype(np.float64).copy()
    for block, features in enumerate(blocks[: len(model.idf)]):
        counts = {}
        for feature in features:
            row = model._position.get(_bucket(feature, model.buckets))
            if row is not None:
                counts[row] = counts.get(row, 0) + 1
        if not counts:
            continue
        rows = np.array(list(counts))
        values = (1.0 + np.log(np.array(list(counts.values())))) * model.idf[block][rows]
        values /= np.sqrt(values @ values)
        scores += values @ model.weights[rows + block * kept]
    values = dense * model.dense_scale
    if model.vector_scale is not None:
        values[LEXICON_FEATURES:] *= model.vector_scale / model.dense_scale
    return scores + values @ model.weights[len(model.idf) * kept :]


def test_batched_linear_scores_equal_the_plain_formula_per_target():
    model = default_tone_model()
    sentences = [
        ("Critics said the CEC failed voters and the CEC lied.", "CEC"),
        ("The mayor praised Aliyev for a great reform.", "Aliyev"),
        ("Smith", "Smith"),  # nothing but the mention
        ("Ivanova, who met Smith, said nothing new to Smith.", "Smith"),
    ]
    targets = [Target(t, t.index(m), t.index(m) + len(m)) for t, m in sentences]
    batched = model._linear_decisions(targets, [split_target(t) for t in targets])
    for target, row in zip(targets, batched, strict=True):
        assert np.allclose(row, _scores_one_by_one(model, target), rtol=1e-9, atol=1e-9)
    assert model.decisions([]).shape == (0, 3)
    many = targets * 200  # more than one batch
    assert np.allclose(model.decisions(many), np.tile(model.decisions(targets), (200, 1)))
