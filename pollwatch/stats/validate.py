"""Validation by simulation: do the estimators keep their promises on elections with known truth?

DESIGN §3: a synthetic election is the test bed for every estimator. Three
checks, each a function returning a plain, JSON-ready dict:

* :func:`validate_quickcount` — many stratified samples (strata = districts,
  proportional allocation) of the official results of clean simulated
  elections; how often the quick count's interval covers the full-count
  value, per quantity and per variance method, with the mean bias.
* :func:`validate_exitpoll` — simulated exit polls (respondents drawn from
  each polled station's true vote shares, optionally with differential
  non-response) and how often their intervals cover the true national shares.
* :func:`validate_forensics` — how often each forensic test flags clean
  elections (false-alarm rate) and elections with injected fraud (power).

Every run is deterministic given ``seed``: elections, samples and Monte Carlo
draws take their seeds from one ``SeedSequence`` keyed by (seed, purpose,
election, sample), so changing one knob never reshuffles another stage.
See docs/validate.md for how to read the figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pollwatch.stats.exitpoll import exit_poll
from pollwatch.stats.forensics import TESTS, run_forensics
from pollwatch.stats.quickcount import quick_count
from pollwatch.stats.sampling import draw_sample
from pollwatch.stats.simulate import parse_fraud, simulate_election

DEFAULT_FRAUD = "stuffing:0.1,rewrite:0.05"
RANKS = ("first", "second", "third")
# Distinct integers so that the stages never share a random stream.
_ELECTION, _QUICKCOUNT, _EXITPOLL, _FORENSICS = 1, 2, 3, 4

Progress = Callable[[int], object] | None


def _seed(*keys: int) -> int:
    """A 32-bit seed that depends on every key (SeedSequence hashing, not addition, so streams never overlap)."""
    return int(np.random.SeedSequence([int(k) for k in keys]).generate_state(1)[0])


def election_seeds(seed: int, elections: int) -> list[int]:
    """Seeds of the simulated elections of a run; the same for every stage, so they see the same countries."""
    return [_seed(seed, _ELECTION, k) for k in range(elections)]


def _tick(progress: Progress) -> None:
    if progress is not None:
        progress(1)


class _Tally:
    """Accumulates (estimate, se, covered) per quantity against a truth."""

    def __init__(self) -> None:
        self.errors: list[float] = []
        self.ses: list[float] = []
        self.covered: list[bool] = []
        self.undefined = 0
        self.candidates: set[str] = set()

    def add(self, estimate: dict[str, Any] | None, truth: float) -> None:
        if estimate is None or estimate["se"] is None or estimate["estimate"] is None:
            self.undefined += 1
            return
        low, high = estimate["ci"]
        self.errors.append(estimate["estimate"] - truth)
        self.ses.append(estimate["se"])
        self.covered.append(low <= truth <= high)

    def result(self, confidence: float) -> dict[str, Any]:
        runs = len(self.covered)
        errors = np.array(self.errors)
        out: dict[str, Any] = {
            "runs": runs,
            "coverage": float(np.mean(self.covered)) if runs else None,
            # the SE the coverage would have if it were exactly nominal: the yardstick for |coverage − nominal|
            "se": math.sqrt(confidence * (1 - confidence) / runs) if runs else None,
            "bias": float(errors.mean()) if runs else None,
            "mean_se": float(np.mean(self.ses)) if runs else None,
            "sd_error": float(errors.std(ddof=1)) if runs > 1 else None,
            "undefined": self.undefined,
        }
        if self.candidates:
            out["candidates"] = sorted(self.candidates)
        return out


def _national_truth(frame, codes: Sequence[str]) -> tuple[dict[str, float], float]:
    """Shares of valid votes and turnout (ballots cast / registered) summed over every station."""
    valid = float(frame["valid"].sum())
    shares = {c: float(frame[c].sum()) / valid for c in codes}
    turnout = float(frame["ballots_cast"].sum()) / float(frame["registered_voters"].sum())
    return shares, turnout


def _top(shares: dict[str, float], count: int = 3) -> list[str]:
    return sorted(shares, key=lambda c: (-shares[c], c))[:count]


def validate_quickcount(
    *,
    elections: int = 20,
    samples: int = 200,
    stations: int = 6500,
    sample_size: int = 500,
    methods: Sequence[str] = ("linearized", "bootstrap"),
    replicates: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
    progress: Progress = None,
) -> dict[str, Any]:
    """Coverage and bias of the quick count on ``elections`` × ``samples`` samples of clean elections.

    Each sample is ``draw_sample(district, sample_size, allocation="proportional")``
    of the official results of a clean ``simulate_election(stations)``; the
    quick count is run with every method in ``methods`` (the bootstrap with
    ``replicates``) at ``confidence``. The truth is the full count of that
    election (the population value the quick count estimates): the shares of
    the three leading candidates and turnout.

    Returns ``{"runs", "methods": {method: {quantity: stats}}}`` with
    quantities ``first``, ``second``, ``third`` (candidates ranked by true
    share; ``candidates`` lists the codes that held the rank) and
    ``turnout``; stats are ``runs``, ``coverage``, ``se`` (binomial SE at the
    nominal level), ``bias`` (mean estimate − truth), ``mean_se``,
    ``sd_error`` (spread of estimate − truth) and ``undefined`` (runs without
    an interval). ``progress(1)`` is called after each sample.
    """
    for method in methods:
        if method not in ("linearized", "bootstrap"):
            raise ValueError(f"unknown quick-count method {method!r}")
    tallies = {m: {q: _Tally() for q in (*RANKS, "turnout")} for m in methods}
    for k, election_seed in enumerate(election_seeds(seed, elections)):
        election = simulate_election(stations=stations, seed=election_seed, observers=0)
        results = election.results
        codes = election.candidate_codes
        shares, turnout = _national_truth(results, codes)
        leaders = _top(shares)
        stratum = results["stratum"].to_numpy().astype(str)
        labels, counts = np.unique(stratum, return_counts=True)
        population = dict(zip(labels.tolist(), counts.tolist(), strict=True))
        votes = results[codes].to_numpy(dtype=np.float64)
        registered = results["registered_voters"].to_numpy(dtype=np.float64)
        invalid = results["invalid"].to_numpy(dtype=np.float64)
        for j in range(samples):
            sample_seed = _seed(seed, _QUICKCOUNT, k, j)
            rows = draw_sample(stratum, sample_size, seed=sample_seed).sampled
            for method in methods:
                estimate = quick_count(
                    stratum[rows],
                    {c: votes[rows, i] for i, c in enumerate(codes)},
                    registered[rows],
                    invalid[rows],
                    population=population,
                    method=method,
                    confidence=confidence,
                    replicates=replicates,
                    seed=sample_seed,
                ).as_dict()
                for rank, code in zip(RANKS, leaders, strict=False):
                    tallies[method][rank].add(estimate["shares"][code], shares[code])
                    tallies[method][rank].candidates.add(code)
                tallies[method]["turnout"].add(estimate["turnout"], turnout)
            _tick(progress)
    return {
        "runs": elections * samples,
        "methods": {
            m: {q: t.result(confidence) for q, t in per_quantity.items()}
            for m, per_quantity in tallies.items()
        },
    }


def simulate_interviews(
    rng: np.random.Generator,
    votes: np.ndarray,
    respondents: np.ndarray,
    leader: int,
    nonresponse_bias: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Exit-poll answers at polled stations: (station index, candidate index) per respondent.

    ``votes`` is (stations × candidates) true votes, ``respondents`` the
    interviews per station. Each answer is drawn from the station's true
    shares, except that the ``leader``'s voters agree to answer at
    (1 − ``nonresponse_bias``) times the rate of the others' (a "shy voter"
    effect; 0 = none). Stations with no valid vote yield no answer.
    """
    votes = np.asarray(votes, dtype=np.float64)
    propensity = np.ones(votes.shape[1])
    propensity[leader] = 1.0 - nonresponse_bias
    tilted = votes * propensity[None, :]
    totals = tilted.sum(axis=1)
    has_voters = totals > 0
    probabilities = np.where(
        has_voters[:, None], tilted / np.where(has_voters, totals, 1)[:, None], 0
    )
    probabilities[~has_voters, 0] = 1.0  # any valid distribution; these stations draw nobody
    counts = rng.multinomial(np.where(has_voters, respondents, 0), probabilities)
    cells = np.repeat(np.arange(counts.size), counts.ravel())
    return cells // votes.shape[1], cells % votes.shape[1]


