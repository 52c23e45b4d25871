"""Coverage per outlet: share of subject space and tone breakdown."""

from __future__ import annotations

import pytest

from pollwatch.mediatext.coding import code_item
from pollwatch.mediatext.subjects import parse_subjects
from pollwatch.mediatext.summary import coverage_by_outlet

CATALOGUE = parse_subjects(
    [
        {"id": "aliyev", "kind": "candidate", "name": "Ilham Aliyev", "aliases": ["Aliyev"]},
        {"id": "musavat", "kind": "party", "name": "Musavat"},
    ]
)


class ByWord:
    name = "by-word"

    def predict(self, targets):
        return [1 if "good" in t.sentence else -1 if "bad" in t.sentence else 0 for t in targets]


def coded(text):
    return code_item(text, CATALOGUE, ByWord(), language="en")


def test_shares_and_tone_characters_add_up_per_outlet():
    good, plain, bad = "Aliyev did good work.", "Aliyev met voters today.", "Musavat did bad work."
    coverage = coverage_by_outlet(
        [
            ("APA", coded(f"{good} {plain}")),
            ("APA", coded(bad)),
            ("Turan", coded("Nothing about anyone.")),
            (None, coded(bad)),
        ]
    )
    assert [o.outlet for o in coverage] == ["APA", "Turan", "unknown"]
    apa = {s.subject_id: s for s in coverage[0].subjects}
    assert apa["aliyev"].characters == len(good) + len(plain)
    assert apa["aliyev"].tone_characters == {
        "positive": len(good),
        "neutral": len(plain),
        "negative": 0,
    }
    assert apa["aliyev"].tone_items == {"positive": 1, "neutral": 0, "negative": 0}
    assert apa["musavat"].tone_characters["negative"] == len(bad)
    total = len(good) + len(plain) + len(bad)
    assert apa["aliyev"].share_of_characters == pytest.approx(
        (len(good) + len(plain)) / total, abs=1e-4
    )
    assert coverage[1].items_without_subjects == 1 and coverage[1].subjects == []
