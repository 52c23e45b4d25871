"""Election forensics on official polling-station results.

Pure functions on plain arrays (no Django). ``run_forensics`` runs every test
on the whole election and, with ``by``, on each group; each test is also a
function of its own. Every test returns a dict with

* ``statistic`` — the test's value (None when there are too few stations),
* ``expected`` — its value under no manipulation,
* ``se`` or ``null_sd`` (uncertainty of the statistic under no manipulation)
  and/or ``p_value``,
* ``reading`` — one plain-language line (a ``pollwatch.stats.words.Sentence``),
  and ``reading_words`` — the same line's key and parameters as stored JSON
  (``Sentence.as_dict()``), which the web pages render in the reader's language,
* ``n`` or ``stations`` — how many stations or counts the test used,
* ``source`` — the published method.

Conventions: turnout = ballots / registered; the leader's share is of the
ballots received = valid + invalid (valid alone when invalid is not given).
Stations with registered = 0 (or received = 0) have no turnout (no share)
and are left out of the tests that need it. The functions of single tests
return textbook p-values; ``run_forensics`` (what the CLI and the web show)
replaces them for the tests that flag clean but heterogeneous elections:
calibrated to the regions (``forensics_regional``) or descriptive, without
a p-value (``calibration`` says which). Methods and sources are in
docs/forensics.md; the integer-percentage test is in ``forensics_integer``
and the fingerprint in ``forensics_fingerprint``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import diptest
import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as scipy_stats

from pollwatch.stats.forensics_fingerprint import fingerprint
from pollwatch.stats.forensics_integer import integer_percentages
from pollwatch.stats.forensics_regional import (
    DESCRIPTIVE,
    REGION_CALIBRATED,
    STATISTICS,
    calibrated,
    regional_null,
)
from pollwatch.stats.words import Sentence, reading, register, written

__all__ = [
    "BENFORD_SECOND_DIGIT",
    "dip_test",
    "fingerprint",
    "impossible_values",
    "integer_percentages",
    "kurtosis",
    "last_digit",
    "run_forensics",
    "second_digit",
    "skewness",
    "sobyanin_sukhovolsky",
    "summary",
    "turnout_share_correlation",
    "zero_five_counts",
    "zero_five_percentages",
]

TESTS = (
    "integer_percentages",
    "second_digit",
    "last_digit",
    "zero_five_counts",
    "zero_five_percentages",
    "skewness",
    "kurtosis",
    "dip_test",
    "sobyanin_sukhovolsky",
    "turnout_share_correlation",
    "fingerprint",
    "impossible_values",
)

BENFORD_SECOND_DIGIT = np.array(
    [sum(np.log10(1 + 1 / (10 * first + digit)) for first in range(1, 10)) for digit in range(10)]
)
BENFORD_SECOND_DIGIT_MEAN = float(np.dot(np.arange(10), BENFORD_SECOND_DIGIT))  # 4.187
BENFORD_SECOND_DIGIT_SD = float(
    np.sqrt(np.dot((np.arange(10) - BENFORD_SECOND_DIGIT_MEAN) ** 2, BENFORD_SECOND_DIGIT))
)
MIN_STATIONS = 8
MAX_LISTED_STATIONS = 1000
DIP_NULL_REPLICATES = 20
DIP_NULL_MAX_SIZE = 20_000

register(
    {
        "forensics.too-few": "too few stations (%(n)s) for this test",
        "forensics.second-digit.differs": (
            "mean second digit %(mean)s vs 4.187 expected (%(z)s SE); digit frequencies "
            "differ from Benford's (a weak signal alone: 2BL also flags clean counts)"
        ),
        "forensics.second-digit.compatible": (
            "mean second digit %(mean)s vs 4.187 expected (%(z)s SE); digit frequencies "
            "are compatible with Benford's (a weak signal alone: 2BL also flags clean counts)"
        ),
        "forensics.last-digit.not-uniform": (
            "last digits are not uniform: some digits are favoured, as when numbers are made up"
        ),
        "forensics.last-digit.uniform": "last digits look uniform, as in counted numbers",
        "forensics.zero-five.counts.over": (
            "%(share)s of counts end in 0 or 5 (20 %% expected): round numbers are over-represented"
        ),
        "forensics.zero-five.counts.avoided": (
            "%(share)s of counts end in 0 or 5 (20 %% expected): round numbers are avoided"
        ),
        "forensics.zero-five.counts.chance": (
            "%(share)s of counts end in 0 or 5, as expected by chance (20 %%)"
        ),
        "forensics.zero-five.percentages.over": (
            "%(share)s of turnout percentages end in 0 or 5 (20 %% expected): "
            "round numbers are over-represented"
        ),
        "forensics.zero-five.percentages.avoided": (
            "%(share)s of turnout percentages end in 0 or 5 (20 %% expected): "
            "round numbers are avoided"
        ),
        "forensics.zero-five.percentages.chance": (
            "%(share)s of turnout percentages end in 0 or 5, as expected by chance (20 %%)"
        ),
        "forensics.skewness.high-tail": "turnout has a long tail of high-turnout stations",
        "forensics.skewness.low-tail": "turnout has a long tail of low-turnout stations",
        "forensics.skewness.symmetric": "turnout is about symmetric",
        "forensics.kurtosis.peaked": (
            "turnout is more peaked or heavier-tailed than normal (outlying stations)"
        ),
        "forensics.kurtosis.flat": (
            "turnout is flatter than normal (possibly several groups of stations)"
        ),
        "forensics.kurtosis.normal": "turnout tails are as heavy as a normal distribution's",
        "forensics.dip.several-peaks": (
            "turnout has more than one peak: stations fall into distinct groups "
            "(e.g. a second, rigged mode)"
        ),
        "forensics.dip.one-peak": "turnout has a single peak",
        "forensics.slope.no-variation": "turnout does not vary across stations",
        "forensics.slope.above-one": (
            "slope %(slope)s > 1: each extra ballot adds more than one vote to the leader — "
            "votes move to the leader as turnout rises"
        ),
        "forensics.slope.above-share": (
            "slope %(slope)s above the leader's share %(share)s: extra turnout goes "
            "disproportionately to the leader (ballot stuffing, or regional differences)"
        ),
        "forensics.slope.in-line": "slope %(slope)s in line with the leader's share %(share)s",
        "forensics.correlation.strong": (
            "strong positive correlation (%(r)s): the leader does better where turnout is higher"
        ),
        "forensics.correlation.weak": "correlation %(r)s: statistically clear but not strong",
        "forensics.correlation.none": "no correlation between turnout and the leader's share",
        "forensics.impossible.some": (
            "%(count)s station(s) report arithmetically impossible or inconsistent figures"
        ),
        "forensics.impossible.none": "no station reports impossible figures",
        "forensics.rule.negative": "negative %(name)s",
        "forensics.rule.over-registered": "turnout above 100 %% (ballots > registered)",
        "forensics.rule.over-issued": "ballots in box above ballots issued",
        "forensics.rule.leader-over-valid": "leader above valid",
        "forensics.rule.valid-over-ballots": "valid above ballots",
        "forensics.rule.candidates-not-valid": (
            "candidates' votes do not sum to valid (suspicious)"
        ),
        "forensics.calibrated.second-digit.beyond": (
            "mean second digit %(statistic)s against %(mean)s ± %(sd)s in elections redrawn "
            "from each region's turnout: more than the regions' differences explain"
        ),
        "forensics.calibrated.second-digit.within": (
            "mean second digit %(statistic)s against %(mean)s ± %(sd)s in elections redrawn "
            "from each region's turnout: within what the regions' differences give"
        ),
        "forensics.calibrated.kurtosis.beyond": (
            "kurtosis of turnout %(statistic)s against %(mean)s ± %(sd)s in elections redrawn "
            "from each region's turnout: more than the regions' differences explain"
        ),
        "forensics.calibrated.kurtosis.within": (
            "kurtosis of turnout %(statistic)s against %(mean)s ± %(sd)s in elections redrawn "
            "from each region's turnout: within what the regions' differences give"
        ),
    }
)


def _too_few(name: str, n: int, source: str, expected: float | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "statistic": None,
        "expected": expected,
        "se": None,
        "p_value": None,
        "n": int(n),
        **reading("forensics.too-few", n=str(n)),
        "source": source,
    }


def _integer_counts(counts: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(counts, dtype=np.float64)).astype(np.int64)


def second_digit(counts: np.ndarray) -> dict[str, Any]:
    """Mebane's second-digit Benford test (2BL) on counts with at least two digits.

    Deckert, Myagkov & Ordeshook (Political Analysis 2011) show that 2BL also
    departs from 4.187 in clean counts, so the reading calls it a weak signal.

    ``statistic`` is the mean second digit (expected 4.187 under Benford's law
    for second digits) with its standard error; ``chi2``/``p_value`` test the
    digit frequencies against the Benford second-digit distribution (9 df).
    """
    source = "Mebane, 'Election forensics: the second-digit Benford's law test' (2006, 2008)"
    values = _integer_counts(counts)
    values = values[values >= 10]
    n = int(values.size)
    if n < MIN_STATIONS:
        return _too_few("second-digit Benford (2BL)", n, source, BENFORD_SECOND_DIGIT_MEAN)
    magnitude = np.floor(np.log10(values)).astype(np.int64)
    digits = (values // 10 ** (magnitude - 1)) % 10
    frequencies = np.bincount(digits, minlength=10)
    mean = float(digits.mean())
    se = BENFORD_SECOND_DIGIT_SD / np.sqrt(n)
    chi2, p_value = scipy_stats.chisquare(frequencies, BENFORD_SECOND_DIGIT * n)
    z = (mean - BENFORD_SECOND_DIGIT_MEAN) / se
    said = reading(
        "forensics.second-digit." + ("differs" if p_value < 0.01 else "compatible"),
        mean=f"{mean:.3f}",
        z=f"{z:+.1f}",
    )
    return {
        "name": "second-digit Benford (2BL)",
        "statistic": mean,
        "expected": BENFORD_SECOND_DIGIT_MEAN,
        "se": float(se),
        "z": float(z),
        "chi2": float(chi2),
        "df": 9,
        "p_value": float(p_value),
        "digit_counts": frequencies.tolist(),
        "n": n,
        **said,
        "source": source,
    }


def last_digit(counts: np.ndarray, *, min_count: int = 10) -> dict[str, Any]:
    """χ² test that last digits of counts ≥ ``min_count`` are uniform (Beber & Scacco 2012).

    ``statistic`` is the χ² statistic (expected 9, its degrees of freedom, under
    uniform last digits), with its p-value. Counts below 10 are left out
    because their single digit is their whole size, not a free last digit.
    """
    source = "Beber & Scacco, Political Analysis 20(2), 2012"
    values = _integer_counts(counts)
    values = values[values >= min_count]
    n = int(values.size)
    if n < MIN_STATIONS:
        return _too_few("last digit uniformity", n, source, 9.0)
    frequencies = np.bincount(values % 10, minlength=10)
    chi2, p_value = scipy_stats.chisquare(frequencies)
    said = reading("forensics.last-digit." + ("not-uniform" if p_value < 0.01 else "uniform"))
    return {
        "name": "last digit uniformity",
        "statistic": float(chi2),
        "expected": 9.0,
        "null_sd": float(np.sqrt(18.0)),
        "df": 9,
        "p_value": float(p_value),
        "digit_counts": frequencies.tolist(),
        "n": n,
        **said,
        "source": source,
    }


def _zero_five(last_digits: np.ndarray, name: str, what: str) -> dict[str, Any]:
    """``what`` is "counts" or "percentages" (the key of the reading)."""
    source = "Beber & Scacco, Political Analysis 20(2), 2012 (C05s/P05s as in EFToolkit)"
    n = int(last_digits.size)
    if n < MIN_STATIONS:
        return _too_few(name, n, source, 0.2)
    hits = int(np.count_nonzero(last_digits % 5 == 0))
    share = hits / n
    se = float(np.sqrt(0.2 * 0.8 / n))
    p_value = float(scipy_stats.binomtest(hits, n, 0.2).pvalue)
    if p_value < 0.01:
        outcome = "over" if share > 0.2 else "avoided"
    else:
        outcome = "chance"
    said = reading(f"forensics.zero-five.{what}.{outcome}", share=f"{share:.1%}")
    return {
        "name": name,
        "statistic": float(share),
        "expected": 0.2,
        "se": se,
        "p_value": p_value,
        "hits": hits,
        "n": n,
        **said,
        "source": source,
    }


def zero_five_counts(counts: np.ndarray) -> dict[str, Any]:
    """C05s: share of counts whose last digit is 0 or 5 (expected 0.2, binomial SE and exact p-value)."""
    return _zero_five(_integer_counts(counts), "0/5 last digit of counts (C05s)", "counts")


def zero_five_percentages(ballots: np.ndarray, registered: np.ndarray) -> dict[str, Any]:
    """P05s: share of rounded turnout percentages (turnout capped at 100 %) ending in 0 or 5.

    Stations with no registered voters are left out. Rounding is half to even,
    as in R, which the published EFToolkit figures use.
    """
    ballots = np.asarray(ballots, dtype=np.float64)
    registered = np.asarray(registered, dtype=np.float64)
    defined = registered > 0
    turnout = np.minimum(ballots[defined] / registered[defined], 1.0)
    percentages = np.round(turnout * 100).astype(np.int64)
    return _zero_five(percentages, "0/5 last digit of turnout percentages (P05s)", "percentages")


def skewness(turnout: np.ndarray) -> dict[str, Any]:
    """Sample skewness of turnout (biased moment estimator m3 / m2^1.5; expected 0 for a symmetric turnout).

    ``se`` is the standard error under normality; ``p_value`` is
    D'Agostino's test. Ballot stuffing adds a right tail (positive skew), but
    genuine turnout is rarely exactly normal: read it next to the other tests.
    """
    source = "EFToolkit (Hicken & Mebane); D'Agostino (1970) for the test"
    values = np.asarray(turnout, dtype=np.float64)
    n = int(values.size)
    if n < MIN_STATIONS:
        return _too_few("skewness of turnout", n, source, 0.0)
    statistic = float(scipy_stats.skew(values))
    se = float(np.sqrt(6.0 * n * (n - 1) / ((n - 2) * (n + 1) * (n + 3))))
    p_value = float(scipy_stats.skewtest(values).pvalue)
    if p_value < 0.01 and statistic > 0:
        said = reading("forensics.skewness.high-tail")
    elif p_value < 0.01:
        said = reading("forensics.skewness.low-tail")
    else:
        said = reading("forensics.skewness.symmetric")
    return {
        "name": "skewness of turnout",
        "statistic": statistic,
        "expected": 0.0,
        "se": se,
        "p_value": p_value,
        "n": n,
        **said,
        "source": source,
    }


def kurtosis(turnout: np.ndarray) -> dict[str, Any]:
    """Pearson (non-excess) kurtosis of turnout, biased moment estimator m4 / m2²; expected 3 (normal).

    ``se`` is the standard error under normality; ``p_value`` is Anscombe &
    Glynn's test.
    """
    source = "EFToolkit (Hicken & Mebane); Anscombe & Glynn (1983) for the test"
    values = np.asarray(turnout, dtype=np.float64)
    n = int(values.size)
    if n < 20:
        return _too_few("kurtosis of turnout", n, source, 3.0)
    statistic = float(scipy_stats.kurtosis(values, fisher=False))
    se = float(np.sqrt(24.0 * n * (n - 1) ** 2 / ((n - 3) * (n - 2) * (n + 3) * (n + 5))))
    p_value = float(scipy_stats.kurtosistest(values).pvalue)
    if p_value < 0.01 and statistic > 3:
        said = reading("forensics.kurtosis.peaked")
    elif p_value < 0.01:
        said = reading("forensics.kurtosis.flat")
    else:
        said = reading("forensics.kurtosis.normal")
    return {
        "name": "kurtosis of turnout",
        "statistic": statistic,
        "expected": 3.0,
        "se": se,
        "p_value": p_value,
        "n": n,
        **said,
        "source": source,
    }


def _dip_p_value(dip: float, n: int) -> float:
    """p-value by the package's table; beyond its largest n, by √n-scaling to that n.

    √n·dip has a limiting null distribution, so a sample larger than the
    table is read at the table's largest size with the dip scaled by √(n/n_max).
    """
    from diptest.consts import Consts  # the package's table of critical values

    largest = int(Consts._SAMPLE_SIZE[-1])
    if n > largest:
        return float(Consts.compute_pval_interpolation(largest, dip * np.sqrt(n / largest)))
    return float(Consts.compute_pval_interpolation(n, dip))


def dip_test(turnout: np.ndarray, *, seed: int = 0) -> dict[str, Any]:
    """Hartigan & Hartigan's dip test of unimodality of turnout (``diptest`` package).

    ``statistic`` is the dip; ``p_value`` is against the uniform distribution
    (the least favourable unimodal null, the package's table, √n-scaled
    beyond 72,000 stations); ``expected`` and
    ``null_sd`` are the mean and spread of the dip of uniform samples of the
    same size (simulated, seeded; above 20,000 stations scaled by √n).
    """
    source = "Hartigan & Hartigan, Ann. Statist. 13(1), 1985; diptest package"
    values = np.asarray(turnout, dtype=np.float64)
    n = int(values.size)
    if n < 10:
        return _too_few("dip test of turnout", n, source)
    dip = float(diptest.dipstat(values))
    p_value = _dip_p_value(dip, n)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1985]))
    null_size = min(n, DIP_NULL_MAX_SIZE)
    null = np.array([diptest.dipstat(rng.random(null_size)) for _ in range(DIP_NULL_REPLICATES)])
    null *= np.sqrt(null_size / n)
    said = reading("forensics.dip." + ("several-peaks" if p_value < 0.01 else "one-peak"))
    return {
        "name": "dip test of turnout",
        "statistic": float(dip),
        "expected": float(null.mean()),
        "null_sd": float(null.std(ddof=1)),
        "p_value": float(p_value),
        "n": n,
        **said,
        "source": source,
    }


def sobyanin_sukhovolsky(
    registered: np.ndarray, ballots: np.ndarray, leader: np.ndarray, received: np.ndarray
) -> dict[str, Any]:
    """Slope of leader votes / registered on turnout across stations (Sobyanin & Sukhovolsky 1993).

    If extra turnout came from voters like the others, each extra ballot would
    give the leader his average share, so ``expected`` is the leader's overall
    share of received ballots; a slope above it means high-turnout stations
    add disproportionately to the leader, and a slope above 1 means the
    leader gains more votes than there are extra ballots (votes taken from
    others). ``se`` and ``p_value`` (slope = expected) are from OLS; with
    genuine regional differences the null is only approximate.
    """
    source = "Sobyanin & Sukhovolsky (1993); Myagkov, Ordeshook & Shakin, The Forensics of Election Fraud (2009)"
    registered = np.asarray(registered, dtype=np.float64)
    defined = registered > 0
    n = int(defined.sum())
    expected = float(np.sum(leader) / np.sum(received)) if np.sum(received) > 0 else None
    if n < MIN_STATIONS or expected is None:
        return _too_few("Sobyanin–Sukhovolsky slope", n, source, expected)
    turnout = np.asarray(ballots, dtype=np.float64)[defined] / registered[defined]
    leader_of_registered = np.asarray(leader, dtype=np.float64)[defined] / registered[defined]
    if np.ptp(turnout) == 0:
        return _too_few("Sobyanin–Sukhovolsky slope", n, source, expected) | reading(
            "forensics.slope.no-variation"
        )
    fit = scipy_stats.linregress(turnout, leader_of_registered)
    slope, se = float(fit.slope), float(fit.stderr)
    t_value = (slope - expected) / se if se > 0 else 0.0
    p_value = float(2 * scipy_stats.t.sf(abs(t_value), n - 2))
    if slope > 1:
        said = reading("forensics.slope.above-one", slope=f"{slope:.2f}")
    elif slope > expected + 3 * se:
        said = reading("forensics.slope.above-share", slope=f"{slope:.2f}", share=f"{expected:.2f}")
    else:
        said = reading("forensics.slope.in-line", slope=f"{slope:.2f}", share=f"{expected:.2f}")
    return {
        "name": "Sobyanin–Sukhovolsky slope",
        "statistic": slope,
        "expected": expected,
        "se": se,
        "p_value": p_value,
        "intercept": float(fit.intercept),
        "n": n,
        **said,
        "source": source,
    }


def turnout_share_correlation(turnout: np.ndarray, share: np.ndarray) -> dict[str, Any]:
    """Pearson correlation of turnout and the leader's share across stations (expected 0).

    Ballot stuffing for the leader raises both together, so a strong positive
    correlation is a warning sign; genuine regional patterns can also cause it.
    """
    source = "Myagkov, Ordeshook & Shakin (2009); Klimek et al., PNAS 2012"
    turnout = np.asarray(turnout, dtype=np.float64)
    share = np.asarray(share, dtype=np.float64)
    n = int(turnout.size)
    if n < MIN_STATIONS or np.ptp(turnout) == 0 or np.ptp(share) == 0:
        return _too_few("turnout–leader-share correlation", n, source, 0.0)
    fit = scipy_stats.pearsonr(turnout, share)
    r = float(fit.statistic)
    se = float(np.sqrt(max(1 - r * r, 0.0) / (n - 2)))
    if fit.pvalue < 0.01 and r > 0.3:
        said = reading("forensics.correlation.strong", r=f"{r:.2f}")
    elif fit.pvalue < 0.01:
        said = reading("forensics.correlation.weak", r=f"{r:.2f}")
    else:
        said = reading("forensics.correlation.none")
    return {
        "name": "turnout–leader-share correlation",
        "statistic": r,
        "expected": 0.0,
        "se": se,
        "p_value": float(fit.pvalue),
        "n": n,
        **said,
        "source": source,
    }


def impossible_values(
    station: ArrayLike,
    registered: np.ndarray,
    ballots: np.ndarray,
    valid: np.ndarray,
    leader: np.ndarray,
    *,
    invalid: np.ndarray | None = None,
    ballots_issued: np.ndarray | None = None,
    candidates: Sequence[np.ndarray] | None = None,
    rows: ArrayLike | None = None,
) -> dict[str, Any]:
    """Stations whose protocol breaks arithmetic, each with its code and the rule broken.

    Rules: negative count; turnout above 100 % (ballots > registered); ballots
    in the box (valid + invalid, or ``ballots`` when invalid is not given)
    above ballots issued (``ballots_issued``, or ``ballots`` when invalid is
    given); leader above valid; valid above ballots; and (suspicious rather
    than impossible) candidates' votes not summing to valid. ``statistic`` is
    the number of stations breaking at least one rule (expected 0). ``rows``
    (e.g. file row numbers) are reported beside the station codes; the list
    stops at 1,000 stations, ``count_by_rule`` counts them all.
    """
    station_codes = np.asarray(station, dtype=object)
    row_numbers = None if rows is None else np.asarray(rows)
    registered = np.asarray(registered, dtype=np.float64)
    ballots = np.asarray(ballots, dtype=np.float64)
    valid = np.asarray(valid, dtype=np.float64)
    leader = np.asarray(leader, dtype=np.float64)
    rules: list[tuple[Sentence, np.ndarray, list[tuple[str, np.ndarray]]]] = []
    named = {"registered": registered, "ballots": ballots, "valid": valid, "leader": leader}
    if invalid is not None:
        named["invalid"] = np.asarray(invalid, dtype=np.float64)
    if ballots_issued is not None:
        named["ballots_issued"] = np.asarray(ballots_issued, dtype=np.float64)
    for name, values in named.items():
        rules.append((written("forensics.rule.negative", name=name), values < 0, [(name, values)]))
    rules.append(
        (
            written("forensics.rule.over-registered"),
            ballots > registered,
            [("ballots", ballots), ("registered", registered)],
        )
    )
    if invalid is not None or ballots_issued is not None:
        in_box = valid + named["invalid"] if invalid is not None else ballots
        issued = named["ballots_issued"] if ballots_issued is not None else ballots
        rules.append(
            (
                written("forensics.rule.over-issued"),
                in_box > issued,
                [("ballots_in_box", in_box), ("ballots_issued", issued)],
            )
        )
    rules.append(
        (
            written("forensics.rule.leader-over-valid"),
            leader > valid,
            [("leader", leader), ("valid", valid)],
        )
    )
    rules.append(
        (
            written("forensics.rule.valid-over-ballots"),
            valid > ballots,
            [("valid", valid), ("ballots", ballots)],
        )
    )
    if candidates:
        candidate_total = np.sum([np.asarray(c, dtype=np.float64) for c in candidates], axis=0)
        rules.append(
            (
                written("forensics.rule.candidates-not-valid"),
                candidate_total != valid,
                [("candidates_total", candidate_total), ("valid", valid)],
            )
        )
    flagged: dict[int, dict[str, Any]] = {}
    count_by_rule: dict[str, int] = {}
    rule_words: dict[str, dict[str, Any]] = {}
    for rule, broken, shown in rules:
        indices = np.flatnonzero(broken)
        if indices.size == 0:
            continue
        count_by_rule[rule] = int(indices.size)
        rule_words[rule] = rule.as_dict()
        for index in indices:
            entry = flagged.setdefault(
                int(index),
                {
                    "station": str(station_codes[index]),
                    "row": int(row_numbers[index]) if row_numbers is not None else int(index),
                    "rules": [],
                },
            )
            entry["rules"].append(rule)
            for label, values in shown:
                entry[label] = float(values[index])
    stations = [flagged[i] for i in sorted(flagged)]
    count = len(stations)
    return {
        "name": "impossible and suspicious values",
        "statistic": count,
        "expected": 0,
        "p_value": None,
        "se": None,
        "count_by_rule": count_by_rule,
        # Each rule's sentence (as in ``rules`` and ``count_by_rule``) with its key, for the pages.
        "rule_words": rule_words,
        "stations": stations[:MAX_LISTED_STATIONS],
        "listed": min(count, MAX_LISTED_STATIONS),
        **(
            reading("forensics.impossible.some", count=str(count))
            if count
            else reading("forensics.impossible.none")
        ),
        "source": "arithmetic of the results protocol",
    }


def summary(
    registered: np.ndarray, ballots: np.ndarray, received: np.ndarray, leader: np.ndarray
) -> dict[str, Any]:
    """Stations, turnout (Σ ballots / Σ registered) and leader share (Σ leader / Σ received)."""
    total_registered = float(np.sum(registered))
    total_ballots = float(np.sum(ballots))
    total_received = float(np.sum(received))
    total_leader = float(np.sum(leader))
    return {
        "stations": int(np.size(registered)),
        "registered": total_registered,
        "ballots": total_ballots,
        "received": total_received,
        "leader_votes": total_leader,
        "turnout": total_ballots / total_registered if total_registered > 0 else None,
        "leader_share": total_leader / total_received if total_received > 0 else None,
    }


def _forensics_of(
    station: np.ndarray,
    registered: np.ndarray,
    ballots: np.ndarray,
    valid: np.ndarray,
    leader: np.ndarray,
    received: np.ndarray,
    candidates: list[np.ndarray] | None,
    invalid: np.ndarray | None,
    ballots_issued: np.ndarray | None,
    rows: np.ndarray | None,
    replicates: int,
    seed: int,
    method: str,
    progress: Callable[[int], object] | None,
) -> dict[str, Any]:
    result: dict[str, Any] = {"summary": summary(registered, ballots, received, leader)}
    arithmetic_ok = (registered >= 0) & (ballots >= 0) & (received >= 0) & (leader >= 0)
    has_turnout = arithmetic_ok & (registered > 0)
    turnout = ballots[has_turnout] / registered[has_turnout]
    has_both = has_turnout & (received > 0)
    both_turnout = ballots[has_both] / registered[has_both]
    both_share = leader[has_both] / received[has_both]
    result["summary"]["stations_with_turnout"] = int(has_turnout.sum())
    result["summary"]["stations_with_turnout_and_share"] = int(has_both.sum())
    result["integer_percentages"] = integer_percentages(
        registered[arithmetic_ok],
        ballots[arithmetic_ok],
        received[arithmetic_ok],
        leader[arithmetic_ok],
        replicates=replicates,
        seed=seed,
        method=method,
        progress=progress,
    )
    result["second_digit"] = second_digit(ballots[arithmetic_ok])
    result["last_digit"] = last_digit(ballots[arithmetic_ok])
    result["zero_five_counts"] = zero_five_counts(ballots[arithmetic_ok])
    result["zero_five_percentages"] = zero_five_percentages(
        ballots[arithmetic_ok], registered[arithmetic_ok]
    )
    result["skewness"] = skewness(turnout)
    result["kurtosis"] = kurtosis(turnout)
    result["dip_test"] = dip_test(turnout, seed=seed)
    result["sobyanin_sukhovolsky"] = sobyanin_sukhovolsky(
        registered[arithmetic_ok],
        ballots[arithmetic_ok],
        leader[arithmetic_ok],
        received[arithmetic_ok],
    )
    result["turnout_share_correlation"] = turnout_share_correlation(both_turnout, both_share)
    result["fingerprint"] = fingerprint(registered[has_both], both_turnout, both_share, seed=seed)
    result["impossible_values"] = impossible_values(
        station,
        registered,
        ballots,
        valid,
        leader,
        invalid=invalid,
        ballots_issued=ballots_issued,
        candidates=candidates,
        rows=rows,
    )
    if candidates:
        result["second_digit"]["by_candidate"] = [second_digit(c)["statistic"] for c in candidates]
        result["last_digit"]["by_candidate"] = [last_digit(c)["statistic"] for c in candidates]
    return result


def run_forensics(
    station: ArrayLike,
    registered: ArrayLike,
    ballots: ArrayLike,
    valid: ArrayLike,
    leader: ArrayLike,
    *,
    candidates: Sequence[ArrayLike] | None = None,
    invalid: ArrayLike | None = None,
    ballots_issued: ArrayLike | None = None,
    by: ArrayLike | None = None,
    rows: ArrayLike | None = None,
    replicates: int = 1000,
    seed: int = 0,
    method: str = "bernoulli",
    progress: Callable[[int], object] | None = None,
) -> dict[str, Any]:
    """Every forensic test on per-station arrays of equal length; deterministic given ``seed``.

    ``ballots`` are the ballots cast or issued (turnout = ballots/registered);
    the leader's share is of valid + ``invalid`` (of ``valid`` when invalid is
    not given). ``candidates`` (each candidate's votes, leader included) feed
    the per-candidate digit tests and the sum-to-valid check. ``by`` groups
    stations: each group gets every test under ``result["by"][group]``.
    ``method`` selects the Monte Carlo null of the integer test ("bernoulli",
    exact and fast, or "binomial", which draws the counts); ``progress(n)`` is
    called as replicates finish (national and group runs alike). Returns one
    key per test (see ``TESTS``) plus ``summary``.
    """
    station_codes = np.asarray(station, dtype=object)
    registered_voters = np.asarray(registered, dtype=np.float64)
    ballots_cast = np.asarray(ballots, dtype=np.float64)
    valid_votes = np.asarray(valid, dtype=np.float64)
    leader_votes = np.asarray(leader, dtype=np.float64)
    size = registered_voters.size
    arrays = {
        "station": station_codes,
        "ballots": ballots_cast,
        "valid": valid_votes,
        "leader": leader_votes,
    }
    invalid_array = None if invalid is None else np.asarray(invalid, dtype=np.float64)
    issued_array = None if ballots_issued is None else np.asarray(ballots_issued, dtype=np.float64)
    candidate_arrays = (
        None if not candidates else [np.asarray(c, dtype=np.float64) for c in candidates]
    )
    for name, values in {
        **arrays,
        "invalid": invalid_array,
        "ballots_issued": issued_array,
    }.items():
        if values is not None and len(values) != size:
            raise ValueError(f"{name} has {len(values)} values but registered has {size}")
    for index, values in enumerate(candidate_arrays or []):
        if len(values) != size:
            raise ValueError(
                f"candidate {index} has {len(values)} values but registered has {size}"
            )
    received = valid_votes + invalid_array if invalid_array is not None else valid_votes
    row_array = None if rows is None else np.asarray(rows)

    def subset(mask: np.ndarray | slice) -> dict[str, Any]:
        return _forensics_of(
            station_codes[mask],
            registered_voters[mask],
            ballots_cast[mask],
            valid_votes[mask],
            leader_votes[mask],
            received[mask],
            None if candidate_arrays is None else [c[mask] for c in candidate_arrays],
            None if invalid_array is None else invalid_array[mask],
            None if issued_array is None else issued_array[mask],
            None if row_array is None else row_array[mask],
            replicates,
            seed,
            method,
            progress,
        )

    result = subset(slice(None))
    if by is not None:
        groups = np.asarray(by, dtype=object).astype(str)
        if groups.size != size:
            raise ValueError(f"by has {groups.size} values but registered has {size}")
        result["by"] = {
            str(group): _descriptive(subset(groups == group))
            for group in sorted(set(groups.tolist()))
        }
        _calibrate_to_regions(
            result, registered_voters, ballots_cast, groups, replicates=replicates, seed=seed
        )
    return _descriptive(result)


def _descriptive(result: dict[str, Any]) -> dict[str, Any]:
    """Drop the textbook p-value of every heterogeneity-prone test not calibrated to regions."""
    for key in (*REGION_CALIBRATED, *DESCRIPTIVE):
        test = result[key]
        if test.get("calibration") == "regions":
            continue
        test.update(p_value=None, calibration="descriptive", descriptive=True)
    return result


def _calibrate_to_regions(
    result: dict[str, Any],
    registered: np.ndarray,
    ballots: np.ndarray,
    groups: np.ndarray,
    *,
    replicates: int,
    seed: int,
) -> None:
    """National p-values of ``REGION_CALIBRATED`` tests against a null fitted to ``groups``.

    Uses the stations with turnout (registered > 0, no negative count); the
    observed statistic for the p-value is recomputed on exactly those, as
    the null's is. Needs two regions and two replicates, else the tests stay descriptive.
    """
    usable = (registered > 0) & (ballots >= 0)
    regions = groups[usable]
    if np.unique(regions).size < 2 or replicates < 2 or usable.sum() < MIN_STATIONS:
        return
    null = regional_null(
        registered[usable], ballots[usable], regions, replicates=replicates, seed=seed
    )
    for key in REGION_CALIBRATED:
        test = result[key]
        if test.get("statistic") is None:
            continue
        observed = float(STATISTICS[key](ballots[usable][None, :], registered[usable][None, :])[0])
        figures = calibrated(observed, null[key])
        test.update(
            p_value=figures["p_value"],
            expected=figures["null_mean"],
            null_sd=figures["null_sd"],
            se=None,
            calibration="regions",
            descriptive=False,
            regions=int(np.unique(regions).size),
            replicates=int(replicates),
            **_calibrated_reading(key, test["statistic"], figures),
        )


def _calibrated_reading(key: str, statistic: float, figures: dict[str, Any]) -> dict[str, Any]:
    what = {"second_digit": "second-digit", "kurtosis": "kurtosis"}[key]
    verdict = "beyond" if figures["p_value"] < 0.01 else "within"
    return reading(
        f"forensics.calibrated.{what}.{verdict}",
        statistic=f"{statistic:.3f}",
        mean=f"{figures['null_mean']:.3f}",
        sd=f"{figures['null_sd']:.3f}",
    )
