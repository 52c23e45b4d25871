"""A synthetic election with known truth: the test bed for every estimator.

``simulate_election`` builds a fictional country that resembles a post-Soviet
presidential snap election (regions, ~125 districts that serve as strata,
newly reintegrated territories, stations abroad, special stations), draws the
true count of every polling station, and optionally injects fraud into the
*official* protocols while keeping the truth. Everything is vectorised numpy:
a million stations take seconds, not minutes.

Randomness comes from independent child streams of one ``SeedSequence``
(geography, votes, fraud, people), so the same seed gives byte-identical
files, and adding fraud or observers never changes the true count.
See docs/simulate.md for the files and their columns.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

FRAUD_KINDS = ("rewrite", "stuffing", "carousel")
# Share of rewritten protocols whose writer forgot to raise ballots_issued, so
# that ballots_cast > ballots_issued: the "impossible values" forensics look for.
CARELESS_REWRITE_SHARE = 0.10
PROGRESS_THRESHOLD = 100_000
LAT_RANGE = (38.4, 41.9)
LON_RANGE = (44.8, 50.6)

# code, English name, Azerbaijani name, districts (Azerbaijani names; a trailing
# number marks one of several constituencies of a town), centre lat/lon,
# spread of district centres (degrees), and the region's fixed effects.
_REGIONS = [
    # fmt: off
    (
        "R01",
        "Capital City",
        "Paytaxt şəhəri",
        [
            f"{n} {i}"
            for n in (
                "Binəqədi",
                "Xətai",
                "Xəzər",
                "Qaradağ",
                "Nərimanov",
                "Nəsimi",
                "Nizami",
                "Sabunçu",
                "Səbail",
                "Suraxanı",
                "Yasamal",
                "Pirallahı",
            )
            for i in (1, 2)
        ],
        40.40,
        49.87,
        0.10,
        dict(urban=1.0, turnout=-0.45, incumbent=-0.45, size=1.15),
    ),
    (
        "R02",
        "Absheron-Khizi",
        "Abşeron-Xızı",
        ["Sumqayıt 1", "Sumqayıt 2", "Sumqayıt 3", "Abşeron", "Xızı"],
        40.55,
        49.45,
        0.15,
        dict(urban=0.8, turnout=-0.20, incumbent=-0.15, size=1.05),
    ),
    (
        "R03",
        "Ganja-Gazakh",
        "Gəncə-Qazax",
        [
            "Gəncə 1",
            "Gəncə 2",
            "Gəncə 3",
            "Gəncə 4",
            "Daşkəsən",
            "Göygöl",
            "Goranboy",
            "Naftalan",
            "Samux",
            "Şəmkir 1",
            "Şəmkir 2",
            "Gədəbəy",
            "Tovuz 1",
            "Tovuz 2",
            "Qazax",
            "Ağstafa 1",
            "Ağstafa 2",
        ],
        40.85,
        45.95,
        0.45,
        dict(urban=0.35, turnout=0.05, incumbent=0.05, size=1.0),
    ),
    (
        "R04",
        "Shaki-Zagatala",
        "Şəki-Zaqatala",
        [
            "Şəki 1",
            "Şəki 2",
            "Zaqatala 1",
            "Zaqatala 2",
            "Balakən",
            "Qax",
            "Oğuz",
            "Qəbələ 1",
            "Qəbələ 2",
        ],
        41.35,
        46.95,
        0.35,
        dict(urban=0.25, turnout=0.10, incumbent=0.0, size=0.95),
    ),
    (
        "R05",
        "Lankaran-Astara",
        "Lənkəran-Astara",
        [
            "Lənkəran 1",
            "Lənkəran 2",
            "Lənkəran 3",
            "Astara",
            "Lerik",
            "Yardımlı",
            "Masallı 1",
            "Masallı 2",
            "Masallı 3",
            "Cəlilabad 1",
            "Cəlilabad 2",
        ],
        38.85,
        48.55,
        0.30,
        dict(urban=0.25, turnout=0.15, incumbent=0.10, size=1.0),
    ),
    (
        "R06",
        "Guba-Khachmaz",
        "Quba-Xaçmaz",
        ["Quba 1", "Quba 2", "Qusar 1", "Qusar 2", "Xaçmaz 1", "Xaçmaz 2", "Şabran", "Siyəzən"],
        41.35,
        48.55,
        0.30,
        dict(urban=0.25, turnout=0.05, incumbent=0.0, size=0.95),
    ),
    (
        "R07",
        "Central Aran",
        "Mərkəzi Aran",
        [
            "Yevlax",
            "Ağdaş",
            "Göyçay",
            "Ucar",
            "Zərdab",
            "Kürdəmir",
            "Bərdə 1",
            "Bərdə 2",
            "Tərtər",
            "Ağcabədi",
            "Mingəçevir 1",
            "Mingəçevir 2",
        ],
        40.40,
        47.35,
        0.35,
        dict(urban=0.3, turnout=0.20, incumbent=0.15, size=1.0),
    ),
    (
        "R08",
        "Mil-Mughan",
        "Mil-Muğan",
        [
            "İmişli 1",
            "İmişli 2",
            "Beyləqan 1",
            "Beyləqan 2",
            "Saatlı 1",
            "Saatlı 2",
            "Sabirabad 1",
            "Sabirabad 2",
            "Biləsuvar 1",
            "Biləsuvar 2",
        ],
        39.70,
        48.05,
        0.30,
        dict(urban=0.2, turnout=0.25, incumbent=0.20, size=1.0),
    ),
    (
        "R09",
        "Shirvan",
        "Şirvan",
        [
            "Şirvan 1",
            "Şirvan 2",
            "Salyan 1",
            "Salyan 2",
            "Salyan 3",
            "Neftçala 1",
            "Neftçala 2",
            "Hacıqabul 1",
            "Hacıqabul 2",
            "Şamaxı 1",
            "Şamaxı 2",
            "İsmayıllı 1",
            "İsmayıllı 2",
            "Ağsu 1",
            "Ağsu 2",
            "Qobustan",
        ],
        40.15,
        48.75,
        0.45,
        dict(urban=0.3, turnout=0.10, incumbent=0.05, size=1.0),
    ),
    (
        "R10",
        "Nakhchivan",
        "Naxçıvan",
        ["Naxçıvan 1", "Naxçıvan 2", "Şərur 1", "Şərur 2", "Babək", "Ordubad", "Culfa"],
        39.25,
        45.45,
        0.25,
        dict(urban=0.35, turnout=0.70, incumbent=0.90, size=0.9),
    ),
    (
        "R11",
        "Karabakh",
        "Qarabağ",
        ["Xankəndi", "Şuşa", "Ağdam-Füzuli"],
        39.80,
        46.75,
        0.15,
        dict(urban=0.5, turnout=1.00, incumbent=0.70, size=0.15, newly=True),
    ),
    (
        "R12",
        "East Zangezur",
        "Şərqi Zəngəzur",
        ["Laçın-Kəlbəcər", "Zəngilan-Qubadlı-Cəbrayıl"],
        39.45,
        46.35,
        0.15,
        dict(urban=0.4, turnout=1.00, incumbent=0.70, size=0.15, newly=True),
    ),
    # fmt: on
]
ABROAD_REGION = ("R13", "Abroad", "Xarici ölkələr")
ABROAD_DISTRICT = ("Embassies and consulates", "Səfirliklər və konsulluqlar")
ABROAD_CITIES = [
    "Ankara",
    "Istanbul",
    "Moscow",
    "Saint Petersburg",
    "Tbilisi",
    "Kyiv",
    "Minsk",
    "Astana",
    "Tashkent",
    "Berlin",
    "London",
    "Paris",
    "Vienna",
    "Rome",
    "Brussels",
    "Washington",
    "Los Angeles",
    "Dubai",
    "Doha",
    "Tehran",
    "Tabriz",
    "Beijing",
    "Tokyo",
    "Seoul",
    "Warsaw",
    "Prague",
    "Budapest",
    "Bucharest",
    "Sofia",
    "Athens",
    "Madrid",
    "The Hague",
    "Stockholm",
    "Ottawa",
    "Cairo",
    "Riyadh",
    "Kuwait City",
    "Islamabad",
    "New Delhi",
    "Bishkek",
    "Ashgabat",
    "Chisinau",
    "Riga",
    "Vilnius",
    "Tallinn",
    "Bern",
    "Rabat",
]
ABROAD_SHARE = 0.0055  # a few dozen of 6,500
SPECIAL_SHARES = {"military": 0.010, "hospital": 0.007, "prison": 0.003}

# Candidates: the incumbent is C1; the others split the rest in these proportions.
CANDIDATES = [
    ("C1", "Tofiq Ələkbərov", "Homeland Unity Party", "#0072B2"),
    ("C2", "Zaur Həsənli", "Popular Front Renewal", "#D55E00"),
    ("C3", "Gülnarə Rzayeva", "Civic Solidarity Party", "#009E73"),
    ("C4", "Fuad Quliyev", "Democratic Reform Party", "#CC79A7"),
    ("C5", "Elşən Məmmədli", "National Revival Party", "#E69F00"),
    ("C6", "Nazim Cəfərli", "Independent", "#56B4E9"),
    ("C7", "Səbinə Kərimova", "Green Future Party", "#000000"),
]
OTHER_PROPORTIONS = np.array([0.26, 0.20, 0.17, 0.14, 0.12, 0.11])

_TRANSLIT = str.maketrans(
    {
        "ə": "a",
        "Ə": "A",
        "ş": "sh",
        "Ş": "Sh",
        "ç": "ch",
        "Ç": "Ch",
        "ğ": "gh",
        "Ğ": "Gh",
        "ı": "i",
        "İ": "I",
        "ö": "o",
        "Ö": "O",
        "ü": "u",
        "Ü": "U",
        "x": "kh",
        "X": "Kh",
        "q": "g",
        "Q": "G",
        "c": "j",
        "C": "J",
    }
)

VILLAGE_ROOTS = [
    "Qaraqoyunlu",
    "Bəydili",
    "Çaykənd",
    "Alıbəyli",
    "Mollalı",
    "Şıxlar",
    "Ağbulaq",
    "Qızılca",
    "Dəmirçi",
    "Bala Bəhmənli",
    "Göydərə",
    "Sarıcalı",
    "Təzəkənd",
    "Quşçu",
    "Əhmədli",
    "Kürdlər",
    "Qaçaq",
    "Ərəbşahverdi",
    "Hacılar",
    "Sarov",
    "Yenikənd",
    "Bəhrəmtəpə",
    "Çəmənli",
    "Dağkolanı",
    "Qarabucaq",
    "Xanlıq",
    "Muğanlı",
    "Zəyəm",
    "Qubalı",
    "Gürzallar",
    "Ağalı",
    "Mirzəcamallı",
    "Otuzikilər",
    "Şəkərli",
    "Əliabad",
]
VILLAGE_PREFIXES = ["", "", "", "Yuxarı ", "Aşağı ", "Böyük ", "Kiçik ", "Yeni "]
URBAN_VENUES = [
    "School No. {n}",
    "School No. {n}",
    "School No. {n}",
    "Lyceum No. {n}",
    "Kindergarten No. {n}",
    "Youth Centre",
    "Culture Palace",
    "Music School No. {n}",
    "College of Technology",
    "Olympic Sports Complex",
    "Polyclinic No. {n}",
    "Library No. {n}",
]
RURAL_VENUES = [
    "Secondary School",
    "Secondary School",
    "Culture House",
    "Village Club",
    "Library",
    "Municipality Building",
    "Primary School",
]
SPECIAL_VENUES = {
    "military": "Military Unit No. {n}",
    "hospital": "Central Hospital Ward {n}",
    "prison": "Penitentiary Institution No. {n}",
}

FIRST_NAMES_MALE = [
    "Rəşad",
    "Elvin",
    "Orxan",
    "Tural",
    "Kamran",
    "Vüsal",
    "Elçin",
    "Anar",
    "Rauf",
    "Fərid",
    "Nicat",
    "Ramil",
    "Səbuhi",
    "Cavid",
    "Emin",
    "Rövşən",
    "Samir",
    "Rüstəm",
    "Əli",
    "Hüseyn",
    "Murad",
    "Zaur",
    "Elnur",
    "Ülvi",
    "Namiq",
    "Eldar",
    "Mübariz",
    "Fuad",
    "Tərlan",
    "Şahin",
    "Ceyhun",
    "Vüqar",
    "İlkin",
    "Toğrul",
    "Kənan",
    "Nurlan",
    "Azər",
    "Bəhruz",
    "Qabil",
    "Xəyal",
]
FIRST_NAMES_FEMALE = [
    "Aynur",
    "Günel",
    "Leyla",
    "Nərmin",
    "Sevinc",
    "Aysel",
    "Könül",
    "Nigar",
    "Ülkər",
    "Səbinə",
    "Lalə",
    "Fidan",
    "Gülnar",
    "Zəhra",
    "Aytən",
    "Xədicə",
    "Nərgiz",
    "Şəbnəm",
    "Türkan",
    "Vüsalə",
    "Elnarə",
    "Rəna",
    "Aygün",
    "Cəmilə",
    "Gülşən",
    "İlahə",
    "Məleykə",
    "Pərvin",
]
# Surnames in -ov/-yev take -a for women; the others do not change.
SURNAMES_GENDERED = [
    "Məmmədov",
    "Əliyev",
    "Həsənov",
    "Hüseynov",
    "Quliyev",
    "İsmayılov",
    "Abbasov",
    "Rzayev",
    "Bağırov",
    "Cəfərov",
    "Nəsibov",
    "Kərimov",
    "Süleymanov",
    "Babayev",
    "Orucov",
    "Qasımov",
    "Vəliyev",
    "Mustafayev",
    "Səfərov",
    "Nağıyev",
    "İbrahimov",
    "Əhmədov",
    "Rəhimov",
    "Sadıqov",
    "Hacıyev",
    "Novruzov",
    "Şükürov",
    "Allahverdiyev",
    "Qəribov",
    "Zeynalov",
]
SURNAMES_FIXED = [
    "Həsənli",
    "Əlizadə",
    "Şirinli",
    "Mirzəzadə",
    "Qarayevli",
    "Sultanlı",
    "Vəlizadə",
    "Nəbili",
    "Axundzadə",
    "Dadaşlı",
]
MOBILE_PREFIXES = ["50", "51", "55", "70", "77", "99", "10", "60"]
MOBILE_PREFIX_WEIGHTS = [0.30, 0.12, 0.22, 0.14, 0.10, 0.06, 0.04, 0.02]
EMAIL_DOMAINS = ["example.com", "example.org", "example.net"]

STATION_COLUMNS = [
    "code",
    "name",
    "region_code",
    "region_name",
    "region_name_az",
    "district_code",
    "district_name",
    "district_name_az",
    "registered_voters",
    "latitude",
    "longitude",
    "newly_included",
    "abroad",
    "special",
]
CANDIDATE_COLUMNS = ["code", "name", "party", "ballot_order", "colour"]
PEOPLE_COLUMNS = ["code", "name", "phone", "email", "role", "area_code", "language"]
COUNT_COLUMNS = ["registered_voters", "ballots_issued", "ballots_cast", "invalid", "valid"]


def transliterate(text: str) -> str:
    """Azerbaijani Latin script to the plain-ASCII English spelling (Şəki -> Shaki)."""
    return text.translate(_TRANSLIT)


def parse_fraud(spec: str | dict[str, float] | None) -> dict[str, float]:
    """``"stuffing:0.1,rewrite:5%"`` (or a dict) -> {kind: share of domestic stations}.

    Raises ValueError naming the bad part. Shares must sum to at most 1.
    """
    if spec is None or spec == "":
        return {}
    if isinstance(spec, dict):
        items = list(spec.items())
    else:
        items = []
        for part in str(spec).replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            sep = ":" if ":" in part else "="
            if sep not in part:
                raise ValueError(f"fraud {part!r}: expected KIND:SHARE, e.g. stuffing:0.1")
            kind, _, value = part.partition(sep)
            value = value.strip()
            try:
                share = float(value[:-1]) / 100 if value.endswith("%") else float(value)
            except ValueError:
                raise ValueError(f"fraud {part!r}: share {value!r} is not a number") from None
            items.append((kind.strip().lower(), share))
    shares: dict[str, float] = {}
    for kind, share in items:
        if kind not in FRAUD_KINDS:
            raise ValueError(f"unknown fraud kind {kind!r}; known: {', '.join(FRAUD_KINDS)}")
        share = float(share)
        if not 0 <= share <= 1:
            raise ValueError(f"fraud {kind}: share {share} is not between 0 and 1")
        shares[kind] = shares.get(kind, 0.0) + share
    if sum(shares.values()) > 1 + 1e-9:
        raise ValueError(f"fraud shares add up to {sum(shares.values()):.3f}, more than 1")
    return {kind: shares[kind] for kind in FRAUD_KINDS if shares.get(kind)}


@dataclass
class SimulatedElection:
    """One simulated election; the frames are exactly what ``write`` puts in the files.

    ``results`` is the official protocol (with any injected fraud), ``truth``
    the true count with a ``fraud`` column, ``summary`` the content of truth.json.
    """

    stations: pd.DataFrame
    candidates: pd.DataFrame
    results: pd.DataFrame
    truth: pd.DataFrame
    people: pd.DataFrame
    summary: dict
    seed: int
    fraud: dict[str, float] = field(default_factory=dict)

    @property
    def candidate_codes(self) -> list[str]:
        return list(self.candidates["code"])

    def write(self, directory: str | Path, progress: bool | None = None) -> dict[str, Path]:
        """Write the six files into ``directory`` (created if missing); returns name -> path."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        frames = {
            "stations.csv": self.stations,
            "candidates.csv": self.candidates,
            "results.csv": self.results,
            "truth.csv": self.truth,
            "people.csv": self.people,
        }
        total_rows = sum(len(f) for f in frames.values())
        show = _show_progress(progress, len(self.stations))
        paths: dict[str, Path] = {}
        with tqdm(
            total=total_rows,
            desc="writing",
            unit=" rows",
            file=sys.stderr,
            disable=not show,
            unit_scale=True,
        ) as bar:
            for name, frame in frames.items():
                paths[name] = directory / name
                _write_csv(frame, paths[name], bar)
        paths["truth.json"] = directory / "truth.json"
        paths["truth.json"].write_text(
            json.dumps(self.summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return paths


def _show_progress(progress: bool | None, stations: int) -> bool:
    if progress is None:
        return stations >= PROGRESS_THRESHOLD and sys.stderr.isatty()
    return progress


def _write_csv(frame: pd.DataFrame, path: Path, bar: tqdm, chunk: int = 100_000) -> None:
    # Written in chunks only to move the progress bar; "\n" endings on every OS.
    with open(path, "w", encoding="utf-8", newline="") as handle:
        for start in range(0, max(len(frame), 1), chunk):
            part = frame.iloc[start : start + chunk]
            part.to_csv(
                handle,
                index=False,
                header=start == 0,
                lineterminator="\n",
                float_format="%.5f",
                na_rep="",
            )
            bar.update(len(part))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _calibrate(logits: np.ndarray, weights: np.ndarray, target: float) -> np.ndarray:
    """Shift all logits by one constant so that the weighted mean probability hits target."""
    shift = 0.0
    total = weights.sum()
    if total <= 0:
        return logits
    for _ in range(30):
        p = _expit(logits + shift)
        mean = float((p * weights).sum() / total)
        slope = float((p * (1 - p) * weights).sum() / total)
        step = (target - mean) / max(slope, 1e-9)
        shift += step
        if abs(step) < 1e-10:
            break
    return logits + shift


def _allocate(total: int, weights: np.ndarray, at_least_one: bool) -> np.ndarray:
    """Largest-remainder split of ``total`` in proportion to ``weights`` (deterministic)."""
    weights = np.asarray(weights, dtype=float)
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    if at_least_one and total >= len(counts):
        while (counts == 0).any():
            counts[np.argmax(counts)] -= 1
            counts[np.argmax(counts == 0)] += 1
    return counts


def _sequential_multinomial(
    rng: np.random.Generator, n: np.ndarray, probs: np.ndarray
) -> np.ndarray:
    """Multinomial(n_i, probs_i) per row by conditional binomials (fast, vectorised)."""
    k = probs.shape[1]
    out = np.zeros((len(n), k), dtype=np.int64)
    remaining = n.astype(np.int64).copy()
    left = np.ones(len(n))
    for j in range(k - 1):
        p = np.clip(probs[:, j] / np.maximum(left, 1e-12), 0.0, 1.0)
        draw = rng.binomial(remaining, p)
        out[:, j] = draw
        remaining -= draw
        left -= probs[:, j]
    out[:, k - 1] = remaining
    return out


def _district_table() -> pd.DataFrame:
    rows = []
    number = 0
    for code, name, name_az, districts, lat, lon, spread, fx in _REGIONS:
        for district_az in districts:
            number += 1
            rows.append(
                dict(
                    district_code=f"D{number:03d}",
                    district_name=transliterate(district_az),
                    district_name_az=district_az,
                    region_code=code,
                    region_name=name,
                    region_name_az=name_az,
                    region_lat=lat,
                    region_lon=lon,
                    spread=spread,
                    urban_share=fx["urban"],
                    region_turnout=fx["turnout"],
                    region_incumbent=fx["incumbent"],
                    size=fx["size"],
                    newly_included=bool(fx.get("newly", False)),
                    # Towns split into numbered constituencies are mostly urban.
                    town=district_az[-1].isdigit(),
                )
            )
    number += 1
    rows.append(
        dict(
            district_code=f"D{number:03d}",
            district_name=ABROAD_DISTRICT[0],
            district_name_az=ABROAD_DISTRICT[1],
            region_code=ABROAD_REGION[0],
            region_name=ABROAD_REGION[1],
            region_name_az=ABROAD_REGION[2],
            region_lat=np.nan,
            region_lon=np.nan,
            spread=0.0,
            urban_share=1.0,
            region_turnout=0.0,
            region_incumbent=0.0,
            size=0.0,
            newly_included=False,
            town=False,
        )
    )
    return pd.DataFrame(rows)


def simulate_election(
    stations: int = 6500,
    seed: int = 0,
    fraud: str | dict[str, float] | None = None,
    observers: int = 600,
    *,
    turnout: float = 0.62,
    incumbent_share: float = 0.70,
    invalid_share: float = 0.015,
    progress: bool | None = None,
) -> SimulatedElection:
    """Simulate ``stations`` polling stations (about 125 districts, 12 regions plus Abroad).

    ``turnout``, ``incumbent_share`` and ``invalid_share`` are the expected
    national true values (registered-, cast- and valid-weighted); the realised
    ones are in ``summary``. ``fraud`` is a spec like ``"stuffing:0.1,rewrite:0.05"``
    (see ``parse_fraud``); fraud changes only ``results``, never ``truth``.
    ``progress``: show a tqdm bar on stderr (default: for large runs on a terminal).
    """
    if stations < 1:
        raise ValueError("stations must be at least 1")
    if observers < 0 or observers > 80_000:
        raise ValueError("observers must be between 0 and 80,000 (ids have 4-5 digits)")
    fraud_shares = parse_fraud(fraud)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)]
    geo_rng, vote_rng, fraud_rng, people_rng = streams
    show = _show_progress(progress, stations)
    bar = tqdm(total=5, desc="simulating", unit=" steps", file=sys.stderr, disable=not show)

    frame, aux = _make_stations(geo_rng, stations)
    bar.update(1)
    truth = _true_counts(vote_rng, frame, aux, turnout, incumbent_share, invalid_share)
    bar.update(1)
    official, fraud_labels = _inject_fraud(fraud_rng, frame, aux, truth, fraud_shares)
    bar.update(1)
    people = _make_people(people_rng, frame, observers)
    bar.update(1)

    codes = [c[0] for c in CANDIDATES]
    station_out = frame[STATION_COLUMNS].copy()
    station_out["newly_included"] = station_out["newly_included"].astype(np.int8)
    station_out["abroad"] = station_out["abroad"].astype(np.int8)
    results_df = _count_frame(frame, official, codes)
    truth_df = _count_frame(frame, truth, codes)
    truth_df["fraud"] = fraud_labels
    candidates_df = pd.DataFrame(
        [
            (code, name, party, order, colour)
            for order, (code, name, party, colour) in enumerate(CANDIDATES, start=1)
        ],
        columns=CANDIDATE_COLUMNS,
    )
    summary = _summary(
        truth_df,
        results_df,
        codes,
        seed,
        fraud_shares,
        people,
        dict(turnout=turnout, incumbent_share=incumbent_share, invalid_share=invalid_share),
    )
    bar.update(1)
    bar.close()
    return SimulatedElection(
        stations=station_out,
        candidates=candidates_df,
        results=results_df,
        truth=truth_df,
        people=people,
        summary=summary,
        seed=seed,
        fraud=fraud_shares,
    )


