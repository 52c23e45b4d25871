"""Quick count (parallel vote tabulation): combined ratio estimation over a stratified station sample.

Method (DESIGN §3; Cochran 1977 §6.11, Kish 1965 §6.3). Station i of stratum h
carries the weight w_h = N_h / n_h, where N_h is the number of stations of the
stratum in the frame and n_h the number of its sampled stations that have
reported. A share is the combined ratio

    p̂ = Σ w·y / Σ w·x

(candidate votes over valid votes, ballots over registered voters, invalid over
ballots, votes_A − votes_B over valid votes for the lead), and its variance is
the Taylor-linearised one with the finite-population correction

    Var(p̂) = (1 / X̂²) Σ_h N_h² (1 − n_h/N_h) s²_{e,h} / n_h,   e = y − p̂·x,

s² with the n_h − 1 divisor. Written per station as z_i = √(1 − f_h)·w_h·e_i,
the same sum is Σ_g n_g/(n_g − 1) Σ_{i∈g} (z_i − z̄_g)² / X̂² over variance
groups g, which are the strata themselves unless a stratum must be collapsed
(rules below). That is also how samplics' TaylorEstimator computes it, and the
tests check the two agree.

Rules for thin strata (documented in docs/quickcount.md):

* a stratum with no reporting station, when the strata's regions are known
  (``population`` a :class:`StrataFrame`), is folded into the most similar
  reporting stratum of its region: that stratum's stations then stand for
  both (its N_h grows by the empty one's; with recorded weights, its target
  by the empty one's sampled weights), and the variance gains the spread of
  strata in that region (:func:`fold_variance`). Without regions, or when
  no stratum of the region reported, it is left out and the estimator
  assumes it votes like the reporting strata nationally. Either way its N_h
  counts as uncovered frame for the call (``strata["coverage"]``) and a
  warning names it;
* a stratum with exactly one reporting station (and N_h > 1) has no
  within-stratum variance; for the variance only, it is collapsed with the next
  reporting stratum (with regions: within its region, in order of the
  similarity key, then label; without: in sorted label order, numeric labels
  in numeric order), the previous one if it is the last,
  repeatedly, until every variance group has at least two stations. Weights
  stay those of the original strata. A warning lists the collapsed strata;
* a stratum whose every station reported (n_h = N_h) contributes no variance.

Domains (``by``) use the same formula with y and x set to zero outside the
domain, so strata and n_h stay those of the whole sample. A domain's
intervals use Student's t with df = (reporting stations of the domain) −
(variance groups they fall in), counting only strata that carry variance
(not complete ones), at least 1 (Korn & Graubard 1999 §5.2: the design's
degrees of freedom are PSUs minus strata). With ~9 stations in 3 strata a
region's interval is 25 % wider than the normal one, which covered 86.5 %
instead of 95 % in simulation; the national intervals stay normal (their df
run in the hundreds). The domain's call asks the same tail probability of
t(df) that ``call_z`` asks of the normal.

The bootstrap (``method="bootstrap"``) is the Rao–Wu rescaling bootstrap with
n_g − 1 draws with replacement within each variance group per replicate and
rescaled weights w* = w·(1 − λ + λ·n_g/(n_g − 1)·r), λ = √(1 − f_h), r the
number of times a station was drawn (Rao, Wu & Yue 1992); its variance is the
spread of the replicate estimates. Intervals are normal with that SE.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.stats import norm
from scipy.stats import t as student_t

from pollwatch.stats.table import InputError, Problem
from pollwatch.stats.words import Sentence, say

DEFAULT_CALL_Z = 2.58
DEFAULT_MIN_REPORTED = 0.80
DEFAULT_STABILITY_CHECKS = 3
DEFAULT_STABILITY_STEP = 0.05


@dataclass(frozen=True)
class Estimate:
    """A ratio estimate: point, standard error and normal interval at the requested confidence."""

    estimate: float
    se: float
    ci: tuple[float, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "estimate": _json_float(self.estimate),
            "se": _json_float(self.se),
            "ci": [_json_float(c) for c in self.ci],
        }


@dataclass(frozen=True)
class Lead:
    """The lead of the first over the second contestant (by point estimate), as a share of valid votes."""

    first: str
    second: str
    estimate: float
    se: float
    ci: tuple[float, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "second": self.second,
            "estimate": _json_float(self.estimate),
            "se": _json_float(self.se),
            "ci": [_json_float(c) for c in self.ci],
        }


@dataclass(frozen=True)
class Call:
    """Whether the race can be called, and why (see :func:`call_status`)."""

    status: str  # "decided" | "too close" | "not enough data"
    reason: str
    z: float
    threshold: float
    reported_fraction: float
    stable: bool | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "z": _json_float(self.z),
            "threshold": self.threshold,
            "reported_fraction": _json_float(self.reported_fraction),
            "stable": self.stable,
        }


@dataclass
class QuickCountResult:
    """Everything the quick count reports; ``as_dict()`` is the JSON the CLI prints."""

    shares: dict[str, Estimate]
    turnout: Estimate | None
    invalid: Estimate | None
    lead: Lead | None
    call: Call
    stations: int
    sampled_stations: int
    strata: dict[str, Any]
    warnings: list[str]
    method: str
    confidence: float
    by: dict[str, QuickCountResult] = field(default_factory=dict)
    interval: dict[str, Any] = field(default_factory=dict)
    design: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "shares": {name: e.as_dict() for name, e in self.shares.items()},
            "turnout": self.turnout.as_dict() if self.turnout else None,
            "invalid": self.invalid.as_dict() if self.invalid else None,
            "lead": self.lead.as_dict() if self.lead else None,
            "call": self.call.as_dict(),
            "stations": self.stations,
            "sampled_stations": self.sampled_stations,
            "strata": self.strata,
            "warnings": list(self.warnings),
            "method": self.method,
            "confidence": self.confidence,
        }
        if self.by:
            out["by"] = {str(k): v.as_dict() for k, v in self.by.items()}
        if self.interval:
            out["interval"] = dict(self.interval)
        if self.design:
            out["design"] = dict(self.design)
        return out


@dataclass(frozen=True)
class ConvergencePoint:
    """Estimates after the first ``stations`` arrivals."""

    stations: int
    shares: dict[str, Estimate]
    lead: Lead | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "stations": self.stations,
            "shares": {k: v.as_dict() for k, v in self.shares.items()},
            "lead": self.lead.as_dict() if self.lead else None,
        }


def _json_float(value: float) -> float | None:
    """NaN has no JSON spelling; an undefined figure is null (and a warning says why)."""
    value = float(value)
    return None if not np.isfinite(value) else value


def z_for(confidence: float) -> float:
    """Two-sided normal quantile for a confidence level in (0, 1)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return float(norm.ppf(0.5 + confidence / 2.0))


def t_for(confidence: float, df: float) -> float:
    """Two-sided Student's t quantile for a confidence level in (0, 1) and ``df`` degrees of freedom."""
    z_for(confidence)  # the same check of the level
    return float(student_t.ppf(0.5 + confidence / 2.0, df))


def domain_df(design: Design, inside: np.ndarray) -> int:
    """Degrees of freedom of a domain's variance: its stations in variance-bearing groups minus those groups.

    ``inside`` marks the domain's stations among the reporting ones. Stations
    of complete strata (n_h = N_h) carry no variance and count for nothing.
    At least 1, so that a domain whose every stratum holds one station still
    gets a (very wide) interval rather than none.
    """
    bearing = inside & (design.fpc_root > 0)
    groups = len(np.unique(design.group[bearing]))
    return max(1, int(bearing.sum()) - groups)


