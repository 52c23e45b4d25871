"""Exact (normalised hash) and near (shingle Jaccard ≥ 0.8) duplicates."""

from __future__ import annotations

import random

from pollwatch.mediatext.dedupe import (
    content_hash,
    duplicate_groups,
    find_duplicates,
    jaccard,
    shingles,
)


def articles(count=30, words=300, seed=7):
    rng = random.Random(seed)
    vocabulary = [f"word{i}" for i in range(2000)]
    return [" ".join(rng.choice(vocabulary) for _ in range(words)) for _ in range(count)]


def test_exact_duplicates_ignore_case_punctuation_and_spacing():
    assert content_hash("Aliyev  won, “decisively”!") == content_hash("aliyev won decisively")
    pairs = find_duplicates(["Aliyev won, decisively!", "Other news", "ALIYEV WON   DECISIVELY"])
    assert [(p.first, p.second, p.kind) for p in pairs] == [(0, 2, "exact")]


def test_near_duplicates_above_the_threshold_are_found_with_their_exact_jaccard():
    texts = articles()
    words = texts[4].split()
    words[50], words[200] = "edited", "changed"
    texts.append(" ".join(words))
    pairs = find_duplicates(texts)
    assert [(p.first, p.second, p.kind) for p in pairs] == [(4, 30, "near")]
    assert pairs[0].similarity == round(jaccard(shingles(texts[4]), shingles(texts[30])), 4)
    assert pairs[0].similarity >= 0.8


def test_texts_below_the_threshold_are_not_duplicates():
    texts = articles()
    texts.append(" ".join(texts[3].split()[:200]))  # two thirds of an article: Jaccard ≈ 0.66
    assert find_duplicates(texts) == []
    assert find_duplicates(texts, threshold=0.6)[0].kind == "near"


def test_empty_texts_are_never_duplicates():
    assert find_duplicates(["", "  ", "!!"]) == []


def test_groups_join_exact_and_near_copies():
    texts = articles(10)
    near = texts[2].split()
    near[10] = "edited"
    texts += [texts[2].upper(), " ".join(near)]
    assert duplicate_groups(texts) == [[2, 10, 11]]
