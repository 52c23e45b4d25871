"""Turnout × leader-share fingerprint and its fraud-model fit (Klimek, Yegorov, Hanel & Thurner, PNAS 2012).

The fingerprint is the 2-D histogram of stations by turnout and by the
leader's share of the ballots received. A clean election gives one compact
blob; ballot stuffing smears it toward the top-right corner, and "extreme"
fraud (nearly every registered voter recorded as voting for the leader)
piles stations up at 100 % / 100 %.

Fraud model (Klimek et al. and their SI; the parameterisation follows their
ElectionFitter as ported to R in EFToolkit's ``ComputeKlimekModel``):
station i with electorate N_i has a fair turnout rate τ_i ~ N(τ̄, σ_τ) and a
fair leader-share rate ν_i ~ N(ν̄, σ_ν); its ballots are Bin(N_i, τ_i) and
its leader votes Bin(ballots, ν_i). Centres come from the observed main
peak and widths from its low side (fraud only pushes stations upward, so
the fraudulent tail does not widen them), less the binomial counting noise.
With probability f_i a station has incremental fraud of intensity
x ~ |N(0, θ)| (truncated to [0, 1)); with probability f_e extreme fraud,
x ~ 1 − |N(0, 0.075)|; otherwise x = 0. A fraction x of the non-voters is
added to the leader (stuffing) and a fraction x^α of the other candidates'
votes moves to the leader (stealing). f_i, f_e, the spread θ and the
exponent α are fitted; the extreme-fraud width 0.075 is fixed, as in the paper.

The fit compares the observed histogram (5 × 5 pp cells, normalised) with the
model's by least squares. The model's expected histogram is a mixture,
H = (1 − f_i − f_e)·H_clean + f_i·H_incremental(θ, α) + f_e·H_extreme(α),
so for each (θ, α) on a grid the best (f_i, f_e) (f ≥ 0, f_i + f_e ≤ 1)
is a two-variable constrained least-squares problem solved exactly. The
model stations are drawn once with common random numbers (seeded; fraud
intensities by inverse CDF of fixed uniforms), so the objective moves
smoothly with θ and α, and refitting another observed histogram (a null
replicate) costs one matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from pollwatch.stats.words import reading, register

SOURCE = "Klimek, Yegorov, Hanel & Thurner, PNAS 109(41), 2012"
register(
    {
        "forensics.fingerprint.too-few": "too few stations to fit the fraud model",
        "forensics.fingerprint.rigged": (
            "the fingerprint fits best with %(incremental)s of stations incrementally "
            "and %(extreme)s extremely rigged: a smear toward high turnout and high leader share"
        ),
        "forensics.fingerprint.clean": "the fingerprint looks like a clean election's single blob",
    }
)
EXTREME_WIDTH = 0.075  # spread of 1 − x in extreme fraud, fixed by Klimek et al.
FIT_BINS = 20
DISPLAY_BINS = 100
# θ below 0.05 moves a station by less than one 5 pp cell: not told apart from the fair spread.
THETA_GRID = np.round(np.arange(0.05, 0.501, 0.05), 4)
ALPHA_GRID = np.array([0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0])
MAX_MODEL_STATIONS = 50_000
NULL_FITS = 20
# Downward moves of the fair centres tried in the fit: small stuffing also drags the
# observed peak up a point or two, and a fair model centred there hides it (f_i comes
# out several times too small on elections drawn from the model itself).
CENTRE_OFFSETS = (0.0, 0.005, 0.01, 0.015, 0.02, 0.03)


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


def cell_index(turnout: np.ndarray, share: np.ndarray, bins: int = FIT_BINS) -> np.ndarray:
    """Flat index (turnout bin · bins + share bin) of each station in a bins × bins grid on [0, 1]²."""
    column = np.clip((turnout * bins).astype(np.int64), 0, bins - 1)
    row = np.clip((share * bins).astype(np.int64), 0, bins - 1)
    return column * bins + row


def normalised_histogram(cells: np.ndarray) -> np.ndarray:
    """Share of stations in each fit cell (``FIT_BINS``² cells); rows of ``cells`` give rows of shares."""
    size = FIT_BINS * FIT_BINS
    cells = np.atleast_2d(cells)
    offsets = (np.arange(cells.shape[0]) * size)[:, None]
    flat = np.bincount((cells + offsets).ravel(), minlength=cells.shape[0] * size)
    counts = flat.reshape(cells.shape[0], size).astype(np.float64)
    return counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)


def _extra_binomial_width(width: float, centre: float, electorate: np.ndarray) -> float:
    """Spread of the fair rate across stations once binomial counting noise is taken out."""
    counting_variance = float(np.mean(centre * (1 - centre) / np.maximum(electorate, 1)))
    return float(np.sqrt(max(width**2 - counting_variance, (width / 4) ** 2)))


def truncated_half_normal(uniforms: np.ndarray, spread: float) -> np.ndarray:
    """|N(0, spread)| truncated to [0, 1) by inverse CDF, so fixed uniforms move smoothly with spread."""
    top = 2.0 * special.ndtr(1.0 / spread) - 1.0
    return np.minimum(spread * special.ndtri(0.5 + 0.5 * uniforms * top), 1.0 - 1e-9)


def rig(
    turnout: np.ndarray, share: np.ndarray, intensity: np.ndarray, exponent: float
) -> tuple[np.ndarray, np.ndarray]:
    """Turnout and leader share after Klimek et al.'s fraud of the given intensity x.

    A fraction x of the non-voters is added to the leader and a fraction x^α
    of the others' votes moves to the leader.
    """
    stolen = intensity**exponent
    new_turnout = turnout + intensity * (1.0 - turnout)
    leader = turnout * share + intensity * (1.0 - turnout) + stolen * turnout * (1.0 - share)
    new_share = np.divide(leader, new_turnout, out=np.ones_like(leader), where=new_turnout > 0)
    return new_turnout, np.minimum(new_share, 1.0)


def inject_fraud(
    rng: np.random.Generator,
    registered: np.ndarray,
    turnout: np.ndarray,
    share: np.ndarray,
    *,
    incremental: float,
    extreme: float,
    theta: float,
    alpha: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Turnout and share after Klimek et al.'s fraud hit a random ``incremental`` and ``extreme`` share.

    Ballots are rounded to whole votes of ``registered``. For checking that
    the fit recovers known fraud (tests, docs/forensics.md).
    """
    draw = rng.random(turnout.size)
    intensity = np.zeros(turnout.size)
    extreme_hit = draw < extreme
    incremental_hit = (draw >= extreme) & (draw < extreme + incremental)
    intensity[incremental_hit] = truncated_half_normal(rng.random(incremental_hit.sum()), theta)
    intensity[extreme_hit] = 1.0 - truncated_half_normal(
        rng.random(extreme_hit.sum()), EXTREME_WIDTH
    )
    new_turnout, new_share = rig(turnout, share, intensity, alpha)
    return np.round(new_turnout * registered) / np.maximum(registered, 1), new_share


