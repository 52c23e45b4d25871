"""Turnout × leader-share fingerprint and its fraud-model fit (Klimek, Yegorov, Hanel & Thurner, PNAS 2012).

The fingerprint is the 2-D histogram of stations by turnout and by the
leader's share of the ballots received. A clean election gives one compact
blob; ballot stuffing smears it toward the top-right corner, and "extreme"
fraud (nearly every registered voter recorded as voting for the leader)
piles stations up at 100 % / 100 %.

Fraud model (after Klimek et al., simplified and documented in
docs/forensics.md): station i with electorate N_i has a fair turnout rate
τ_i ~ N(τ̄, σ_τ) and a fair leader share rate ν_i ~ N(ν̄, σ_ν); its ballots
are Bin(N_i, τ_i) and its leader votes Bin(ballots, ν_i). Centres come from
the observed main peak and widths from its low side (fraud only pushes
stations upward, so the fraudulent tail does not widen them), less the
binomial counting noise. With probability f_i a station has incremental
fraud, x_i ~ |N(0, σ_x)|; with probability f_e extreme fraud,
x_i ~ 1 − |N(0, σ_x)|; otherwise x_i = 0. A fraction x_i of the non-voters
is added to the leader (stuffing) and a fraction x_i of the other
candidates' votes is moved to the leader (stealing).

The fit compares the observed histogram (5 × 5 pp cells, normalised) with the
model's, by least squares, over a grid of (f_i, f_e). The model stations are
drawn once with common random numbers (seeded), so moving (f_i, f_e) only
changes which stations are fraudulent: the objective is smooth in the grid
and each grid point costs one bincount. The null spread comes from fitting
clean elections simulated from the same model with f_i = f_e = 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SOURCE = "Klimek, Yegorov, Hanel & Thurner, PNAS 109(41), 2012"
FRAUD_WIDTH = (
    0.075  # sigma_x: spread of the stuffed fraction (Klimek et al. fit values of this order)
)
FIT_BINS = 20
DISPLAY_BINS = 100
INCREMENTAL_GRID = np.round(np.arange(0.0, 0.601, 0.02), 4)
EXTREME_GRID = np.round(np.arange(0.0, 0.201, 0.01), 4)
MAX_MODEL_STATIONS = 50_000
NULL_FITS = 20


def _clean_peak(values: np.ndarray) -> tuple[float, float]:
    """Centre and width of the main peak, insensitive to a fraudulent upper tail.

    Start at the mode of a smoothed 1 pp histogram, then move the centre to
    the median of the stations within ±1.5 widths of it until it settles (the
    median of a window is its centre only at the peak's centre of symmetry,
    and it is far less noisy than a mode). The width comes from the stations
    below the centre, as fraud pushes stations upward (half-normal:
    σ = 1.4826 · median distance below).
    """
    counts, edges = np.histogram(np.clip(values, 0, 1), bins=100, range=(0.0, 1.0))
    smoothed = np.convolve(counts, np.ones(5) / 5, mode="same")
    peak = int(np.argmax(smoothed))
    centre = float((edges[peak] + edges[peak + 1]) / 2)
    width = _low_side_width(values, centre)
    for _ in range(20):
        window = values[np.abs(values - centre) <= 1.5 * width]
        if window.size < 10:
            break
        moved = float(np.median(window))
        if abs(moved - centre) < 1e-5:
            break
        centre = moved
    return centre, _low_side_width(values, centre)


def _low_side_width(values: np.ndarray, centre: float) -> float:
    below = centre - values[values < centre]
    if below.size >= 10:
        return max(float(1.4826 * np.median(below)), 1e-3)
    return max(float(1.4826 * np.median(np.abs(values - np.median(values)))), 1e-3)


def _cell_index(turnout: np.ndarray, share: np.ndarray, bins: int) -> np.ndarray:
    column = np.clip((turnout * bins).astype(np.int64), 0, bins - 1)
    row = np.clip((share * bins).astype(np.int64), 0, bins - 1)
    return column * bins + row


def _extra_binomial_width(width: float, centre: float, electorate: np.ndarray) -> float:
    """Spread of the fair rate across stations once binomial counting noise is taken out."""
    counting_variance = float(np.mean(centre * (1 - centre) / np.maximum(electorate, 1)))
    return float(np.sqrt(max(width**2 - counting_variance, (width / 4) ** 2)))


def _model_cells(
    rng: np.random.Generator,
    electorate: np.ndarray,
    turnout_centre: float,
    turnout_width: float,
    share_centre: float,
    share_width: float,
) -> tuple[np.ndarray, ...]:
    """Fit-histogram cell of every model station when clean, incrementally and extremely rigged.

    Fair rates vary across stations (normal, extra-binomial width) and the
    counts are then drawn binomially, so small stations scatter more, as real ones do.
    """
    size = electorate.size
    voters = electorate.astype(np.int64)
    turnout_rate = np.clip(
        rng.normal(
            turnout_centre, _extra_binomial_width(turnout_width, turnout_centre, voters), size
        ),
        0,
        1,
    )
    ballots = rng.binomial(voters, turnout_rate)
    share_rate = np.clip(
        rng.normal(share_centre, _extra_binomial_width(share_width, share_centre, ballots), size),
        0,
        1,
    )
    leader_votes = rng.binomial(ballots, share_rate)
    electorate_size = np.maximum(voters, 1)
    turnout = ballots / electorate_size
    share = np.divide(leader_votes, ballots, out=np.full(size, share_centre), where=ballots > 0)
    small = np.minimum(np.abs(rng.normal(0.0, FRAUD_WIDTH, size)), 1.0)
    cells = [_cell_index(turnout, share, FIT_BINS)]
    for stuffed in (small, 1.0 - small):
        new_turnout = turnout + stuffed * (1.0 - turnout)
        leader = turnout * share + stuffed * (1.0 - turnout) + stuffed * turnout * (1.0 - share)
        new_share = np.divide(leader, new_turnout, out=np.ones(size), where=new_turnout > 0)
        cells.append(_cell_index(new_turnout, new_share, FIT_BINS))
    return tuple(cells)


def _normalised_histogram(cells: np.ndarray) -> np.ndarray:
    counts = np.bincount(cells, minlength=FIT_BINS * FIT_BINS).astype(np.float64)
    return counts / max(counts.sum(), 1.0)


def _model_table(
    clean: np.ndarray, incremental: np.ndarray, extreme: np.ndarray, uniforms: np.ndarray
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Normalised model histograms, one row per (f_i, f_e) grid point with f_i + f_e ≤ 1."""
    rows, grid = [], []
    for fraction_extreme in EXTREME_GRID:
        for fraction_incremental in INCREMENTAL_GRID:
            cells = np.where(
                uniforms < fraction_extreme,
                extreme,
                np.where(uniforms < fraction_extreme + fraction_incremental, incremental, clean),
            )
            rows.append(_normalised_histogram(cells))
            grid.append((float(fraction_incremental), float(fraction_extreme)))
    return np.vstack(rows), grid


