"""Statistical forensics of official polling-station results (integer percentages, digits, fingerprint, ...).

Runs every test of pollwatch.stats.forensics on a results file (CSV, .gz,
.zip, XLSX), nationally and, with --by, per group. A comma list of columns
means the sum of those columns; column names that themselves contain commas
are recognised as long as they match a header exactly.

Example:
  pollwatch forensics results.csv --station code --registered registered \\
      --ballots ballots --valid valid --invalid invalid --leader cand_a \\
      --candidates cand_a,cand_b,cand_c --by region --json
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np
import pandas as pd

from pollwatch.lib.plainjson import jsonable
from pollwatch.stats.forensics import TESTS, run_forensics
from pollwatch.stats.table import InputError, Problem, read_table, require_columns, text_column

HELP = __doc__


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("results", metavar="RESULTS.csv", help="one row per polling station")
    parser.add_argument("--station", required=True, metavar="COL", help="station code column")
    parser.add_argument("--registered", required=True, metavar="COL", help="registered voters")
    parser.add_argument(
        "--ballots",
        required=True,
        metavar="COL[,COL...]",
        help="ballots cast or issued (turnout = ballots / registered)",
    )
    parser.add_argument("--valid", required=True, metavar="COL[,COL...]", help="valid ballots")
    parser.add_argument("--leader", required=True, metavar="COL", help="the leader's votes")
    parser.add_argument(
        "--candidates",
        metavar="COL,...",
        help="every candidate's votes (per-candidate digit tests, sum-to-valid check)",
    )
    parser.add_argument(
        "--invalid",
        metavar="COL[,COL...]",
        help="invalid ballots: the leader's share is then of valid + invalid",
    )
    parser.add_argument(
        "--by",
        metavar="COL",
        help="also run every test per group of this column (e.g. region); the second-digit and "
        "kurtosis p-values are then calibrated against a null fitted to these groups",
    )
    parser.add_argument(
        "--replicates",
        type=int,
        default=1000,
        help="Monte Carlo replicates of the integer-percentage null (default 1000)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--mc-method",
        choices=["bernoulli", "binomial"],
        default="bernoulli",
        help="integer-test null: exact per-station hit draws (default) or binomial count draws",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def resolve_columns(frame: pd.DataFrame, spec: str, source: str) -> list[str]:
    """Column names in a comma list, where a name may itself contain commas.

    At each position the longest run of comma-separated parts that is a
    header wins, so "Число избирателей, включенных в список избирателей"
    is one column and "a,b" two. Unknown names raise InputError listing the header.
    """
    if spec in frame.columns:
        return [spec]
    parts = spec.split(",")
    names: list[str] = []
    start = 0
    while start < len(parts):
        for end in range(len(parts), start, -1):
            candidate = ",".join(parts[start:end]).strip()
            if candidate in frame.columns:
                names.append(candidate)
                start = end
                break
        else:
            name = parts[start].strip()
            if name:
                require_columns(frame, [name], source)
            start += 1
    if not names:
        raise InputError(source, [Problem(None, spec, "no column named")])
    return names


def _station_label(stations: np.ndarray, row: int | None) -> str:
    if row is None or not 0 <= row - 2 < len(stations):
        return ""
    return f" (station {stations[row - 2]})"


# Spellings of a missing cell (R writes NA); anything else that is not a number is an error.
MISSING = {"", "NA", "N/A", "NaN", "nan", "null", "NULL"}


def numeric_columns(
    frame: pd.DataFrame, names: list[str], source: str, stations: np.ndarray
) -> np.ndarray:
    """Sum of the named columns as float64; missing cells count 0 (load_results decides about them).

    Non-numeric and negative cells raise InputError naming row, station and column.
    """
    total = np.zeros(len(frame))
    problems: list[Problem] = []
    for name in names:
        raw = frame[name].astype(str).str.strip()
        empty = raw.isin(MISSING).to_numpy()
        raw = raw.where(~empty, "")
        values = pd.to_numeric(raw.str.replace(",", "", regex=False), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        for index in np.flatnonzero(np.isnan(values) & ~empty)[:25]:
            problems.append(
                Problem(
                    int(index) + 2,
                    name,
                    f"not a number: {raw.iloc[index]!r}{_station_label(stations, int(index) + 2)}",
                )
            )
        for index in np.flatnonzero(values < 0)[:25]:
            problems.append(
                Problem(
                    int(index) + 2,
                    name,
                    f"negative count: {raw.iloc[index]}{_station_label(stations, int(index) + 2)}",
                )
            )
        total += np.nan_to_num(values, nan=0.0)
    if problems:
        raise InputError(source, problems)
    return total


def _missing_cells(frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Rows where every one of the named cells is missing."""
    return np.logical_and.reduce(
        [frame[name].astype(str).str.strip().isin(MISSING).to_numpy() for name in names]
    )