def _make_stations(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, dict]:
    """The station frame (published columns) and per-station model inputs."""
    districts = _district_table()
    n_districts = len(districts)
    abroad_index = n_districts - 1
    n_abroad = round(n * ABROAD_SHARE)
    if n >= 100:
        n_abroad = max(n_abroad, 1)
    n_domestic = n - n_abroad

    size_noise = rng.lognormal(0.0, 0.25, n_districts)
    weights = districts["size"].to_numpy() * size_noise
    weights[abroad_index] = 0.0
    per_district = _allocate(n_domestic, weights[:abroad_index], at_least_one=True)
    per_district = np.append(per_district, n_abroad)

    # District centres scattered around their region's centre, inside the country's box.
    region_lat = districts["region_lat"].to_numpy()
    region_lon = districts["region_lon"].to_numpy()
    spread = districts["spread"].to_numpy()
    centre_lat = np.clip(region_lat + rng.normal(0, 1, n_districts) * spread * 0.6, *LAT_RANGE)
    centre_lon = np.clip(region_lon + rng.normal(0, 1, n_districts) * spread * 0.8, *LON_RANGE)
    district_effects = dict(
        turnout=rng.normal(0, 0.15, n_districts),
        incumbent=rng.normal(0, 0.20, n_districts),
        invalid=rng.normal(0, 0.20, n_districts),
        fraud_propensity=rng.lognormal(0, 1.0, n_districts),
        others=rng.lognormal(0, 0.30, (n_districts, len(OTHER_PROPORTIONS))),
    )
    region_codes = districts["region_code"].to_numpy()
    unique_regions, region_index = np.unique(region_codes, return_inverse=True)
    region_noise = rng.normal(0, 0.10, len(unique_regions))
    region_others = rng.lognormal(0, 0.30, (len(unique_regions), len(OTHER_PROPORTIONS)))
    district_effects["turnout"] += region_noise[region_index]
    district_effects["others"] *= region_others[region_index]

    d = np.repeat(np.arange(n_districts), per_district)  # district index of each station
    starts = np.cumsum(per_district) - per_district
    number = np.arange(n) - starts[d] + 1
    district_codes = districts["district_code"].to_numpy()
    codes = pd.Series(district_codes[d]) + "-" + pd.Series(number).astype(str).str.zfill(4)

    abroad = d == abroad_index
    newly = districts["newly_included"].to_numpy()[d]
    # Towns are more urban than their rural surroundings.
    urban_share = np.where(
        districts["town"].to_numpy(),
        np.maximum(districts["urban_share"].to_numpy(), 0.75),
        districts["urban_share"].to_numpy(),
    )[d]
    urban = rng.random(n) < urban_share
    special = np.full(n, "", dtype=object)
    u = rng.random(n)
    edge = 0.0
    for kind, share in SPECIAL_SHARES.items():
        special[(u >= edge) & (u < edge + share) & ~abroad] = kind
        edge += share
    is_special = special != ""

    median = np.where(urban, 1300.0, 600.0)
    sigma = np.where(urban, 0.35, 0.50)
    registered = np.clip(np.exp(np.log(median) + sigma * rng.normal(0, 1, n)), 180, 3000)
    registered = np.where(newly, np.clip(rng.lognormal(math.log(180), 0.5, n), 25, 900), registered)
    special_median = np.select(
        [special == "military", special == "hospital", special == "prison"],
        [500.0, 120.0, 250.0],
        1.0,
    )
    registered = np.where(
        is_special, np.clip(special_median * rng.lognormal(0, 0.4, n), 20, 1500), registered
    )
    registered = np.where(
        abroad, np.clip(rng.lognormal(math.log(400), 0.8, n), 30, 3000), registered
    )
    registered = np.round(registered).astype(np.int64)

    jitter = np.where(urban, 0.02, 0.08)
    lat = np.clip(centre_lat[d] + rng.normal(0, 1, n) * jitter, *LAT_RANGE)
    lon = np.clip(centre_lon[d] + rng.normal(0, 1, n) * jitter * 1.3, *LON_RANGE)
    lat = np.where(abroad, np.nan, np.round(lat, 5))
    lon = np.where(abroad, np.nan, np.round(lon, 5))

    names = _station_names(rng, d, districts, urban, special, abroad, number)

    frame = pd.DataFrame(
        {
            "code": codes,
            "name": names,
            "region_code": region_codes[d],
            "region_name": districts["region_name"].to_numpy()[d],
            "region_name_az": districts["region_name_az"].to_numpy()[d],
            "district_code": district_codes[d],
            "district_name": districts["district_name"].to_numpy()[d],
            "district_name_az": districts["district_name_az"].to_numpy()[d],
            "registered_voters": registered,
            "latitude": lat,
            "longitude": lon,
            "newly_included": newly,
            "abroad": abroad,
            "special": special,
        }
    )
    # Per-station model inputs that are not published columns.
    aux = dict(
        district_index=d,
        urban=urban,
        region_turnout=districts["region_turnout"].to_numpy()[d],
        region_incumbent=districts["region_incumbent"].to_numpy()[d],
        **district_effects,
    )
    return frame, aux


