"""Sample size for the lead of the top two, and the non-response inflation of both sizing rules.

Expected figures are worked out here from scipy's normal quantile and, where
it has the formula, statsmodels; a simulation of clustered voters checks
that the size delivers the half-width (and power) it promises.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import samplesize_confint_proportion

from pollwatch.stats.sampling import (
    inflate_for_nonresponse,
    lead_variance_per_voter,
    sample_size_for_lead,
    sample_size_for_margin,
)

Z95 = float(norm.ppf(0.975))  # 1.959964


def test_lead_variance_per_voter_is_that_of_one_vote_for_a_minus_one_for_b():
    assert lead_variance_per_voter(None) == 1.0
    assert lead_variance_per_voter((0.5, 0.5)) == 1.0
    assert lead_variance_per_voter((0.45, 0.40)) == pytest.approx(0.8475)
    # directly: E[d²] − E[d]² for d = +1 (A), −1 (B), 0 (anyone else)
    d = np.array([1.0, -1.0, 0.0])
    p = np.array([0.45, 0.40, 0.15])
    assert lead_variance_per_voter((0.45, 0.40)) == pytest.approx(p @ d**2 - (p @ d) ** 2)


def test_worst_case_lead_needs_what_a_share_needs_at_half_the_margin():
    lead = sample_size_for_lead(0.02, voters_per_station=500, turnout=0.6, icc=0.05)
    # z² · 1 / 0.02² = 9603.65 voters; deff = 1 + 299·0.05 = 15.95; 9603.65·15.95/300 = 510.59
    assert lead.srs_voters == pytest.approx(Z95**2 / 0.02**2)
    assert lead.srs_voters == pytest.approx(9603.647, abs=1e-3)
    assert lead.design_effect == pytest.approx(15.95)
    assert lead.stations == 511
    share = sample_size_for_margin(0.01, voters_per_station=500, turnout=0.6, icc=0.05)
    assert share.stations == lead.stations == 511


def test_expected_shares_lower_the_size_and_nonresponse_raises_it():
    size = sample_size_for_lead(
        0.02, voters_per_station=500, turnout=0.6, icc=0.05, shares=(0.45, 0.40)
    )
    # z² · 0.8475 / 0.02² = 8139.09 voters; · 15.95 / 300 = 432.73 stations
    assert size.srs_voters == pytest.approx(8139.091, abs=1e-3)
    assert size.stations == size.before_nonresponse == 433
    inflated = sample_size_for_lead(
        0.02,
        voters_per_station=500,
        turnout=0.6,
        icc=0.05,
        shares=(0.45, 0.40),
        response_rate=0.9,
    )
    assert inflated.before_nonresponse == 433
    assert inflated.stations == math.ceil(433 / 0.9) == 482
    assert inflated.response_rate == 0.9


def test_fpc_applies_to_the_reporting_stations_before_inflation():
    size = sample_size_for_lead(
        0.02,
        voters_per_station=500,
        turnout=0.6,
        design_effect=15.95,
        shares=(0.45, 0.40),
        frame_stations=2000,
        response_rate=0.85,
    )
    n_prime = Z95**2 * 0.8475 / 0.02**2 * 15.95 / 300  # 432.73
    assert size.before_nonresponse == math.ceil(n_prime / (1 + n_prime / 2000)) == 356
    assert size.stations == math.ceil(356 / 0.85) == 419


def test_power_matches_statsmodels_one_sample_z_test():
    size = sample_size_for_lead(
        0.04,
        voters_per_station=400,
        turnout=0.5,
        design_effect=1.0,
        shares=(0.45, 0.40),
        power=0.8,
    )
    # one-sided at α/2 = 0.025 is the two-sided 95 % interval's lower end staying above zero
    voters = NormalIndPower().solve_power(
        effect_size=0.04 / math.sqrt(0.8475),
        nobs1=None,
        alpha=0.025,
        power=0.8,
        ratio=0,
        alternative="larger",
    )
    assert voters == pytest.approx(4157.45, abs=0.01)
    assert size.srs_voters == pytest.approx(voters, rel=1e-6)
    assert size.stations == math.ceil(4157.45 / 200) == 21
    no_power = sample_size_for_lead(
        0.04, voters_per_station=400, turnout=0.5, design_effect=1.0, shares=(0.45, 0.40)
    )
    same = sample_size_for_lead(
        0.04,
        voters_per_station=400,
        turnout=0.5,
        design_effect=1.0,
        shares=(0.45, 0.40),
        power=0.5,
    )
    assert same == no_power


def test_margin_results_are_unchanged_and_inflate_the_same_way():
    plain = sample_size_for_margin(0.01, voters_per_station=500, turnout=0.6, design_effect=1.0)
    assert plain.srs_voters == pytest.approx(samplesize_confint_proportion(0.5, 0.01, alpha=0.05))
    assert plain.stations == 33  # ceil(9603.65 / 300), as before response_rate existed
    assert plain.before_nonresponse == 33 and plain.response_rate == 1.0
    inflated = sample_size_for_margin(
        0.01, voters_per_station=500, turnout=0.6, icc=0.05, response_rate=0.9
    )
    assert inflated.before_nonresponse == 511
    assert inflated.stations == math.ceil(511 / 0.9) == 568


def _dirichlet_multinomial_leads(
    stations: int, voters: int, shares: np.ndarray, icc: float, replications: int, seed: int
) -> np.ndarray:
    """Station-level leads (A − B)/voters, shape (replications, stations).

    Station shares ~ Dirichlet(α₀·p), votes ~ Multinomial(voters, station
    shares): every contrast of the counts then has deff = 1 + (m − 1)/(1 + α₀),
    i.e. ρ = 1/(1 + α₀), the lead included.
    """
    rng = np.random.default_rng(seed)
    concentration = 1.0 / icc - 1.0
    station_shares = rng.dirichlet(concentration * shares, size=(replications, stations))
    votes = rng.multinomial(voters, station_shares)
    return (votes[..., 0] - votes[..., 1]) / voters


def test_simulated_clustered_votes_give_the_promised_half_width():
    shares = np.array([0.45, 0.40, 0.15])
    size = sample_size_for_lead(0.04, voters_per_station=200, icc=0.02, shares=(0.45, 0.40))
    # z² · 0.8475 / 0.04² = 2034.77 voters; deff = 1 + 199·0.02 = 4.98; 2034.77·4.98/200 = 50.67
    assert size.design_effect == pytest.approx(4.98)
    assert size.stations == 51
    leads = _dirichlet_multinomial_leads(size.stations, 200, shares, 0.02, 4000, seed=11)
    half_width = Z95 * leads.mean(axis=1).std()
    assert half_width == pytest.approx(0.04, rel=0.03)
    assert leads.mean() == pytest.approx(0.05, abs=0.002)


def test_simulated_power_is_the_share_of_intervals_above_zero():
    size = sample_size_for_lead(
        0.04, voters_per_station=200, icc=0.02, shares=(0.45, 0.40), power=0.8
    )
    # (1.96 + 0.8416)² · 0.8475 / 0.04² · 4.98 / 200 = 103.52
    assert size.stations == 104
    # true lead 0.04 (shares 0.44, 0.40): the lead the size was asked to call
    true_shares = np.array([0.44, 0.40, 0.16])
    leads = _dirichlet_multinomial_leads(size.stations, 200, true_shares, 0.02, 4000, seed=12)
    estimate = leads.mean(axis=1)
    standard_error = leads.std(axis=1, ddof=1) / math.sqrt(size.stations)
    called = np.mean(estimate - Z95 * standard_error > 0)
    assert called == pytest.approx(0.80, abs=0.03)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"lead": 0.0}, "lead must be"),
        ({"lead": 1.0}, "lead must be"),
        ({"shares": (0.7, 0.5)}, "shares must be"),
        ({"shares": (-0.1, 0.5)}, "shares must be"),
        ({"response_rate": 0.0}, "response rate"),
        ({"response_rate": 1.2}, "response rate"),
        ({"response_rate": float("nan")}, "response rate"),
        ({"power": 0.3}, "power"),
        ({"confidence": 95.0}, "confidence"),
        ({"icc": None}, "either icc"),
        ({"frame_stations": 100, "response_rate": 0.5}, "more than the frame"),
    ],
)
def test_it_refuses_values_it_cannot_use(arguments, message):
    values = {"lead": 0.02, "voters_per_station": 500, "icc": 0.05} | arguments
    lead = values.pop("lead")
    with pytest.raises(ValueError, match=message):
        sample_size_for_lead(lead, **values)


def test_margin_refuses_a_bad_response_rate():
    with pytest.raises(ValueError, match="response rate"):
        sample_size_for_margin(0.01, voters_per_station=500, icc=0.05, response_rate=0)


def test_inflation_never_shrinks_and_rounds_up():
    assert inflate_for_nonresponse(100, 1.0) == 100
    assert inflate_for_nonresponse(100, 0.8) == 125
    assert inflate_for_nonresponse(100, 0.7) == 143  # 142.86
