"""Checklist findings: the share of polling stations with a finding, from a stratified station sample.

A finding is an answer to a checklist question ("secrecy of the vote not
ensured", "unauthorised persons present"). Observers answer at a stratified
sample of stations, so the share is estimated, with an interval, like a
quick-count share (DESIGN §3, :mod:`pollwatch.stats.quickcount`):

* Estimate. Station i of stratum h carries the weight w_h = N_h / n_h, N_h the
  frame stations of the stratum and n_h its observed stations (every row
  given, whether or not it answered this question). The share is the combined
  ratio p̂ = Σ w·y / Σ w·x with y = 1 if the station answered and had the
  finding and x = 1 if it answered. Stations that did not answer (question
  left blank, or not asked because of skip logic) are a domain, not a
  reweighting: the estimate is for the stations where the question was
  answered, and the design stays that of all observed stations.
* Variance. Taylor linearisation with the finite-population correction,
  computed by :func:`pollwatch.stats.quickcount.linearized_ratios` on the
  design of :func:`pollwatch.stats.quickcount.prepare_design`; a stratum with
  one observed station is collapsed with the next for the variance, as there
  (and with its warning). It equals samplics' TaylorEstimator("proportion")
  with the answering stations as domain; the tests check it.
* Domains (``by``: region, phase ...) set y and x to zero outside the domain,
  so strata and n_h stay those of the whole sample (Cochran 1977 §2.13).
* Interval. Findings are often rare (1-10 %) and domains small, where the
  normal interval p̂ ± z·SE under-covers and can go below zero. We use the
  Korn–Graubard interval (Korn & Graubard 1998, "Confidence intervals for
  proportions with small expected number of positive counts estimated from
  survey data", Survey Methodology 24(2), 193-201): the Clopper–Pearson
  interval on the effective sample size

      n_eff = p̂(1 − p̂) / Var(p̂),

  scaled by their degrees-of-freedom adjustment

      n_eff* = n_eff · (t_{n−1, α/2} / t_{df, α/2})²,

  with n the answering stations and df = n minus the number of variance
  groups (strata after collapsing) holding an answering station, counted in
  the domain, like R survey's ``degf`` of a subset; n_eff* is capped at n, as
  in the NCHS data presentation standards for proportions (Parker et al. 2017,
  Vital Health Stat 2(175)), which also set n_eff = n when p̂ is 0 or 1: then no
  design effect can be estimated, and a warning says the interval treats the
  answering stations as a simple random sample. With x = n_eff*·p̂ hits the
  limits are the Beta quantiles

      low  = B(α/2; x, n_eff* − x + 1)      (0 when x = 0)
      high = B(1 − α/2; x + 1, n_eff* − x)  (1 when x = n_eff*).

  This is R survey's ``svyciprop(method = "beta")`` with the NCHS cap; it
  always stays inside [0, 1] and is never narrower than needed at p̂ = 0.

The design effect reported is Var(p̂) / (p̂(1 − p̂)/n) = n / n_eff, before the
cap; below 1 means the stratification (and the FPC) helped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import beta as beta_distribution
from scipy.stats import t as t_distribution

from pollwatch.stats.quickcount import (
    Design,
    linearized_ratios,
    prepare_design,
    stratum_sort_key,
)

QUESTION_KINDS = ("yes_no", "single", "multiple")
YES_NO_TEXT = {"yes": "1", "y": "1", "true": "1", "no": "0", "n": "0", "false": "0"}


@dataclass
class ProportionResult:
    """The estimated share of stations with a finding; ``as_dict()`` is JSON-ready.

    ``estimate``, ``se``, ``ci`` and ``design_effect`` are NaN when undefined
    (None in ``as_dict()``) and ``warnings`` then says why. ``stations`` are the
    answering stations, ``hits`` those of them with the finding, ``observed``
    all observed stations (rows) in scope. ``effective_stations`` is the
    n_eff* of the Korn–Graubard interval, ``degrees_of_freedom`` its df.
    """

    estimate: float
    se: float
    ci: tuple[float, float]
    stations: int
    hits: int
    observed: int
    design_effect: float
    effective_stations: float
    degrees_of_freedom: int
    confidence: float
    warnings: list[str] = field(default_factory=list)
    by: dict[str, ProportionResult] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "estimate": _json_float(self.estimate),
            "se": _json_float(self.se),
            "ci": [_json_float(c) for c in self.ci],
            "stations": self.stations,
            "hits": self.hits,
            "observed": self.observed,
            "design_effect": _json_float(self.design_effect),
            "effective_stations": _json_float(self.effective_stations),
            "degrees_of_freedom": self.degrees_of_freedom,
            "confidence": self.confidence,
            "interval": "korn-graubard",
            "warnings": list(self.warnings),
        }
        if self.by:
            out["by"] = {str(k): v.as_dict() for k, v in self.by.items()}
        return out


def _json_float(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def korn_graubard(
    estimate: float,
    se: float,
    stations: int,
    degrees_of_freedom: int,
    confidence: float = 0.95,
) -> tuple[tuple[float, float], float, str | None]:
    """Korn–Graubard interval of a survey proportion (see the module docstring).

    ``stations`` is n (answering stations), ``degrees_of_freedom`` the design
    df. Returns ((low, high), n_eff*, warning or None).
    """
    nan = float("nan")
    if stations < 1 or not math.isfinite(estimate):
        return (nan, nan), nan, None
    alpha = 1.0 - confidence
    warning = None
    if estimate <= 0.0 or estimate >= 1.0:
        effective = float(stations)
        warning = (
            f"the estimate is {estimate:.0%}: no design effect can be estimated, so the interval "
            f"treats the {stations} answering stations as a simple random sample (n_eff = n)"
        )
    elif not math.isfinite(se):
        return (
            (nan, nan),
            nan,
            "the standard error is undefined (no variance group has two observed stations)",
        )
    elif stations < 2 or degrees_of_freedom < 1:
        # no degrees of freedom, no information on the spread: the NCHS adjustment's limit case
        return (
            (0.0, 1.0),
            0.0,
            "too few answering stations per stratum to estimate the spread: the interval is 0-100 %",
        )
    else:
        variance = se * se
        effective = math.inf if variance == 0.0 else estimate * (1.0 - estimate) / variance
        ratio = float(
            t_distribution.ppf(alpha / 2, stations - 1)
            / t_distribution.ppf(alpha / 2, degrees_of_freedom)
        )
        effective = min(float(stations), effective * ratio * ratio)
    hits = effective * estimate
    low = (
        0.0 if hits <= 0.0 else float(beta_distribution.ppf(alpha / 2, hits, effective - hits + 1))
    )
    high = (
        1.0
        if hits >= effective
        else float(beta_distribution.ppf(1 - alpha / 2, hits + 1, effective - hits))
    )
    return (low, high), effective, warning


def proportion(
    stratum: Sequence[Any] | np.ndarray,
    population: Mapping[Any, int],
    hit: Sequence[Any] | np.ndarray,
    answered: Sequence[Any] | np.ndarray | None = None,
    *,
    by: Sequence[Any] | np.ndarray | None = None,
    confidence: float = 0.95,
) -> ProportionResult:
    """Share of stations with a finding, with its linearised SE and Korn–Graubard interval.

    Arrays are aligned over the observed stations (one row per station):
    ``stratum`` labels, ``hit`` (the station had the finding), ``answered``
    (it answered the question; default all; a hit on a non-answering row is
    ignored) and optional ``by`` domain labels. ``population`` maps every
    stratum label of the frame to its number of stations N_h. Raises
    :class:`pollwatch.stats.table.InputError` when a stratum is not in
    ``population`` or has more observed stations than the frame.
    """
    stratum_arr = np.asarray(stratum)
    length = len(stratum_arr)
    hit_arr = _mask("hit", hit, length)
    answered_arr = (
        np.ones(length, dtype=bool) if answered is None else _mask("answered", answered, length)
    )
    by_arr = None if by is None else _labels(by, length)
    design, warnings = _design(stratum_arr, population)
    return _estimate(
        design,
        warnings,
        (hit_arr & answered_arr)[:, None],
        answered_arr[:, None],
        by_arr,
        _check_confidence(confidence),
    )[0]


def findings(
    stratum: Sequence[Any] | np.ndarray,
    population: Mapping[Any, int],
    answers: Sequence[Mapping[str, Any]],
    questions: Sequence[Mapping[str, Any]],
    *,
    by: Sequence[Any] | np.ndarray | None = None,
    confidence: float = 0.95,
) -> list[dict[str, Any]]:
    """One row per question (per option when a single/multiple question has no ``finding``).

    ``answers`` holds one dict per observed station (question code → answer),
    aligned with ``stratum`` (and ``by``). ``questions`` are dicts with
    ``code``, ``label``, ``kind`` ("yes_no" | "single" | "multiple"), optional
    ``finding`` (the answer value, or list of values, that is the finding;
    yes_no default 1 = yes) and ``options`` (values, or dicts with ``code``
    and ``label``; without them the options answered are used). A station
    answered when its value is present and not None, "" or NaN; a multiple
    answer is a list of the options chosen (an empty list is answered, nothing
    chosen) and has the finding when any chosen option is a finding value.
    Values are compared as trimmed lower-case text, booleans as 1/0 and whole
    floats as integers (so 0, "0", 0.0 and False match); yes_no also reads
    yes/no, y/n, true/false.

    Each row: ``code``, ``label`` (with the option's for per-option rows),
    ``kind``, ``option``, ``finding`` (list), ``sentence`` (:func:`describe`),
    ``national`` (:meth:`ProportionResult.as_dict` without ``by``) and ``by``
    (domain label → result dict; empty without ``by``).
    """
    stratum_arr = np.asarray(stratum)
    length = len(stratum_arr)
    if len(answers) != length:
        raise ValueError(f"answers has {len(answers)} rows, stratum has {length}")
    by_arr = None if by is None else _labels(by, length)
    level = _check_confidence(confidence)
    design, warnings = _design(stratum_arr, population)
    rows: list[dict[str, Any]] = []
    for question in questions:
        code = question["code"]
        kind = question.get("kind")
        if kind not in QUESTION_KINDS:
            raise ValueError(
                f"question {code!r}: kind must be one of {', '.join(QUESTION_KINDS)}, got {kind!r}"
            )
        label = _text(question.get("label", code))
        chosen = _chosen_all([entry.get(code) for entry in answers], kind)
        answered = np.array([c is not None for c in chosen], dtype=bool)
        targets: list[tuple[Any, str, list[Any]]] = []
        if question.get("finding") is not None:
            values = _as_list(question["finding"])
            targets.append((None, label, values))
        elif kind == "yes_no":
            targets.append((None, label, [1]))
        else:
            for value, option_label in _options(question, chosen):
                targets.append((value, f"{label}: {option_label}", [value]))
        hits = np.zeros((length, len(targets)), dtype=bool)
        for j, (_, _, values) in enumerate(targets):
            keys = {_key(v, kind) for v in values}
            hits[:, j] = [c is not None and not keys.isdisjoint(c) for c in chosen]
        results = _estimate(
            design,
            warnings,
            hits,
            np.repeat(answered[:, None], len(targets), axis=1),
            by_arr,
            level,
        )
        for (option, row_label, values), result in zip(targets, results, strict=True):
            national = result.as_dict()
            national.pop("by", None)
            rows.append(
                {
                    "code": code,
                    "label": row_label,
                    "kind": kind,
                    "option": option,
                    "finding": list(values),
                    "sentence": describe(row_label, result),
                    "national": national,
                    "by": {k: v.as_dict() for k, v in result.by.items()},
                }
            )
    return rows


def describe(label: str, result: ProportionResult) -> str:
    """Plain-language sentence, e.g. "secrecy of the vote not ensured at 4.1 % of observed
    stations (95 % interval 3.2–5.0 %; 612 stations)".

    Percentages have one decimal; "stations" counts the answering stations.
    The share is the weighted estimate for the stations the sample
    represents, so it need not equal hits / stations.
    """
    level = f"{result.confidence * 100:g} %"
    if not math.isfinite(result.estimate):
        return f"{label}: no observed station answered"
    low, high = result.ci
    interval = (
        f"{level} interval {low * 100:.1f}–{high * 100:.1f} %"
        if math.isfinite(low) and math.isfinite(high)
        else f"{level} interval undefined"
    )
    return (
        f"{label} at {result.estimate * 100:.1f} % of observed stations "
        f"({interval}; {result.stations} stations)"
    )


def _design(stratum: np.ndarray, population: Mapping[Any, int]) -> tuple[Design, list[str]]:
    design, warnings = prepare_design(stratum, population)
    missing = np.flatnonzero(design.reported_per_stratum == 0)
    if len(missing):
        # prepare_design words its first warning for votes; say it for stations
        frame = design.stations_per_stratum
        names = ", ".join(str(design.labels[h]) for h in missing[:10]) + (
            " ..." if len(missing) > 10 else ""
        )
        warnings[0] = (
            f"{len(missing)} strata ({int(frame[missing].sum())} frame stations, "
            f"{frame[missing].sum() / frame.sum():.1%}) have no observed station and are left out; "
            f"the estimate assumes their stations are like the observed ones: {names}"
        )
    return design, warnings


def _estimate(
    design: Design,
    design_warnings: list[str],
    hits: np.ndarray,
    answered: np.ndarray,
    by: np.ndarray | None,
    confidence: float,
) -> list[ProportionResult]:
    """National results (with their domains) for k findings: (n × k) ``hits`` and ``answered``."""
    national = _columns(design, hits, answered, None, confidence)
    for result in national:
        result.warnings[:0] = design_warnings
    if by is not None:
        for label in sorted(set(by.tolist()), key=stratum_sort_key):
            inside = by == label
            for result, domain in zip(
                national, _columns(design, hits, answered, inside, confidence), strict=True
            ):
                result.by[label] = domain
    return national


def _columns(
    design: Design,
    hits: np.ndarray,
    answered: np.ndarray,
    inside: np.ndarray | None,
    confidence: float,
) -> list[ProportionResult]:
    keep = np.ones(len(hits), dtype=bool) if inside is None else inside
    y = (hits & answered & keep[:, None]).astype(np.float64)
    x = (answered & keep[:, None]).astype(np.float64)
    if len(y):
        ratio, se = linearized_ratios(design, y, x)
    else:
        ratio = se = np.full(y.shape[1], np.nan)
    observed = int(keep.sum())
    results = []
    for j in range(y.shape[1]):
        stations = int(x[:, j].sum())
        hit_count = int(y[:, j].sum())
        groups = len(np.unique(design.group[x[:, j] > 0]))
        df = stations - groups
        warnings: list[str] = []
        if stations == 0:
            warnings.append(
                "no observed station answered the question here: the share is undefined"
            )
            estimate = float("nan")
        else:
            estimate = float(ratio[j])
        (low, high), effective, warning = korn_graubard(
            estimate, float(se[j]), stations, df, confidence
        )
        if warning:
            warnings.append(warning)
        defined = 0.0 < estimate < 1.0 and math.isfinite(se[j])
        design_effect = (
            float(se[j]) ** 2 / (estimate * (1 - estimate) / stations) if defined else float("nan")
        )
        results.append(
            ProportionResult(
                estimate=estimate,
                se=float(se[j]) if stations else float("nan"),
                ci=(low, high),
                stations=stations,
                hits=hit_count,
                observed=observed,
                design_effect=design_effect,
                effective_stations=effective,
                degrees_of_freedom=df if stations else 0,
                confidence=confidence,
                warnings=warnings,
            )
        )
    return results


def _check_confidence(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return float(confidence)


def _mask(name: str, values: Sequence[Any] | np.ndarray, length: int) -> np.ndarray:
    array = np.asarray(values)
    if array.shape != (length,):
        raise ValueError(f"{name} has shape {array.shape}, expected ({length},)")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} has missing values: mark them with answered=False")
    return array.astype(bool)


def _labels(values: Sequence[Any] | np.ndarray, length: int) -> np.ndarray:
    array = np.asarray(values).astype(str)
    if array.shape != (length,):
        raise ValueError(f"by has shape {array.shape}, expected ({length},)")
    return array


def _text(label: Any) -> str:
    """A label may be a {language: text} mapping (as in form specs): take its first language."""
    if isinstance(label, Mapping):
        return str(next(iter(label.values()), ""))
    return str(label)


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


def _key(value: Any, kind: str) -> str | None:
    """Comparable text of an answer value; None when the value means "no answer"."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    text = str(value).strip().lower()
    if not text:
        return None
    return YES_NO_TEXT.get(text, text) if kind == "yes_no" else text


def _chosen_all(values: list[Any], kind: str) -> list[frozenset[str] | None]:
    """:func:`_chosen` of every value; answers repeat a handful of values, so each is read once."""
    memo: dict[tuple[type, Any], frozenset[str] | None] = {}
    out: list[frozenset[str] | None] = []
    for value in values:
        try:
            key = (type(value), value)
            out.append(memo[key])
        except KeyError:
            memo[key] = _chosen(value, kind)
            out.append(memo[key])
        except TypeError:  # a list (multiple choice) is not hashable
            out.append(_chosen(value, kind))
    return out


def _chosen(value: Any, kind: str) -> frozenset[str] | None:
    """The answer as a set of comparable values, or None if the station did not answer."""
    if kind == "multiple" and isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(k for k in (_key(v, kind) for v in value) if k is not None)
    key = _key(value, kind)
    return None if key is None else frozenset([key])


def _options(
    question: Mapping[str, Any], chosen: list[frozenset[str] | None]
) -> list[tuple[Any, str]]:
    """(value, label) per option: the question's options, else the distinct answers given."""
    options = question.get("options")
    if options:
        out = []
        for option in options:
            if isinstance(option, Mapping):
                out.append((option["code"], _text(option.get("label", option["code"]))))
            else:
                out.append((option, str(option)))
        return out
    seen = set().union(*(c for c in chosen if c is not None)) if chosen else set()
    return [(value, value) for value in sorted(seen, key=stratum_sort_key)]
