"""`pollwatch sample`: draw a stratified station sample with reserves, or size one."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pollwatch.stats.sampling import SampleSize

HELP = """Draw a stratified station sample (SRS or PPS) with ordered reserves, or compute the sample size for a margin or a lead.

Draw:  pollwatch sample FRAME.csv --stratum COL --size N --seed S [--reserve K]
           [--allocation proportional|fixed] [--method srs|pps --size-column COL] -o SAMPLE.csv
Size:  pollwatch sample --size-for-margin 0.01 --voters-per-station 600 --turnout 0.6
           --icc 0.05 [--confidence 0.95] [--frame-stations N | FRAME.csv] [--response-rate 0.9]
       pollwatch sample --size-for-lead 0.02 [--shares 0.45,0.40] [--power 0.8] ... (same options)
The output holds the frame rows of sampled and reserve stations plus the
columns sample_role (sampled/reserve), reserve_rank and weight.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("frame", nargs="?", help="CSV/XLSX listing every station with its stratum")
    parser.add_argument("--stratum", help="stratum column")
    parser.add_argument(
        "--size", type=int, help="total stations (proportional) or stations per stratum (fixed)"
    )
    parser.add_argument(
        "--seed", type=int, help="random seed; the same seed and frame give the same sample"
    )
    parser.add_argument(
        "--reserve", type=int, default=0, help="reserve stations per stratum, in order of use"
    )
    parser.add_argument("--allocation", choices=["proportional", "fixed"], default="proportional")
    parser.add_argument("--method", choices=["srs", "pps"], default="srs")
    parser.add_argument("--size-column", help="size measure for PPS (registered voters)")
    parser.add_argument(
        "--minimum", type=int, default=2, help="at least this many stations per stratum (default 2)"
    )
    parser.add_argument(
        "-o", "--output", help="where to write the sample CSV (default: standard output)"
    )
    sizing = parser.add_mutually_exclusive_group()
    sizing.add_argument(
        "--size-for-margin",
        type=float,
        metavar="MARGIN",
        help="compute the stations needed for this margin on one share instead of drawing",
    )
    sizing.add_argument(
        "--size-for-lead",
        type=float,
        metavar="LEAD",
        help="compute the stations needed for this half-width on the lead of the top two instead of drawing",
    )
    parser.add_argument(
        "--shares",
        metavar="P1,P2",
        help="expected shares of the top two, for --size-for-lead (default: worst case 0.5,0.5)",
    )
    parser.add_argument(
        "--power",
        type=float,
        help="for --size-for-lead: probability that a true lead of LEAD is called (default: 0.5)",
    )
    parser.add_argument(
        "--response-rate",
        type=float,
        metavar="R",
        help="expected share of sampled stations that report; the size is divided by it (calculator)",
    )
    parser.add_argument(
        "--voters-per-station", type=float, help="mean registered voters per station (calculator)"
    )
    parser.add_argument("--turnout", type=float, default=1.0, help="expected turnout (calculator)")
    parser.add_argument("--icc", type=float, help="intra-station correlation ρ (calculator)")
    parser.add_argument(
        "--design-effect",
        type=float,
        help="design effect from a pilot, instead of --icc (calculator)",
    )
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument(
        "--frame-stations", type=int, help="stations in the frame, for the FPC (calculator)"
    )


def run(args: argparse.Namespace) -> int:
    from pollwatch.stats.table import InputError

    try:
        if args.size_for_margin is not None:
            return _size_for_margin(args)
        if args.size_for_lead is not None:
            return _size_for_lead(args)
        if args.shares is not None or args.power is not None or args.response_rate is not None:
            raise ValueError(
                "--shares, --power and --response-rate go with --size-for-margin or --size-for-lead"
            )
        return _draw(args)
    except (InputError, ValueError) as exc:
        print(f"pollwatch sample: {exc}", file=sys.stderr)
        return 2


def _calculator_inputs(args: argparse.Namespace, option: str) -> tuple[int | None, float]:
    """Frame size (from --frame-stations or the frame's rows) and response rate, checked."""
    from pollwatch.stats.table import read_table

    if args.voters_per_station is None:
        raise ValueError(f"{option} needs --voters-per-station")
    if not 0 < args.confidence < 1:
        raise ValueError(f"--confidence must be between 0 and 1, got {args.confidence}")
    response_rate = 1.0 if args.response_rate is None else args.response_rate
    if not 0 < response_rate <= 1:
        raise ValueError(f"--response-rate must be above 0 and at most 1, got {response_rate}")
    frame_stations = args.frame_stations
    if frame_stations is None and args.frame:
        frame_stations = len(read_table(args.frame))
    return frame_stations, response_rate


