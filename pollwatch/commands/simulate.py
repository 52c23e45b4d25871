"""`pollwatch simulate`: write a synthetic election with known truth to a folder."""

from __future__ import annotations

import argparse
import sys
import time

from pollwatch.stats.simulate import FRAUD_KINDS, parse_fraud, simulate_election

HELP = """\
generate a synthetic election (stations, candidates, results, truth, people)

Writes stations.csv, candidates.csv, results.csv (the official protocols),
truth.csv (the true counts and which stations were rigged), truth.json
(national true and official figures) and people.csv (observers and
supervisors) into the output folder. The same seed gives identical files.

examples:
  pollwatch simulate -o sim
  pollwatch simulate --stations 1000000 --seed 7 -o big
  pollwatch simulate --fraud stuffing:0.1,rewrite:0.05 --fraud carousel:2% -o rigged
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="DIR",
        help="folder to write the files into (created if missing)",
    )
    parser.add_argument(
        "--stations",
        type=int,
        default=6500,
        metavar="N",
        help="number of polling stations (default 6500)",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    parser.add_argument(
        "--observers",
        type=int,
        default=600,
        metavar="N",
        help="observers in people.csv, plus one supervisor per 20 (default 600)",
    )
    parser.add_argument(
        "--fraud",
        action="append",
        default=[],
        metavar="KIND:SHARE,...",
        help=f"inject fraud at a share of domestic stations; kinds: "
        f"{', '.join(FRAUD_KINDS)} (e.g. stuffing:0.1,rewrite:5%%); repeatable",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary")


def run(args: argparse.Namespace) -> int:
    try:
        fraud = parse_fraud(",".join(args.fraud))
    except ValueError as exc:
        print(f"pollwatch simulate: {exc}", file=sys.stderr)
        return 2
    if args.stations < 1:
        print("pollwatch simulate: --stations must be at least 1", file=sys.stderr)
        return 2
    if not 0 <= args.observers <= 80_000:
        print("pollwatch simulate: --observers must be between 0 and 80000", file=sys.stderr)
        return 2
    progress = False if args.quiet else None
    started = time.perf_counter()
    election = simulate_election(
        stations=args.stations,
        seed=args.seed,
        fraud=fraud,
        observers=args.observers,
        progress=progress,
    )
    paths = election.write(args.output, progress=progress)
    elapsed = time.perf_counter() - started
    if not args.quiet:
        summary = election.summary
        truth, official = summary["truth"], summary["official"]
        print(
            f"{summary['stations']:,} stations in {summary['districts']} districts, "
            f"{summary['regions']} regions; written to {args.output} in {elapsed:.1f} s"
        )
        print(f"{'':<10}{'truth':>9}{'official':>10}")
        print(f"{'turnout':<10}{truth['turnout']:>9.2%}{official['turnout']:>10.2%}")
        for code in election.candidate_codes:
            print(f"{code:<10}{truth['shares'][code]:>9.2%}{official['shares'][code]:>10.2%}")
        for kind, info in summary["fraud"].items():
            print(f"fraud: {kind} at {info['stations']:,} stations")
        print("files: " + ", ".join(p.name for p in paths.values()))
    return 0