class StrataFrame(dict):
    """N_h per stratum (a plain ``{stratum: stations}`` mapping) plus what the thin-strata rules use.

    ``region`` (stratum -> region) confines both rules to a region: a
    stratum with no report is folded into a reporting stratum of its region,
    and strata with one reporting station are collapsed for the variance with
    strata of their region. ``similarity`` (stratum -> number, e.g. the
    frame's mean registered voters per station) picks the neighbour: the
    reporting stratum whose value is closest; without it, the nearest in
    label order. ``parent`` and ``kind`` (post-stratum -> its stratum and its
    frame category, see :func:`post_stratify`): an empty post-stratum folds
    into one of the same category in its region (the rural stations of a
    district that sent none are stood for by the most similar district's
    rural stations), else into another of its stratum, else of its region.
    Any stage that takes ``population`` accepts one, so the quick count, the
    call's differences, the convergence and the official comparison all
    apply the same rules.
    """

    def __init__(
        self,
        sizes: Mapping[Any, float],
        *,
        region: Mapping[Any, Any] | None = None,
        similarity: Mapping[Any, float] | None = None,
        parent: Mapping[Any, Any] | None = None,
        kind: Mapping[Any, Any] | None = None,
    ) -> None:
        super().__init__(sizes)
        self.region = {str(k): str(v) for k, v in (region or {}).items()}
        self.similarity = {str(k): float(v) for k, v in (similarity or {}).items()}
        self.parent = {str(k): str(v) for k, v in (parent or {}).items()}
        self.kind = {str(k): str(v) for k, v in (kind or {}).items()}


POST_STRATUM_SEPARATOR = " · "


def shown_category(cell: Any) -> str:
    """A calibration category as people read it: several columns' values, joined by "|", shown ", "."""
    return str(cell).replace("|", ", ")


def shown_categories(cells: np.ndarray) -> np.ndarray:
    return np.array([shown_category(c) for c in np.asarray(cells).tolist()], dtype=object)


def cell_sizes(
    stratum: np.ndarray, cell: np.ndarray, weight: np.ndarray | None = None
) -> dict[tuple[str, str], float]:
    """Stations (or Σ ``weight``) per (stratum, category): the sizes :func:`post_stratify` takes.

    Over the frame's stations this gives the frame counts N_hc
    (post-stratification); over the sampled stations with their 1/π, the
    design's estimate of them (weighting classes).
    """
    sizes: dict[tuple[str, str], float] = {}
    weights = np.ones(len(stratum)) if weight is None else np.asarray(weight, dtype=np.float64)
    for h, c, value in zip(
        np.asarray(stratum).astype(str).tolist(),
        np.asarray(cell).astype(str).tolist(),
        weights.tolist(),
        strict=True,
    ):
        sizes[(h, c)] = sizes.get((h, c), 0.0) + value
    return sizes


def post_stratify(
    stratum: np.ndarray,
    cell: np.ndarray,
    cell_sizes: Mapping[tuple[Any, Any], float],
    population: Mapping[Any, float],
) -> tuple[np.ndarray, StrataFrame]:
    """Strata × post-strata ("h · c") for calibration to frame variables (``--calibrate``).

    ``cell`` gives each sampled station's post-stratum (e.g. "rural" or
    "urban|newly"), ``cell_sizes`` the frame's stations per (stratum,
    post-stratum). Each reporting station then stands for the frame stations
    of its own cell (weights N_hc/n_hc, or the recorded 1/π scaled within
    the cell), which removes the bias of late or missing reporters that
    differ by those variables; the variance treats the cells as strata
    (Cochran 1977 §5A.9, post-stratification). A cell with no report is
    folded into the same category of the most similar stratum of its region,
    else into another cell of its stratum (:class:`StrataFrame`), so no
    stratum is lost to an empty cell. Region and similarity come from
    ``population`` when it is a StrataFrame.
    """
    stratum = np.asarray(stratum).astype(str)
    cell = np.asarray(cell).astype(str)
    if cell.shape != stratum.shape:
        raise ValueError(f"cell has shape {cell.shape}, expected {stratum.shape}")

    def label(h: Any, c: Any) -> str:
        return f"{h}{POST_STRATUM_SEPARATOR}{shown_category(c)}"

    sizes = {label(h, c): float(n) for (h, c), n in cell_sizes.items()}
    parent = {label(h, c): str(h) for (h, c) in cell_sizes}
    labels = np.array(
        [label(h, c) for h, c in zip(stratum.tolist(), cell.tolist(), strict=True)], dtype=object
    )
    region = getattr(population, "region", {})
    similarity = getattr(population, "similarity", {})
    return labels, StrataFrame(
        sizes,
        region={k: region[h] for k, h in parent.items() if h in region},
        similarity={k: similarity[h] for k, h in parent.items() if h in similarity},
        parent=parent,
        kind={label(h, c): str(c) for (h, c) in cell_sizes},
    )


def _strata_context(
    labels: np.ndarray, strata: StrataFrame | None
) -> tuple[np.ndarray | None, np.ndarray, list[str], list[str]]:
    """Per stratum label: region block index, similarity key, parent and kind.

    The block is None without regions. A stratum whose region is not known
    (its stations lie in several regions, or it has none) gets a block of
    its own: it is never folded into, nor pooled with, another region's
    strata. A certainty stratum's parent is the rest of its stratum; a
    post-stratum's, its stratum.
    """
    count = len(labels)
    if strata is None:
        return None, np.full(count, np.nan), [""] * count, [""] * count
    text = [str(label) for label in labels.tolist()]
    bases = [t[: -len(CERTAINTY_SUFFIX)] if t.endswith(CERTAINTY_SUFFIX) else t for t in text]
    key = np.array([strata.similarity.get(b, np.nan) for b in bases], dtype=np.float64)
    parent = [b if t != b else strata.parent.get(b, "") for t, b in zip(text, bases, strict=True)]
    kind = [strata.kind.get(b, "") if t == b else "" for t, b in zip(text, bases, strict=True)]
    if not strata.region:
        return None, key, parent, kind
    regions = [strata.region.get(b, strata.region.get(strata.parent.get(b, ""), "")) for b in bases]
    known = sorted({r for r in regions if r})
    index = {r: i for i, r in enumerate(known)}
    # an unknown region is a block of its own, numbered below zero
    block = np.array([index[r] if r else -1 - i for i, r in enumerate(regions)], dtype=np.int64)
    return block, key, parent, kind


def fold_targets(
    reported: np.ndarray,
    block: np.ndarray | None,
    key: np.ndarray,
    parent: Sequence[str],
    labels: np.ndarray,
    kind: Sequence[str] = (),
) -> np.ndarray:
    """For each stratum with no report, the reporting stratum it is folded into (−1: none, or not empty).

    Candidates are, in this order: the reporting post-strata of the same
    category (``kind``) in the same region; the reporting strata of the same
    parent (post-strata of one stratum, or a certainty stratum and the rest
    of its stratum); the reporting strata of the same region. The closest by
    ``key`` wins, then the nearest in label order. Without regions (``block``
    None) only the same parent is tried.
    """
    into = np.full(len(reported), -1, dtype=np.int64)
    reporting = np.flatnonzero(reported > 0)
    if not len(reporting):
        return into
    kinds = list(kind) or [""] * len(reported)
    text = [str(x) for x in labels.tolist()]
    by_parent: dict[str, list[int]] = {}
    by_block: dict[int, list[int]] = {}
    by_kind: dict[tuple[int, str], list[int]] = {}
    for f in reporting.tolist():
        for owner in {parent[f], text[f]} - {""}:
            by_parent.setdefault(owner, []).append(f)
        if block is not None:
            by_block.setdefault(int(block[f]), []).append(f)
            if kinds[f]:
                by_kind.setdefault((int(block[f]), kinds[f]), []).append(f)
    for e in np.flatnonzero(reported == 0).tolist():
        found: list[int] = []
        if kinds[e] and block is not None:
            found = by_kind.get((int(block[e]), kinds[e]), [])
        if not found and parent[e]:
            found = by_parent.get(parent[e], [])
        if not found and block is not None:
            found = by_block.get(int(block[e]), [])
        if not found:
            continue
        candidates = np.array(found, dtype=np.int64)
        distance = np.abs(key[candidates] - key[e])
        distance = np.where(np.isfinite(distance), distance, np.inf)
        into[e] = int(candidates[np.lexsort((np.abs(candidates - e), distance))[0]])
    return into