def _size_for_margin(args: argparse.Namespace) -> int:
    from pollwatch.stats.sampling import sample_size_for_margin

    if args.shares is not None or args.power is not None:
        raise ValueError("--shares and --power go with --size-for-lead, not --size-for-margin")
    frame_stations, response_rate = _calculator_inputs(args, "--size-for-margin")
    size = sample_size_for_margin(
        args.size_for_margin,
        voters_per_station=args.voters_per_station,
        turnout=args.turnout,
        confidence=args.confidence,
        icc=args.icc,
        design_effect=args.design_effect,
        frame_stations=frame_stations,
        response_rate=response_rate,
    )
    print(f"stations needed: {size.stations}")
    print(f"  voter-level SRS size (NDI formula): {size.srs_voters:.0f} voters")
    _print_size_details(size, frame_stations)
    return 0


def _size_for_lead(args: argparse.Namespace) -> int:
    from pollwatch.stats.sampling import lead_variance_per_voter, sample_size_for_lead

    frame_stations, response_rate = _calculator_inputs(args, "--size-for-lead")
    shares = _parse_shares(args.shares) if args.shares is not None else None
    size = sample_size_for_lead(
        args.size_for_lead,
        voters_per_station=args.voters_per_station,
        turnout=args.turnout,
        confidence=args.confidence,
        shares=shares,
        icc=args.icc,
        design_effect=args.design_effect,
        frame_stations=frame_stations,
        power=args.power,
        response_rate=response_rate,
    )
    described = "worst case 0.5, 0.5" if shares is None else f"shares {shares[0]:g}, {shares[1]:g}"
    print(f"stations needed: {size.stations}")
    print(f"  lead variance per voter: {lead_variance_per_voter(shares):.4f} ({described})")
    print(f"  voter-level SRS size for the lead: {size.srs_voters:.0f} voters")
    _print_size_details(size, frame_stations)
    power = 0.5 if args.power is None else args.power
    print(
        f"  a true lead of {args.size_for_lead:g} gives an interval above zero with probability about {power:.0%}"
        + (" (raise it with --power)" if args.power is None else "")
    )
    return 0


def _parse_shares(text: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        first, second = (float(part) for part in parts)
    except ValueError:
        raise ValueError(
            f"--shares takes the top two expected shares as P1,P2, e.g. 0.45,0.40; got {text!r}"
        ) from None
    return first, second


def _print_size_details(size: SampleSize, frame_stations: int | None) -> None:
    print(f"  effective voters per station: {size.effective_voters_per_station:.1f}")
    print(f"  design effect: {size.design_effect:.2f}")
    if frame_stations:
        print(f"  finite-population correction for {frame_stations} stations applied")
    if size.response_rate < 1:
        print(
            f"  non-response: {size.before_nonresponse} reporting stations / response rate "
            f"{size.response_rate:g} = {size.stations} to sample (fixes the count, not the bias)"
        )


def _draw(args: argparse.Namespace) -> int:
    from pollwatch.stats.sampling import draw_sample
    from pollwatch.stats.table import numeric_column, read_table, text_column

    if not args.frame or not args.stratum or args.size is None:
        raise ValueError("drawing a sample needs FRAME, --stratum and --size")
    if args.seed is None:
        raise ValueError("--seed is required so that the draw can be reproduced")
    if args.method == "pps" and not args.size_column:
        raise ValueError("--method pps needs --size-column (e.g. registered voters)")
    source = str(args.frame)
    frame = read_table(args.frame)
    stratum = text_column(frame, args.stratum, source)
    measure = numeric_column(frame, args.size_column, source) if args.method == "pps" else None
    draw = draw_sample(
        stratum,
        args.size,
        seed=args.seed,
        allocation=args.allocation,
        method=args.method,
        size_measure=measure,
        reserve=args.reserve,
        minimum=args.minimum,
    )
    sampled = frame.iloc[draw.sampled].copy()
    sampled["sample_role"] = "sampled"
    sampled["reserve_rank"] = ""
    sampled["weight"] = [f"{w:.10g}" for w in draw.weight]
    reserves = frame.iloc[draw.reserve].copy()
    reserves["sample_role"] = "reserve"
    reserves["reserve_rank"] = [str(r) for r in draw.reserve_rank]
    reserves["weight"] = ""
    import pandas as pd

    out = pd.concat([sampled, reserves], ignore_index=True)
    if args.output:
        out.to_csv(args.output, index=False)
        print(
            f"{len(draw.sampled)} sampled and {len(draw.reserve)} reserve stations written to {args.output}",
            file=sys.stderr,
        )
    else:
        out.to_csv(sys.stdout, index=False)
    return 0
