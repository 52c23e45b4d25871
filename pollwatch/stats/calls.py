"""The threshold-aware call: outright win or run-off, second place, party thresholds.

Pure (no Django): :func:`threshold_call` takes plain estimates and returns a
structured call; the CLI and the web feed it the same inputs
(:func:`inputs_from_quick_count`). docs/quickcount.md, "The call", explains
it for users; the sources are there too.

Every part of the call is a one-sided test of a linear contrast of the
shares against zero: share_A − threshold (outright win, party threshold) or
share_A − share_B (lead, run-off places). A part is decided when its
**worst-case** z reaches the z of the look (below):

* Worst case for the uncovered frame. The estimate stands for the strata
  with a report (coverage c of the frame). The uncovered share u = 1 − c is
  given the least favourable *regional* result observed so far for that
  contrast (the lowest regional value when the call needs the contrast to
  be positive, the highest when it needs it negative), and the contrast
  becomes (1 − u)·ĉ + u·min(ĉ, worst region). The SE stays that of ĉ: the
  regional value is a fixed scenario, a sensitivity bound, not an estimate
  (its own noise makes the chosen extreme more extreme, i.e. conservative).
  Without regional results the uncovered share gets the extreme value the
  contrast can take (everything to the least favourable contestant), which
  is much stricter. A configured minimum coverage must be met first.
* Repeated looks (Haybittle 1971; Peto et al. 1976): the call is re-checked
  on every refresh, so every look is a chance for a wrong "decided". Until
  ``final_from`` (95 %) of the sampled stations have reported, a part needs
  z ≥ 3.29 (two-sided p < 0.001); from then on the usual 2.58. No call at all
  before ``min_reported`` (80 %). The z boundaries do not depend on how often
  the page refreshes, unlike "the call must hold for N consecutive updates",
  whose protection vanishes when updates come every few stations (the
  statistic barely moves between two updates). Simulation with late rural
  reporters and newly included territories: :mod:`pollwatch.stats.calls_simulation`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pollwatch.stats.differences import share_differences
from pollwatch.stats.words import Sentence, say

DEFAULT_OUTRIGHT_THRESHOLD = 0.5
DEFAULT_Z_FINAL = 2.58
DEFAULT_Z_INTERIM = 3.29
DEFAULT_FINAL_FROM = 0.95
DEFAULT_MIN_REPORTED = 0.80
DEFAULT_MIN_COVERAGE = 0.90


@dataclass(frozen=True)
class ContestRules:
    """How a contest is won, per contest (Contest.outright_threshold, .runoff, .party_threshold).

    ``outright_threshold`` None is a plurality contest (the leader wins);
    otherwise a contestant above it wins outright, and when nobody does, the
    top two go to a run-off if ``runoff`` (else: "no outright winner").
    ``party_threshold`` (e.g. 0.05 for seats) is tested for every contestant.
    """

    outright_threshold: float | None = DEFAULT_OUTRIGHT_THRESHOLD
    runoff: bool = True
    party_threshold: float | None = None

    def __post_init__(self) -> None:
        for name in ("outright_threshold", "party_threshold"):
            value = getattr(self, name)
            if value is not None and not 0.0 < value < 1.0:
                raise ValueError(f"{name} must be between 0 and 1 (a share), got {value}")


@dataclass(frozen=True)
class LookRule:
    """When a part may be decided, given how much has reported (see the module docstring)."""

    z_final: float = DEFAULT_Z_FINAL
    z_interim: float = DEFAULT_Z_INTERIM
    final_from: float = DEFAULT_FINAL_FROM
    min_reported: float = DEFAULT_MIN_REPORTED
    min_coverage: float = DEFAULT_MIN_COVERAGE

    def z_needed(self, reported_fraction: float) -> tuple[float, Sentence]:
        """The z a part must reach at this look, and the look's name in plain words."""
        final_from = self.final_from
        if reported_fraction >= final_from:
            return self.z_final, say(
                "call.look.final",
                f"final rule: {final_from:.0%} or more of the sample reported",
                final_from=final_from,
            )
        return self.z_interim, say(
            "call.look.interim",
            f"interim rule: less than {final_from:.0%} of the sample reported",
            final_from=final_from,
        )