@dataclass(frozen=True)
class Design:
    """The sample's stratification, prepared once and shared by every ratio.

    ``codes`` gives each reporting station's stratum index into ``labels``;
    ``weight`` is N_h/n_h per station; ``group`` the variance group per
    station after collapsing; ``fpc_root`` √(1 − n_h/N_h) per station.
    """

    labels: np.ndarray
    codes: np.ndarray
    reported_per_stratum: np.ndarray
    stations_per_stratum: np.ndarray
    weight: np.ndarray
    fpc_root: np.ndarray
    group: np.ndarray
    group_count: int
    collapsed: list[list[str]]
    # Recorded design weights (1/π) of the reporting stations and Σ of those of every
    # sampled station per stratum; None for N_h/n_h (base 1, target N_h).
    base: np.ndarray | None = None
    target_per_stratum: np.ndarray | None = None
    with_replacement: np.ndarray | None = None  # per stratum: Hansen–Hurwitz, no FPC
    # The frame's own N_h (stations_per_stratum holds them after folding empty strata
    # into reporting ones), the folds (empty, into) as labels, and the region blocks
    # and similarity keys the collapsing follows (None: label order, no regions).
    own_stations: np.ndarray | None = None
    folded: list[tuple[str, str]] = field(default_factory=list)
    # per stratum: the stations (or Σ sampled 1/π) moved into its receiver when it was folded, else 0
    fold_moved: np.ndarray | None = None
    fold_into: np.ndarray | None = None  # per stratum: the receiver's index, −1 when not folded
    kind: np.ndarray | None = None  # per stratum: the post-stratum's frame category, "" for others
    block: np.ndarray | None = None
    key: np.ndarray | None = None

    def weights_on(self, chosen: np.ndarray) -> np.ndarray:
        """Weights of the reporting stations ``chosen`` (positions) had only they reported.

        Each stratum's weights are scaled so that they add up to what every
        sampled station's did (N_h without recorded weights): non-response is
        absorbed within the stratum.
        """
        codes = self.codes[chosen]
        strata = len(self.labels)
        base = np.ones(len(chosen)) if self.base is None else self.base[chosen]
        target = (
            self.stations_per_stratum
            if self.target_per_stratum is None
            else self.target_per_stratum
        )
        present = np.bincount(codes, weights=base, minlength=strata)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(present > 0, target / present, 0.0)
        return base * scale[codes]


def collapse_groups(
    reported: np.ndarray,
    census: np.ndarray,
    block: np.ndarray | None = None,
    key: np.ndarray | None = None,
    kind: np.ndarray | None = None,
) -> tuple[np.ndarray, list[list[int]]]:
    """Variance group per stratum, in sorted stratum order.

    ``reported`` holds n_h per stratum, ``census`` whether n_h = N_h. Strata
    with n_h = 1 that are not a census join the next eligible stratum (the
    previous one for a trailing group) until every group has two stations.
    With ``block`` (region per stratum) this happens within each region, in
    order of ``kind`` (a post-stratum's category: rural cells pool with rural
    cells), ``key`` (similarity, NaN last), then label, so only neighbours
    of one region and similar character are pooled; a region with a single
    eligible station joins the previous region's last group (the only way it
    can get a variance). Strata with no station get group −1. Returns the
    group of each stratum and the lists of strata merged together (only
    groups of more than one).
    """
    strata_count = len(reported)
    group = np.arange(strata_count)
    group[reported == 0] = -1
    eligible = np.flatnonzero((reported > 0) & ~census)
    if not np.any(reported[eligible] == 1):
        return group, []
    if block is None:
        runs = [eligible.tolist()]
    else:
        order_key = np.where(np.isfinite(key), key, np.inf) if key is not None else None
        columns: tuple[np.ndarray, ...] = (eligible,)
        if order_key is not None:
            columns = (*columns, order_key[eligible])
        if kind is not None:
            _, kind_codes = np.unique(kind.astype(str), return_inverse=True)
            columns = (*columns, kind_codes[eligible])
        ordered = eligible[np.lexsort((*columns, block[eligible]))]
        cuts = np.flatnonzero(np.diff(block[ordered])) + 1
        runs = [run.tolist() for run in np.split(ordered, cuts)]
    groups: list[list[int]] = []
    for run in runs:
        local: list[list[int]] = []
        current: list[int] = []
        count = 0
        for h in run:
            current.append(h)
            count += int(reported[h])
            if count >= 2:
                local.append(current)
                current, count = [], 0
        if current:
            if local:
                local[-1].extend(current)
            elif groups:
                groups[-1].extend(current)  # a region with one station: the previous region's group
            else:
                local.append(current)
        groups.extend(local)
    if groups and sum(int(reported[h]) for h in groups[0]) < 2 and len(groups) > 1:
        groups[1] = groups[0] + groups[1]  # the first region held one station: join the next
        del groups[0]
    for members in groups:
        group[members] = members[0]
    return group, [sorted(m) for m in groups if len(m) > 1]


def stratum_sort_key(label: Any) -> tuple[int, float, str]:
    """Numeric labels ("2", "10", "3.0") in numeric order, then the rest as text: the order collapsing follows."""
    text = str(label)
    try:
        number = float(text)
    except ValueError:
        return (1, 0.0, text)
    return (0, number, text) if np.isfinite(number) else (1, 0.0, text)


CERTAINTY_SUFFIX = " (certainty)"


def split_certainty(
    stratum: np.ndarray, population: Mapping[Any, float], weight: np.ndarray
) -> tuple[np.ndarray, dict[str, float]]:
    """Certainty stations (weight 1, π = 1) as their own stratum: "<h> (certainty)".

    They stand only for themselves, so they carry no sampling variance; the
    rest of their stratum keeps N_h minus their number. Returns the new
    labels (as text) and frame sizes.
    """
    labels = np.asarray(stratum).astype(str).astype(object)
    sizes = {str(k): float(v) for k, v in population.items()}
    certain = weight <= 1.0 + 1e-9
    if not certain.any():
        return labels, sizes
    for label, count in zip(
        *np.unique(labels[certain].astype(str), return_counts=True), strict=True
    ):
        if label in sizes:
            sizes[label] -= int(count)
            if sizes[label] <= 0:
                del sizes[label]
        sizes[label + CERTAINTY_SUFFIX] = int(count)
    labels[certain] = labels[certain] + CERTAINTY_SUFFIX
    return labels, sizes


def checked_weights(weight: Any, length: int) -> np.ndarray:
    """Design weights (1/π) per sampled station: finite and at least 1, else InputError naming positions."""
    values = np.asarray(weight, dtype=np.float64)
    if values.shape != (length,):
        raise ValueError(f"weight has shape {values.shape}, expected ({length},)")
    bad = np.flatnonzero(~np.isfinite(values) | (values < 1.0 - 1e-9))
    if len(bad):
        raise InputError(
            "sample",
            [
                Problem(
                    None,
                    "weight",
                    f"station at position {int(i)}: weight {float(values[i])} is not a number "
                    "of at least 1 (weight = 1/inclusion probability)",
                )
                for i in bad[:20]
            ],
        )
    return values