def _station_names(rng, d, districts, urban, special, abroad, number) -> pd.Series:
    n = len(d)
    town = pd.Series(districts["district_name"].to_numpy()[d]).str.replace(r" \d+$", "", regex=True)
    village = pd.Series(
        np.array([transliterate(p) for p in VILLAGE_PREFIXES])[
            rng.integers(0, len(VILLAGE_PREFIXES), n)
        ]
    ) + pd.Series(
        np.array([transliterate(r) for r in VILLAGE_ROOTS])[rng.integers(0, len(VILLAGE_ROOTS), n)]
    )
    venue_no = pd.Series(rng.integers(1, 320, n)).astype(str)
    urban_venue = pd.Series(np.array(URBAN_VENUES)[rng.integers(0, len(URBAN_VENUES), n)])
    rural_venue = pd.Series(np.array(RURAL_VENUES)[rng.integers(0, len(RURAL_VENUES), n)])
    venue = urban_venue.where(urban, rural_venue)
    for kind, template in SPECIAL_VENUES.items():
        venue = venue.where(special != kind, template)
    venue = venue.str.replace("{n}", "", regex=False) + np.where(
        venue.str.contains("{n}", regex=False), venue_no, ""
    )
    place = town.where(urban | (special != ""), village + ", " + town)
    names = place + ", " + venue
    city = pd.Series(np.array(ABROAD_CITIES)[(number - 1) % len(ABROAD_CITIES)])
    lap = (number - 1) // len(ABROAD_CITIES)
    abroad_names: pd.Series = (
        "Embassy section, " + city + np.where(lap > 0, " No. " + pd.Series(lap + 1).astype(str), "")
    )
    return names.where(~abroad, abroad_names)