def _best_fit(
    table: np.ndarray, grid: list[tuple[float, float]], observed: np.ndarray
) -> tuple[float, float, float]:
    squared_error = ((table - observed[None, :]) ** 2).sum(axis=1)
    best = int(np.argmin(squared_error))
    return grid[best][0], grid[best][1], float(squared_error[best])


def fingerprint(
    registered: np.ndarray, turnout: np.ndarray, share: np.ndarray, *, seed: int = 0
) -> dict[str, Any]:
    """2-D histogram (1 pp cells) of turnout × leader share and the fitted fraud fractions.

    Inputs are per-station registered voters, turnout and leader share as
    fractions, for stations where both are defined. ``statistic`` is
    f_i + f_e, the fitted fraction of stations touched by fraud; ``expected``
    and ``null_sd`` are the mean and spread of that fit on clean elections
    simulated from the same model (the fit is biased a little above 0 even on
    clean data). Deterministic given ``seed``.
    """
    registered = np.asarray(registered, dtype=np.float64)
    turnout = np.asarray(turnout, dtype=np.float64)
    share = np.asarray(share, dtype=np.float64)
    stations = turnout.size
    edges = np.linspace(0.0, 1.0, DISPLAY_BINS + 1)
    display, _, _ = np.histogram2d(
        np.clip(turnout, 0, 1), np.clip(share, 0, 1), bins=[edges, edges]
    )
    result: dict[str, Any] = {
        "name": "turnout × leader-share fingerprint",
        "stations": int(stations),
        "turnout_edges": edges.round(4).tolist(),
        "share_edges": edges.round(4).tolist(),
        "counts": display.astype(np.int64).tolist(),
        "counts_layout": "counts[i][j]: stations with turnout in bin i and leader share in bin j",
        "source": SOURCE,
    }
    if stations < 50:
        result.update(
            statistic=None,
            expected=None,
            null_sd=None,
            p_value=None,
            reading="too few stations to fit the fraud model",
        )
        return result
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2012]))
    turnout_centre, turnout_width = _clean_peak(turnout)
    share_centre, share_width = _clean_peak(share)
    model_size = min(stations * 4, MAX_MODEL_STATIONS)
    electorate = rng.choice(registered, size=model_size)
    clean, incremental, extreme = _model_cells(
        rng, electorate, turnout_centre, turnout_width, share_centre, share_width
    )
    table, grid = _model_table(clean, incremental, extreme, rng.random(model_size))
    observed = _normalised_histogram(_cell_index(turnout, share, FIT_BINS))
    fraction_incremental, fraction_extreme, squared_error = _best_fit(table, grid, observed)
    null_fits = []
    null_size = min(stations, MAX_MODEL_STATIONS)
    for _ in range(NULL_FITS):
        clean_cells = _model_cells(
            rng,
            rng.choice(registered, size=null_size),
            turnout_centre,
            turnout_width,
            share_centre,
            share_width,
        )[0]
        fit = _best_fit(table, grid, _normalised_histogram(clean_cells))
        null_fits.append(fit[0] + fit[1])
    statistic = fraction_incremental + fraction_extreme
    null_mean = float(np.mean(null_fits))
    null_sd = float(np.std(null_fits, ddof=1))
    p_value = float((1 + sum(f >= statistic for f in null_fits)) / (NULL_FITS + 1))
    if statistic > null_mean + 3 * max(null_sd, 0.01):
        reading = (
            f"the fingerprint fits best with {fraction_incremental:.0%} of stations incrementally "
            f"and {fraction_extreme:.0%} extremely rigged: a smear toward high turnout and high leader share"
        )
    else:
        reading = "the fingerprint looks like a clean election's single blob"
    result.update(
        statistic=statistic,
        expected=null_mean,
        null_sd=null_sd,
        p_value=p_value,
        incremental_fraud=fraction_incremental,
        extreme_fraud=fraction_extreme,
        fit_squared_error=squared_error,
        fair_turnout=[turnout_centre, turnout_width],
        fair_leader_share=[share_centre, share_width],
        fit_grid={
            "incremental": [float(INCREMENTAL_GRID[0]), float(INCREMENTAL_GRID[-1]), 0.02],
            "extreme": [float(EXTREME_GRID[0]), float(EXTREME_GRID[-1]), 0.01],
        },
        reading=reading,
    )
    return result
