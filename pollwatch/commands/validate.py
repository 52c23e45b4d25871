"""`pollwatch validate`: check the estimators against simulated elections with known truth."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from tqdm import tqdm

HELP = """\
simulated elections: interval coverage, forensic false alarms and power

Simulates clean elections (and the same elections with injected fraud) and
reports: how often 95 % quick-count intervals (linearized and bootstrap) and
exit-poll intervals cover the true national figures, with the mean bias; and
how often each forensic test flags clean elections (false alarms) and rigged
ones (power); and the dashboard's own quick-count path (the figures and the
threshold call exactly as the web computes them) per scenario: SRS, PPS,
coarse sample strata, empty strata, late rural reporters (calibrated) and
newly included territories reporting late, with coverage per share and
turnout and wrong "decided" calls. Deterministic given --seed. The default run takes about a
minute on two cores; see docs/validate.md for how to read it.

examples:
  pollwatch validate
  pollwatch validate --elections 5 --samples 50 --only quickcount
  pollwatch validate --fraud rewrite:0.2 --only forensics --json
  pollwatch validate --nonresponse-bias 0.1 --only exitpoll
  pollwatch validate --only scenarios --scenario-runs 200
"""

STAGES = ("quickcount", "exitpoll", "forensics", "scenarios")


def _respondents(text: str) -> tuple[int, int]:
    low, sep, high = text.partition("-")
    try:
        pair = (int(low), int(high if sep else low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected MIN-MAX, e.g. 30-60") from None
    if not 1 <= pair[0] <= pair[1]:
        raise argparse.ArgumentTypeError(f"{text!r}: need 1 <= MIN <= MAX")
    return pair


def _stages(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in STAGES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown stage(s) {', '.join(unknown) or text!r}; choose from {', '.join(STAGES)}"
        )
    return names


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from pollwatch.stats.validate import DEFAULT_FRAUD

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--elections",
        type=_positive,
        default=20,
        metavar="K",
        help="simulated elections (different seeds) per check (default 20)",
    )
    parser.add_argument(
        "--samples",
        type=_positive,
        default=200,
        metavar="M",
        help="quick-count samples and exit polls per election (default 200)",
    )
    parser.add_argument(
        "--stations",
        type=_positive,
        default=6500,
        metavar="S",
        help="polling stations per simulated election (default 6500)",
    )
    parser.add_argument(
        "--sample-size",
        type=_positive,
        default=500,
        metavar="N",
        help="quick-count sample, stations (default 500, by district, proportional)",
    )
    parser.add_argument(
        "--exitpoll-stations",
        type=_positive,
        default=120,
        metavar="N",
        help="stations per exit poll (default 120, by region, proportional)",
    )
    parser.add_argument(
        "--respondents",
        type=_respondents,
        default=(30, 60),
        metavar="MIN-MAX",
        help="exit-poll interviews per station, uniform (default 30-60)",
    )
    parser.add_argument(
        "--nonresponse-bias",
        type=float,
        default=0.0,
        metavar="B",
        help="the leader's voters refuse the exit poll B times more often, "
        "relatively: they answer at (1 - B) times the others' rate (default 0)",
    )
    parser.add_argument(
        "--fraud",
        default=DEFAULT_FRAUD,
        metavar="KIND:SHARE,...",
        help=f"fraud injected for the power of forensic tests (default {DEFAULT_FRAUD})",
    )
    parser.add_argument(
        "--replicates",
        type=_positive,
        default=200,
        metavar="R",
        help="bootstrap replicates and forensic Monte Carlo replicates (default 200)",
    )
    parser.add_argument(
        "--confidence", type=float, default=0.95, help="interval level checked (default 0.95)"
    )
    parser.add_argument(
        "--alpha",
        type=float,
        default=0.05,
        help="level at which a forensic test flags (default 0.05)",
    )
    parser.add_argument(
        "--scenario-runs",
        type=_positive,
        default=200,
        metavar="N",
        help="samples per scenario of the web's quick-count path (default 200, over 10 elections)",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    parser.add_argument(
        "--only",
        type=_stages,
        default=list(STAGES),
        metavar="STAGE,...",
        help="run only these checks: quickcount, exitpoll, forensics, scenarios (default all)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")


def run(args: argparse.Namespace) -> int:
    from pollwatch.stats.simulate import parse_fraud

    if not 0 < args.confidence < 1 or not 0 < args.alpha < 1:
        print(
            "pollwatch validate: --confidence and --alpha must be between 0 and 1", file=sys.stderr
        )
        return 2
    if not 0 <= args.nonresponse_bias < 1:
        print("pollwatch validate: --nonresponse-bias must be in [0, 1)", file=sys.stderr)
        return 2
    try:
        fraud = parse_fraud(args.fraud)
    except ValueError as exc:
        print(f"pollwatch validate: {exc}", file=sys.stderr)
        return 2
    if "forensics" in args.only and not fraud:
        print(
            "pollwatch validate: --fraud must inject some fraud to measure power", file=sys.stderr
        )
        return 2
    started = time.monotonic()
    try:
        result = compute(args, fraud)
    except ValueError as exc:
        # e.g. a sample too small to give every stratum two stations
        print(f"pollwatch validate: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(format_tables(result))
        print(f"\n({time.monotonic() - started:.0f} s)")
    return 0


def compute(args: argparse.Namespace, fraud: dict[str, float]) -> dict[str, Any]:
    """Run the requested checks; the JSON-ready dict (skipped checks are null)."""
    from pollwatch.stats.validate import validate_exitpoll, validate_forensics, validate_quickcount

    settings = {
        "elections": args.elections,
        "samples": args.samples,
        "stations": args.stations,
        "sample_size": args.sample_size,
        "exitpoll_stations": args.exitpoll_stations,
        "respondents": list(args.respondents),
        "nonresponse_bias": args.nonresponse_bias,
        "fraud": fraud,
        "replicates": args.replicates,
        "confidence": args.confidence,
        "alpha": args.alpha,
        "seed": args.seed,
        "checks": [s for s in STAGES if s in args.only],
    }
    out: dict[str, Any] = {
        "quickcount": None,
        "exitpoll": None,
        "forensics": None,
        "scenarios": None,
        "settings": settings,
    }

    def bar(description: str, total: int) -> tqdm:
        return tqdm(
            total=total,
            desc=description,
            file=sys.stderr,
            disable=args.quiet,
            leave=False,
            unit=" runs",
        )

    common = {"elections": args.elections, "stations": args.stations, "seed": args.seed}
    if "quickcount" in args.only:
        with bar("quick count", args.elections * args.samples) as progress:
            out["quickcount"] = validate_quickcount(
                samples=args.samples,
                sample_size=args.sample_size,
                replicates=args.replicates,
                confidence=args.confidence,
                progress=progress.update,
                **common,
            )
    if "exitpoll" in args.only:
        with bar("exit poll", args.elections * args.samples) as progress:
            out["exitpoll"] = validate_exitpoll(
                samples=args.samples,
                poll_stations=args.exitpoll_stations,
                respondents=tuple(args.respondents),
                nonresponse_bias=args.nonresponse_bias,
                confidence=args.confidence,
                progress=progress.update,
                **common,
            )
    if "forensics" in args.only:
        with bar("forensics", 2 * args.elections) as progress:
            out["forensics"] = validate_forensics(
                fraud=fraud,
                replicates=args.replicates,
                alpha=args.alpha,
                progress=progress.update,
                **common,
            )
    if "scenarios" in args.only:
        from pollwatch.stats.validate_scenarios import SCENARIOS, validate_scenarios

        elections = min(args.elections, 10)
        samples = -(-args.scenario_runs // elections)
        with bar(f"{len(SCENARIOS)} scenarios", elections * samples) as progress:
            out["scenarios"] = validate_scenarios(
                elections=elections,
                samples=samples,
                stations=args.stations,
                sample_size=args.sample_size,
                confidence=args.confidence,
                seed=args.seed,
                progress=progress.update,
            )
    return out


def _pp(value: float | None, width: int = 8, digits: int = 2) -> str:
    return f"{'n/a':>{width}}" if value is None else f"{100 * value:{width}.{digits}f}"


def _coverage_rows(per_quantity: dict[str, Any]) -> list[str]:
    lines = [
        f"  {'quantity':<18}{'coverage':>9}{'± se':>7}{'bias pp':>9}{'mean se':>9}{'sd err':>9}"
    ]
    for quantity, stats in per_quantity.items():
        label = (
            quantity
            if quantity == "turnout"
            else f"{quantity} ({'/'.join(stats.get('candidates', []))})"
        )
        lines.append(
            f"  {label:<18}{_pp(stats['coverage'], 8, 1)}%{_pp(stats['se'], 6, 1)}"
            f"{_pp(stats['bias'], 9, 3)}{_pp(stats['mean_se'], 9, 3)}{_pp(stats['sd_error'], 9, 3)}"
        )
    return lines


def format_tables(result: dict[str, Any]) -> str:
    """The JSON result as plain-text tables; all figures in percent or percentage points."""
    settings = result["settings"]
    level = f"{settings['confidence']:.0%}"
    lines: list[str] = []
    quickcount = result["quickcount"]
    if quickcount:
        lines.append(
            f"Quick count: {level} interval coverage over {quickcount['runs']} samples "
            f"({settings['elections']} clean elections of {settings['stations']} stations, "
            f"{settings['sample_size']} sampled stations each)"
        )
        for method, per_quantity in quickcount["methods"].items():
            lines += ["", f" {method}", *_coverage_rows(per_quantity)]
        lines.append("")
    exitpoll = result["exitpoll"]
    if exitpoll:
        low, high = settings["respondents"]
        lines += [
            f"Exit poll: {level} interval coverage over {exitpoll['runs']} polls "
            f"({settings['exitpoll_stations']} stations, {low}-{high} interviews each; "
            f"non-response bias {settings['nonresponse_bias']:g}; "
            f"mean design effect {exitpoll['mean_design_effect']:.2f})",
            "",
            *_coverage_rows(exitpoll["shares"]),
            "",
        ]
    forensics = result["forensics"]
    if forensics:
        fraud = ",".join(f"{k}:{v:g}" for k, v in forensics["fraud"].items())
        lines += [
            f"Forensics: share of elections flagged at alpha = {forensics['alpha']:g} "
            f"({forensics['runs']} clean, {forensics['runs']} with {fraud})",
            "",
            f"  {'test':<28}{'false alarms':>13}{'power':>9}  rule",
        ]
        for test, stats in forensics["tests"].items():
            lines.append(
                f"  {test:<28}{_pp(stats['false_alarm_rate'], 12, 0)}%{_pp(stats['power'], 8, 0)}%"
                f"  {stats['rule'] or 'undefined'}"
            )
        lines.append("")
    scenarios = result.get("scenarios")
    if scenarios:
        lines += [
            f"The web's quick-count path: {level} interval coverage per scenario "
            f"({scenarios['runs']} samples each; within: yes = every coverage within 2 binomial SEs "
            "and at most 1 % wrong decided calls, conservative = some above, none below)",
            "",
            f"  {'scenario':<16}{'first':>8}{'second':>8}{'third':>8}{'turnout':>9}"
            f"{'max |bias| pp':>15}{'decided':>9}{'wrong':>7}  within",
        ]
        for name, stats in scenarios["scenarios"].items():
            quantities = stats["quantities"]
            biases = [abs(q["bias"]) for q in quantities.values() if q["bias"] is not None]
            lines.append(
                f"  {name:<16}"
                + "".join(
                    _pp(quantities[q]["coverage"], 7 if q != "turnout" else 8, 1) + "%"
                    for q in ("first", "second", "third", "turnout")
                )
                + f"{_pp(max(biases) if biases else None, 15, 3)}"
                f"{stats['decided_calls']:>9}{stats['wrong_calls']:>7}  {stats['within']}"
            )
        lines.append("")
    lines.append(
        "Coverage should be within about 2 SE of the nominal level; bias, mean se and sd err "
        "are in percentage points (mean se close to sd err means honest intervals)."
    )
    return "\n".join(lines).rstrip()