def _true_counts(rng, frame, aux, turnout, incumbent_share, invalid_share) -> dict:
    n = len(frame)
    d = aux["district_index"]
    urban = aux["urban"]
    special = frame["special"].to_numpy()
    newly = frame["newly_included"].to_numpy()
    abroad = frame["abroad"].to_numpy()
    registered = frame["registered_voters"].to_numpy()

    turnout_logit = (
        aux["region_turnout"]
        + aux["turnout"][d]
        + rng.normal(0, 0.30, n)
        - 0.30 * urban
        + 0.6 * newly
        - 1.1 * abroad
        + np.select(
            [special == "military", special == "hospital", special == "prison"],
            [1.6, 0.4, 1.0],
            0.0,
        )
    )
    turnout_logit = _calibrate(turnout_logit + _logit(turnout), registered.astype(float), turnout)
    issued = rng.binomial(registered, _expit(turnout_logit))
    # A few ballots are issued but never reach the box (taken away, spoilt and replaced).
    cast = issued - rng.binomial(issued, 0.002)
    invalid_logit = aux["invalid"][d] + rng.normal(0, 0.35, n)
    invalid_logit = _calibrate(
        invalid_logit + _logit(invalid_share), cast.astype(float), invalid_share
    )
    invalid = rng.binomial(cast, _expit(invalid_logit))
    valid = cast - invalid

    incumbent_logit = (
        aux["region_incumbent"]
        + aux["incumbent"][d]
        + rng.normal(0, 0.35, n)
        - 0.25 * urban
        - 0.40 * abroad
        + 0.8 * (special == "military")
    )
    incumbent_logit = _calibrate(
        incumbent_logit + _logit(incumbent_share), valid.astype(float), incumbent_share
    )
    incumbent_p = _expit(incumbent_logit)
    others = (
        OTHER_PROPORTIONS * aux["others"][d] * rng.lognormal(0, 0.35, (n, len(OTHER_PROPORTIONS)))
    )
    others = others / others.sum(axis=1, keepdims=True) * (1 - incumbent_p)[:, None]
    votes = _sequential_multinomial(rng, valid, np.column_stack([incumbent_p, others]))
    return dict(
        registered_voters=registered.astype(np.int64),
        ballots_issued=issued.astype(np.int64),
        ballots_cast=cast.astype(np.int64),
        invalid=invalid.astype(np.int64),
        valid=valid.astype(np.int64),
        votes=votes,
    )


