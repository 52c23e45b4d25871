"""Benchmark: every forensic test with 1,000 Monte Carlo replicates on Russia 2018 (97,699 stations).

Run as `python benchmarks/bench_forensics.py [--skip-binomial] [--sizes 10000,100000,1000000]`.
Prints the time of all forensics (both Monte Carlo methods), the ratio to the
straightforward per-station loop of binomial draws (timed on a subset in
the same run and extrapolated; the loop on all stations would take hours),
and the time at growing numbers of stations resampled from the Russian ones.
The data is read from ../shared/data (or $POLLWATCH_SHARED_DATA).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pollwatch.stats.forensics import run_forensics  # noqa: E402
from pollwatch.stats.forensics_integer import inclusion_mask, null_counts_by_loop  # noqa: E402
from pollwatch.stats.table import read_table  # noqa: E402

DATA = Path(
    os.environ.get("POLLWATCH_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
ISSUED = [
    "Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно",
    "Число избирательных бюллетеней, выданных в помещении для голосования в день голосования",
    "Число избирательных бюллетеней, выданных вне помещения для голосования в день голосования",
]


def load_russia() -> dict[str, np.ndarray]:
    frame = read_table(DATA / "russia-2018" / "2018.csv.zip")

    def counts(name: str) -> np.ndarray:
        return pd.to_numeric(frame[name]).to_numpy(dtype=np.float64)

    return {
        "station": frame["uik"].to_numpy(dtype=object),
        "registered": counts("Число избирателей, включенных в список избирателей"),
        "ballots": sum(counts(name) for name in ISSUED),
        "valid": counts("Число действительных избирательных бюллетеней"),
        "invalid": counts("Число недействительных избирательных бюллетеней"),
        "leader": counts("Путин Владимир Владимирович"),
    }


def timed_forensics(
    data: dict[str, np.ndarray], method: str, replicates: int = 1000
) -> tuple[float, dict]:
    start = time.perf_counter()
    result = run_forensics(
        data["station"],
        data["registered"],
        data["ballots"],
        data["valid"],
        data["leader"],
        invalid=data["invalid"],
        replicates=replicates,
        seed=1,
        method=method,
    )
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--skip-binomial", action="store_true", help="skip the (slower) binomial-draw null"
    )
    parser.add_argument(
        "--sizes", default="10000,100000,1000000", help="station counts for the scaling run"
    )
    args = parser.parse_args()

    start = time.perf_counter()
    russia = load_russia()
    print(
        f"read Russia 2018: {russia['registered'].size} stations in {time.perf_counter() - start:.1f} s"
    )

    methods = ["bernoulli"] if args.skip_binomial else ["bernoulli", "binomial"]
    seconds_by_method = {}
    for method in methods:
        seconds, result = timed_forensics(russia, method)
        seconds_by_method[method] = seconds
        integer = result["integer_percentages"]
        print(
            f"all forensics, 1,000 replicates, method={method}: {seconds:.1f} s "
            f"(excess {integer['excess_stations']:.1f} ± null_sd {integer['null_sd']:.1f}, "
            f"stations included {integer['stations_included']})"
        )

    received = russia["valid"] + russia["invalid"]
    included = np.flatnonzero(
        inclusion_mask(russia["registered"], russia["ballots"], received, russia["leader"])
    )
    subset = included[:5000]
    loop_replicates = 4
    start = time.perf_counter()
    null_counts_by_loop(
        russia["registered"][subset],
        russia["ballots"][subset],
        received[subset],
        russia["leader"][subset],
        replicates=loop_replicates,
        seed=1,
    )
    loop_seconds = time.perf_counter() - start
    extrapolated = loop_seconds * (included.size / subset.size) * (1000 / loop_replicates)
    print(
        f"per-station loop of binomial draws: {loop_seconds:.2f} s for {subset.size} stations × "
        f"{loop_replicates} replicates, extrapolated to {included.size} stations × 1,000 replicates: "
        f"{extrapolated:.0f} s ({extrapolated / 60:.1f} min)"
    )
    for method, seconds in seconds_by_method.items():
        print(
            f"  speed-up of all forensics (method={method}) over the loop's Monte Carlo alone: "
            f"{extrapolated / seconds:.0f}×"
        )

    rng = np.random.default_rng(0)
    print(
        "scaling (stations resampled from Russia 2018, all forensics, 1,000 replicates, method=bernoulli):"
    )
    previous = None
    for size in [int(s) for s in args.sizes.split(",") if s]:
        chosen = rng.integers(0, russia["registered"].size, size)
        data = {key: values[chosen] for key, values in russia.items()}
        seconds, _ = timed_forensics(data, "bernoulli")
        per_million = seconds / size * 1e6
        note = (
            ""
            if previous is None
            else f", ×{seconds / previous[1]:.1f} time for ×{size / previous[0]:.0f} stations"
        )
        print(
            f"  {size:>9} stations: {seconds:6.1f} s ({per_million:.1f} s per million stations{note})"
        )
        previous = (size, seconds)


if __name__ == "__main__":
    main()