@dataclass(frozen=True)
class FairModel:
    """Fair turnout and leader share of the main peak: [centre, width] each, as fractions."""

    turnout: tuple[float, float]
    leader_share: tuple[float, float]

    @classmethod
    def of(cls, turnout: np.ndarray, share: np.ndarray) -> FairModel:
        return cls(_clean_peak(turnout), _clean_peak(share))

    @classmethod
    def below_peak(
        cls,
        turnout: np.ndarray,
        share: np.ndarray,
        turnout_offset: float,
        share_offset: float,
    ) -> FairModel:
        """Fair centres ``offset`` below the observed peaks, widths from the stations below them."""
        turnout_centre = _clean_peak(turnout)[0] - turnout_offset
        share_centre = _clean_peak(share)[0] - share_offset
        return cls(
            (turnout_centre, _low_side_width(turnout, turnout_centre)),
            (share_centre, _low_side_width(share, share_centre)),
        )

    def draw(
        self, rng: np.random.Generator, electorate: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Turnout and leader share of fair stations with these electorates (binomial counts)."""
        size = electorate.size
        voters = electorate.astype(np.int64)
        (turnout_centre, turnout_width), (share_centre, share_width) = (
            self.turnout,
            self.leader_share,
        )
        turnout_sd = _extra_binomial_width(turnout_width, turnout_centre, voters)
        turnout_rate = np.clip(rng.normal(turnout_centre, turnout_sd, size), 0, 1)
        ballots = rng.binomial(voters, turnout_rate)
        share_sd = _extra_binomial_width(share_width, share_centre, ballots)
        share_rate = np.clip(rng.normal(share_centre, share_sd, size), 0, 1)
        leader_votes = rng.binomial(ballots, share_rate)
        turnout = ballots / np.maximum(voters, 1)
        share = np.divide(leader_votes, ballots, out=np.full(size, share_centre), where=ballots > 0)
        return turnout, share


@dataclass(frozen=True)
class FraudTable:
    """Model histograms on the (θ, α) grid, and the fit of any observed histogram against them.

    ``clean``: H_clean (cells); ``extreme``: H_extreme per α (α × cells);
    ``incremental``: H_incremental per (θ, α) (θ × α × cells).
    """

    clean: np.ndarray
    incremental: np.ndarray
    extreme: np.ndarray

    @classmethod
    def build(
        cls,
        rng: np.random.Generator,
        fair: FairModel,
        electorate: np.ndarray,
    ) -> FraudTable:
        turnout, share = fair.draw(rng, electorate)
        incremental_uniforms = rng.random(electorate.size)
        extreme_intensity = 1.0 - truncated_half_normal(rng.random(electorate.size), EXTREME_WIDTH)
        clean = normalised_histogram(cell_index(turnout, share))[0]
        extreme = np.vstack(
            [
                normalised_histogram(cell_index(*rig(turnout, share, extreme_intensity, alpha)))
                for alpha in ALPHA_GRID
            ]
        )
        incremental = np.empty((THETA_GRID.size, ALPHA_GRID.size, clean.size))
        for i, theta in enumerate(THETA_GRID):
            intensity = truncated_half_normal(incremental_uniforms, float(theta))
            cells = np.vstack(
                [cell_index(*rig(turnout, share, intensity, alpha)) for alpha in ALPHA_GRID]
            )
            incremental[i] = normalised_histogram(cells)
        return cls(clean, incremental, extreme)

    def fit(self, observed: np.ndarray) -> dict[str, np.ndarray]:
        """Best (f_i, f_e, θ, α) for each row of ``observed`` (normalised histograms), by least squares.

        Returns arrays (one value per row): ``incremental``, ``extreme``,
        ``theta``, ``alpha`` and ``squared_error``.
        """
        observed = np.atleast_2d(observed)
        grid_incremental = self.incremental.reshape(-1, self.clean.size) - self.clean
        # Row θ·|α| + α of the grid pairs H_incremental(θ, α) with H_extreme(α).
        grid_extreme = np.tile(self.extreme - self.clean, (THETA_GRID.size, 1))
        target = observed - self.clean  # rows × cells
        a_a = np.einsum("gc,gc->g", grid_incremental, grid_incremental)
        a_e = np.einsum("gc,gc->g", grid_incremental, grid_extreme)
        e_e = np.einsum("gc,gc->g", grid_extreme, grid_extreme)
        a_b = target @ grid_incremental.T  # rows × grid
        e_b = target @ grid_extreme.T
        b_b = np.einsum("rc,rc->r", target, target)[:, None]
        f_i, f_e, error = _constrained_pair(a_a, a_e, e_e, a_b, e_b, b_b)
        best = np.argmin(error, axis=1)
        rows = np.arange(observed.shape[0])
        theta_index, alpha_index = np.unravel_index(best, (THETA_GRID.size, ALPHA_GRID.size))
        return {
            "incremental": f_i[rows, best],
            "extreme": f_e[rows, best],
            "theta": THETA_GRID[theta_index],
            "alpha": ALPHA_GRID[alpha_index],
            "squared_error": np.maximum(error[rows, best], 0.0),
        }


def _constrained_pair(
    a_a: np.ndarray,
    a_e: np.ndarray,
    e_e: np.ndarray,
    a_b: np.ndarray,
    e_b: np.ndarray,
    b_b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """min ‖b − f_i·a − f_e·e‖² over f_i, f_e ≥ 0, f_i + f_e ≤ 1, from the inner products.

    The minimum of a convex quadratic on a triangle is the unconstrained
    minimum when it lies inside, else the best of the minima along the three
    edges (each a clipped one-dimensional least squares); all candidates are
    evaluated and the best feasible one kept.
    """
    tiny = 1e-18

    def error(f_i: np.ndarray, f_e: np.ndarray) -> np.ndarray:
        return (
            b_b - 2 * f_i * a_b - 2 * f_e * e_b + f_i**2 * a_a + 2 * f_i * f_e * a_e + f_e**2 * e_e
        )

    determinant = a_a * e_e - a_e**2
    safe = np.where(np.abs(determinant) > tiny, determinant, np.inf)
    candidates = [
        ((e_e * a_b - a_e * e_b) / safe, (a_a * e_b - a_e * a_b) / safe),
        (np.clip(a_b / np.maximum(a_a, tiny), 0, 1), np.zeros_like(a_b)),
        (np.zeros_like(a_b), np.clip(e_b / np.maximum(e_e, tiny), 0, 1)),
    ]
    # Edge f_i + f_e = 1: f_e = t, f_i = 1 − t; residual (b − a) − t·(e − a).
    d_d = a_a - 2 * a_e + e_e
    d_r = (e_b - a_b) - (a_e - a_a)
    t = np.clip(d_r / np.maximum(d_d, tiny), 0, 1)
    candidates.append((1 - t, t))
    best_i = np.zeros_like(a_b)
    best_e = np.zeros_like(a_b)
    best_error = error(best_i, best_e)
    for f_i, f_e in candidates:
        feasible = (f_i >= -1e-12) & (f_e >= -1e-12) & (f_i + f_e <= 1 + 1e-12)
        value = np.where(feasible, error(f_i, f_e), np.inf)
        better = value < best_error
        best_i = np.where(better, f_i, best_i)
        best_e = np.where(better, f_e, best_e)
        best_error = np.where(better, value, best_error)
    return np.clip(best_i, 0, 1), np.clip(best_e, 0, 1), best_error


def fit_fraud_model(
    registered: np.ndarray, turnout: np.ndarray, share: np.ndarray, *, seed: int = 0
) -> tuple[FraudTable, FairModel, dict[str, float]]:
    """Fit f_i, f_e, θ, α and the fair centres to the stations; also return the table and fair model.

    The fair centres are searched below the observed peaks (``CENTRE_OFFSETS``,
    turnout first, then share, each table drawn from the same seed so that
    only the offset differs). The returned table can refit other histograms
    of the same election (null replicates) at the cost of one matrix product each.
    """
    model_size = min(turnout.size * 4, MAX_MODEL_STATIONS)
    electorate = np.random.default_rng(np.random.SeedSequence([seed, 2012, 2])).choice(
        registered, size=model_size
    )
    observed = normalised_histogram(cell_index(turnout, share))

    def fitted(offsets: tuple[float, float]) -> tuple[FraudTable, FairModel, dict[str, float]]:
        fair = FairModel.below_peak(turnout, share, *offsets)
        rng = np.random.default_rng(np.random.SeedSequence([seed, 2012]))
        table = FraudTable.build(rng, fair, electorate)
        fit = {key: float(values[0]) for key, values in table.fit(observed).items()}
        return table, fair, fit

    best = fitted((0.0, 0.0))
    best_offsets = (0.0, 0.0)
    for axis in (0, 1):
        for offset in CENTRE_OFFSETS[1:]:
            offsets = (offset, best_offsets[1]) if axis == 0 else (best_offsets[0], offset)
            candidate = fitted(offsets)
            if candidate[2]["squared_error"] < best[2]["squared_error"]:
                best, best_offsets = candidate, offsets
    return best


def fingerprint(
    registered: np.ndarray, turnout: np.ndarray, share: np.ndarray, *, seed: int = 0
) -> dict[str, Any]:
    """2-D histogram (1 pp cells) of turnout × leader share and the fitted fraud model.

    Inputs are per-station registered voters, turnout and leader share as
    fractions, for stations where both are defined. ``statistic`` is
    f_i + f_e, the fitted fraction of stations touched by fraud, with
    ``incremental_fraud`` (f_i), ``extreme_fraud`` (f_e), ``fraud_spread``
    (θ) and ``stealing_exponent`` (α). ``expected`` and ``null_sd`` are the
    mean and spread of that fit on clean elections simulated from the fair
    model alone (one blob; the fit sits a little above 0 even then), and
    ``p_value`` the share of those at or above it: a textbook null, which
    flags clean but heterogeneous elections (see docs/forensics.md).
    Deterministic given ``seed``.
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
            **reading("forensics.fingerprint.too-few"),
        )
        return result
    table, fair, fit = fit_fraud_model(registered, turnout, share, seed=seed)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2012, 1]))
    null_size = min(stations, MAX_MODEL_STATIONS)
    null_cells = np.vstack(
        [
            cell_index(*fair.draw(rng, rng.choice(registered, size=null_size)))
            for _ in range(NULL_FITS)
        ]
    )
    null_fit = table.fit(normalised_histogram(null_cells))
    null_fits = null_fit["incremental"] + null_fit["extreme"]
    statistic = fit["incremental"] + fit["extreme"]
    null_mean = float(np.mean(null_fits))
    null_sd = float(np.std(null_fits, ddof=1))
    p_value = float((1 + np.count_nonzero(null_fits >= statistic - 1e-12)) / (NULL_FITS + 1))
    if statistic > null_mean + 3 * max(null_sd, 0.01):
        said = reading(
            "forensics.fingerprint.rigged",
            incremental=f"{fit['incremental']:.0%}",
            extreme=f"{fit['extreme']:.0%}",
        )
    else:
        said = reading("forensics.fingerprint.clean")
    result.update(
        statistic=float(statistic),
        expected=null_mean,
        null_sd=null_sd,
        p_value=p_value,
        incremental_fraud=fit["incremental"],
        extreme_fraud=fit["extreme"],
        fraud_spread=fit["theta"],
        stealing_exponent=fit["alpha"],
        extreme_spread=EXTREME_WIDTH,
        fit_squared_error=fit["squared_error"],
        fair_turnout=list(fair.turnout),
        fair_leader_share=list(fair.leader_share),
        fit_grid={
            "theta": [float(THETA_GRID[0]), float(THETA_GRID[-1]), 0.05],
            "alpha": ALPHA_GRID.tolist(),
        },
        **said,
    )
    return result
