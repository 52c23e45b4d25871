"""`pollwatch quickcount`: quick-count estimates from a sample file and the station frame."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

HELP = """Quick count (PVT): vote shares, turnout, invalid share and lead with intervals, and the call.

SAMPLE lists the sampled stations, one row each; a row whose vote cells are
all empty has not reported yet. Rows with sample_role "reserve" (as written
by `pollwatch sample`) are skipped: relabel a reserve "sampled" when it
replaces a station (and, with --weight, give it the weight of the station
it replaces). FRAME lists every station of the country with its stratum (it
gives N_h); --station joins the two. --weight takes the design weights 1/π
from SAMPLE (PPS samples need it: weighted N_h/n_h they are biased). See
docs/quickcount.md.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sample", help="CSV/XLSX of sampled stations with their results")
    parser.add_argument("--frame", required=True, help="CSV/XLSX of every station with its stratum")
    parser.add_argument("--stratum", required=True, help="stratum column (read from the frame)")
    parser.add_argument("--station", required=True, help="station id column, present in both files")
    parser.add_argument(
        "--registered", required=True, help="registered voters column (sample, else frame)"
    )
    parser.add_argument(
        "--votes", required=True, help="comma list of vote columns, one per contestant"
    )
    parser.add_argument("--invalid", help="invalid ballots column")
    parser.add_argument(
        "--weight",
        metavar="COL",
        help="design weight 1/π of each sampled station (SAMPLE's column, e.g. 'weight' as "
        "written by `pollwatch sample`, PPS included); default N_h/n_h",
    )
    parser.add_argument(
        "--by",
        help="domain column (sample, else frame), e.g. region; strata without a report are "
        "estimated from a similar stratum of the same domain, and thin strata are collapsed within it",
    )
    parser.add_argument(
        "--calibrate",
        metavar="COL[,COL]",
        help="post-stratify reporting stations within strata by these FRAME columns (e.g. "
        "urban_rural): late or missing reporters are then stood for by stations like them",
    )
    parser.add_argument(
        "--arrival", help="arrival order column (timestamps or sequence); default: row order"
    )
    parser.add_argument("--method", choices=["linearized", "bootstrap"], default="linearized")
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--replicates", type=int, default=1000, help="bootstrap replicates")
    parser.add_argument("--seed", type=int, default=None, help="bootstrap seed")
    parser.add_argument(
        "--call-z", type=float, default=2.58, help="z a lead must reach to be called"
    )
    parser.add_argument(
        "--min-reported",
        type=float,
        default=0.80,
        help="fraction of sampled stations needed for a call",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        help="outright-win threshold (share of valid votes) for the threshold call; "
        "0 for a plurality contest (the leader wins)",
    )
    parser.add_argument(
        "--no-runoff",
        action="store_true",
        help="nobody above --threshold means no outright winner, not a run-off of the top two",
    )
    parser.add_argument(
        "--party-threshold",
        type=float,
        help="share a party needs (e.g. 0.05 for seats): the call says above/below/undecided for each",
    )
    parser.add_argument(
        "--min-coverage",
        type=float,
        default=0.90,
        help="share of frame stations in reporting strata needed for the threshold call",
    )
    parser.add_argument(
        "--allow-over-registered",
        action="store_true",
        help="accept stations with more ballots than registered voters (e.g. special stations for voters in transit)",
    )
    parser.add_argument(
        "--convergence",
        type=int,
        metavar="BATCH",
        help="also report estimates after every BATCH arrivals",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    from pollwatch.stats.table import InputError

    try:
        result = compute(args)
    except InputError as exc:
        print(f"pollwatch quickcount: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"pollwatch quickcount: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(format_table(result))
    return 0


def _lookup(sample, frame_rows, frame, column: str) -> tuple[Any, str]:
    """The column from the sample if it has it, else from the frame rows matched to the sample."""
    if column in sample.columns:
        return sample, "sample"
    if column in frame.columns:
        return frame.iloc[frame_rows].reset_index(drop=True), "frame"
    return sample, "sample"


def compute(args: argparse.Namespace) -> dict[str, Any]:
    """Read, check and estimate; returns the JSON-ready dict. Raises InputError on bad input."""
    from pollwatch.stats.calls import DEFAULT_Z_INTERIM, ContestRules, LookRule
    from pollwatch.stats.figures import FigureSettings, QuickCountInputs, quick_count_figures
    from pollwatch.stats.quickcount import shown_categories
    from pollwatch.stats.table import (
        InputError,
        Problem,
        check_strata_agree,
        numeric_column,
        read_table,
        require_columns,
        split_spec,
        text_column,
    )

    sample_source, frame_source = str(args.sample), str(args.frame)
    sample = read_table(args.sample)
    frame = read_table(args.frame)
    reserves_skipped = 0
    if "sample_role" in sample.columns:
        # `pollwatch sample` output: reserves count only once relabelled "sampled" to replace a station
        is_reserve = (
            sample["sample_role"].astype(str).str.strip().str.lower() == "reserve"
        ).to_numpy()
        reserves_skipped = int(is_reserve.sum())
        sample = sample[~is_reserve].reset_index(drop=True)
    require_columns(frame, [args.station, args.stratum], frame_source)
    vote_columns = split_spec(args.votes)
    if len(vote_columns) < 2:
        raise ValueError("--votes needs at least two columns (one per contestant)")
    require_columns(sample, [args.station, *vote_columns], sample_source)

    frame_station = text_column(frame, args.station, frame_source)
    frame_stratum = text_column(frame, args.stratum, frame_source)
    duplicated = frame.duplicated(subset=[args.station], keep="first").to_numpy()
    if duplicated.any():
        raise InputError(
            frame_source,
            [
                Problem(
                    int(i) + 2, args.station, f"station {frame_station[i]!r} appears more than once"
                )
                for i in np.flatnonzero(duplicated)
            ],
        )
    sample_station = text_column(sample, args.station, sample_source)
    duplicated = sample.duplicated(subset=[args.station], keep="first").to_numpy()
    if duplicated.any():
        raise InputError(
            sample_source,
            [
                Problem(
                    int(i) + 2,
                    args.station,
                    f"station {sample_station[i]!r} appears more than once in the sample",
                )
                for i in np.flatnonzero(duplicated)
            ],
        )
    position = {station: i for i, station in enumerate(frame_station.tolist())}
    frame_rows = np.array([position.get(s, -1) for s in sample_station.tolist()], dtype=np.int64)
    absent = np.flatnonzero(frame_rows < 0)
    if len(absent):
        raise InputError(
            sample_source,
            [
                Problem(
                    int(i) + 2,
                    args.station,
                    f"station {sample_station[i]!r} is not in the frame {frame_source}",
                )
                for i in absent
            ],
        )
    stratum = frame_stratum[frame_rows]
    if args.stratum in sample.columns:
        own = text_column(sample, args.stratum, sample_source)
        check_strata_agree(own, stratum, sample_station, args.stratum, sample_source)
    labels, counts = np.unique(frame_stratum, return_counts=True)
    population = dict(zip(labels.tolist(), counts.tolist(), strict=True))

    votes = {c: numeric_column(sample, c, sample_source, allow_empty=True) for c in vote_columns}
    empty = np.column_stack(
        [(sample[c].astype(str).str.strip() == "").to_numpy() for c in vote_columns]
    )
    reported = ~empty.all(axis=1)
    partial = np.flatnonzero(empty.any(axis=1) & reported)
    if len(partial):
        raise InputError(
            sample_source,
            [
                Problem(
                    int(i) + 2,
                    vote_columns[int(np.argmax(empty[i]))],
                    f"station {sample_station[i]!r} has some vote cells empty and others filled",
                )
                for i in partial
            ],
        )

    def reported_numeric(column: str) -> tuple[np.ndarray, str]:
        table, where = _lookup(sample, frame_rows, frame, column)
        source = sample_source if where == "sample" else frame_source
        try:
            values = numeric_column(table, column, source, allow_empty=True)
        except InputError as exc:
            if where == "sample":
                raise
            # rows of the matched subset -> rows of the frame file
            raise InputError(
                source,
                [
                    Problem(
                        None if p.row is None else int(frame_rows[p.row - 2]) + 2,
                        p.column,
                        p.reason,
                    )
                    for p in exc.problems
                ],
            ) from exc
        blank = (table[column].astype(str).str.strip() == "").to_numpy() & reported
        if blank.any():
            rows = np.flatnonzero(blank)
            raise InputError(
                source,
                [
                    Problem(
                        int(i) + 2 if where == "sample" else int(frame_rows[i]) + 2,
                        column,
                        f"empty cell for reporting station {sample_station[i]!r}",
                    )
                    for i in rows
                ],
            )
        return values, source

    registered, _ = reported_numeric(args.registered)
    invalid = reported_numeric(args.invalid)[0] if args.invalid else None
    valid = np.sum(list(votes.values()), axis=0)
    ballots = valid + (invalid if invalid is not None else 0.0)
    over = np.flatnonzero(reported & (ballots > registered))
    if len(over) and not args.allow_over_registered:
        columns = ",".join(vote_columns + ([args.invalid] if args.invalid else []))
        raise InputError(
            sample_source,
            [
                Problem(
                    int(i) + 2,
                    columns,
                    f"station {sample_station[i]!r} has {ballots[i]:g} ballots but {registered[i]:g} registered voters ({args.registered}); pass --allow-over-registered if that is legitimate",
                )
                for i in over
            ],
        )

    by = None
    if args.by:
        table, where = _lookup(sample, frame_rows, frame, args.by)
        by = text_column(table, args.by, sample_source if where == "sample" else frame_source)
    arrival = None
    if args.arrival:
        require_columns(sample, [args.arrival], sample_source)
        arrival = _arrival_keys(sample, args.arrival, reported, sample_station, sample_source)

    weight = (
        _design_weights(sample, args.weight, sample_station, sample_source) if args.weight else None
    )

    strata = _strata_frame(population, stratum, by, frame, frame_stratum, frame_rows, args)
    cell = cell_sizes = None
    calibrated: tuple[str, ...] = ()
    if args.calibrate is not None:
        calibrated = tuple(split_spec(args.calibrate))
        cell, cell_sizes = _cells(frame, frame_stratum, frame_rows, calibrated, frame_source)
    inputs = QuickCountInputs(
        stratum=stratum,
        votes=votes,
        population=strata,
        reported=reported,
        registered=registered,
        invalid=invalid,
        weight=weight,
        region=by,
        arrival=arrival,
        cell=cell,
        cell_sizes=cell_sizes,
        calibrated_by=calibrated,
        compare={} if cell is None else {" × ".join(calibrated): shown_categories(cell)},
    )
    settings = FigureSettings(
        rules=ContestRules(args.threshold or None, not args.no_runoff, args.party_threshold),
        looks=LookRule(
            z_final=args.call_z,
            z_interim=max(DEFAULT_Z_INTERIM, args.call_z),
            min_reported=args.min_reported,
            min_coverage=args.min_coverage,
        ),
        method=args.method,
        confidence=args.confidence,
        replicates=args.replicates,
        seed=args.seed,
        call_z=args.call_z,
        min_reported=args.min_reported,
        convergence_batch=args.convergence,
    )
    out = quick_count_figures(inputs, settings)
    out["coverage"] = {
        "frame": out.pop("coverage_of_frame"),
        "reported_fraction": out["call"]["reported_fraction"],
        "folded_strata": out["strata"].get("folded", []),
    }
    for key in ("partial_stations", "without_partial"):
        out.pop(key)
    if out["early_late"] is None:
        out.pop("early_late")
    if not args.convergence:
        out.pop("convergence")
    if reserves_skipped:
        out["warnings"].append(
            f"{reserves_skipped} reserve rows (sample_role = reserve) are not part of the sample and were skipped"
        )
    if len(over):
        out["warnings"].append(
            f"{len(over)} stations have more ballots than registered voters (accepted by --allow-over-registered)"
        )
    return out


def _strata_frame(population, stratum, by, frame, frame_stratum, frame_rows, args):
    """N_h with each stratum's region (from --by) and similarity (mean registered voters) for folding and collapsing."""
    from pollwatch.stats.figures import single_regions, stratum_means
    from pollwatch.stats.quickcount import StrataFrame
    from pollwatch.stats.table import InputError, numeric_column, text_column

    region: dict[str, str] = {}
    if by is not None:
        if args.by in frame.columns:
            region = single_regions(frame_stratum, text_column(frame, args.by, str(args.frame)))
        else:
            region = single_regions(stratum, by)
    similarity: dict[str, float] = {}
    if args.registered in frame.columns:
        try:
            voters = numeric_column(frame, args.registered, str(args.frame), allow_empty=True)
        except InputError:  # the sample's column is the one checked; the frame's is a hint only
            voters = None
        if voters is not None:
            similarity = stratum_means(frame_stratum, voters)
    return StrataFrame(population, region=region, similarity=similarity)


def _cells(frame, frame_stratum, frame_rows, columns, source):
    """Post-stratum per sampled station and the frame's stations per (stratum, post-stratum)."""
    from pollwatch.stats.quickcount import cell_sizes
    from pollwatch.stats.table import category_columns

    joined = category_columns(frame, list(columns), source)
    return joined[frame_rows], cell_sizes(frame_stratum, joined)


def _design_weights(sample, column: str, station: np.ndarray, source: str) -> np.ndarray:
    """The weight column: a number ≥ 1 for every sampled row, else InputError naming the rows."""
    from pollwatch.stats.table import InputError, Problem, numeric_column, require_columns

    require_columns(sample, [column], source)
    values = numeric_column(sample, column, source, allow_empty=True)
    bad = np.flatnonzero(~np.isfinite(values) | (values < 1.0))
    if len(bad):
        raise InputError(
            source,
            [
                Problem(
                    int(i) + 2,
                    column,
                    f"station {station[i]!r} has no design weight of at least 1 "
                    f"(got {sample[column].iloc[i]!r}); a reserve relabelled 'sampled' takes the "
                    "weight of the station it replaces",
                )
                for i in bad
            ],
        )
    return values


def _arrival_keys(
    sample, column: str, reported: np.ndarray, station: np.ndarray, source: str
) -> np.ndarray:
    """Numbers sort as numbers; anything else (ISO timestamps) as text. Reporting rows need a value."""
    from pollwatch.stats.table import InputError, Problem

    raw = sample[column].astype(str).str.strip().to_numpy(dtype=object)
    blank = np.flatnonzero((raw == "") & reported)
    if len(blank):
        raise InputError(
            source,
            [
                Problem(int(i) + 2, column, f"empty arrival for reporting station {station[i]!r}")
                for i in blank
            ],
        )
    try:
        return np.array([float(v) if v != "" else np.inf for v in raw])
    except ValueError:
        return raw.astype(str)


def _pct(value: float | None) -> str:
    return "      n/a" if value is None else f"{100 * value:8.2f}%"


def format_table(result: dict[str, Any]) -> str:
    """A readable summary of the JSON result."""
    confidence = result["confidence"]
    lines = [
        f"Quick count: {result['stations']} of {result['sampled_stations']} sampled stations reported "
        f"({result['method']}, {confidence:.0%} intervals)",
        "",
        f"{'':<20}{'estimate':>9}{'se':>9}{'low':>9}{'high':>9}",
    ]

    def row(label: str, est: dict[str, Any] | None) -> None:
        if est is None:
            return
        lo, hi = est["ci"]
        lines.append(f"{label:<20}{_pct(est['estimate'])}{_pct(est['se'])}{_pct(lo)}{_pct(hi)}")

    for name, est in result["shares"].items():
        row(name, est)
    row("turnout", result["turnout"])
    row("invalid", result["invalid"])
    lead = result["lead"]
    if lead:
        row(f"lead {lead['first']}-{lead['second']}"[:19], lead)
    lines += ["", f"Call: {result['call']['status']} - {result['call']['reason']}"]
    if result.get("threshold_call"):
        lines.append(f"Threshold call: {result['threshold_call']['plain']}")
    strata = result["strata"]
    if strata:
        lines.append(
            f"Strata: {strata['reporting_strata']} of {strata['frame_strata']} reporting, covering {strata['coverage']:.1%} of frame stations"
        )
    design = result.get("design")
    if design:
        lines.append(
            f"Weights: {design['weights']}; {design['strata_with_fpc']} strata with the SRS variance (FPC), "
            f"{design['strata_with_replacement_variance']} with the with-replacement (PPS) variance, "
            f"{design['certainty_stations']} certainty stations"
        )
    for group, sub in result.get("by", {}).items():
        lines += [
            "",
            f"[{group}] {sub['stations']} of {sub['sampled_stations']} stations; call: {sub['call']['status']}",
        ]
        for name, est in sub["shares"].items():
            row(name, est)
        row("turnout", sub["turnout"])
    if result["warnings"]:
        lines += ["", "Warnings:"] + [f"  - {w}" for w in result["warnings"]]
    return "\n".join(lines)