def validate_exitpoll(
    *,
    elections: int = 20,
    samples: int = 200,
    stations: int = 6500,
    poll_stations: int = 120,
    respondents: tuple[int, int] = (30, 60),
    nonresponse_bias: float = 0.0,
    confidence: float = 0.95,
    seed: int = 0,
    progress: Progress = None,
) -> dict[str, Any]:
    """Coverage and bias of the exit poll on ``elections`` × ``samples`` simulated polls.

    Each poll draws ``poll_stations`` stations of a clean simulated election
    (strata = regions, proportional allocation, at least 2 per region),
    interviews between ``respondents[0]`` and ``respondents[1]`` voters per
    station (uniform) with :func:`simulate_interviews`, and runs
    ``exit_poll`` with the frame's region sizes and V_i = the station's true
    ballots cast (what an exit-poll team counts at the door). The truth is
    the true national share of valid votes of the three leading candidates.

    Returns ``{"runs", "shares": {quantity: stats}, "mean_design_effect",
    "mean_respondents"}``, stats as in :func:`validate_quickcount`;
    ``mean_design_effect`` is the leader's design effect averaged over polls.
    """
    low, high = respondents
    if not 1 <= low <= high:
        raise ValueError(f"respondents range {respondents} must satisfy 1 <= low <= high")
    if not 0.0 <= nonresponse_bias < 1.0:
        raise ValueError(f"nonresponse_bias {nonresponse_bias} must be in [0, 1)")
    tallies = {q: _Tally() for q in RANKS}
    design_effects: list[float] = []
    respondent_counts: list[int] = []
    for k, election_seed in enumerate(election_seeds(seed, elections)):
        election = simulate_election(stations=stations, seed=election_seed, observers=0)
        truth = election.truth
        codes = election.candidate_codes
        shares, _ = _national_truth(truth, codes)
        leaders = _top(shares)
        leader_index = codes.index(leaders[0])
        region = truth["region_code"].to_numpy().astype(str)
        labels, counts = np.unique(region, return_counts=True)
        population = dict(zip(labels.tolist(), counts.tolist(), strict=True))
        station_code = truth["code"].to_numpy().astype(str)
        votes = truth[codes].to_numpy(dtype=np.int64)
        ballots = truth["ballots_cast"].to_numpy(dtype=np.float64)
        for j in range(samples):
            poll_seed = _seed(seed, _EXITPOLL, k, j)
            rows = draw_sample(region, poll_stations, seed=poll_seed).sampled
            rng = np.random.default_rng(poll_seed)
            interviews = rng.integers(low, high + 1, size=len(rows))
            at, choice = simulate_interviews(
                rng, votes[rows], interviews, leader_index, nonresponse_bias
            )
            polled = rows[at]
            result = exit_poll(
                station_code[polled],
                np.array(codes)[choice],
                stratum=region[polled],
                population=population,
                voters={station_code[r]: max(ballots[r], 1.0) for r in rows},
                confidence=confidence,
            ).as_dict()
            for rank, code in zip(RANKS, leaders, strict=False):
                tallies[rank].add(result["shares"].get(code), shares[code])
                tallies[rank].candidates.add(code)
            deff = result["design_effect"].get(leaders[0])
            if deff is not None:
                design_effects.append(deff)
            respondent_counts.append(result["respondents"])
            _tick(progress)
    return {
        "runs": elections * samples,
        "shares": {q: t.result(confidence) for q, t in tallies.items()},
        "mean_design_effect": float(np.mean(design_effects)) if design_effects else None,
        "mean_respondents": float(np.mean(respondent_counts)) if respondent_counts else None,
    }


