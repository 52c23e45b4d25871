"""The fingerprint's fraud-model fit (f_i, f_e, θ, α) recovers fraud injected into known elections.

Russia 2011/2012, for which Klimek et al. publish fitted values, are not in
../shared/data (only Russia 2018 is), so the fit is checked by simulation:
Klimek et al.'s fraud of known size injected into elections whose
stations (sizes, regions) come from pollwatch's simulator.
"""

from __future__ import annotations

import numpy as np
import pytest

from pollwatch.stats.forensics_fingerprint import FairModel, fingerprint, inject_fraud
from pollwatch.stats.simulate import simulate_election


@pytest.fixture(scope="module")
def simulated():
    election = simulate_election(stations=6500, seed=0, observers=0)
    results = election.results
    registered = results["registered_voters"].to_numpy(dtype=np.float64)
    return {
        "registered": registered,
        "turnout": results["ballots_cast"].to_numpy() / registered,
        "share": results["C1"].to_numpy() / (results["valid"] + results["invalid"]).to_numpy(),
    }


@pytest.mark.parametrize(
    ("incremental", "extreme", "theta", "alpha"),
    [(0.2, 0.03, 0.15, 1.0), (0.3, 0.05, 0.25, 2.0), (0.1, 0.01, 0.1, 0.5)],
)
def test_fit_recovers_injected_fraud_in_a_one_blob_election(
    simulated, incremental, extreme, theta, alpha
):
    """Stated tolerance: f_e within ±0.015; f_i within ±0.2 (weakly identified: biased low when θ is large, see docs)."""
    registered = simulated["registered"]
    rng = np.random.default_rng(7)
    turnout, share = FairModel((0.6, 0.08), (0.55, 0.09)).draw(rng, registered)
    turnout, share = inject_fraud(
        rng,
        registered,
        turnout,
        share,
        incremental=incremental,
        extreme=extreme,
        theta=theta,
        alpha=alpha,
    )
    fit = fingerprint(registered, turnout, share, seed=1)
    assert fit["extreme_fraud"] == pytest.approx(extreme, abs=0.015)
    assert fit["incremental_fraud"] == pytest.approx(incremental, abs=0.2)
    assert 0.05 <= fit["fraud_spread"] <= 0.5 and fit["stealing_exponent"] > 0
    assert fit["extreme_spread"] == 0.075


def test_fit_recovers_extreme_fraud_in_a_heterogeneous_simulated_election(simulated):
    clean = fingerprint(simulated["registered"], simulated["turnout"], simulated["share"], seed=1)
    turnout, share = inject_fraud(
        np.random.default_rng(3),
        simulated["registered"],
        simulated["turnout"],
        simulated["share"],
        incremental=0.0,
        extreme=0.04,
        theta=0.1,
        alpha=1.0,
    )
    rigged = fingerprint(simulated["registered"], turnout, share, seed=1)
    assert clean["extreme_fraud"] <= 0.01
    assert rigged["extreme_fraud"] == pytest.approx(0.04, abs=0.015)
