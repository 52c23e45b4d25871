"""`pollwatch exitpoll`: exit-poll shares with cluster standard errors, design effect, call and within-precinct error."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

HELP = """Exit poll: weighted shares with station-cluster SEs, design effect, raking, call and within-precinct error.

INTERVIEWS has one row per respondent. Optional files: FRAME (station and
stratum columns, gives N_h and n_h/N_h inclusion), STATION_COUNTS (station
and --voters-count columns: voters who left each station), MARGINS (columns
variable, category, share) and RESULTS (station column plus one vote column
per choice). See docs/quickcount.md.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("interviews", help="CSV/XLSX, one row per respondent")
    parser.add_argument(
        "--station", required=True, help="station id column (the same name in every file)"
    )
    parser.add_argument(
        "--choice", required=True, help="column with the respondent's vote; empty = no answer"
    )
    parser.add_argument("--stratum", help="stratum column (interviews, else frame)")
    parser.add_argument("--frame", help="CSV/XLSX of every station with its stratum")
    parser.add_argument(
        "--inclusion",
        help="column with each station's inclusion probability π (instead of the frame's n_h/N_h)",
    )
    voters = parser.add_mutually_exclusive_group()
    voters.add_argument(
        "--voters", metavar="STATION_COUNTS", help="CSV/XLSX of voters who left each station"
    )
    voters.add_argument(
        "--voters-column", help="column of the interviews with the station's voter count"
    )
    parser.add_argument(
        "--voters-count", default="voters", help="count column in STATION_COUNTS (default: voters)"
    )
    parser.add_argument(
        "--rake", metavar="MARGINS", help="CSV/XLSX with columns variable, category, share"
    )
    parser.add_argument(
        "--official",
        metavar="RESULTS",
        help="CSV/XLSX of official station results: station column + a column per choice",
    )
    parser.add_argument("--arrival", help="interview time or sequence column; default row order")
    parser.add_argument(
        "--expected-stations",
        type=int,
        help="stations sampled for the poll (default: those in the file)",
    )
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--call-z", type=float, default=2.58)
    parser.add_argument("--min-reported", type=float, default=0.80)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    from pollwatch.stats.table import InputError

    try:
        result = compute(args)
    except (InputError, ValueError) as exc:
        print(f"pollwatch exitpoll: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(format_table(result))
    return 0


def _station_map(path: str, station_column: str, value_column: str) -> dict[str, float]:
    from pollwatch.stats.table import InputError, Problem, numeric_column, read_table, text_column

    table = read_table(path)
    stations = text_column(table, station_column, path)
    values = numeric_column(table, value_column, path)
    duplicated = np.flatnonzero(table.duplicated(subset=[station_column]).to_numpy())
    if len(duplicated):
        raise InputError(
            path,
            [
                Problem(
                    int(i) + 2, station_column, f"station {stations[i]!r} appears more than once"
                )
                for i in duplicated
            ],
        )
    return dict(zip(stations.tolist(), values.tolist(), strict=True))


def compute(args: argparse.Namespace) -> dict[str, Any]:
    from pollwatch.stats.exitpoll import exit_poll
    from pollwatch.stats.table import (
        InputError,
        Problem,
        check_strata_agree,
        numeric_column,
        read_table,
        require_columns,
        text_column,
    )

    source = str(args.interviews)
    interviews = read_table(args.interviews)
    station = text_column(interviews, args.station, source)
    choice = text_column(interviews, args.choice, source, allow_empty=True)

    stratum = population = None
    if args.frame:
        frame_source = str(args.frame)
        frame = read_table(args.frame)
        if not args.stratum:
            raise ValueError("--frame needs --stratum")
        frame_station = text_column(frame, args.station, frame_source)
        frame_stratum = text_column(frame, args.stratum, frame_source)
        labels, counts = np.unique(frame_stratum, return_counts=True)
        population = dict(zip(labels.tolist(), counts.tolist(), strict=True))
        stratum_of = dict(zip(frame_station.tolist(), frame_stratum.tolist(), strict=False))
        absent = [i for i, s in enumerate(station.tolist()) if s not in stratum_of]
        if absent:
            raise InputError(
                source,
                [
                    Problem(
                        i + 2,
                        args.station,
                        f"station {station[i]!r} is not in the frame {frame_source}",
                    )
                    for i in absent
                ],
            )
        stratum = np.array([stratum_of[s] for s in station.tolist()], dtype=object)
        if args.stratum in interviews.columns:
            own = text_column(interviews, args.stratum, source)
            check_strata_agree(own, stratum, station, args.stratum, source)
    elif args.stratum:
        stratum = text_column(interviews, args.stratum, source)

    inclusion = numeric_column(interviews, args.inclusion, source) if args.inclusion else None
    voters = None
    if args.voters:
        voters = _station_map(args.voters, args.station, args.voters_count)
    elif args.voters_column:
        counts = numeric_column(interviews, args.voters_column, source)
        voters = {}
        for i, (s, v) in enumerate(zip(station.tolist(), counts.tolist(), strict=True)):
            if voters.setdefault(s, v) != v:
                raise InputError(
                    source,
                    [
                        Problem(
                            i + 2,
                            args.voters_column,
                            f"station {s!r} has voter counts {voters[s]:g} and {v:g}",
                        )
                    ],
                )

    demographics: dict[str, np.ndarray] | None = None
    margins: dict[str, dict[str, float]] | None = None
    if args.rake:
        table = read_table(args.rake)
        require_columns(table, ["variable", "category", "share"], args.rake)
        variables = text_column(table, "variable", args.rake)
        categories = text_column(table, "category", args.rake)
        shares = numeric_column(table, "share", args.rake)
        parsed: dict[str, dict[str, float]] = {}
        for variable, category, share in zip(
            variables.tolist(), categories.tolist(), shares.tolist(), strict=True
        ):
            parsed.setdefault(variable, {})[category] = share
        require_columns(interviews, list(parsed), source)
        demographics = {v: text_column(interviews, v, source) for v in parsed}
        margins = parsed

    official = None
    if args.official:
        table = read_table(args.official)
        official_station = text_column(table, args.station, args.official)
        vote_columns = [c for c in table.columns if c != args.station and c in set(choice.tolist())]
        if not vote_columns:
            raise InputError(
                args.official,
                [
                    Problem(
                        None,
                        None,
                        f"no column named after a choice ({sorted(set(choice.tolist()) - {''})})",
                    )
                ],
            )
        votes = {c: numeric_column(table, c, args.official) for c in vote_columns}
        official = {
            s: {c: float(votes[c][i]) for c in vote_columns}
            for i, s in enumerate(official_station.tolist())
        }

    arrival = None
    if args.arrival:
        raw = text_column(interviews, args.arrival, source)
        try:
            arrival = raw.astype(float)
        except ValueError:
            arrival = raw.astype(str)

    result = exit_poll(
        station,
        choice,
        stratum=stratum,
        population=population,
        inclusion=inclusion,
        voters=voters,
        demographics=demographics,
        margins=margins,
        official=official,
        arrival=arrival,
        expected_stations=args.expected_stations,
        confidence=args.confidence,
        call_z=args.call_z,
        min_reported=args.min_reported,
    )
    return result.as_dict()


def format_table(result: dict[str, Any]) -> str:
    def pct(value: float | None) -> str:
        return "      n/a" if value is None else f"{100 * value:8.2f}%"

    lines = [
        f"Exit poll: {result['respondents']} respondents at {result['stations']} stations "
        f"({result['mean_respondents_per_station']:.1f} per station), {result['confidence']:.0%} intervals",
        "",
        f"{'':<16}{'estimate':>9}{'se':>9}{'low':>9}{'high':>9}{'deff':>7}",
    ]
    for name, est in result["shares"].items():
        deff = result["design_effect"].get(name)
        lines.append(
            f"{name[:15]:<16}{pct(est['estimate'])}{pct(est['se'])}{pct(est['ci'][0])}{pct(est['ci'][1])}{'' if deff is None else f'{deff:7.2f}'}"
        )
    lead = result["lead"]
    if lead:
        lines.append(
            f"{('lead ' + lead['first'] + '-' + lead['second'])[:15]:<16}{pct(lead['estimate'])}{pct(lead['se'])}{pct(lead['ci'][0])}{pct(lead['ci'][1])}"
        )
    lines += ["", f"Call: {result['call']['status']} - {result['call']['reason']}"]
    wpe = result["within_precinct_error"]
    if wpe:
        lines.append(
            f"Within-precinct error ({wpe['first']}-{wpe['second']}): mean {pct(wpe['mean'])}, se {pct(wpe['se'])} over {wpe['stations']} stations"
        )
    if result["raking"]:
        lines.append(
            f"Raked in {result['raking']['iterations']} iterations (converged: {result['raking']['converged']})"
        )
    if result["warnings"]:
        lines += ["", "Warnings:"] + [f"  - {w}" for w in result["warnings"]]
    return "\n".join(lines)