@dataclass(frozen=True)
class CallInputs:
    """What the call needs from the quick count.

    ``shares``: contestant -> (share of valid votes, SE). ``differences``:
    (A, B) -> (share_A − share_B, SE), as :func:`differences.share_differences`
    returns. ``reported_fraction``: reported / sampled stations.
    ``coverage``: share of the frame (stations) in strata with a report.
    ``regions``: region -> contestant -> share, for regions with a report.
    """

    shares: Mapping[str, tuple[float, float]]
    differences: Mapping[tuple[str, str], tuple[float, float]]
    reported_fraction: float
    coverage: float
    regions: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class CallPart:
    """One question of the call, its answer and the statistic that decided it.

    ``answer`` is "yes", "no" or "undecided" ("above"/"below"/"undecided" for
    a party threshold); ``z`` is the worst-case z of the deciding contrast.
    """

    question: str
    answer: str
    plain: str
    technical: str
    z: float
    z_needed: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "plain": self.plain,
            "technical": self.technical,
            "z": _json_float(self.z),
            "z_needed": self.z_needed,
        }


@dataclass(frozen=True)
class ThresholdCall:
    """The call. ``status`` is one of STATUSES; ``contestants`` those it names (winner, run-off pair)."""

    status: str
    plain: str
    contestants: list[str]
    parts: list[CallPart]
    parties: dict[str, str]
    z_needed: float
    look: str
    reported_fraction: float
    coverage: float
    rules: ContestRules

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "plain": self.plain,
            "contestants": list(self.contestants),
            "parts": [p.as_dict() for p in self.parts],
            "parties": dict(self.parties),
            "z_needed": self.z_needed,
            "look": self.look,
            "reported_fraction": _json_float(self.reported_fraction),
            "coverage": _json_float(self.coverage),
            "rules": {
                "outright_threshold": self.rules.outright_threshold,
                "runoff": self.rules.runoff,
                "party_threshold": self.rules.party_threshold,
            },
        }

    def technical(self) -> str:
        """The methods-annex line: every part's technical statement, one per line."""
        return "\n".join(p.technical for p in self.parts)


STATUSES = (
    "winner",
    "outright winner",
    "run-off",
    "run-off, second place undecided",
    "run-off, contestants undecided",
    "no outright winner",
    "too close to call",
    "not enough data",
)


def _json_float(value: float) -> float | None:
    value = float(value)
    if np.isnan(value):
        return None
    return value if np.isfinite(value) else (1e308 if value > 0 else -1e308)


@dataclass(frozen=True)
class _Contrast:
    """Σ coef·share − offset, its estimate and SE, and the words for it."""

    coefs: dict[str, float]
    offset: float
    estimate: float
    se: float
    label: Sentence

    def on(self, shares: Mapping[str, float]) -> float:
        return sum(c * float(shares.get(name, 0.0)) for name, c in self.coefs.items()) - self.offset

    def extreme(self, sign: int) -> float:
        """The least favourable value over all share vectors (everything to one contestant)."""
        values = [sign * (c - self.offset) for c in self.coefs.values()] + [-sign * self.offset]
        return sign * min(values)


@dataclass(frozen=True)
class _Test:
    z: float
    technical: Sentence


def _worst_case(
    contrast: _Contrast, sign: int, inputs: CallInputs, z_needed: float, look: Sentence
) -> _Test:
    """z of sign·contrast after giving the uncovered frame the least favourable regional value."""
    uncovered = min(max(1.0 - inputs.coverage, 0.0), 1.0)
    regional = {
        region: contrast.on(shares)
        for region, shares in inputs.regions.items()
        if all(np.isfinite(float(v)) for v in shares.values())
    }
    if regional:
        region = min(regional, key=lambda r: sign * regional[r])
        worst = regional[region]
        where = say(
            "call.where.region",
            f"region {region}'s {100 * worst:+.2f} pp",
            region=region,
            pp=100 * worst,
        )
    else:
        worst = contrast.extreme(sign)
        where = say("call.where.extreme", f"the extreme {100 * worst:+.2f} pp", pp=100 * worst)
    worst = contrast.estimate if sign * worst > sign * contrast.estimate else worst
    bound = (1.0 - uncovered) * contrast.estimate + uncovered * worst
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (
            sign * bound / contrast.se
            if contrast.se > 0
            else (np.inf if sign * bound > 0 else -np.inf)
        )
    verdict = "≥" if z >= z_needed else "<"
    technical = say(
        "call.technical",
        f"{contrast.label} = {100 * contrast.estimate:+.2f} pp (SE {100 * contrast.se:.2f} pp); "
        f"worst case with {uncovered:.1%} of the frame uncovered at {where}: "
        f"{100 * bound:+.2f} pp; z = {z:.2f} {verdict} {z_needed} ({look})",
        label=contrast.label,
        estimate=100 * contrast.estimate,
        se=100 * contrast.se,
        uncovered=uncovered,
        where=where,
        bound=100 * bound,
        z=float(z),
        verdict=verdict,
        z_needed=z_needed,
        look=look,
    )
    return _Test(float(z), technical)


