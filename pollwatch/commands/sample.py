"""`pollwatch sample`: draw a stratified station sample with reserves, or size one."""

from __future__ import annotations

import argparse
import sys

HELP = """Draw a stratified station sample (SRS or PPS) with ordered reserves, or compute the sample size for a margin.

Draw:  pollwatch sample FRAME.csv --stratum COL --size N --seed S [--reserve K]
           [--allocation proportional|fixed] [--method srs|pps --size-column COL] -o SAMPLE.csv
Size:  pollwatch sample --size-for-margin 0.01 --voters-per-station 600 --turnout 0.6
           --icc 0.05 [--confidence 0.95] [--frame-stations N | FRAME.csv]
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
    parser.add_argument(
        "--size-for-margin",
        type=float,
        metavar="MARGIN",
        help="compute the stations needed for this margin instead of drawing",
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
        return _draw(args)
    except (InputError, ValueError) as exc:
        print(f"pollwatch sample: {exc}", file=sys.stderr)
        return 2


def _size_for_margin(args: argparse.Namespace) -> int:
    from pollwatch.stats.sampling import sample_size_for_margin
    from pollwatch.stats.table import read_table

    if args.voters_per_station is None:
        raise ValueError("--size-for-margin needs --voters-per-station")
    frame_stations = args.frame_stations
    if frame_stations is None and args.frame:
        frame_stations = len(read_table(args.frame))
    size = sample_size_for_margin(
        args.size_for_margin,
        voters_per_station=args.voters_per_station,
        turnout=args.turnout,
        confidence=args.confidence,
        icc=args.icc,
        design_effect=args.design_effect,
        frame_stations=frame_stations,
    )
    print(f"stations needed: {size.stations}")
    print(f"  voter-level SRS size (NDI formula): {size.srs_voters:.0f} voters")
    print(f"  effective voters per station: {size.effective_voters_per_station:.1f}")
    print(f"  design effect: {size.design_effect:.2f}")
    if frame_stations:
        print(f"  finite-population correction for {frame_stations} stations applied")
    return 0


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