def flags(test: dict[str, Any], alpha: float = 0.05) -> bool | None:
    """Whether one forensic test result raises an alarm at level ``alpha``; None if it is undefined.

    With a p-value: p < alpha. Without one: |statistic − expected| beyond the
    normal two-sided quantile times ``se`` (or ``null_sd``). A test with
    neither (impossible values, expected 0) flags when the statistic exceeds
    its expected value: one impossible protocol is already an alarm.
    """
    statistic, expected = test.get("statistic"), test.get("expected")
    if statistic is None:
        return None
    if test.get("p_value") is not None:
        return bool(test["p_value"] < alpha)
    spread = test.get("se") if test.get("se") is not None else test.get("null_sd")
    if expected is None:
        return None
    if spread is None:
        return bool(statistic > expected)
    from scipy.stats import norm

    return bool(abs(statistic - expected) > norm.ppf(1 - alpha / 2) * spread)


def _run_forensics_on(
    frame, codes: Sequence[str], leader: str, replicates: int, seed: int
) -> dict[str, Any]:
    return run_forensics(
        frame["code"].to_numpy(),
        frame["registered_voters"].to_numpy(),
        frame["ballots_cast"].to_numpy(),
        frame["valid"].to_numpy(),
        frame[leader].to_numpy(),
        candidates=[frame[c].to_numpy() for c in codes],
        invalid=frame["invalid"].to_numpy(),
        ballots_issued=frame["ballots_issued"].to_numpy(),
        replicates=replicates,
        seed=seed,
    )