def _share_contrast(name: str, threshold: float, inputs: CallInputs) -> _Contrast:
    share, se = inputs.shares[name]
    label = say(
        "call.label.share", f"share({name}) − {threshold:.0%}", name=name, threshold=threshold
    )
    return _Contrast({name: 1.0}, threshold, share - threshold, se, label)


def _difference_contrast(first: str, second: str, inputs: CallInputs) -> _Contrast:
    estimate, se = inputs.differences[(first, second)]
    label = say(
        "call.label.difference", f"share({first}) − share({second})", first=first, second=second
    )
    return _Contrast({first: 1.0, second: -1.0}, 0.0, estimate, se, label)


def _gate(inputs: CallInputs, looks: LookRule) -> Sentence | None:
    """Why no part can be decided yet, or None."""
    reported, coverage = inputs.reported_fraction, inputs.coverage
    if reported < looks.min_reported:
        return say(
            "call.gate.reported",
            f"{reported:.1%} of the sampled stations have reported; "
            f"at least {looks.min_reported:.0%} are needed",
            reported=reported,
            needed=looks.min_reported,
        )
    if coverage < looks.min_coverage:
        return say(
            "call.gate.coverage",
            f"the reports cover {coverage:.1%} of the frame; "
            f"at least {looks.min_coverage:.0%} is needed",
            coverage=coverage,
            needed=looks.min_coverage,
        )
    if len(inputs.shares) < 2:
        return say("call.gate.contestants", "fewer than two contestants")
    ses = [se for _, se in inputs.shares.values()] + [se for _, se in inputs.differences.values()]
    if not all(np.isfinite(se) for se in ses):
        return say("call.gate.se", "standard errors cannot be estimated yet")
    return None


def threshold_call(
    inputs: CallInputs, rules: ContestRules | None = None, looks: LookRule | None = None
) -> ThresholdCall:
    """The call on ``inputs`` under the contest's ``rules`` and the repeated-looks rule ``looks``.

    Statuses (STATUSES): plurality contests give "winner A" or "too close to
    call"; threshold contests "outright winner A", "run-off" (A and B),
    "run-off, second place undecided" (A is in it, B or another is not sure
    to be), "run-off, contestants undecided", "no outright winner" (no
    run-off configured) or "too close to call" (whether the leader passes the
    threshold). "not enough data" before the gate (reported share, coverage,
    SEs) is passed. ``parties`` gives every contestant's status against the
    party threshold ("above", "below", "undecided"), when one is configured.
    """
    rules = rules or ContestRules()
    looks = looks or LookRule()
    z_needed, look = looks.z_needed(inputs.reported_fraction)
    ranking = sorted(inputs.shares, key=lambda n: (-inputs.shares[n][0], n))

    def make(
        status: str, plain: str, contestants: list[str], parts: list[CallPart]
    ) -> ThresholdCall:
        party_parts = [p for p in parts if p.question.startswith("party threshold")]
        parties = {p.question.split(": ", 1)[1]: p.answer for p in party_parts}
        return ThresholdCall(
            status,
            plain,
            contestants,
            parts,
            parties,
            z_needed,
            look,
            inputs.reported_fraction,
            inputs.coverage,
            rules,
        )

    reason = _gate(inputs, looks)
    if reason is not None:
        parties = (
            [
                CallPart(_party_question(n), "undecided", reason, reason, float("nan"), z_needed)
                for n in ranking
            ]
            if rules.party_threshold is not None
            else []
        )
        not_enough = say(
            "call.plain.not_enough", f"Not enough data for a call: {reason}.", reason=reason
        )
        return make("not enough data", not_enough, [], parties)
    args = (inputs, z_needed, look)
    if rules.outright_threshold is None:
        status, plain, named, parts = _plurality(ranking, *args)
    else:
        status, plain, named, parts = _threshold(ranking, rules, *args)
    if rules.party_threshold is not None:
        parts += [_party(n, rules.party_threshold, *args) for n in ranking]
    return make(status, plain, named, parts)


