"""Krippendorff's alpha against the worked example in Krippendorff (2011)."""

from __future__ import annotations

import pytest

from pollwatch.mediatext.reliability import krippendorff_alpha

# Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), section C:
# four observers, twelve units, missing values; published alphas below.
_ = None
EXAMPLE = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]


@pytest.mark.parametrize(
    "level, published", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_alpha_reproduces_the_published_example(level, published):
    assert krippendorff_alpha(EXAMPLE, level) == pytest.approx(published, abs=0.0005)


def test_perfect_agreement_is_one_and_labels_may_be_text():
    codes = [["news", "opinion", "advert"], ["news", "opinion", "advert"]]
    assert krippendorff_alpha(codes) == 1.0


def test_systematic_disagreement_is_below_zero():
    assert krippendorff_alpha([[1, -1, 1, -1], [-1, 1, -1, 1]], "ordinal") < 0


def test_unpairable_or_malformed_data_is_refused():
    with pytest.raises(ValueError, match="pairable"):
        krippendorff_alpha([[1, None], [None, 2]])
    with pytest.raises(ValueError, match="one entry"):
        krippendorff_alpha([[1, 2], [1]])
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha([[1], [1]], "ratio-ish")