def _inject_fraud(rng, frame, aux, truth, shares) -> tuple[dict, np.ndarray]:
    n = len(frame)
    official = {k: (v.copy()) for k, v in truth.items()}
    labels = np.full(n, "", dtype=object)
    if not shares:
        return official, labels
    d = aux["district_index"]
    eligible = ~frame["abroad"].to_numpy()
    # Fraud clusters: a district's officials decide, so some districts are far worse;
    # the capital's stations are watched more closely and rigged less.
    weight = aux["fraud_propensity"][d] * np.where(
        frame["region_code"].to_numpy() == "R01", 0.4, 1.0
    )
    key = np.log(rng.random(n)) / weight  # Efraimidis-Spirakis weighted sampling keys
    key[~eligible] = -np.inf
    order = np.argsort(-key, kind="stable")
    n_eligible = int(eligible.sum())
    taken = 0
    registered = official["registered_voters"]
    issued, cast = official["ballots_issued"], official["ballots_cast"]
    invalid, valid, votes = official["invalid"], official["valid"], official["votes"]
    for kind in FRAUD_KINDS:
        if kind not in shares:
            continue
        count = min(round(shares[kind] * n_eligible), n_eligible - taken)
        chosen = np.sort(order[taken : taken + count])
        taken += count
        labels[chosen] = kind
        m = len(chosen)
        if m == 0:
            continue
        if kind == "stuffing":
            # Extra ballots for the incumbent, taken from the non-voters.
            extra = np.floor(rng.uniform(0.15, 0.60, m) * (registered[chosen] - issued[chosen]))
            extra = extra.astype(np.int64)
            for column in (issued, cast, valid):
                column[chosen] += extra
            votes[chosen, 0] += extra
        elif kind == "carousel":
            # Voters on supplementary lists vote several times: the register grows too.
            extra = rng.binomial(registered[chosen], rng.uniform(0.03, 0.12, m))
            for column in (registered, issued, cast, valid):
                column[chosen] += extra
            votes[chosen, 0] += extra
        elif kind == "rewrite":
            _rewrite(rng, chosen, registered, issued, cast, invalid, valid, votes)
    return official, labels


