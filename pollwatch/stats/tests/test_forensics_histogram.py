"""The 0.1-pp histogram of station percentages against its binomial null band."""

from __future__ import annotations

import numpy as np
import pytest

from pollwatch.stats.forensics_integer import percentage_histogram


def clean_election(stations: int, seed: int) -> dict[str, np.ndarray]:
    """Binomial turnout and leader votes around station-level beta noise, no manipulation.

    Electorates of 1,000–3,000 are large enough that a station written to a
    whole percentage always lands within 0.05 pp of it (the rounding error of
    one voter is at most 50/registered pp).
    """
    rng = np.random.default_rng(seed)
    registered = rng.integers(1000, 3000, stations)
    ballots = rng.binomial(registered, rng.beta(30, 20, stations))  # turnout around 60 %
    leader = rng.binomial(ballots, rng.beta(22, 18, stations))  # leader around 55 %
    return {"registered": registered, "ballots": ballots, "received": ballots, "leader": leader}


def histogram(election: dict[str, np.ndarray], **options) -> dict:
    return percentage_histogram(
        election["registered"],
        election["ballots"],
        election["received"],
        election["leader"],
        **options,
    )


def share_inside_band(result: dict, minimum_expected: float = 5.0) -> float:
    observed = np.array(result["observed"])
    inside = (observed >= np.array(result["null_low"])) & (
        observed <= np.array(result["null_high"])
    )
    # Empty tail bins are trivially inside a band of zeros; they would flatter the coverage.
    populated = np.array(result["null_mean"]) >= minimum_expected
    return float(inside[populated].mean())


@pytest.mark.parametrize("which", ["turnout", "leader"])
def test_clean_results_stay_inside_the_null_band_in_about_95_percent_of_bins(which):
    result = histogram(clean_election(20_000, seed=3), which=which, seed=1)
    assert 0.85 <= share_inside_band(result) <= 0.995


def test_whole_percent_turnouts_written_to_order_rise_above_the_band():
    # Enough stations that the dozens written to each central whole percentage
    # clear the band with a margin, whatever the seed.
    election = clean_election(50_000, seed=4)
    rng = np.random.default_rng(5)
    rigged = rng.choice(50_000, size=2_500, replace=False)  # 5 %
    registered = election["registered"][rigged]
    whole_percent = np.rint(100 * election["ballots"][rigged] / registered)
    election["ballots"][rigged] = np.rint(registered * whole_percent / 100).astype(np.int64)
    result = histogram(election, which="turnout", seed=2)

    centres = np.array(result["bin_centres"])
    observed = np.array(result["observed"])
    null_mean = np.array(result["null_mean"])
    whole = np.isclose(centres, np.rint(centres))
    # Around the peak every whole-percent bin gets dozens of written stations;
    # in the far tails a handful cannot stand out, and is not asked to.
    central = null_mean >= 0.5 * null_mean.max()
    assert (central & whole).sum() >= 15
    assert np.all(observed[central & whole] > np.array(result["null_high"])[central & whole])
    # The spikes are at whole percentages only: the other bins look like chance.
    assert share_inside_band({**result, "null_mean": np.where(whole, 0, null_mean)}) >= 0.8


def test_it_has_one_bin_per_tenth_of_a_percent_centred_on_whole_percentages():
    # Turnouts 50.00 %, 49.96 % and 50.04 % are "integer"; 50.05 % belongs to the next bin.
    registered = np.array([10_000, 10_000, 10_000, 10_000])
    ballots = np.array([5_000, 4_996, 5_004, 5_005])
    result = percentage_histogram(
        registered, ballots, ballots, ballots // 2, replicates=5, low=49.5, high=50.5
    )
    assert result["bin_width"] == 0.1
    assert result["bins"][:2] == [49.45, 49.55]
    assert result["bin_centres"][5] == 50.0
    assert len(result["bins"]) == len(result["observed"]) == len(result["null_high"]) == 10
    assert result["observed"][5] == 3
    assert result["observed"][6] == 1
    assert result["stations"] == result["stations_in_range"] == 4


def test_the_default_range_covers_the_observed_data_in_whole_percentages():
    result = histogram(clean_election(2_000, seed=6), replicates=20)
    centres, observed = result["bin_centres"], result["observed"]
    assert centres[0] == int(centres[0])
    assert round(centres[-1] + 0.1, 1) == int(centres[-1] + 0.1)
    populated = [i for i, count in enumerate(observed) if count]
    # Rounded out by less than one whole percentage at either end.
    assert populated[0] < 10 and populated[-1] >= len(observed) - 10
    assert result["stations_in_range"] == result["stations"] == 2_000


def test_it_uses_only_the_stations_the_integer_test_includes():
    registered = np.array([50, 1_000, 1_000, 1_000])  # under 100 registered: left out
    ballots = np.array([25, 995, 600, 700])  # 99.5 % turnout: left out
    result = percentage_histogram(registered, ballots, ballots, ballots // 2, replicates=10)
    assert result["stations"] == 2
    assert sum(result["observed"]) == 2


def test_the_band_depends_only_on_the_input_and_the_seed():
    election = clean_election(3_000, seed=7)
    first = histogram(election, replicates=30, seed=11)
    again = histogram(election, replicates=30, seed=11)
    other = histogram(election, replicates=30, seed=12)
    assert first == again
    assert first["null_mean"] != other["null_mean"]
    assert first["observed"] == other["observed"]


def test_each_replicate_redraws_every_station_in_the_range():
    election = clean_election(3_000, seed=8)
    # The whole 0–100 % range: no null draw can fall outside it.
    result = histogram(election, which="leader", replicates=25, low=0, high=100.1)
    assert sum(result["null_mean"]) == pytest.approx(3_000)
    assert result["which"] == "leader"
    assert result["replicates"] == 25


@pytest.mark.parametrize(
    "options, message",
    [
        ({"which": "invalid"}, "unknown which"),
        ({"replicates": 0}, "at least 1"),
        ({"low": 60, "high": 60}, "must be above"),
    ],
)
def test_it_rejects_bad_options(options, message):
    election = clean_election(100, seed=9)
    with pytest.raises(ValueError, match=message):
        histogram(election, **options)