def validate_forensics(
    *,
    elections: int = 20,
    stations: int = 6500,
    fraud: str | dict[str, float] = DEFAULT_FRAUD,
    replicates: int = 200,
    alpha: float = 0.05,
    seed: int = 0,
    progress: Progress = None,
) -> dict[str, Any]:
    """False-alarm rate and power of every forensic test over ``elections`` simulated elections.

    Each election is simulated twice with the same seed, clean and with
    ``fraud`` injected (same stations, same true count; only the official
    protocols differ), and ``run_forensics`` (``replicates`` Monte Carlo
    replicates) is run on the official results of both; the leader is the
    candidate with the most official votes. A test flags by :func:`flags`.

    Returns ``{"runs", "alpha", "fraud", "tests": {test: {"false_alarm_rate",
    "false_alarm_se", "power", "power_se", "false_alarms", "detections",
    "clean_runs", "fraud_runs", "rule"}}}``; rates are None when the test
    was undefined in every run, SEs are binomial (√(r(1 − r)/runs)), and
    ``rule`` says how the test was judged ("p_value", "interval" or
    "any_station"). ``progress(1)`` is called after each forensic run.
    """
    fraud_shares = parse_fraud(fraud)
    if not fraud_shares:
        raise ValueError("validate_forensics needs some fraud to measure power")
    outcomes: dict[str, dict[str, list[bool]]] = {t: {"clean": [], "fraud": []} for t in TESTS}
    rules: dict[str, str] = {}
    for k, election_seed in enumerate(election_seeds(seed, elections)):
        for condition, spec in (("clean", None), ("fraud", fraud_shares)):
            election = simulate_election(
                stations=stations, seed=election_seed, fraud=spec, observers=0
            )
            results = election.results
            codes = election.candidate_codes
            leader = codes[int(np.argmax(results[codes].to_numpy().sum(axis=0)))]
            report = _run_forensics_on(
                results, codes, leader, replicates, _seed(seed, _FORENSICS, k)
            )
            for test in TESTS:
                outcome = flags(report[test], alpha)
                if outcome is not None:
                    outcomes[test][condition].append(outcome)
                if test not in rules and report[test].get("statistic") is not None:
                    rules[test] = _rule(report[test])
            _tick(progress)

    def rate(values: list[bool]) -> tuple[float | None, float | None]:
        if not values:
            return None, None
        share = float(np.mean(values))
        return share, math.sqrt(share * (1 - share) / len(values))

    tests: dict[str, Any] = {}
    for test in TESTS:
        clean, rigged = outcomes[test]["clean"], outcomes[test]["fraud"]
        false_alarm_rate, false_alarm_se = rate(clean)
        power, power_se = rate(rigged)
        tests[test] = {
            "false_alarm_rate": false_alarm_rate,
            "false_alarm_se": false_alarm_se,
            "power": power,
            "power_se": power_se,
            "false_alarms": int(sum(clean)),
            "detections": int(sum(rigged)),
            "clean_runs": len(clean),
            "fraud_runs": len(rigged),
            "rule": rules.get(test),
        }
    return {"runs": elections, "alpha": alpha, "fraud": fraud_shares, "tests": tests}


def _rule(test: dict[str, Any]) -> str:
    if test.get("p_value") is not None:
        return "p_value"
    if test.get("se") is not None or test.get("null_sd") is not None:
        return "interval"
    return "any_station"