def _integer_percent(rng, values_pct: np.ndarray) -> np.ndarray:
    """Round to whole percent, half the time to a multiple of 5 (Kobak et al. 2016)."""
    whole = np.round(values_pct)
    fives = np.round(values_pct / 5) * 5
    return np.clip(np.where(rng.random(len(values_pct)) < 0.5, fives, whole), 1, 99)


def _rewrite(rng, chosen, registered, issued, cast, invalid, valid, votes) -> None:
    """Protocols written to order: higher round turnout and incumbent share."""
    m = len(chosen)
    reg = registered[chosen]
    true_turnout = 100 * cast[chosen] / np.maximum(reg, 1)
    turnout_pct = _integer_percent(rng, np.minimum(true_turnout + rng.uniform(5, 25, m), 99))
    turnout_pct = np.maximum(turnout_pct, np.minimum(np.ceil(true_turnout), 99))
    new_cast = np.maximum(np.round(reg * turnout_pct / 100).astype(np.int64), cast[chosen])
    new_invalid = np.minimum(invalid[chosen], new_cast)
    new_valid = new_cast - new_invalid
    true_share = 100 * votes[chosen, 0] / np.maximum(valid[chosen], 1)
    share_pct = _integer_percent(rng, np.minimum(true_share + rng.uniform(5, 20, m), 99))
    share_pct = np.maximum(share_pct, np.minimum(np.ceil(true_share), 99))
    new_incumbent = np.round(new_valid * share_pct / 100).astype(np.int64)
    others = votes[chosen, 1:].astype(float)
    others_total = others.sum(axis=1, keepdims=True)
    proportions = np.where(
        others_total > 0, others / np.maximum(others_total, 1), 1.0 / others.shape[1]
    )
    left = new_valid - new_incumbent
    new_others = np.floor(proportions * left[:, None]).astype(np.int64)
    new_others[np.arange(m), np.argmax(proportions, axis=1)] += left - new_others.sum(axis=1)
    careless = rng.random(m) < CARELESS_REWRITE_SHARE
    issued[chosen] = np.where(careless, issued[chosen], np.maximum(issued[chosen], new_cast))
    cast[chosen] = new_cast
    invalid[chosen] = new_invalid
    valid[chosen] = new_valid
    votes[chosen, 0] = new_incumbent
    votes[chosen, 1:] = new_others


