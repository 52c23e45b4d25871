"""How often the threshold-aware call is wrong over a night of repeated looks, by simulation.

Each run: a clean simulated election (``simulate_election``, the incumbent
near 50 %), a stratified sample of its stations (``draw_sample``, strata =
districts), an arrival order, and a look every ``step`` arrivals from the
first at which a call is allowed up to the last station. At every look the
quick count is taken on the stations that have arrived, with regions as
domains (the web's path: ``quick_count`` → ``share_differences`` →
``inputs_from_quick_count`` → ``threshold_call``), and the call is compared
with the full count. A run is *wrong* when any look decides any part the
wrong way; one wrong look is enough, which is what a published call costs.

The races are made as close as they can be, per election, from its truth:

* outright win: the threshold sits ``margin`` above or below the leader's
  true share (alternating between runs);
* second place: the runner-up stands against a merged contestant, the union
  of smaller contestants whose true share is closest to the runner-up's
  (the outright threshold is set out of reach so the call reaches the
  run-off question);
* party threshold: the threshold sits ``margin`` from the smallest
  contestant's true share.

Arrival orders: ``random``; ``late-rural`` (stations with fewer than
``RURAL_BELOW`` registered voters, the simulator's rural stations, arrive
mostly after the rest); ``late-newly`` (newly included territories and
stations abroad last, so their strata stay uncovered until the end).

The same runs are scored under ``naive`` too: 2.58 at every look and no
worst case for the uncovered frame, the rule before this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import combinations
from typing import Any

import numpy as np

from pollwatch.stats.calls import ContestRules, LookRule, inputs_from_quick_count, threshold_call
from pollwatch.stats.differences import share_differences
from pollwatch.stats.quickcount import quick_count
from pollwatch.stats.sampling import draw_sample
from pollwatch.stats.simulate import simulate_election

ORDERS = ("random", "late-rural", "late-newly")
RURAL_BELOW = 900
PARTS = ("outright win", "second place", "party threshold")
NAIVE = LookRule(z_interim=2.58, min_coverage=0.0)


def _seed(*keys: int) -> int:
    return int(np.random.SeedSequence([int(k) for k in keys]).generate_state(1)[0])


def arrival_order(kind: str, registered: np.ndarray, late: np.ndarray, rng) -> np.ndarray:
    """Arrival keys (smaller first) for the sampled stations under the scenario ``kind``."""
    noise = rng.random(len(registered))
    if kind == "random":
        return noise
    if kind == "late-rural":
        # Rural stations mostly last, with some overlap: what a count that ends in villages looks like.
        return noise + 0.8 * (registered < RURAL_BELOW)
    if kind == "late-newly":
        return noise + 2.0 * late
    raise ValueError(f"unknown arrival order {kind!r}; use one of {', '.join(ORDERS)}")


def _contest(votes: np.ndarray, codes: list[str]) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Contest columns (leader, runner-up, the merged rival closest to it, the rest) and true shares."""
    totals = votes.sum(axis=0)
    order = np.argsort(-totals, kind="stable")
    leader, runner, others = order[0], order[1], order[2:]
    best: tuple[float, tuple[int, ...]] = (np.inf, ())
    for size in range(1, len(others) + 1):
        for subset in combinations(others.tolist(), size):
            gap = abs(totals[list(subset)].sum() - totals[runner])
            if gap < best[0]:
                best = (gap, subset)
    merged = list(best[1])
    columns = {codes[leader]: votes[:, leader], codes[runner]: votes[:, runner]}
    columns["+".join(codes[j] for j in merged)] = votes[:, merged].sum(axis=1)
    for j in others:
        if j not in merged:
            columns[codes[j]] = votes[:, j]
    valid = votes.sum()
    return columns, {name: float(col.sum() / valid) for name, col in columns.items()}


def _wrong_parts(call, truth: dict[str, float], rules: ContestRules) -> set[str]:
    """The parts of ``call`` decided against the truth."""
    wrong = set()
    top = sorted(truth, key=lambda n: -truth[n])
    for part in call.parts:
        if part.question == "outright win" and rules.outright_threshold is not None:
            above = truth[top[0]] > rules.outright_threshold
            if (part.answer == "yes" and not above) or (part.answer == "no" and above):
                wrong.add("outright win")
        elif part.question.startswith("party threshold") and rules.party_threshold is not None:
            name = part.question.split(": ", 1)[1]
            above = truth[name] > rules.party_threshold
            if (part.answer == "above" and not above) or (part.answer == "below" and above):
                wrong.add("party threshold")
    if call.status in ("run-off", "run-off, second place undecided"):
        if not set(call.contestants) <= set(top[:2]):
            wrong.add("second place")
    return wrong


