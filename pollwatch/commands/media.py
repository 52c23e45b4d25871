"""Media monitoring on plain files: extract items, find duplicates, code items, score and train tone.

Subcommands:
  extract FILE...                         items (TXT, HTML, JSONL, CSV) → JSONL, problems on stderr
  dedupe ITEMS.jsonl                      exact and near-duplicate groups
  code ITEM --subjects SUBJECTS.yaml      genre, language, per-subject space / direct speech / tone
  report FILE... --subjects SUBJECTS.yaml code every item; share of space and tone per outlet
  tone IN.jsonl -o OUT.jsonl              add "polarity" to each target (NewsMTSC layout)
  train LABELLED.jsonl -o MODEL.npz       train a tone model from target-level labels
  evaluate LABELLED.jsonl [--model M]     macro-F1 and confusion of a tone model
  evaluate LABELLED.jsonl... --grouped K  K-fold CV grouped by article: held-out macro-F1,
                                          bootstrap interval, abstention precision/rate

--model is "default" (shipped, trained on NewsMTSC, English), "lexicon"
(VADER-lexicon window scorer, no training) or a file written by `train`.
Exit status: 0 on success, 1 when some input was refused (the rest is
still written), 2 on unusable arguments or files.

Examples:
  pollwatch media extract article.html feed.jsonl -o items.jsonl
  pollwatch media code article.txt --subjects subjects.yaml --json
  pollwatch media report items.jsonl --subjects subjects.yaml
  pollwatch media train confirmed.jsonl -o mission-tone.npz --dev dev.jsonl
  pollwatch media tone targets.jsonl --model mission-tone.npz -o scored.jsonl
  pollwatch media evaluate train.jsonl dev.jsonl --grouped 5
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

HELP = __doc__


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    commands = parser.add_subparsers(dest="media_command", required=True, metavar="SUBCOMMAND")

    extract = commands.add_parser("extract", help="read items from TXT, HTML, JSONL or CSV files")
    extract.add_argument("files", nargs="+", metavar="FILE")
    extract.add_argument(
        "--kind", choices=["txt", "html", "jsonl", "csv"], help="override the extension"
    )
    extract.add_argument("-o", "--output", metavar="OUT.jsonl", help="default: standard output")

    dedupe = commands.add_parser("dedupe", help="exact and near-duplicate groups of items")
    dedupe.add_argument("items", metavar="ITEMS.jsonl", help="items with a 'text' field")
    dedupe.add_argument(
        "--threshold",
        type=float,
        default=0.8,
        help="shingle Jaccard for near duplicates (default 0.8)",
    )
    dedupe.add_argument("--json", action="store_true", help="print JSON")

    code = commands.add_parser("code", help="code one item: genre, subjects, space, tone")
    code.add_argument("item", metavar="ITEM", help="TXT or HTML file, or - for standard input")
    code.add_argument("--subjects", required=True, metavar="SUBJECTS.yaml")
    code.add_argument(
        "--model",
        default="default",
        metavar="MODEL",
        help="tone model: default (the shipped NewsMTSC model), lexicon, or a .npz file "
        "written by `pollwatch media train`",
    )
    code.add_argument("--title", help="the item's title, if not in the text")
    code.add_argument("--json", action="store_true", help="print JSON instead of a table")

    report = commands.add_parser("report", help="code every item; coverage and tone per outlet")
    report.add_argument("files", nargs="+", metavar="FILE", help="items: TXT, HTML, JSONL or CSV")
    report.add_argument("--subjects", required=True, metavar="SUBJECTS.yaml")
    report.add_argument(
        "--model",
        default="default",
        metavar="MODEL",
        help="tone model: default (the shipped NewsMTSC model), lexicon, or a .npz file "
        "written by `pollwatch media train`",
    )
    report.add_argument("--codes", metavar="CODES.jsonl", help="also write each item's coding")
    report.add_argument("--json", action="store_true", help="print JSON instead of tables")

    tone = commands.add_parser("tone", help="score targets in NewsMTSC layout")
    tone.add_argument("input", metavar="IN.jsonl", help="lines with sentence, from, to")
    tone.add_argument("-o", "--output", required=True, metavar="OUT.jsonl")
    tone.add_argument(
        "--model",
        default="default",
        metavar="MODEL",
        help="tone model: default (the shipped NewsMTSC model), lexicon, or a .npz file "
        "written by `pollwatch media train`",
    )
    tone.add_argument(
        "--confidence",
        action="store_true",
        help='also write "confidence" and "uncertain" (below the model\'s calibrated threshold)',
    )

    train = commands.add_parser("train", help="train a tone model from labelled targets")
    train.add_argument(
        "labelled", metavar="LABELLED.jsonl", help="sentence, from, to, polarity (-1/0/1)"
    )
    train.add_argument("-o", "--output", required=True, metavar="MODEL.npz")
    train.add_argument("--dev", metavar="DEV.jsonl", help="report macro-F1 on this labelled file")
    train.add_argument("--regularisation", type=float, default=0.1, help="SVM C (default 0.1)")

    evaluate = commands.add_parser("evaluate", help="macro-F1 of a tone model on labelled targets")
    evaluate.add_argument(
        "labelled", nargs="+", metavar="LABELLED.jsonl", help="several files are pooled"
    )
    evaluate.add_argument(
        "--model",
        default="default",
        metavar="MODEL",
        help="tone model: default (the shipped NewsMTSC model), lexicon, or a .npz file "
        "written by `pollwatch media train`",
    )
    evaluate.add_argument(
        "--grouped",
        type=int,
        metavar="K",
        help="instead of scoring --model: K-fold cross-validation grouped by article "
        "(train on K-1 folds, score the held-out articles), macro-F1 with a 95%% "
        "cluster-bootstrap interval over articles",
    )
    evaluate.add_argument(
        "--by",
        choices=["story", "article"],
        default="story",
        help="group by AllSides story (stricter, default) or by article",
    )
    evaluate.add_argument(
        "--regularisation",
        type=float,
        default=0.1,
        help="C of the linear SVM (default 0.1); the models trained are the shipped recipe: "
        "the linear model and the convolutional network beside it (docs/media.md)",
    )
    evaluate.add_argument(
        "--grid",
        metavar="C,C,...",
        help="choose C per fold by an inner grouped 3-fold CV on the training folds (nested)",
    )
    evaluate.add_argument(
        "--precision",
        type=float,
        default=0.8,
        help="abstention: auto-code only targets confident enough for this precision (0.8)",
    )
    evaluate.add_argument(
        "--calibrate",
        metavar="MODEL.npz",
        help="write the temperature and threshold found into this trained model file",
    )


def run(args: argparse.Namespace) -> int:
    from pollwatch.mediatext.extract import ExtractionError
    from pollwatch.mediatext.subjects import SubjectsError
    from pollwatch.mediatext.tone import ToneInputError

    handlers = {
        "extract": _extract,
        "dedupe": _dedupe,
        "code": _code,
        "report": _report_outlets,
        "tone": _tone,
        "train": _train,
        "evaluate": _evaluate,
    }
    try:
        return handlers[args.media_command](args)
    except (ExtractionError, SubjectsError, ToneInputError) as error:
        print(f"pollwatch media {args.media_command}: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"pollwatch media {args.media_command}: {error}", file=sys.stderr)
        return 2


def _print_problems(problems: list[Any]) -> None:
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)


def _extract(args: argparse.Namespace) -> int:
    from pollwatch.mediatext.extract import read_items

    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    all_problems: list[Any] = []
    count = 0
    try:
        for path in args.files:
            items, problems = read_items(path, kind=args.kind)
            all_problems += problems
            for item in items:
                out.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
                count += 1
    finally:
        if args.output:
            out.close()
    _print_problems(all_problems)
    print(f"{count} items, {len(all_problems)} refused", file=sys.stderr)
    return 1 if all_problems else 0


def _dedupe(args: argparse.Namespace) -> int:
    from pollwatch.mediatext.dedupe import duplicate_groups, find_duplicates
    from pollwatch.mediatext.extract import read_items

    items, problems = read_items(args.items, kind="jsonl")
    _print_problems(problems)
    texts = [item.text for item in items]
    pairs = find_duplicates(texts, args.threshold)
    groups = duplicate_groups(texts, args.threshold)
    label = [item.id or item.source for item in items]
    if args.json:
        print(
            json.dumps(
                {
                    "groups": [[label[i] for i in group] for group in groups],
                    "pairs": [
                        {
                            "first": label[p.first],
                            "second": label[p.second],
                            "kind": p.kind,
                            "similarity": p.similarity,
                        }
                        for p in pairs
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for pair in pairs:
            print(
                f"{pair.kind:<6} {pair.similarity:.3f}  {label[pair.first]}  {label[pair.second]}"
            )
        print(f"{len(items)} items, {len(groups)} duplicate groups", file=sys.stderr)
    return 1 if problems else 0


def _code(args: argparse.Namespace) -> int:
    from pollwatch.mediatext.coding import code_item
    from pollwatch.mediatext.extract import item_from_html, item_from_text
    from pollwatch.mediatext.subjects import load_subjects
    from pollwatch.mediatext.tone import load_tone_model

    catalogue = load_subjects(args.subjects)
    model = load_tone_model(args.model)
    if args.item == "-":
        item = item_from_text(sys.stdin.buffer.read(), source="stdin")
    else:
        path = Path(args.item)
        data = path.read_bytes()
        if path.suffix.lower() in (".html", ".htm"):
            item = item_from_html(data, source=str(path))
        else:
            item = item_from_text(data, source=str(path))
    coding = code_item(
        item.text, catalogue, model, title=args.title or item.title, language=item.language
    )
    if args.json:
        result = coding.to_dict()
        result["item"] = {k: v for k, v in item.to_dict().items() if k != "text"}
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(
            f"genre {coding.genre} ({coding.genre_rule or 'default'}), language {coding.language}, "
            f"{coding.sentences} sentences, tone model {coding.tone_model}"
        )
        print(f"{'subject':<28} {'sent':>5} {'chars':>6} {'speech':>6}  tone      +/0/-")
        for subject in coding.subjects:
            counts = subject.tone_counts
            print(
                f"{subject.name[:28]:<28} {subject.sentences:>5} {subject.characters:>6} "
                f"{subject.direct_speech_characters:>6}  {subject.tone:<9} "
                f"{counts['positive']}/{counts['neutral']}/{counts['negative']}"
            )
    _print_problems(coding.problems)
    return 0


def _report_outlets(args: argparse.Namespace) -> int:
    from pollwatch.mediatext.coding import code_item
    from pollwatch.mediatext.extract import read_items
    from pollwatch.mediatext.subjects import load_subjects
    from pollwatch.mediatext.summary import coverage_by_outlet
    from pollwatch.mediatext.tone import load_tone_model

    catalogue = load_subjects(args.subjects)
    model = load_tone_model(args.model)
    codings, all_problems = [], []
    codes = open(args.codes, "w", encoding="utf-8") if args.codes else None
    try:
        for path in args.files:
            items, problems = read_items(path)
            all_problems += problems
            for item in items:
                coding = code_item(
                    item.text, catalogue, model, title=item.title, language=item.language
                )
                codings.append((item.outlet, coding))
                if codes:
                    record = {"id": item.id, "source": item.source, "outlet": item.outlet}
                    codes.write(
                        json.dumps({**record, **coding.to_dict()}, ensure_ascii=False) + "\n"
                    )
    finally:
        if codes:
            codes.close()
    _print_problems(all_problems)
    coverage = coverage_by_outlet(codings)
    if args.json:
        print(json.dumps([c.to_dict() for c in coverage], ensure_ascii=False, indent=2))
        return 1 if all_problems else 0
    for outlet in coverage:
        print(
            f"\n{outlet.outlet}: {outlet.items} items ({outlet.items_without_subjects} without subjects)"
        )
        print(f"{'subject':<28} {'items':>5} {'chars':>7} {'share':>6}  {'tone chars +/0/-':>22}")
        for subject in outlet.subjects:
            tone = subject.tone_characters
            print(
                f"{subject.name[:28]:<28} {subject.items:>5} {subject.characters:>7} "
                f"{subject.share_of_characters:>6.1%}  "
                f"{tone['positive']:>6}/{tone['neutral']:>6}/{tone['negative']:>6}"
            )
    return 1 if all_problems else 0


def _labelled(path: str) -> tuple[list[dict[str, Any]], list[str]]:
    from pollwatch.mediatext.tone import read_jsonl

    records, problems = read_jsonl(path)
    _print_problems(problems)
    return records, problems


def _tone(args: argparse.Namespace) -> int:
    from pollwatch.mediatext.tone import ToneInputError, load_tone_model, record_target

    model = load_tone_model(args.model)
    records, problems = _labelled(args.input)
    scorable, targets = [], []
    for record in records:
        try:
            targets.append(record_target(record, f"{args.input}:{record['_line']}"))
            scorable.append(record)
        except ToneInputError as error:
            problems.append(str(error))
            print(f"problem: {error}", file=sys.stderr)
    assess = getattr(model, "assess", None)
    if args.confidence and assess is not None:
        calls = assess(targets)
        polarities = [call.polarity for call in calls]
        extra = [
            {"confidence": round(call.confidence, 4), "uncertain": call.uncertain} for call in calls
        ]
    else:
        polarities = model.predict(targets)
        extra = [{} for _ in polarities]
    with open(args.output, "w", encoding="utf-8") as out:
        for record, polarity, more in zip(scorable, polarities, extra, strict=True):
            record.pop("_line", None)
            record["polarity"] = polarity
            record.update(more)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(
        f"{len(scorable)} targets scored by {model.name}, {len(problems)} refused", file=sys.stderr
    )
    return 1 if problems else 0


def _train(args: argparse.Namespace) -> int:
    from pollwatch.mediatext.tone import train_tone_model

    records, problems = _labelled(args.labelled)
    started = time.perf_counter()
    model = train_tone_model(
        records, regularisation=args.regularisation, name=Path(args.output).stem
    )
    model.save(args.output)
    print(
        f"trained on {len(records)} targets in {time.perf_counter() - started:.1f} s → {args.output} "
        f"({Path(args.output).stat().st_size:,} bytes)"
    )
    if args.dev:
        _report(model, args.dev)
    return 1 if problems else 0


def _evaluate(args: argparse.Namespace) -> int:
    from pollwatch.mediatext.tone import load_tone_model

    if args.grouped:
        return _grouped(args)
    status = 0
    model = load_tone_model(args.model)
    for path in args.labelled:
        status = max(status, _report(model, path))
    return status


def _grouped(args: argparse.Namespace) -> int:
    from pollwatch.mediatext import toneeval
    from pollwatch.mediatext.tone import POLARITIES, LinearToneModel, train_tone_model

    records, problems = [], []
    for path in args.labelled:
        more, bad = _labelled(path)
        records += more
        problems += bad
    group = toneeval.story_key if args.by == "story" else toneeval.article_key
    if args.grid:
        grid = [float(c) for c in args.grid.split(",")]
        train = toneeval.tuned_trainer(grid, group=group)
        recipe = f"C chosen from {grid} by inner grouped 3-fold CV"
    else:
        C = args.regularisation
        train = lambda r: train_tone_model(r, regularisation=C)  # noqa: E731
        recipe = f"C = {C}"
    started = time.perf_counter()
    try:
        evaluation = toneeval.grouped_cross_validation(
            records, train, folds=args.grouped, group=group
        )
    except ValueError as error:
        print(f"pollwatch media evaluate: {error}", file=sys.stderr)
        return 2
    low, high = evaluation.interval
    print(
        f"held-out (grouped by {args.by}, {args.grouped} folds, {recipe}): "
        f"macro-F1 {evaluation.macro_f1:.3f} (95% CI {low:.3f}-{high:.3f}, "
        f"bootstrap over {evaluation.articles} {args.by} groups) on all {len(records)} targets"
    )
    print(
        "per fold: "
        + ", ".join(f"{f:.3f}" for f in evaluation.fold_macro_f1)
        + f"   ({time.perf_counter() - started:.0f} s)"
    )
    print(
        "F1 per polarity: "
        + ", ".join(f"{p:+d} {evaluation.per_class_f1[p]:.3f}" for p in POLARITIES)
    )
    print("gold \\ predicted   -1     0     1")
    for row, label in zip(evaluation.confusion, POLARITIES, strict=True):
        print(f"{label:>16} {row[0]:>5} {row[1]:>5} {row[2]:>5}")
    if all(s is not None for s in evaluation.scores):
        abstention = toneeval.calibrate_abstention(evaluation, args.precision)
        print(
            f"abstention for precision {abstention.target_precision:.2f}: auto-coded precision "
            f"{abstention.precision:.3f}, abstention rate {abstention.abstention_rate:.1%} "
            f"(cross-fitted); temperature {abstention.temperature:.3f}, "
            f"threshold {abstention.threshold:.3f}"
        )
        if args.calibrate:
            model = LinearToneModel.load(args.calibrate)
            model.metadata.update(
                temperature=abstention.temperature,
                abstain_below=abstention.threshold,
                abstention={
                    "precision": round(abstention.precision, 4),
                    "rate": round(abstention.abstention_rate, 4),
                    "target_precision": abstention.target_precision,
                },
                grouped_macro_f1=[round(evaluation.macro_f1, 4), round(low, 4), round(high, 4)],
            )
            model.save(args.calibrate)
            print(f"calibration written to {args.calibrate}")
    return 1 if problems else 0


def _report(model: Any, path: str) -> int:
    from pollwatch.mediatext.tone import POLARITIES, macro_f1, record_polarity, record_target

    records, problems = _labelled(path)
    targets = [record_target(r, f"{path}:{r['_line']}") for r in records]
    gold = [record_polarity(r, f"{path}:{r['_line']}") for r in records]
    predicted = model.predict(targets)
    print(f"{model.name} on {path}: macro-F1 {macro_f1(gold, predicted):.3f} ({len(gold)} targets)")
    print("gold \\ predicted   -1     0     1")
    for label in POLARITIES:
        row = [
            sum(g == label and p == other for g, p in zip(gold, predicted, strict=True))
            for other in POLARITIES
        ]
        print(f"{label:>16} {row[0]:>5} {row[1]:>5} {row[2]:>5}")
    return 1 if problems else 0