def prepare_design(
    stratum: np.ndarray,
    population: Mapping[Any, float],
    reported: np.ndarray | None = None,
    weight: np.ndarray | None = None,
) -> tuple[Design, list[str]]:
    """Stratification of the reporting stations (``reported`` True) against the frame sizes.

    ``weight`` (optional, aligned with ``stratum`` over every sampled
    station) holds the recorded design weights 1/π. Then a station's weight
    is its own, scaled within its stratum for non-response; certainty
    stations (weight 1) form their own stratum (:func:`split_certainty`); a
    stratum whose weights differ between stations is an unequal-probability
    (PPS) draw and gets the with-replacement (Hansen–Hurwitz) variance, with
    no FPC; a stratum of equal weights keeps the SRS variance with its FPC.
    Without ``weight`` the weights are N_h/n_h.

    Raises InputError naming the stratum when a sampled stratum is missing from
    ``population`` or holds more sampled stations than the frame says it has.
    Returns the design and warnings about missing and collapsed strata.
    """
    stratum = np.asarray(stratum)
    strata_frame = population if isinstance(population, StrataFrame) else None
    if reported is None:
        reported = np.ones(len(stratum), dtype=bool)
    if weight is not None:
        weight = checked_weights(weight, len(stratum))
        stratum, population = split_certainty(stratum, population, weight)
    pop_labels = np.array(sorted(population, key=stratum_sort_key), dtype=object)
    # float: a post-stratum's size may be the design's Σ 1/π, which rounding would distort
    pop_sizes = np.array([float(population[k]) for k in pop_labels], dtype=np.float64)
    label_of = {str(k): i for i, k in enumerate(pop_labels)}
    if stratum.dtype.kind in "iu":
        # integer labels: a numeric unique is much faster than a string sort on a large sample
        unique_numbers, sample_codes = np.unique(stratum, return_inverse=True)
        sample_labels = unique_numbers.astype(str)
    else:
        sample_labels, sample_codes = np.unique(stratum.astype(str), return_inverse=True)
    problems = []
    mapping = np.empty(len(sample_labels), dtype=np.int64)
    for j, label in enumerate(sample_labels.tolist()):
        if label not in label_of:
            problems.append(
                Problem(None, "stratum", f"stratum {label!r} of the sample is not in the frame")
            )
            mapping[j] = -1
        else:
            mapping[j] = label_of[label]
    if problems:
        raise InputError("sample", problems)
    codes_all = mapping[sample_codes]
    strata_count = len(pop_labels)
    sampled_per_stratum = np.bincount(codes_all, minlength=strata_count)
    over = np.flatnonzero(sampled_per_stratum > pop_sizes)
    if len(over):
        raise InputError(
            "sample",
            [
                Problem(
                    None,
                    "stratum",
                    f"stratum {str(pop_labels[h])!r} has {sampled_per_stratum[h]} sampled stations but only {pop_sizes[h]:g} in the frame",
                )
                for h in over
            ],
        )
    codes = codes_all[reported]
    n_h = np.bincount(codes, minlength=strata_count).astype(np.float64)
    block, key, parent, kind = _strata_context(pop_labels, strata_frame)
    into = fold_targets(n_h, block, key, parent, pop_labels, kind)
    own_sizes = pop_sizes
    pop_sizes = own_sizes.copy()
    folding = np.flatnonzero(into >= 0)
    np.add.at(pop_sizes, into[folding], own_sizes[folding])
    pop_sizes[folding] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        weight_h = np.where(n_h > 0, pop_sizes / n_h, 0.0)
        fpc_h = np.sqrt(np.clip(1.0 - n_h / pop_sizes, 0.0, 1.0))
    census = (n_h >= pop_sizes) & (n_h > 0)
    group_h, merged = collapse_groups(
        n_h.astype(np.int64), census, block, key, np.array(kind, dtype=object)
    )
    warnings: list[str] = []
    total = own_sizes.sum()
    cells = any(kind)
    unit = (
        Sentence("qc.unit.cells", "cells (stratum × calibration category)")
        if cells
        else Sentence("qc.unit.strata", "strata")
    )
    folded = [(str(pop_labels[e]), str(pop_labels[into[e]])) for e in folding.tolist()]
    if folded:
        folded_stations = own_sizes[folding].sum()
        source = (
            Sentence(
                "qc.fold.cells",
                "the same category in the most similar stratum of its region, else another cell "
                "of its stratum",
            )
            if cells
            else Sentence("qc.fold.strata", "the most similar reporting stratum of its region")
        )
        warnings.append(
            say(
                "qc.warning.folded",
                f"{len(folded)} {unit} ({folded_stations:,.0f} stations, {folded_stations / total:.1%}) "
                f"have no reporting station; each is estimated from {source}: "
                + ", ".join(f"{e} from {f}" for e, f in folded[:10])
                + (" ..." if len(folded) > 10 else ""),
                count=len(folded),
                unit=unit,
                stations=float(folded_stations),
                share=float(folded_stations / total),
                source=source,
                pairs=folded[:10],
                more=len(folded) > 10,
            )
        )
    missing = np.flatnonzero((n_h == 0) & (into < 0) & (own_sizes > 0))
    if len(missing):
        missing_stations = own_sizes[missing].sum()
        names = ", ".join(str(pop_labels[h]) for h in missing[:10]) + (
            " ..." if len(missing) > 10 else ""
        )
        where = (
            Sentence("qc.where.national", "nationally")
            if block is None
            else Sentence(
                "qc.where.national_region", "nationally (nothing of their region reported)"
            )
        )
        warnings.append(
            say(
                "qc.warning.missing",
                f"{len(missing)} {unit} ({missing_stations:,.0f} stations, {missing_stations / total:.1%}) "
                f"have no reporting station and are left out; the estimate assumes they vote like "
                f"the rest {where}: {names}",
                count=len(missing),
                unit=unit,
                stations=float(missing_stations),
                share=float(missing_stations / total),
                where=where,
                names=names,
            )
        )
    if block is not None and strata_frame is not None:
        unplaced = [str(pop_labels[h]) for h in np.flatnonzero((n_h > 0) & (block < 0))]
        if unplaced:
            names = ", ".join(unplaced[:10]) + (" ..." if len(unplaced) > 10 else "")
            warnings.append(
                say(
                    "qc.warning.unplaced",
                    f"{len(unplaced)} reporting {unit} have no single region (their stations lie in "
                    "several regions, or none is known): they are neither folded into nor pooled "
                    "with a region's strata: " + names,
                    count=len(unplaced),
                    unit=unit,
                    names=names,
                )
            )
    collapsed = [[str(pop_labels[h]) for h in members] for members in merged]
    if collapsed:
        rule = (
            Sentence("qc.collapse.sorted", "the next stratum in sorted order")
            if block is None
            else Sentence("qc.collapse.region", "the most similar strata of the same region")
        )
        groups = "; ".join("+".join(g) for g in collapsed[:10])
        warnings.append(
            say(
                "qc.warning.collapsed",
                f"{len(collapsed)} variance groups formed by collapsing strata with a single reporting station "
                f"with {rule}: " + groups,
                count=len(collapsed),
                rule=rule,
                groups=groups,
            )
        )
    _, group = np.unique(group_h[codes], return_inverse=True)
    design = Design(
        labels=pop_labels,
        codes=codes,
        reported_per_stratum=n_h,
        stations_per_stratum=pop_sizes,
        weight=weight_h[codes],
        fpc_root=fpc_h[codes],
        group=group,
        group_count=int(group.max()) + 1 if len(group) else 0,
        collapsed=collapsed,
        own_stations=own_sizes,
        folded=folded,
        fold_moved=np.where(into >= 0, own_sizes, 0.0),
        fold_into=into,
        kind=np.array(kind, dtype=object),
        block=block,
        key=key,
    )
    if weight is not None:
        design = _with_recorded_weights(design, codes_all, weight, reported, into, parent)
    return design, warnings


def design_summary(design: Design) -> dict[str, Any]:
    """How the weights and variance were taken, for the JSON and the page."""
    certainty = np.array([str(label).endswith(CERTAINTY_SUFFIX) for label in design.labels])
    replacement = (
        np.zeros(len(design.labels), dtype=bool)
        if design.with_replacement is None
        else design.with_replacement
    )
    sampled = design.reported_per_stratum > 0
    return {
        "weights": "N_h/n_h" if design.base is None else "recorded (1/π)",
        "strata_with_replacement_variance": int((replacement & sampled).sum()),
        "strata_with_fpc": int((~replacement & ~certainty & sampled).sum()),
        "certainty_stations": int(design.stations_per_stratum[certainty].sum()),
        "folded_strata": len(design.folded),
        "collapsing": "within regions, by similarity"
        if design.block is not None
        else "label order",
    }


