"""Synthetic media coverage for the demo: outlets, a subject catalogue and about 60 coded items.

The texts are invented, in English, and slanted by outlet (state TV favours
the first candidate, the opposition paper the second, the independent site
and the radio are more balanced), so the report has something to show.
"""

from __future__ import annotations

import datetime
import json
import random

from pollwatch.elections.models import Candidate, Election
from pollwatch.media.intake import replace_subjects, store_items
from pollwatch.media.models import Item, MediaSettings, Outlet
from pollwatch.mediatext.extract import item_from_text

OUTLETS = [
    ("State Television One", Outlet.Kind.TV, "state"),
    ("Meydan Online", Outlet.Kind.ONLINE, "independent"),
    ("Azadlıq Daily", Outlet.Kind.PRINT, "opposition party"),
    ("Radio Capital", Outlet.Kind.RADIO, "private"),
]
TOWNS = ["Ganja", "Sumqayit", "Shaki", "Lankaran", "Mingachevir", "Quba", "Shamakhi", "Barda"]
POSITIVE = [
    "{name} opened a new hospital wing in {town}, and residents praised the speed of the work.",
    "Supporters cheered as {name} promised higher pensions and an honest, open government.",
    "Farmers in {town} welcomed the sensible plan of {name} to repair the old irrigation canals.",
    "{name} won warm applause for a calm and convincing speech on jobs for young people.",
    "Teachers thanked {name} for a generous programme to raise their salaries.",
]
NEGATIVE = [
    "Critics accused {name} of misusing state resources for the campaign in {town}.",
    "{name} was condemned by rights groups after supporters attacked journalists at a rally.",
    "Observers said {name} failed to explain where millions in campaign money came from.",
    "Residents of {town} complained that {name} broke every promise made five years ago.",
    "{name} faced angry questions over a corruption scandal involving close allies.",
]
NEUTRAL = [
    "{name} held a meeting with voters in {town} on Tuesday.",
    "{name} is scheduled to visit the northern districts next week.",
    "The campaign of {name} submitted its list of proxies to the district commission.",
    "{name} spoke for about forty minutes in the main square of {town}.",
]
PARTY_SENTENCES = [
    "The {party} held a regional congress and approved its list of campaign proxies.",
    "The {party} was fined for putting up posters outside the designated places.",
    "Young volunteers of the {party} were praised for cleaning up the city park.",
]
CEC_SENTENCES = {
    1: "The Central Election Commission was praised for publishing every polling station's address on time.",
    0: "The Central Election Commission said that polling stations will open at 8 a.m. and close at 7 p.m.",
    -1: "The Central Election Commission was criticised for rejecting complaints without a hearing.",
}
COUNTRY_SENTENCES = {
    1: "{country} praised the preparations for the vote and offered technical help.",
    0: "A delegation from {country} is expected to arrive before election day.",
    -1: "{country} was accused of funding a disinformation campaign aimed at voters.",
}
COUNTRIES = [
    ("russia", "Russia", ["Russian Federation"]),
    ("turkey", "Türkiye", ["Turkey"]),
    ("usa", "United States", ["USA", "U.S.", "Washington"]),
    ("eu", "European Union", ["EU", "Brussels"]),
]
# Probability that a sentence about a candidate is positive / negative, per outlet and ballot order.
SLANT = {
    "State Television One": {1: (0.7, 0.05), "other": (0.1, 0.45)},
    "Meydan Online": {1: (0.25, 0.3), "other": (0.25, 0.25)},
    "Azadlıq Daily": {1: (0.05, 0.7), 2: (0.6, 0.1), "other": (0.25, 0.25)},
    "Radio Capital": {1: (0.15, 0.1), "other": (0.15, 0.1)},
}
GENRE_WEIGHTS = [("news", 0.6), ("opinion", 0.15), ("editorial", 0.1), ("advert", 0.15)]


def latin_surname(name: str) -> str:
    """The surname as English-language media spell it: Ələkbərov -> Alakbarov."""
    table = str.maketrans(
        {
            "ə": "a",
            "Ə": "A",
            "ı": "i",
            "İ": "I",
            "ö": "o",
            "Ö": "O",
            "ü": "u",
            "Ü": "U",
            "ğ": "gh",
            "ş": "sh",
            "Ş": "Sh",
            "ç": "ch",
            "Ç": "Ch",
        }
    )
    return name.split()[-1].translate(table)


def demo_subjects(election: Election) -> list[dict]:
    """The catalogue: the election's candidates (and their parties), the CEC, four foreign actors."""
    entries: list[dict] = []
    parties: dict[str, str] = {}
    for candidate in Candidate.objects.filter(contest__election=election).order_by("ballot_order"):
        surname = candidate.name.split()[-1]
        party_key = ""
        if candidate.party and candidate.party.lower() != "independent":
            party_key = parties.setdefault(candidate.party, f"party-{candidate.code.lower()}")
            entries.append(
                {"id": party_key, "kind": "party", "name": candidate.party, "aliases": []}
            )
        entry = {
            "id": candidate.code.lower(),
            "kind": "candidate",
            "name": candidate.name,
            "aliases": sorted({surname, latin_surname(candidate.name)}),
        }
        if party_key:
            entry["party"] = party_key
        entries.append(entry)
    entries.append(
        {
            "id": "cec",
            "kind": "institution",
            "name": "Central Election Commission",
            "aliases": ["CEC", "MSK"],
        }
    )
    for key, name, aliases in COUNTRIES:
        entries.append({"id": key, "kind": "country", "name": name, "aliases": aliases})
    return entries