_Outcome = tuple[str, str, list[str], list[CallPart]]

# The questions of the parts (CallPart.question): "party threshold: <name>" is built below.
_QUESTIONS = {
    q: Sentence(f"call.question.{q}", q)
    for q in ("winner", "outright win", "run-off pair", "second place")
}


def _party_question(name: str) -> Sentence:
    return say("call.question.party threshold", f"party threshold: {name}", name=name)


def _beats_all(
    first: str, others: Sequence[str], inputs: CallInputs, z_needed: float, look: Sentence
) -> tuple[_Test, str]:
    """The weakest worst-case test of ``first`` over each of ``others`` (at least one), and whom it was against."""
    tests = [
        (_worst_case(_difference_contrast(first, o, inputs), +1, inputs, z_needed, look), o)
        for o in others
    ]
    return min(tests, key=lambda t: t[0].z)


def _plurality(ranking: list[str], inputs: CallInputs, z_needed: float, look: Sentence) -> _Outcome:
    first = ranking[0]
    test, closest = _beats_all(first, ranking[1:], inputs, z_needed, look)
    question = _QUESTIONS["winner"]
    if test.z >= z_needed:
        plain = say("call.plain.wins", f"{first} wins.", first=first)
        part = CallPart(question, "yes", plain, test.technical, test.z, z_needed)
        return "winner", plain, [first], [part]
    plain = say(
        "call.plain.too_close_lead",
        f"Too close to call: {first} leads {closest}, but not by enough.",
        first=first,
        closest=closest,
    )
    part = CallPart(question, "undecided", plain, test.technical, test.z, z_needed)
    return "too close to call", plain, [], [part]


def _threshold(
    ranking: list[str], rules: ContestRules, inputs: CallInputs, z_needed: float, look: Sentence
) -> _Outcome:
    threshold = float(rules.outright_threshold)  # type: ignore[arg-type]
    first = ranking[0]
    above = _worst_case(_share_contrast(first, threshold, inputs), +1, inputs, z_needed, look)
    question = _QUESTIONS["outright win"]
    if above.z >= z_needed:
        plain = say(
            "call.plain.outright",
            f"{first} wins outright, with more than {threshold:.0%} of the valid votes.",
            first=first,
            threshold=threshold,
        )
        part = CallPart(question, "yes", plain, above.technical, above.z, z_needed)
        return "outright winner", plain, [first], [part]
    below = min(
        (
            _worst_case(_share_contrast(n, threshold, inputs), -1, inputs, z_needed, look)
            for n in ranking
        ),
        key=lambda t: t.z,
    )
    if below.z < z_needed:
        plain = say(
            "call.plain.too_close_threshold",
            f"Too close to call: whether {first} passes {threshold:.0%} of the valid votes.",
            first=first,
            threshold=threshold,
        )
        part = CallPart(question, "undecided", plain, above.technical, above.z, z_needed)
        return "too close to call", plain, [], [part]
    no_winner = say(
        "call.plain.nobody",
        f"Nobody reaches {threshold:.0%} of the valid votes.",
        threshold=threshold,
    )
    parts = [CallPart(question, "no", no_winner, below.technical, below.z, z_needed)]
    if not rules.runoff:
        return "no outright winner", no_winner, [], parts
    return _runoff(ranking, no_winner, parts, inputs, z_needed, look)


def _runoff(
    ranking: list[str],
    no_winner: Sentence,
    parts: list[CallPart],
    inputs: CallInputs,
    z_needed: float,
    look: Sentence,
) -> _Outcome:
    first, second, rest = ranking[0], ranking[1], ranking[2:]
    pair = say(
        "call.plain.runoff",
        f"{no_winner} Run-off between {first} and {second}.",
        no_winner=no_winner,
        first=first,
        second=second,
    )
    if not rest:
        return "run-off", pair, [first, second], parts
    first_in, _ = _beats_all(first, rest, inputs, z_needed, look)
    second_in, _ = _beats_all(second, rest, inputs, z_needed, look)
    if first_in.z >= z_needed and second_in.z >= z_needed:
        question = _QUESTIONS["run-off pair"]
        parts.append(CallPart(question, "yes", pair, second_in.technical, second_in.z, z_needed))
        return "run-off", pair, [first, second], parts
    if first_in.z >= z_needed:
        contenders = [second] + [
            o
            for o in rest
            if _worst_case(_difference_contrast(second, o, inputs), +1, inputs, z_needed, look).z
            < z_needed
        ]
        plain = say(
            "call.plain.runoff_second",
            f"{no_winner} Run-off: {first}, against one of {', '.join(contenders)} "
            "(second place undecided).",
            no_winner=no_winner,
            first=first,
            contenders=contenders,
        )
        question = _QUESTIONS["second place"]
        parts.append(
            CallPart(question, "undecided", plain, second_in.technical, second_in.z, z_needed)
        )
        return "run-off, second place undecided", plain, [first], parts
    plain = say(
        "call.plain.runoff_undecided",
        f"{no_winner} A run-off is needed; who takes part is not yet clear.",
        no_winner=no_winner,
    )
    question = _QUESTIONS["run-off pair"]
    parts.append(CallPart(question, "undecided", plain, first_in.technical, first_in.z, z_needed))
    return "run-off, contestants undecided", plain, [], parts