def _with_recorded_weights(
    design: Design,
    codes_all: np.ndarray,
    weight: np.ndarray,
    reported: np.ndarray,
    into: np.ndarray,
    parent: Sequence[str],
) -> Design:
    """The design with the recorded weights 1/π in place of N_h/n_h (see :func:`prepare_design`).

    A folded stratum's sampled weights (``into``) join its receiver's target.
    Whether a stratum was drawn with unequal probabilities is judged on its
    parent (``parent``): the post-strata of a PPS stratum keep the
    with-replacement variance even when their few weights happen to be equal.
    """
    strata = len(design.labels)
    target = np.bincount(codes_all, weights=weight, minlength=strata)
    folding = np.flatnonzero(into >= 0)
    moved = np.zeros(strata)
    moved[folding] = target[folding]
    np.add.at(target, into[folding], target[folding])
    target[folding] = 0.0
    owners = [p or str(label) for p, label in zip(parent, design.labels.tolist(), strict=True)]
    _, owner = np.unique(np.array(owners, dtype=str), return_inverse=True)
    high = np.full(strata, -np.inf)
    low = np.full(strata, np.inf)
    np.maximum.at(high, owner[codes_all], weight)
    np.minimum.at(low, owner[codes_all], weight)
    unequal = ((high > low * (1 + 1e-9)) & np.isfinite(high))[owner]
    base = weight[reported]
    fpc_root = np.where(unequal[design.codes], 1.0, design.fpc_root)
    partial = replace(
        design,
        base=base,
        target_per_stratum=target,
        with_replacement=unequal,
        fold_moved=moved,
    )
    return replace(partial, weight=partial.weights_on(np.arange(len(base))), fpc_root=fpc_root)