def _count_frame(frame: pd.DataFrame, counts: dict, codes: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "code": frame["code"],
            "region_code": frame["region_code"],
            "district_code": frame["district_code"],
            "stratum": frame["district_code"],
        }
    )
    for column in COUNT_COLUMNS:
        out[column] = counts[column]
    for j, code in enumerate(codes):
        out[code] = counts["votes"][:, j]
    return out


def _national(frame: pd.DataFrame, codes: list[str]) -> dict:
    sums = {c: int(frame[c].sum()) for c in [*COUNT_COLUMNS, *codes]}
    return dict(
        turnout=round(sums["ballots_cast"] / max(sums["registered_voters"], 1), 6),
        invalid_share=round(sums["invalid"] / max(sums["ballots_cast"], 1), 6),
        shares={c: round(sums[c] / max(sums["valid"], 1), 6) for c in codes},
        totals=sums,
    )


def _summary(truth_df, results_df, codes, seed, fraud_shares, people, parameters) -> dict:
    fraud_counts = truth_df["fraud"].value_counts()
    return dict(
        seed=seed,
        stations=len(truth_df),
        districts=int(truth_df["district_code"].nunique()),
        regions=int(truth_df["region_code"].nunique()),
        incumbent=codes[0],
        parameters=parameters,
        fraud={
            kind: dict(share=share, stations=int(fraud_counts.get(kind, 0)))
            for kind, share in fraud_shares.items()
        },
        truth=_national(truth_df, codes),
        official=_national(results_df, codes),
        people=dict(
            observers=int((people["role"] == "observer").sum()),
            supervisors=int((people["role"] == "supervisor").sum()),
        ),
    )


