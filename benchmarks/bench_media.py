"""Benchmark: automatic coding of 800-word news items on one core.

Run as `python benchmarks/bench_media.py [--items 200] [--skip-training]`.
Items are built from real political news sentences (NewsMTSC, ../shared/data
or $POLLWATCH_SHARED_DATA; a generated text when it is absent), 800 words
each in paragraphs of four sentences, coded against a catalogue of 12
subjects (Trump, Clinton, Obama, Congress, the FBI, ...). Prints items per
second for the shipped default tone model, for a model trained in this run
on the NewsMTSC train split, and for the lexicon model; the baseline in the
same run is VADER's own SentimentIntensityAnalyzer on every sentence of the
items (tone of the sentence, no subjects), the usual off-the-shelf approach.
Also times HTML extraction and duplicate search. Target: ≥ 50 items/s with
the default model for the whole item: an HTML page extracted (trafilatura,
language), then coded (subjects, space, tone) — the first line printed.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

# One core: keep numpy's BLAS from spreading over the machine.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pollwatch.mediatext.coding import code_item  # noqa: E402
from pollwatch.mediatext.dedupe import find_duplicates  # noqa: E402
from pollwatch.mediatext.extract import item_from_html  # noqa: E402
from pollwatch.mediatext.segment import sentences  # noqa: E402
from pollwatch.mediatext.subjects import parse_subjects  # noqa: E402
from pollwatch.mediatext.tone import (  # noqa: E402
    LexiconToneModel,
    default_tone_model,
    read_jsonl,
    train_tone_model,
)

DATA = Path(
    os.environ.get("POLLWATCH_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
SUBJECTS = [
    {
        "id": "trump",
        "kind": "candidate",
        "name": "Donald Trump",
        "aliases": ["Trump"],
        "gender": "m",
    },
    {
        "id": "clinton",
        "kind": "candidate",
        "name": "Hillary Clinton",
        "aliases": ["Clinton"],
        "gender": "f",
    },
    {
        "id": "obama",
        "kind": "official",
        "name": "Barack Obama",
        "aliases": ["Obama"],
        "gender": "m",
    },
    {
        "id": "sanders",
        "kind": "candidate",
        "name": "Bernie Sanders",
        "aliases": ["Sanders"],
        "gender": "m",
    },
    {
        "id": "mcconnell",
        "kind": "official",
        "name": "Mitch McConnell",
        "aliases": ["McConnell"],
        "gender": "m",
    },
    {
        "id": "pelosi",
        "kind": "official",
        "name": "Nancy Pelosi",
        "aliases": ["Pelosi"],
        "gender": "f",
    },
    {"id": "gop", "kind": "party", "name": "Republican Party", "aliases": ["Republicans", "GOP"]},
    {"id": "dems", "kind": "party", "name": "Democratic Party", "aliases": ["Democrats"]},
    {"id": "congress", "kind": "institution", "name": "Congress", "aliases": ["Senate", "House"]},
    {
        "id": "fbi",
        "kind": "institution",
        "name": "FBI",
        "aliases": ["Federal Bureau of Investigation"],
    },
    {"id": "russia", "kind": "country", "name": "Russia", "aliases": ["Moscow", "Россия"]},
    {"id": "china", "kind": "country", "name": "China", "aliases": ["Beijing"]},
]


def news_sentences() -> list[str]:
    path = DATA / "newsmtsc-rw" / "train.jsonl"
    if path.is_file():
        records, _problems = read_jsonl(path)
        return sorted({r["sentence"] for r in records})
    words = "the senator said that voters in the state would decide on taxes and roads".split()
    rng = random.Random(1)
    return [
        " ".join(rng.choice(words) for _ in range(20)).capitalize() + f" Trump {i}."
        for i in range(2000)
    ]


def build_items(count: int, words_per_item: int = 800) -> list[str]:
    pool = news_sentences()
    rng = random.Random(20211)
    items = []
    for _ in range(count):
        chosen, words = [], 0
        while words < words_per_item:
            sentence = rng.choice(pool)
            chosen.append(sentence)
            words += len(sentence.split())
        paragraphs = [" ".join(chosen[i : i + 4]) for i in range(0, len(chosen), 4)]
        items.append("\n\n".join(paragraphs))
    return items


def items_per_second(items: list[str], catalogue, model) -> tuple[float, float]:
    code_item(items[0], catalogue, model)  # load the lexicon and the language model first
    started = time.perf_counter()
    subject_sentences = 0
    for text in items:
        coding = code_item(text, catalogue, model)
        subject_sentences += sum(s.sentences for s in coding.subjects)
    elapsed = time.perf_counter() - started
    return len(items) / elapsed, subject_sentences / len(items)


def items_per_cpu_second(items: list[str], catalogue, model) -> float:
    """Items per second of this process's CPU time: on a shared machine the wall-clock
    rate falls with other people's load, the CPU rate much less."""
    started = time.process_time()
    for text in items:
        code_item(text, catalogue, model)
    return len(items) / (time.process_time() - started)