def _tone(rng: random.Random, outlet: str, order: int) -> int:
    slant = SLANT[outlet]
    positive, negative = slant.get(order, slant["other"])
    draw = rng.random()
    return 1 if draw < positive else -1 if draw < positive + negative else 0


def _featured(rng: random.Random, candidates: list, outlet: str, count: int) -> list:
    """``count`` candidates, frontrunners more often; state TV puts the first one in most stories."""
    pool = list(candidates)
    weights = [
        (4.0 if outlet == OUTLETS[0][0] and c.ballot_order == 1 else 1.0) / c.ballot_order**0.7
        for c in pool
    ]
    chosen = []
    for _ in range(min(count, len(pool))):
        index = rng.choices(range(len(pool)), weights)[0]
        chosen.append(pool.pop(index))
        weights.pop(index)
    return chosen


def _sentence(rng: random.Random, tone: int, name: str) -> str:
    pool = POSITIVE if tone > 0 else NEGATIVE if tone < 0 else NEUTRAL
    return rng.choice(pool).format(name=name, town=rng.choice(TOWNS))


def demo_texts(election: Election, count: int = 60, seed: int = 7) -> list[dict]:
    """``count`` synthetic items as records (outlet, title, date, text), reproducible by ``seed``."""
    rng = random.Random(seed)
    candidates = list(Candidate.objects.filter(contest__election=election).order_by("ballot_order"))
    if not candidates:
        return []
    end = election.date or datetime.date.today()
    records = []
    for number in range(count):
        outlet = OUTLETS[number % len(OUTLETS)][0]
        genre = rng.choices([g for g, _ in GENRE_WEIGHTS], [w for _, w in GENRE_WEIGHTS])[0]
        day = end - datetime.timedelta(days=rng.randint(1, 21))
        featured = _featured(rng, candidates, outlet, rng.choice([1, 1, 2, 3]))
        lines: list[str] = []
        if genre == "advert":
            hero = featured[0]
            lines += ["Political advertisement", ""]
            lines.append(
                f"Vote for {hero.name} on election day. {latin_surname(hero.name)} will build roads, "
                "schools and clinics in every district."
            )
            lines.append(f"Paid for by the election fund of {hero.name}.")
            title = f"{hero.name}: a stronger future"
        else:
            for candidate in featured:
                name = latin_surname(candidate.name)
                paragraph = [
                    _sentence(rng, _tone(rng, outlet, candidate.ballot_order), name)
                    for _ in range(rng.randint(1, 3))
                ]
                lines.append(" ".join(paragraph))
                lines.append("")
            parties = [c.party for c in featured if c.party and c.party.lower() != "independent"]
            if parties and rng.random() < 0.3:
                lines.append(rng.choice(PARTY_SENTENCES).format(party=parties[0]))
                lines.append("")
            if rng.random() < 0.4:
                lines.append(CEC_SENTENCES[rng.choice([1, 0, 0, -1])])
                lines.append("")
            if rng.random() < 0.25:
                key, country, _aliases = rng.choice(COUNTRIES)
                lines.append(COUNTRY_SENTENCES[rng.choice([1, 0, -1])].format(country=country))
                lines.append("")
            lead = latin_surname(featured[0].name)
            if genre == "editorial":
                title = f"Editorial: what {lead} owes the voters"
            elif genre == "opinion":
                title = "Opinion: the choice before us"
                lines.append(
                    "The views expressed in this column are those of the author and do not "
                    "necessarily reflect the views of the editors."
                )
            else:
                title = f"{lead} campaigns in {rng.choice(TOWNS)}"
        records.append(
            {
                "id": f"demo-{number + 1}",
                "outlet": outlet,
                "title": title,
                "date": day.isoformat(),
                "text": "\n".join(lines).strip(),
            }
        )
    # A syndicated story: the same text published by a second outlet, linked as a duplicate.
    if records:
        copy = dict(records[0], id="demo-copy", outlet=OUTLETS[3][0])
        records.append(copy)
    return records


def load_demo_media(election: Election, count: int = 60, seed: int = 7) -> list[Item]:
    """Create the demo outlets, subjects and ``count`` coded items; does nothing if items exist."""
    if Item.objects.filter(election=election).exists():
        return []
    MediaSettings.objects.get_or_create(election=election)
    for name, kind, owner in OUTLETS:
        Outlet.objects.get_or_create(
            election=election, name=name, defaults={"kind": kind, "owner": owner, "language": "en"}
        )
    replace_subjects(election, demo_subjects(election), "demo subjects")
    records = demo_texts(election, count, seed)
    parsed = [
        (
            item_from_text(
                record["text"],
                source=f"demo-media.jsonl:{line}",
                raw=json.dumps(record, ensure_ascii=False),
                **{k: v for k, v in record.items() if k != "text"},
            ),
            json.dumps(record, ensure_ascii=False),
        )
        for line, record in enumerate(records, start=1)
    ]
    raw = "\n".join(json.dumps(record, ensure_ascii=False) for record in records).encode()
    result = store_items(
        election, name="demo-media.jsonl", raw=raw, parsed=parsed, problems=[], outlet=None
    )
    return result.items