def _party(
    name: str, threshold: float, inputs: CallInputs, z_needed: float, look: Sentence
) -> CallPart:
    contrast = _share_contrast(name, threshold, inputs)
    above = _worst_case(contrast, +1, inputs, z_needed, look)
    below = _worst_case(contrast, -1, inputs, z_needed, look)
    question = _party_question(name)
    if above.z >= z_needed:
        return CallPart(
            question,
            "above",
            say(
                "call.plain.party_above",
                f"{name} passes the {threshold:.0%} threshold.",
                name=name,
                threshold=threshold,
            ),
            above.technical,
            above.z,
            z_needed,
        )
    if below.z >= z_needed:
        return CallPart(
            question,
            "below",
            say(
                "call.plain.party_below",
                f"{name} stays below the {threshold:.0%} threshold.",
                name=name,
                threshold=threshold,
            ),
            below.technical,
            below.z,
            z_needed,
        )
    best = above if above.z >= below.z else below
    return CallPart(
        question,
        "undecided",
        say(
            "call.plain.party_undecided",
            f"Whether {name} passes {threshold:.0%} is not yet clear.",
            name=name,
            threshold=threshold,
        ),
        best.technical,
        best.z,
        z_needed,
    )


def inputs_from_quick_count(
    result: Any,
    differences: Mapping[tuple[str, str], tuple[float, float]],
    coverage: float | None = None,
) -> CallInputs:
    """CallInputs from a :class:`quickcount.QuickCountResult` (or its ``as_dict()``).

    Shares and their SEs, the reported fraction and regions come from the
    result (regions: its ``by`` domains with a reporting station); coverage
    defaults to ``strata["coverage"]`` (frame stations in strata with a
    report); ``differences`` from :func:`differences.share_differences`.
    """
    data = result if isinstance(result, Mapping) else result.as_dict()

    def share_pair(e: Mapping[str, Any]) -> tuple[float, float]:
        return (_num(e.get("estimate")), _num(e.get("se")))

    regions = {
        str(region): {n: _num(e.get("estimate")) for n, e in domain["shares"].items()}
        for region, domain in (data.get("by") or {}).items()
        if domain.get("stations")
    }
    return CallInputs(
        shares={n: share_pair(e) for n, e in data["shares"].items()},
        differences=differences,
        reported_fraction=float(data["call"]["reported_fraction"] or 0.0),
        coverage=float(data["strata"].get("coverage", 0.0) if coverage is None else coverage),
        regions=regions,
    )


def _num(value: Any) -> float:
    return float("nan") if value is None else float(value)


def call_for_sample(
    result: Any,
    stratum: np.ndarray,
    votes: Mapping[str, np.ndarray],
    *,
    population: Mapping[Any, float],
    reported: np.ndarray | None = None,
    weight: np.ndarray | None = None,
    rules: ContestRules | None = None,
    looks: LookRule | None = None,
    coverage: float | None = None,
) -> ThresholdCall:
    """The threshold-aware call for a quick count ``result`` and the arrays it was computed from.

    Pass the same ``stratum``, ``votes``, ``population``, ``reported`` and
    ``weight`` as to :func:`quickcount.quick_count` (run with ``by`` = the
    regions, so the worst case has regional results to draw on). This is the
    one entry point the CLI and the web share.
    """
    differences = share_differences(
        stratum, votes, population=population, reported=reported, weight=weight
    )
    return threshold_call(inputs_from_quick_count(result, differences, coverage), rules, looks)