def as_page(text: str) -> str:
    """An item as a news page: the article among navigation and footer, its date and author
    in the head as news sites publish them (without a date anywhere, trafilatura's date
    search reads the whole page: about 1.8 ms more per page)."""
    return (
        "<html><head><title>Story</title>"
        '<meta property="article:published_time" content="2026-11-20T08:00:00+00:00">'
        '<meta name="author" content="A. Reporter">'
        "</head><body><nav>Home | News</nav><article>"
        + "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
        + "</article><footer>Copyright</footer></body></html>"
    )


def whole_items_per_second(pages: list[str], catalogue, model) -> tuple[float, float]:
    """What a mission's intake does per page: extract the article (trafilatura, language),
    then code it (subjects, space, tone); wall-clock and CPU-time rates."""

    def whole(number: int, page: str) -> None:
        item = item_from_html(page, source=f"page{number}.html")
        code_item(item.text, catalogue, model, title=item.title, language=item.language)

    whole(0, pages[0])  # load the language identifier, lexicon and vectors first
    started, cpu_started = time.perf_counter(), time.process_time()
    for number, page in enumerate(pages):
        whole(number, page)
    return (
        len(pages) / (time.perf_counter() - started),
        len(pages) / (time.process_time() - cpu_started),
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()

    items = build_items(args.items)
    catalogue = parse_subjects(SUBJECTS)
    words = sum(len(t.split()) for t in items) / len(items)
    print(f"{len(items)} items of {words:.0f} words on average, {len(SUBJECTS)} subjects, one core")

    wall, cpu = whole_items_per_second([as_page(t) for t in items], catalogue, default_tone_model())
    print(
        f"whole item, HTML page → extraction → subjects and tone (default model): "
        f"{wall:.1f} items/s, {cpu:.1f} per second of CPU time (target ≥ 50 items/s)"
    )
    rate, density = items_per_second(items, catalogue, default_tone_model())
    print(
        f"coding, default model (shipped, NewsMTSC): {rate:7.1f} items/s  "
        f"({density:.1f} subject-sentences scored per item)"
    )
    cpu_rate = items_per_cpu_second(items, catalogue, default_tone_model())
    print(f"  same, per second of CPU time:             {cpu_rate:7.1f} items/s")
    if not args.skip_training and (DATA / "newsmtsc-rw" / "train.jsonl").is_file():
        records, _problems = read_jsonl(DATA / "newsmtsc-rw" / "train.jsonl")
        started = time.perf_counter()
        trained = train_tone_model(records)
        print(f"training on {len(records)} NewsMTSC targets: {time.perf_counter() - started:.1f} s")
        rate, _density = items_per_second(items, catalogue, trained)
        print(f"coding, model trained in this run:          {rate:7.1f} items/s")
    rate, _density = items_per_second(items, catalogue, LexiconToneModel())
    print(f"coding, lexicon model:                      {rate:7.1f} items/s")

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyser = SentimentIntensityAnalyzer()
    started = time.perf_counter()
    for text in items:
        for span in sentences(text):
            analyser.polarity_scores(text[span.start : span.end])
    baseline = len(items) / (time.perf_counter() - started)
    print(
        f"baseline, VADER on every sentence:          {baseline:7.1f} items/s (sentence tone only)"
    )

    html_pages = [as_page(text) for text in items[:50]]
    started = time.perf_counter()
    for number, page in enumerate(html_pages):
        item_from_html(page, source=f"page{number}.html")
    print(
        f"HTML extraction (trafilatura + language):   {len(html_pages) / (time.perf_counter() - started):7.1f} pages/s"
    )

    corpus = items + [t.replace(".", "!") for t in items[: len(items) // 10]]
    started = time.perf_counter()
    pairs = find_duplicates(corpus)
    print(
        f"duplicate search over {len(corpus)} items:         {time.perf_counter() - started:7.2f} s "
        f"({len(pairs)} pairs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