def _group_sums(group: np.ndarray, values: np.ndarray, groups: int) -> np.ndarray:
    """Per-group sums of each column of ``values`` (n × k) as a (groups × k) array."""
    out = np.empty((groups, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(group, weights=values[:, j], minlength=groups)
    return out


def linearized_ratios(
    design: Design, y: np.ndarray, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Ratio estimates and their linearised SEs for k ratios at once.

    ``y`` and ``x`` are (n × k) arrays over the reporting stations of
    ``design``. Returns (estimates, ses), each of length k; NaN where Σw·x = 0
    or no variance group has two stations.
    """
    w = design.weight[:, None]
    total_y = (w * y).sum(axis=0)
    total_x = (w * x).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = total_y / total_x
    ratio_safe = np.nan_to_num(ratio)
    z = design.fpc_root[:, None] * w * (y - ratio_safe * x)
    groups = design.group_count
    n_g = np.bincount(design.group, minlength=groups).astype(np.float64)
    mean = _group_sums(design.group, z, groups) / np.maximum(n_g, 1.0)[:, None]
    centred = z - mean[design.group]
    sum_sq = _group_sums(design.group, centred * centred, groups)
    usable = n_g >= 2
    scale = np.where(usable, n_g / np.maximum(n_g - 1.0, 1.0), 0.0)
    variance = (scale[:, None] * sum_sq).sum(axis=0)
    variance = variance + fold_variance(design, y - ratio_safe * x)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(variance) / np.abs(total_x)
    if not usable.any():
        se = np.full_like(se, np.nan)
    return ratio, se


def fold_variance(design: Design, residual: np.ndarray) -> np.ndarray:
    """Variance (of the residual total) that folding empty strata adds.

    A folded stratum e is assumed to vote like its receiver f, so its share
    of the total is off by N_e·(μ_e − μ_f) in the linearised residual
    (``residual`` = y − R̂x per reporting station, n × k). Taking stratum
    means within a region as independent draws around the region's (a
    random-effects view, spread τ²), the strata E_f folded into one receiver
    f are off together by Σ_e N_e·μ_e − (Σ_e N_e)·μ_f, whose variance is
    Σ_e N_e²·τ² + (Σ_e N_e)²·τ² (2·N_e²·τ² for a single one). τ² is the
    spread of the reporting strata's mean residuals in the region less their
    sampling noise (s²_h/n_h), estimated from strata with at least two
    reports (for a post-stratum: those of its category in the region); with
    fewer than two such strata, those of the region, else all strata. Zero
    when nothing was folded. Conservative when f is the most similar stratum.
    """
    k = residual.shape[1]
    if design.fold_moved is None or not design.fold_moved.any() or design.fold_into is None:
        return np.zeros(k)
    strata = len(design.labels)
    codes = design.codes
    base = np.ones(len(codes)) if design.base is None else design.base
    mass = np.bincount(codes, weights=base, minlength=strata)
    n_h = design.reported_per_stratum
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = _group_sums(codes, base[:, None] * residual, strata) / mass[:, None]
        spread = _group_sums(codes, (residual - mean[codes]) ** 2, strata)
        noise = spread / np.maximum(n_h - 1.0, 1.0)[:, None] / np.maximum(n_h, 1.0)[:, None]
    informative = n_h >= 2
    if informative.sum() < 2:
        return np.zeros(k)
    kind = np.full(strata, "", dtype=object) if design.kind is None else design.kind
    raw_block = np.zeros(strata, dtype=np.int64) if design.block is None else design.block
    _, block = np.unique(raw_block, return_inverse=True)
    by_region = _group_spread(block, informative, mean, noise)
    _, region_kind = np.unique(
        np.char.add(block.astype(str), np.char.add("|", kind.astype(str))),
        return_inverse=True,
    )
    by_kind = _group_spread(region_kind, informative, mean, noise)
    national = _group_spread(np.zeros(strata, dtype=np.int64), informative, mean, noise)[0]

    def tau2(h: int) -> np.ndarray:
        for candidate in (by_kind[region_kind[h]] if kind[h] else None, by_region[block[h]]):
            if candidate is not None and not np.isnan(candidate).any():
                return candidate
        return national

    extra = np.zeros(k)
    moved = design.fold_moved
    into = design.fold_into
    for f in np.unique(into[into >= 0]).tolist():
        folded = np.flatnonzero(into == f)
        own = sum((moved[e] ** 2 * tau2(e) for e in folded.tolist()), np.zeros(k))
        extra += own + moved[folded].sum() ** 2 * tau2(int(f))
    return extra


def _group_spread(
    group: np.ndarray, informative: np.ndarray, mean: np.ndarray, noise: np.ndarray
) -> np.ndarray:
    """Per group (row), τ² = max(0, var(mean) − mean(noise)) over informative strata; NaN under two."""
    groups = int(group.max()) + 1 if len(group) else 0
    members = np.flatnonzero(informative)
    g = group[members]
    count = np.bincount(g, minlength=groups).astype(np.float64)[:, None]
    total = _group_sums(g, mean[members], groups)
    squares = _group_sums(g, mean[members] ** 2, groups)
    noise_total = _group_sums(g, noise[members], groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (squares - total**2 / count) / (count - 1.0)
        spread = np.maximum(between - noise_total / count, 0.0)
    return np.where(count >= 2, spread, np.nan)


def _interval(estimate: float, se: float, z: float, low: float, high: float) -> Estimate:
    if not np.isfinite(se):
        return Estimate(float(estimate), float("nan"), (float("nan"), float("nan")))
    return Estimate(
        float(estimate),
        float(se),
        (float(max(low, estimate - z * se)), float(min(high, estimate + z * se))),
    )


def ratio_estimate(
    y: np.ndarray,
    x: np.ndarray,
    stratum: np.ndarray,
    population: Mapping[Any, float],
    confidence: float = 0.95,
    domain: np.ndarray | None = None,
) -> Estimate:
    """Combined ratio estimate Σw·y/Σw·x of a stratified station sample with its linearised SE.

    ``y``, ``x``, ``stratum`` (and the boolean ``domain``) are aligned arrays
    over the reporting stations; ``population`` maps each stratum label to its
    number of stations in the frame (N_h). Outside ``domain``, y and x count as
    zero. The interval is normal at ``confidence`` and is not clipped.
    """
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if domain is not None:
        inside = np.asarray(domain, dtype=bool)
        y = np.where(inside, y, 0.0)
        x = np.where(inside, x, 0.0)
    design, _ = prepare_design(np.asarray(stratum), population)
    ratio, se = linearized_ratios(design, y[:, None], x[:, None])
    return _interval(float(ratio[0]), float(se[0]), z_for(confidence), -np.inf, np.inf)


def _rao_wu_weights(design: Design, replicates: int, rng: np.random.Generator, chunk: int = 100):
    """Yield (b × n) arrays of Rao–Wu rescaled bootstrap weights, ``chunk`` replicates at a time."""
    n = len(design.codes)
    order = np.argsort(design.group, kind="stable")
    n_g = np.bincount(design.group, minlength=design.group_count)
    start = np.concatenate([[0], np.cumsum(n_g)[:-1]])
    resampled = np.flatnonzero(n_g >= 2)
    draws_per_group = n_g[resampled] - 1
    draw_group = np.repeat(resampled, draws_per_group)
    draw_start = start[draw_group]
    draw_size = n_g[draw_group]
    group_size = n_g[design.group].astype(np.float64)
    lam = np.where(group_size >= 2, design.fpc_root, 0.0)
    boost = np.where(group_size >= 2, group_size / np.maximum(group_size - 1.0, 1.0), 0.0)
    done = 0
    while done < replicates:
        b = min(chunk, replicates - done)
        picks = draw_start + np.floor(rng.random((b, len(draw_group))) * draw_size).astype(np.int64)
        flat = (np.arange(b)[:, None] * n + order[picks]).ravel()
        counts = np.bincount(flat, minlength=b * n).reshape(b, n)
        yield design.weight * (1.0 - lam + lam * boost * counts)
        done += b


def bootstrap_ratios(
    design: Design, y: np.ndarray, x: np.ndarray, replicates: int, seed: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Point estimates and Rao–Wu bootstrap SEs of k ratios ((n × k) arrays y and x)."""
    if replicates < 2:
        raise ValueError("the bootstrap needs at least two replicates")
    rng = np.random.default_rng(seed)
    ratio, _ = linearized_ratios(design, y, x)
    estimates = []
    for weights in _rao_wu_weights(design, replicates, rng):
        with np.errstate(divide="ignore", invalid="ignore"):
            estimates.append((weights @ y) / (weights @ x))
    replicate = np.vstack(estimates)
    se = replicate.std(axis=0)
    extra = fold_variance(design, y - np.nan_to_num(ratio) * x)
    if extra.any():
        total_x = design.weight @ x
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.sqrt(se**2 + extra / total_x**2)
    if design.group_count == 0 or not np.any(np.bincount(design.group) >= 2):
        se = np.full_like(se, np.nan)
    return ratio, se


def call_status(
    lead: Lead | None,
    reported_fraction: float,
    *,
    missing_domains: Sequence[str] = (),
    stable: bool | None = None,
    z_threshold: float = DEFAULT_CALL_Z,
    min_reported: float = DEFAULT_MIN_REPORTED,
) -> Call:
    """The call rule (DESIGN §3), checked in this order:

    1. "not enough data" when fewer than ``min_reported`` of the sampled
       stations reported, when there is no lead (fewer than two contestants
       with an estimate), when a domain (``missing_domains``) has no reporting
       station, when the lead's SE is undefined, or when the leader changed
       over the last arrivals (``stable`` False);
    2. "decided" when |lead| / SE(lead) ≥ ``z_threshold``;
    3. "too close" otherwise.
    ``stable`` None means it could not be checked (too few arrivals for the
    checks); it then does not block a call but the reason says so.
    """
    z_value = (
        float("nan")
        if lead is None or not np.isfinite(lead.se) or lead.se == 0
        else abs(lead.estimate) / lead.se
    )
    if lead is not None and np.isfinite(lead.se) and lead.se == 0 and lead.estimate != 0:
        z_value = float("inf")

    def make(status: str, reason: Sentence) -> Call:
        return Call(status, reason, z_value, z_threshold, reported_fraction, stable)

    if reported_fraction < min_reported:
        return make(
            "not enough data",
            say(
                "qc.call.reported",
                f"{reported_fraction:.1%} of sampled stations reported; at least {min_reported:.0%} are needed",
                reported=reported_fraction,
                needed=min_reported,
            ),
        )
    if lead is None:
        return make(
            "not enough data", say("qc.call.no_lead", "fewer than two contestants with votes")
        )
    if missing_domains:
        domains = [str(d) for d in missing_domains]
        return make(
            "not enough data",
            say(
                "qc.call.missing_domains",
                "no reporting station in: " + ", ".join(domains),
                domains=domains,
            ),
        )
    if not np.isfinite(z_value):
        return make(
            "not enough data", say("qc.call.se", "the lead's standard error cannot be estimated")
        )
    if stable is False:
        return make(
            "not enough data",
            say(
                "qc.call.leader_changed",
                f"the leader changed over the last arrivals ({lead.first} now leads)",
                first=lead.first,
            ),
        )
    stability = "" if stable else " (leader stability not checked: too few arrivals)"
    status, verdict = ("decided", "≥") if z_value >= z_threshold else ("too close", "<")
    return make(
        status,
        say(
            f"qc.call.{status.replace(' ', '_')}{'' if stable else '_unchecked'}",
            f"{lead.first} leads {lead.second} by {z_value:.2f} standard errors ({verdict} {z_threshold}){stability}",
            first=lead.first,
            second=lead.second,
            z=z_value,
            threshold=z_threshold,
        ),
    )


def _as_vote_matrix(
    votes: Mapping[str, np.ndarray], length: int | None
) -> tuple[list[str], np.ndarray]:
    names = list(votes)
    if len(names) < 1:
        raise ValueError("at least one vote column is needed")
    matrix = np.column_stack([np.asarray(votes[name], dtype=np.float64) for name in names])
    if length is not None and matrix.shape[0] != length:
        raise ValueError(f"vote arrays have {matrix.shape[0]} rows, stratum has {length}")
    return names, matrix


def _check_counts(name: str, values: np.ndarray) -> None:
    """Counts must be finite and non-negative; the error names the column and the array positions."""
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if len(bad):
        raise InputError(
            "quick count",
            [
                Problem(
                    None,
                    name,
                    f"station at position {int(i)}: count {float(values[i])} is not a non-negative number",
                )
                for i in bad[:20]
            ],
        )


def quick_count(
    stratum: np.ndarray,
    votes: Mapping[str, np.ndarray],
    registered: np.ndarray | None = None,
    invalid: np.ndarray | None = None,
    *,
    population: Mapping[Any, float],
    reported: np.ndarray | None = None,
    by: np.ndarray | None = None,
    arrival: np.ndarray | None = None,
    method: str = "linearized",
    confidence: float = 0.95,
    replicates: int = 1000,
    seed: int | None = None,
    call_z: float = DEFAULT_CALL_Z,
    min_reported: float = DEFAULT_MIN_REPORTED,
    stability_checks: int = DEFAULT_STABILITY_CHECKS,
    stability_step: float = DEFAULT_STABILITY_STEP,
    weight: np.ndarray | None = None,
) -> QuickCountResult:
    """Quick-count estimates from a stratified sample of stations.

    ``weight`` holds the recorded design weights 1/π of the sampled stations
    (as ``pollwatch sample`` writes them, PPS included); without it the
    weights are N_h/n_h. See :func:`prepare_design` for how they are used.

    Arrays are aligned over the *sampled* stations: ``stratum`` labels,
    ``votes`` (contestant name -> votes), optional ``registered`` voters and
    ``invalid`` ballots, optional ``by`` domain labels and ``arrival`` order
    (sortable; default: array order). ``reported`` marks stations whose
    results arrived (default: all); the others only count towards the
    reported fraction and domain representation. ``population`` maps every
    stratum of the frame to its number of stations N_h.

    Shares are of valid votes (the sum of ``votes``); turnout is
    (valid + invalid) / registered; invalid is invalid / (valid + invalid).
    ``method`` is "linearized" (Taylor, DESIGN §3) or "bootstrap" (Rao–Wu,
    ``replicates`` seeded by ``seed``). Intervals are normal at
    ``confidence`` and clipped to [0, 1] (the lead's to [−1, 1]). The call
    follows :func:`call_status`; stability means the same leader at each of
    the last ``stability_checks`` points, ``stability_step`` (a fraction of
    sampled stations) apart in arrival order.
    """
    stratum = np.asarray(stratum)
    length = len(stratum)
    names, matrix = _as_vote_matrix(votes, length)
    reported_mask = (
        np.ones(length, dtype=bool) if reported is None else np.asarray(reported, dtype=bool)
    )
    if reported_mask.shape != (length,):
        raise ValueError(f"reported has shape {reported_mask.shape}, expected ({length},)")
    # stations that have not reported may carry NaN or anything: only reported counts are checked
    matrix = np.where(reported_mask[:, None], matrix, 0.0)
    for j, name in enumerate(names):
        _check_counts(name, matrix[:, j])
    if method not in {"linearized", "bootstrap"}:
        raise ValueError(f"method must be 'linearized' or 'bootstrap', got {method!r}")
    z = z_for(confidence)
    registered_arr = None if registered is None else np.asarray(registered, dtype=np.float64)
    invalid_arr = None if invalid is None else np.asarray(invalid, dtype=np.float64)
    if registered_arr is not None:
        _check_counts("registered", np.where(reported_mask, registered_arr, 0.0))
    if invalid_arr is not None:
        _check_counts("invalid", np.where(reported_mask, invalid_arr, 0.0))

    design, warnings = prepare_design(stratum, population, reported_mask, weight)
    votes_rep = matrix[reported_mask]
    registered_rep = None if registered_arr is None else registered_arr[reported_mask]
    invalid_rep = None if invalid_arr is None else invalid_arr[reported_mask]
    order = _arrival_order(arrival, length, reported_mask)
    context = _Context(
        design, names, votes_rep, registered_rep, invalid_rep, method, z, replicates, seed
    )

    stratum_sizes = (
        design.stations_per_stratum if design.own_stations is None else design.own_stations
    )
    reporting = design.reported_per_stratum > 0
    strata_info: dict[str, Any] = {
        "frame_strata": int(len(design.labels)),
        "frame_stations": int(stratum_sizes.sum()),
        "reporting_strata": int(reporting.sum()),
        "covered_stations": int(stratum_sizes[reporting].sum()),
        "coverage": float(stratum_sizes[reporting].sum() / stratum_sizes.sum())
        if stratum_sizes.sum()
        else 0.0,
        "missing": [str(s) for s in design.labels[~reporting]],
        "single_station": [str(s) for s in design.labels[design.reported_per_stratum == 1]],
        "collapsed": design.collapsed,
        "folded": [list(pair) for pair in design.folded],
    }
    if int(reported_mask.sum()) == 0:
        warnings.append(Sentence("qc.warning.none_reported", "no sampled station has reported yet"))

    by_arr = None if by is None else np.asarray(by).astype(str)
    missing_domains: list[str] = []
    by_results: dict[str, QuickCountResult] = {}
    if by_arr is not None:
        for label in np.unique(by_arr).tolist():
            in_domain = by_arr == label
            domain_reported = int((in_domain & reported_mask).sum())
            if domain_reported == 0:
                missing_domains.append(label)
            df = domain_df(design, in_domain[reported_mask])
            multiplier = t_for(confidence, df)
            shares, turnout, invalid_est, lead = context.estimate(
                in_domain[reported_mask], multiplier
            )
            fraction = domain_reported / int(in_domain.sum())
            stable = _stability(
                context,
                order,
                stability_checks,
                stability_step,
                in_domain[reported_mask],
                int(in_domain.sum()),
            )
            by_results[label] = QuickCountResult(
                shares=shares,
                turnout=turnout,
                invalid=invalid_est,
                lead=lead,
                call=call_status(
                    lead,
                    fraction,
                    stable=stable,
                    z_threshold=float(student_t.isf(norm.sf(call_z), df)),
                    min_reported=min_reported,
                ),
                stations=domain_reported,
                sampled_stations=int(in_domain.sum()),
                strata={},
                warnings=[]
                if domain_reported
                else [
                    Sentence(
                        "qc.warning.empty_domain",
                        "no reporting station in this domain: estimates are undefined",
                    )
                ],
                method=method,
                confidence=confidence,
                interval={"distribution": "t", "df": df, "multiplier": multiplier},
            )
    shares, turnout, invalid_est, lead = context.estimate(None)
    stable = _stability(context, order, stability_checks, stability_step, None, length)
    fraction = float(reported_mask.sum() / length) if length else 0.0
    if any(not np.isfinite(e.se) for e in shares.values()):
        warnings.append(
            Sentence(
                "qc.warning.se_undefined",
                "standard errors are undefined: fewer than two reporting stations outside census strata",
            )
        )
    return QuickCountResult(
        shares=shares,
        turnout=turnout,
        invalid=invalid_est,
        lead=lead,
        call=call_status(
            lead,
            fraction,
            missing_domains=missing_domains,
            stable=stable,
            z_threshold=call_z,
            min_reported=min_reported,
        ),
        stations=int(reported_mask.sum()),
        sampled_stations=length,
        strata=strata_info,
        warnings=warnings,
        method=method,
        confidence=confidence,
        by=by_results,
        interval={"distribution": "normal", "multiplier": z},
        design=design_summary(design),
    )


def _arrival_order(arrival: np.ndarray | None, length: int, reported: np.ndarray) -> np.ndarray:
    """Positions (into the reporting stations) in arrival order."""
    count = int(reported.sum())
    if arrival is None:
        return np.arange(count)
    keys = np.asarray(arrival)[reported]
    return np.argsort(keys, kind="stable")


class _Context:
    """The reporting stations' columns and method, so the same estimates can be taken on subsets."""

    def __init__(self, design, names, votes, registered, invalid, method, z, replicates, seed):
        self.design = design
        self.names = names
        self.votes = votes
        self.valid = votes.sum(axis=1)
        self.registered = registered
        self.invalid = invalid
        self.method = method
        self.z = z
        self.replicates = replicates
        self.seed = seed

    def _ratios(self, y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.method == "bootstrap":
            return bootstrap_ratios(self.design, y, x, self.replicates, self.seed)
        return linearized_ratios(self.design, y, x)

    def estimate(
        self, inside: np.ndarray | None, multiplier: float | None = None
    ) -> tuple[dict[str, Estimate], Estimate | None, Estimate | None, Lead | None]:
        """Shares, turnout, invalid and lead, in a domain (boolean over reporting stations) or overall.

        Intervals are ± ``multiplier``·SE (default: the normal quantile of the context).

        All ratios go through one variance call (one set of bootstrap replicates); the
        lead's pair is chosen first from the point estimates, which need only weighted totals.
        """
        keep = np.ones(len(self.valid)) if inside is None else inside.astype(np.float64)
        votes = self.votes * keep[:, None]
        valid = self.valid * keep
        ballots = valid + (self.invalid * keep if self.invalid is not None else 0.0)
        k = len(self.names)
        ys = [votes]
        xs = [np.repeat(valid[:, None], k, axis=1)]
        pair = None
        totals = self.design.weight @ votes
        if k >= 2 and totals.sum() > 0:
            ranking = np.argsort(-totals, kind="stable")
            pair = (int(ranking[0]), int(ranking[1]))
            ys.append((votes[:, pair[0]] - votes[:, pair[1]])[:, None])
            xs.append(valid[:, None])
        if self.registered is not None:
            ys.append(ballots[:, None])
            xs.append((self.registered * keep)[:, None])
        if self.invalid is not None:
            ys.append((self.invalid * keep)[:, None])
            xs.append(ballots[:, None])
        ratio, se = self._ratios(np.hstack(ys), np.hstack(xs))
        z = self.z if multiplier is None else multiplier
        shares = {
            name: _interval(ratio[j], se[j], z, 0.0, 1.0) for j, name in enumerate(self.names)
        }
        position = k
        lead = turnout = invalid = None
        if pair is not None:
            e = _interval(ratio[position], se[position], z, -1.0, 1.0)
            lead = Lead(self.names[pair[0]], self.names[pair[1]], e.estimate, e.se, e.ci)
            position += 1
        if self.registered is not None:
            turnout = _interval(ratio[position], se[position], z, 0.0, 1.0)
            position += 1
        if self.invalid is not None:
            invalid = _interval(ratio[position], se[position], z, 0.0, 1.0)
        return shares, turnout, invalid, lead


def _stability(
    context: _Context,
    order: np.ndarray,
    checks: int,
    step: float,
    inside: np.ndarray | None,
    sampled: int,
) -> bool | None:
    """Same leader (by point estimate) after each of the last ``checks`` arrival points ``step`` apart?

    Point estimates only, so this is cheap: per-stratum sums over arrival prefixes.
    In a domain, the points are counted in the domain's own arrivals, but each
    prefix holds every station (of any domain) that had arrived by then, so
    the weights N_h/n_h are those the national estimate had at that moment.
    None when there are too few arrivals to look back over.
    """
    # position in the global arrival order just after each of the domain's arrivals
    ends = np.arange(1, len(order) + 1) if inside is None else np.flatnonzero(inside[order]) + 1
    count = len(ends)
    stride = max(1, int(round(step * sampled)))
    cut_points = [count - j * stride for j in range(checks)]
    if checks < 2 or cut_points[-1] < 2:
        return None
    leaders = []
    for cut in cut_points:
        chosen = order[: ends[cut - 1]]
        leaders.append(_leader_on_subset(context, chosen, inside))
    if any(leader is None for leader in leaders):
        return None
    return len(set(leaders)) == 1


def _leader_on_subset(
    context: _Context, chosen: np.ndarray, inside: np.ndarray | None
) -> int | None:
    weight = context.design.weights_on(chosen)
    votes = context.votes[chosen]
    if inside is not None:
        votes = votes * inside[chosen][:, None]
    totals = weight @ votes
    if totals.sum() <= 0:
        return None
    return int(np.argmax(totals))


def convergence(
    stratum: np.ndarray,
    votes: Mapping[str, np.ndarray],
    *,
    population: Mapping[Any, float],
    arrival: np.ndarray | None = None,
    batch: int = 100,
    confidence: float = 0.95,
    weight: np.ndarray | None = None,
    reported: np.ndarray | None = None,
) -> list[ConvergencePoint]:
    """Linearised share and lead estimates after every ``batch`` arrivals (and after the last).

    Works from per-stratum running sums of b·y, b·x, b²y², b²xy and b²x² (b
    the recorded ``weight``, else 1) over arrival batches, so the cost is
    O(n + points × strata), not a full re-estimate per point. Strata with one
    station so far are collapsed as in :func:`prepare_design`. The lead is of
    the final leader over the final runner-up, so the points trace one
    quantity. With ``reported`` (default: all), arrays run over every sampled
    station and only the reported ones arrive; the last point then equals
    :func:`quick_count`'s linearised estimate.
    """
    stratum = np.asarray(stratum)
    names, matrix = _as_vote_matrix(votes, len(stratum))
    reported_mask = (
        np.ones(len(stratum), dtype=bool) if reported is None else np.asarray(reported, bool)
    )
    matrix = matrix[reported_mask]
    for j, name in enumerate(names):
        _check_counts(name, matrix[:, j])
    z = z_for(confidence)
    count = len(matrix)
    arrival_rep = None if arrival is None else np.asarray(arrival)[reported_mask]
    order = np.arange(count) if arrival_rep is None else np.argsort(arrival_rep, kind="stable")
    design, _ = prepare_design(stratum, population, reported_mask, weight)
    codes = design.codes[order]
    matrix = matrix[order]
    base = np.ones(count) if design.base is None else design.base[order]
    target = (
        design.stations_per_stratum
        if design.target_per_stratum is None
        else design.target_per_stratum
    )
    with_replacement = (
        np.zeros(len(design.labels), dtype=bool)
        if design.with_replacement is None
        else design.with_replacement
    )
    valid = matrix.sum(axis=1)
    final_totals = design.weight[order] @ matrix
    ranking = np.argsort(-final_totals, kind="stable")
    k = len(names)
    y = (
        np.column_stack([matrix, matrix[:, ranking[0]] - matrix[:, ranking[1]]])
        if k >= 2
        else matrix
    )
    x = np.repeat(valid[:, None], y.shape[1], axis=1)
    cuts = list(range(batch, count, batch)) + [count]
    point_of = np.searchsorted(np.asarray(cuts), np.arange(count), side="right")
    strata = len(design.labels)
    cells = point_of * strata + codes
    size = len(cuts) * strata

    def running(values: np.ndarray) -> np.ndarray:
        sums = np.bincount(cells, weights=values, minlength=size).reshape(len(cuts), strata)
        return np.cumsum(sums, axis=0)

    n_h = running(np.ones(count))
    base_h = running(base)
    squared = base * base
    sum_y = np.stack([running(base * y[:, j]) for j in range(y.shape[1])], axis=-1)
    sum_x = running(base * x[:, 0])[..., None]
    sum_yy = np.stack([running(squared * y[:, j] ** 2) for j in range(y.shape[1])], axis=-1)
    sum_xy = np.stack([running(squared * y[:, j] * x[:, 0]) for j in range(y.shape[1])], axis=-1)
    sum_xx = running(squared * x[:, 0] ** 2)[..., None]
    pop = design.stations_per_stratum
    points = []
    for p, cut in enumerate(cuts):
        n = n_h[p]
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(base_h[p] > 0, target / base_h[p], 0.0)
            fpc = np.where(with_replacement, 1.0, np.sqrt(np.clip(1.0 - n / pop, 0.0, 1.0)))
        total_y = w @ sum_y[p]
        total_x = w @ sum_x[p]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = total_y / total_x
        r = np.nan_to_num(ratio)
        c = (fpc * w)[:, None]
        sum_z = c * (sum_y[p] - r * sum_x[p])
        sum_zz = c**2 * (sum_yy[p] - 2 * r * sum_xy[p] + r**2 * sum_xx[p])
        group_h, _ = collapse_groups(
            n.astype(np.int64), (n >= pop) & (n > 0), design.block, design.key, design.kind
        )
        used = group_h >= 0
        _, g = np.unique(group_h[used], return_inverse=True)
        groups = int(g.max()) + 1 if len(g) else 0
        n_g = np.bincount(g, weights=n[used], minlength=groups)
        gz = np.stack(
            [np.bincount(g, weights=sum_z[used, j], minlength=groups) for j in range(y.shape[1])],
            axis=-1,
        )
        gzz = np.stack(
            [np.bincount(g, weights=sum_zz[used, j], minlength=groups) for j in range(y.shape[1])],
            axis=-1,
        )
        ok = n_g >= 2
        variance = (
            (n_g[ok] / (n_g[ok] - 1))[:, None] * (gzz[ok] - gz[ok] ** 2 / n_g[ok][:, None])
        ).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            se = (
                np.sqrt(np.maximum(variance, 0.0)) / np.abs(total_x)
                if ok.any()
                else np.full(y.shape[1], np.nan)
            )
        shares = {name: _interval(ratio[j], se[j], z, 0.0, 1.0) for j, name in enumerate(names)}
        lead = None
        if k >= 2:
            e = _interval(ratio[k], se[k], z, -1.0, 1.0)
            lead = Lead(names[ranking[0]], names[ranking[1]], e.estimate, e.se, e.ci)
        points.append(ConvergencePoint(int(cut), shares, lead))
    return points