def simulate_calls(
    *,
    elections: int = 10,
    samples: int = 10,
    stations: int = 6500,
    sample_size: int = 500,
    step: int = 5,
    order: str = "late-rural",
    margin: float = 0.0002,
    looks: LookRule | None = None,
    seed: int = 0,
    progress: Callable[[int], object] | None = None,
) -> dict[str, Any]:
    """Wrong-call rates over ``elections`` × ``samples`` runs of repeated looks (see the module docstring).

    Returns ``{"runs", "looks_per_run", "order", "rules": {name: {"wrong_runs",
    "wrong_rate", "per_part": {part: wrong runs}, "decided_runs": {part: runs with any
    decided look}}}}`` for the rule ``looks`` (default :class:`LookRule`) and ``naive``.
    """
    rules_under_test = {"rule": looks or LookRule(), "naive": NAIVE}
    wrong_runs = dict.fromkeys(rules_under_test, 0)
    wrong_parts = {name: dict.fromkeys(PARTS, 0) for name in rules_under_test}
    decided_parts = {name: dict.fromkeys(PARTS, 0) for name in rules_under_test}
    runs = 0
    look_count = 0
    for k in range(elections):
        election = simulate_election(
            stations=stations, seed=_seed(seed, 1, k), observers=0, incumbent_share=0.5
        )
        results = election.results
        codes = election.candidate_codes
        columns, truth = _contest(results[codes].to_numpy(np.float64), codes)
        stratum = results["stratum"].to_numpy().astype(str)
        labels, counts = np.unique(stratum, return_counts=True)
        population = dict(zip(labels.tolist(), counts.tolist(), strict=True))
        region = results["region_code"].to_numpy().astype(str)
        registered = results["registered_voters"].to_numpy(np.float64)
        late = (election.stations["newly_included"].to_numpy() == 1) | (
            election.stations["abroad"].to_numpy() == 1
        )
        names = list(columns)
        for j in range(samples):
            rng = np.random.default_rng(_seed(seed, 2, k, j))
            rows = draw_sample(stratum, sample_size, seed=_seed(seed, 3, k, j)).sampled
            sign = 1.0 if (k * samples + j) % 2 == 0 else -1.0
            contests = [
                ContestRules(
                    outright_threshold=truth[names[0]] + sign * margin,
                    party_threshold=truth[names[-1]] - sign * margin,
                ),
                ContestRules(outright_threshold=0.9),  # out of reach: the call asks who is second
            ]
            arrival = arrival_order(order, registered[rows], late[rows], rng)
            ranks = np.argsort(np.argsort(arrival, kind="stable"), kind="stable")
            votes = {n: columns[n][rows] for n in names}
            wrong_in_run: dict[str, set[str]] = {name: set() for name in rules_under_test}
            decided_in_run: dict[str, set[str]] = {name: set() for name in rules_under_test}
            first = int(np.ceil(min(r.min_reported for r in rules_under_test.values()) * len(rows)))
            cuts = list(range(first, len(rows), step)) + [len(rows)]
            for cut in cuts:
                reported = ranks < cut
                result = quick_count(
                    stratum[rows],
                    votes,
                    population=population,
                    reported=reported,
                    by=region[rows],
                    stability_checks=1,
                )
                differences = share_differences(
                    stratum[rows], votes, population=population, reported=reported
                )
                inputs = inputs_from_quick_count(result, differences)
                for name, rule in rules_under_test.items():
                    seen = inputs if name == "rule" else replace(inputs, coverage=1.0)
                    for contest in contests:
                        call = threshold_call(seen, contest, rule)
                        wrong_in_run[name] |= _wrong_parts(call, truth, contest)
                        decided_in_run[name] |= _decided_parts(call, names[-1], contest)
            look_count = len(cuts)
            runs += 1
            for name in rules_under_test:
                wrong_runs[name] += bool(wrong_in_run[name])
                for part in wrong_in_run[name]:
                    wrong_parts[name][part] += 1
                for part in decided_in_run[name]:
                    decided_parts[name][part] += 1
            if progress is not None:
                progress(1)
    return {
        "runs": runs,
        "looks_per_run": look_count,
        "order": order,
        "rules": {
            name: {
                "wrong_runs": wrong_runs[name],
                "wrong_rate": wrong_runs[name] / runs if runs else float("nan"),
                "per_part": wrong_parts[name],
                "decided_runs": decided_parts[name],
            }
            for name in rules_under_test
        },
    }


def _decided_parts(call, smallest: str, rules: ContestRules) -> set[str]:
    """Which of the close questions this call decided either way (how often a close race gets called)."""
    decided = set()
    for part in call.parts:
        if part.answer == "undecided":
            continue
        if part.question == "outright win" and rules.party_threshold is not None:
            decided.add("outright win")
        elif part.question == f"party threshold: {smallest}":
            decided.add("party threshold")
    if call.status == "run-off":
        decided.add("second place")
    return decided