def load_results(args: argparse.Namespace) -> dict[str, Any]:
    """Read and check the file; return the arrays for run_forensics plus ``dropped_rows``.

    Rows whose vote columns (valid, invalid, leader, candidates) are all
    missing (empty or NA) carry no result and are dropped (counted). In a sum
    of several columns a missing cell counts 0 (a party not standing there)
    unless all of them are missing. Any other missing cell, a non-numeric or
    negative cell, or a candidate with more votes than registered voters is
    an InputError naming row, station and column.
    """
    source = str(args.results)
    frame = read_table(args.results)
    require_columns(frame, [args.station], source)
    stations = text_column(frame, args.station, source, allow_empty=True)
    specs = {
        "registered": args.registered,
        "ballots": args.ballots,
        "valid": args.valid,
        "leader": args.leader,
    }
    if args.invalid:
        specs["invalid"] = args.invalid
    columns = {key: resolve_columns(frame, spec, source) for key, spec in specs.items()}
    candidate_columns = resolve_columns(frame, args.candidates, source) if args.candidates else []
    if args.by:
        require_columns(frame, [args.by], source)
    arrays = {
        key: numeric_columns(frame, names, source, stations) for key, names in columns.items()
    }
    candidates = [numeric_columns(frame, [name], source, stations) for name in candidate_columns]

    vote_columns = [
        *columns["valid"],
        *columns["leader"],
        *columns.get("invalid", []),
        *candidate_columns,
    ]
    no_result = _missing_cells(frame, vote_columns)
    keep = ~no_result
    problems = []
    for names in [*columns.values(), *[[name] for name in candidate_columns]]:
        for index in np.flatnonzero(_missing_cells(frame, names) & keep)[:25]:
            problems.append(
                Problem(
                    int(index) + 2,
                    ", ".join(names),
                    f"missing value{_station_label(stations, int(index) + 2)}",
                )
            )
    for index in np.flatnonzero((stations == "") & keep)[:25]:
        problems.append(Problem(int(index) + 2, args.station, "empty station code"))
    for name, votes in [
        (", ".join(columns["leader"]), arrays["leader"]),
        *zip(candidate_columns, candidates, strict=True),
    ]:
        for index in np.flatnonzero((votes > arrays["registered"]) & keep)[:25]:
            problems.append(
                Problem(
                    int(index) + 2,
                    name,
                    f"{votes[index]:.0f} votes above the {arrays['registered'][index]:.0f} registered voters"
                    f"{_station_label(stations, int(index) + 2)}; check the column mapping",
                )
            )
    if problems:
        raise InputError(source, problems)
    rows = np.arange(len(frame)) + 2
    return {
        "station": stations[keep],
        "registered": arrays["registered"][keep],
        "ballots": arrays["ballots"][keep],
        "valid": arrays["valid"][keep],
        "leader": arrays["leader"][keep],
        "invalid": arrays["invalid"][keep] if "invalid" in arrays else None,
        "candidates": [c[keep] for c in candidates] or None,
        "by": text_column(frame, args.by, source, allow_empty=True)[keep] if args.by else None,
        "rows": rows[keep],
        "dropped_rows": int(no_result.sum()),
    }


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.4g}" if abs(value) < 0.001 and value != 0 else f"{value:.3f}"


def format_table(result: dict[str, Any], title: str) -> str:
    """A readable table: test, statistic, expected, p-value / uncertainty, reading."""
    summary = result["summary"]
    lines = [
        f"{title}: {summary['stations']} stations, turnout {_number(summary['turnout'])}, "
        f"leader share {_number(summary['leader_share'])}"
        + (
            f", {summary['dropped_rows']} rows without results dropped"
            if summary.get("dropped_rows")
            else ""
        ),
        f"{'test':<28} {'statistic':>11} {'expected':>10} {'p / uncertainty':>22}  reading",
    ]
    for key in TESTS:
        test = result[key]
        uncertainty = []
        if test.get("calibration") == "descriptive":
            uncertainty.append("descriptive")
        elif test.get("p_value") is not None:
            label = "p(regions)" if test.get("calibration") == "regions" else "p"
            uncertainty.append(f"{label}={test['p_value']:.3g}")
        for label in ("se", "null_sd"):
            if test.get(label) is not None:
                uncertainty.append(f"{label}={_number(test[label])}")
        lines.append(
            f"{key:<28} {_number(test.get('statistic')):>11} {_number(test.get('expected')):>10} "
            f"{' '.join(uncertainty) or '-':>22}  {test.get('reading', '')}"
        )
    flagged = result["impossible_values"]["stations"]
    for entry in flagged[:10]:
        lines.append(
            f"  station {entry['station']} (row {entry['row']}): {'; '.join(entry['rules'])}"
        )
    if len(flagged) > 10:
        lines.append(f"  ... and {result['impossible_values']['statistic'] - 10} more (see --json)")
    if any(result[key].get("calibration") == "regions" for key in TESTS):
        lines.append(
            "p(regions): calibrated to regions, against elections redrawn from each group's turnout"
        )
    if any(result[key].get("calibration") == "descriptive" for key in TESTS):
        lines.append(
            "descriptive: these tests also flag clean elections whose regions differ; no p-value "
            "(see docs/forensics.md)"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        data = load_results(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.replicates < 2:
        print("error: --replicates must be at least 2", file=sys.stderr)
        return 2
    from tqdm import tqdm

    groups = 0 if data["by"] is None else len(set(data["by"].tolist()))
    with tqdm(
        total=args.replicates * (1 + groups),
        desc="integer-percentage null",
        unit="replicate",
        file=sys.stderr,
        leave=False,
    ) as bar:
        try:
            result = run_forensics(
                data["station"],
                data["registered"],
                data["ballots"],
                data["valid"],
                data["leader"],
                candidates=data["candidates"],
                invalid=data["invalid"],
                by=data["by"],
                rows=data["rows"],
                replicates=args.replicates,
                seed=args.seed,
                method=args.mc_method,
                progress=bar.update,
            )
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    result["summary"]["dropped_rows"] = data["dropped_rows"]
    if args.json:
        print(json.dumps(jsonable(result), ensure_ascii=False))
        return 0
    print(format_table(result, "all stations"))
    for group, group_result in result.get("by", {}).items():
        print()
        print(format_table(group_result, f"{args.by} = {group}"))
    return 0