def _make_people(rng, frame: pd.DataFrame, observers: int) -> pd.DataFrame:
    supervisors = math.ceil(observers / 20)
    total = observers + supervisors
    if total == 0:
        return pd.DataFrame(columns=PEOPLE_COLUMNS)
    # Observers go where the stations are; abroad gets none.
    domestic = frame.loc[~frame["abroad"].to_numpy(), "district_code"]
    district_sizes = domestic.value_counts().sort_index()
    area_observers = np.repeat(
        district_sizes.index.to_numpy(),
        _allocate(observers, district_sizes.to_numpy(), at_least_one=False),
    )
    area_supervisors = np.repeat(
        district_sizes.index.to_numpy(),
        _allocate(supervisors, district_sizes.to_numpy(), at_least_one=False),
    )
    roles = ["supervisor"] * supervisors + ["observer"] * observers
    areas = list(area_supervisors) + list(area_observers)

    ids = rng.choice(np.arange(1000, 100_000), size=total, replace=False)
    female = rng.random(total) < 0.45
    first_m = rng.integers(0, len(FIRST_NAMES_MALE), total)
    first_f = rng.integers(0, len(FIRST_NAMES_FEMALE), total)
    fixed = rng.random(total) < 0.15
    surname_g = rng.integers(0, len(SURNAMES_GENDERED), total)
    surname_f = rng.integers(0, len(SURNAMES_FIXED), total)
    prefixes = rng.choice(len(MOBILE_PREFIXES), size=total, p=MOBILE_PREFIX_WEIGHTS)
    subscribers = rng.choice(np.arange(2_000_000, 10_000_000), size=total, replace=False)
    formats = rng.integers(0, 6, total)
    languages = rng.choice(np.array(["az", "ru", "en"]), size=total, p=[0.78, 0.17, 0.05])
    domains = rng.integers(0, len(EMAIL_DOMAINS), total)
    email_style = rng.integers(0, 3, total)

    rows = []
    seen_emails: set[str] = set()
    seen_phones: set[str] = set()
    for i in range(total):
        first = FIRST_NAMES_FEMALE[first_f[i]] if female[i] else FIRST_NAMES_MALE[first_m[i]]
        if fixed[i]:
            last = SURNAMES_FIXED[surname_f[i]]
        else:
            last = SURNAMES_GENDERED[surname_g[i]] + ("a" if female[i] else "")
        prefix = MOBILE_PREFIXES[prefixes[i]]
        phone = _format_phone(prefix, int(subscribers[i]), int(formats[i]))
        digits = prefix + str(subscribers[i])
        assert digits not in seen_phones  # subscriber numbers are drawn without replacement
        seen_phones.add(digits)
        ascii_first = transliterate(first).lower()
        ascii_last = transliterate(last).lower()
        local = [
            f"{ascii_first}.{ascii_last}",
            f"{ascii_first[0]}{ascii_last}",
            f"{ascii_first}{ascii_last}{ids[i] % 100}",
        ][email_style[i]]
        email = f"{local}@{EMAIL_DOMAINS[domains[i]]}"
        suffix = 2
        while email in seen_emails:
            email = f"{local}{suffix}@{EMAIL_DOMAINS[domains[i]]}"
            suffix += 1
        seen_emails.add(email)
        rows.append(
            (str(ids[i]), f"{first} {last}", phone, email, roles[i], areas[i], str(languages[i]))
        )
    return pd.DataFrame(rows, columns=PEOPLE_COLUMNS)


def _format_phone(prefix: str, subscriber: int, style: int) -> str:
    """Azerbaijani mobile numbers the way people type them."""
    s = f"{subscriber:07d}"
    a, b, c = s[:3], s[3:5], s[5:]
    return [
        f"0{prefix} {a} {b} {c}",
        f"+994 {prefix} {a} {b} {c}",
        f"0{prefix}{s}",
        f"+994{prefix}{s}",
        f"(0{prefix}) {a}-{b}-{c}",
        f"0{prefix}-{a}-{b}-{c}",
    ][style]
