"""The forensics page's and the mapping screen's sentences (issue 13): one table, no drift, translated.

The statistics write English for the CLI and the API and keep each sentence's
key and parameters beside it (``Sentence.as_dict()``); ``results.wording``, the
one table of all the statistics' sentences, renders them on the pages. Here every key is produced by real statistics calls and rendered back
in English through the Django table, which must give exactly what the
statistics wrote; then the pages are read in Russian and Arabic.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.urls import reverse
from django.utils import translation

from pollwatch.results.presenters import FORENSIC_TITLES
from pollwatch.results.wording import TABLE, localised_warnings, say, title_of
from pollwatch.stats import forensics
from pollwatch.stats.forensics_fingerprint import fingerprint
from pollwatch.stats.forensics_integer import integer_percentages
from pollwatch.stats.official import FIELD_LABELS, MappingWarning, check_mapping, field_words
from pollwatch.stats.words import TEMPLATES, Sentence


def clean(stations: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    registered = np.rint(10 ** rng.uniform(2, 4, stations)).astype(np.int64)
    ballots = rng.binomial(registered, rng.beta(30, 20, stations))
    invalid = rng.binomial(ballots, 0.02)
    valid = ballots - invalid
    leader = rng.binomial(valid, rng.beta(22, 18, stations))
    return {"registered": registered, "ballots": ballots, "valid": valid, "leader": leader}


def said(results: list[dict[str, Any]]) -> list[tuple[Sentence, str]]:
    """(sentence as stored, English the statistics wrote) of every reading and rule in these results.

    The sentence is rebuilt from its stored form (``reading_words``, ``rule_words``), as the
    page gets it from the database, and its English written again from the template.
    """
    out = []
    for result in results:
        if "reading_words" in result:
            assert isinstance(result["reading"], Sentence)
            assert result["reading"].as_dict() == result["reading_words"]
            out.append((Sentence.from_dict(result["reading_words"]), result["reading"]))
        for rule, words in result.get("rule_words", {}).items():
            out.append((Sentence.from_dict(words), rule))
    return out


def forensic_sentences() -> list[tuple[Sentence, str]]:
    """Every forensic reading, each produced by a real call on data made to give it."""
    rng = np.random.default_rng(3)
    n = 600
    election = clean(3000, seed=9)
    normal = rng.normal(0.6, 0.05, n)
    tail = rng.exponential(0.05, n)
    turnout = rng.uniform(0.4, 0.9, n)
    registered = np.full(n, 1000.0)
    ballots = np.rint(turnout * registered)
    noise = rng.normal(0, 0.002, n)
    flat_ballots = np.full(40, 600.0)
    run = forensics.run_forensics(
        np.arange(3000).astype(str),
        election["registered"],
        election["ballots"],
        election["valid"],
        election["leader"],
        replicates=40,
        by=np.where(np.arange(3000) < 1500, "north", "south"),
    )
    results = [run[key] for key in forensics.TESTS]
    results += [
        forensics.second_digit(np.array([11, 12])),
        forensics.second_digit(np.full(200, 100)),
        forensics.last_digit(np.arange(10, 2000, 10)),
        forensics.zero_five_counts(np.arange(10, 2000, 10)),
        forensics.zero_five_counts(np.arange(13, 2000, 10)),
        forensics.zero_five_percentages(np.full(200, 500), np.full(200, 1000)),
        forensics.zero_five_percentages(np.full(200, 333), np.full(200, 1000)),
        forensics.skewness(0.5 + tail),
        forensics.skewness(0.9 - tail),
        forensics.kurtosis(rng.laplace(0.6, 0.05, n)),
        forensics.kurtosis(rng.uniform(0.4, 0.8, n)),
        forensics.dip_test(np.concatenate([normal - 0.25, normal + 0.25])),
        forensics.sobyanin_sukhovolsky(
            np.full(40, 1000.0), flat_ballots, flat_ballots / 2, flat_ballots
        ),
        forensics.sobyanin_sukhovolsky(
            registered, ballots, registered * (2 * turnout - 0.6 + noise), ballots
        ),
        forensics.sobyanin_sukhovolsky(
            registered, ballots, registered * (0.5 * turnout + 0.4 * (turnout - 0.4)), ballots
        ),
        forensics.turnout_share_correlation(turnout, turnout + rng.normal(0, 0.01, n)),
        forensics.turnout_share_correlation(
            np.tile(turnout, 20), 0.02 * np.tile(turnout, 20) + rng.normal(0, 0.05, 20 * n)
        ),
        forensics.impossible_values(
            ["A", "B", "C", "D", "E"],
            np.array([100, 100, 100, -1, 100]),
            np.array([120, 50, 50, 50, 50]),
            np.array([40, 60, 40, 40, 40]),
            np.array([30, 30, 50, 20, 20]),
            invalid=np.array([5, 5, 5, 5, 20]),
            ballots_issued=np.array([200, 200, 200, 200, 55]),
            candidates=[np.array([30, 30, 50, 20, 20]), np.array([10, 30, 0, 0, 0])],
        ),
        forensics._calibrated_reading("second_digit", 4.3, {"p_value": 0.001, **_null()}),
        forensics._calibrated_reading("kurtosis", 4.1, {"p_value": 0.001, **_null()}),
        integer_percentages(
            np.full(50, 1000), np.full(50, 600), np.full(50, 600), np.full(50, 300)
        ),
        integer_percentages(
            np.full(9, 1000), np.full(9, 600), np.full(9, 600), np.full(9, 300), replicates=1
        ),
        integer_percentages(
            np.full(200, 200), np.full(200, 101), np.full(200, 200), np.full(200, 101)
        ),
        forensics.second_digit(election["ballots"]),
        forensics.skewness(normal),
        forensics.kurtosis(normal),
        _clean_fingerprint(np.random.default_rng(1)),
        fingerprint(np.full(10, 1000.0), turnout[:10], turnout[:10]),
        _rigged_fingerprint(election),
    ]
    return said(results)


def _null() -> dict[str, float]:
    return {"null_mean": 4.187, "null_sd": 0.01}


def _clean_fingerprint(rng: np.random.Generator) -> dict[str, Any]:
    registered = np.full(3000, 1000.0)
    turnout = np.clip(rng.normal(0.6, 0.05, 3000), 0, 1)
    share = np.clip(rng.normal(0.55, 0.05, 3000), 0, 1)
    ballots = rng.binomial(1000, turnout)
    leader = rng.binomial(ballots, share)
    return fingerprint(registered, ballots / registered, leader / ballots)


def _rigged_fingerprint(election: dict[str, np.ndarray]) -> dict[str, Any]:
    registered = election["registered"].astype(float)
    turnout = election["ballots"] / registered
    share = election["leader"] / election["valid"]
    rigged = np.arange(turnout.size) % 3 == 0
    turnout = np.where(rigged, 0.97, turnout)
    share = np.where(rigged, 0.97, share)
    return fingerprint(registered, turnout, share)


def mapping_warnings() -> list[MappingWarning]:
    """Every mapping check, each from check_mapping on a file and a mapping made to trip it."""
    header = ["station", "registered", "issued", "cast", "invalid", "valid", "A", "B", "name"]
    good = {
        "station": "station",
        "registered": "registered",
        "ballots_issued": "issued",
        "ballots_cast": "cast",
        "invalid": "invalid",
        "valid": "valid",
        "C1": "A",
        "C2": "B",
    }
    candidates = [("C1", "Alice", "P"), ("C2", "Bob", "Q")]
    rows = [[f"S{i}", "1000", "700", "700", "10", "690", "400", "290", "x"] for i in range(1, 11)]

    def check(mapping, table=rows, head=header, people=candidates):
        return check_mapping(table, head, mapping, people)

    def edit(column: str, values) -> list[list[str]]:
        at = header.index(column)
        return [[*r[:at], v, *r[at + 1 :]] for r, v in zip(rows, values, strict=True)]

    warnings: list[MappingWarning] = []
    warnings += check({**good, "bogus": "x"})
    warnings += check({**good, "bogus": "x", "other": "y", "C2": None, "station": None})
    warnings += check({**good, "C1": None, "C2": None})
    warnings += check({**good, "registered": "nope", "valid": "cast"})
    warnings += check(good, head=[*header[:-1], "cast"], table=[[*r[:-1], "1"] for r in rows])
    warnings += check({**good, "C1": "name"})
    warnings += check(good, table=edit("A", ["five", *["400"] * 9]))
    warnings += check(good, table=edit("A", [""] * 10))
    warnings += check(good, table=edit("invalid", [""] * 10))
    warnings += check(good, table=edit("station", ["", *["S1"] * 9]))
    warnings += check({**good, "registered": "cast", "ballots_cast": "registered"})
    warnings += check({**good, "ballots_issued": "invalid"})
    warnings += check(good, table=edit("valid", ["800"] * 10))
    for count in ("registered", "ballots_issued", "ballots_cast", "invalid", "valid"):
        warnings += check({**good, count: "name"})
    warnings += check({**good, "invalid": "valid", "valid": "invalid"})
    warnings += check({**good, "C2": "issued"})
    warnings += check(good, people=[*candidates, ("C3", "Carol", "R")])
    warnings += check(good, table=edit("B", ["200"] * 10))
    return warnings


@pytest.fixture(scope="module")
def forensic_said():
    return forensic_sentences()


@pytest.fixture(scope="module")
def mapping_said():
    return mapping_warnings()


def test_the_table_has_every_statistics_sentence_with_the_same_english():
    with translation.override("en"):
        assert {k: str(TABLE[k].text) for k in TEMPLATES if k in TABLE} == TEMPLATES
        assert {k: str(TABLE[f"title.{k}"].text) for k in FORENSIC_TITLES} == FORENSIC_TITLES
        assert {n: str(TABLE[field_words(n).key].text) for n in FIELD_LABELS} == FIELD_LABELS
    # The page's own sentences (titles, "Votes for …") are the only ones the statistics lack
    # among the forensic and mapping ones (the calls' and the quick count's: test_wording.py).
    ours = ("forensics.", "mapping.", "title.", "list.")
    assert {k for k in TABLE if k.startswith(ours) and k not in TEMPLATES} == {
        *(f"title.{k}" for k in FORENSIC_TITLES),
        "mapping.votes-for",
    }


def test_every_forensic_reading_renders_in_english_as_the_statistics_wrote_it(forensic_said):
    with translation.override("en"):
        for words, english in forensic_said:
            assert say(words) == english == str(words), words.key
            assert say(words.as_dict(), english) == english, words.key
    keys = {w.key for w, _ in forensic_said}
    assert keys >= {k for k in TEMPLATES if k.startswith("forensics.")}, (
        "not produced: "
        + ", ".join(sorted({k for k in TEMPLATES if k.startswith("forensics.")} - keys))
    )


def test_every_mapping_check_renders_in_english_as_the_statistics_wrote_it(mapping_said):
    with translation.override("en"):
        for warning in mapping_said:
            stored = warning.as_dict()
            assert localised_warnings([stored])[0]["message"] == warning.message, warning.code
    produced: set[str] = set()

    def walk(words: Sentence) -> None:
        produced.add(words.key)
        for value in words.params.values():
            if isinstance(value, Sentence):
                walk(value)

    for warning in mapping_said:
        assert warning.words is not None
        walk(warning.words)
    wanted = {
        k
        for k in TEMPLATES
        if k.startswith("mapping.") and not k.startswith("mapping.field.") or k == "list.and"
    }
    assert produced >= wanted, "not produced: " + ", ".join(sorted(wanted - produced))


def test_readings_keep_their_figures_in_russian_and_arabic(forensic_said):
    slopes = [(w, e) for w, e in forensic_said if w.key == "forensics.slope.above-one"]
    words, english = slopes[0]
    figure = words.params["slope"]
    for language in ("ru", "ar"):
        with translation.override(language):
            text = say(words)
        assert figure in text and text != english
    with translation.override("ru"):
        assert title_of("dip_test") == "Несколько пиков явки (dip-тест)"
        assert say(None, "stored before keys") == "stored before keys"


def member(night, role: str):
    return night.election.memberships.filter(role=role).first().person.user


def test_the_forensics_page_in_russian_and_arabic_translates_titles_and_readings(client, night):
    from pollwatch.results.presenters import latest_forensics

    client.force_login(member(night, "analyst"))
    _, figures = latest_forensics(night.election)
    tests = {t["key"]: t for t in figures["tests"]}
    english = tests["skewness"]["reading"]
    for language in ("ru", "ar"):
        html = client.get(
            reverse("forensics", args=["demo"]), HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
        with translation.override(language):
            reading = say(tests["skewness"]["reading_words"])
            title = title_of("skewness")
        assert reading != english and reading in html
        assert title in html and FORENSIC_TITLES["skewness"] not in html
        assert english not in html
    assert (
        "Асимметрия явки"
        in client.get(
            reverse("forensics", args=["demo"]), HTTP_ACCEPT_LANGUAGE="ru"
        ).content.decode()
    )


@pytest.fixture
def analyst(client, mission, settings, tmp_path, immediate_tasks):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(mission.users["analyst"])
    return client


def test_the_mapping_screen_in_russian_and_arabic_translates_checks_and_labels(analyst, mission):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = "station,registered,cast,invalid,valid,Incumbent,Challenger\n" + "".join(
        f"D1-00{i},1000,905,5,900,600,300\n" for i in range(1, 7)
    )
    url = analyst.post(
        reverse("official-upload", args=[mission.election.slug]),
        {"file": SimpleUploadedFile("official.csv", body.encode())},
    )["Location"]
    swapped = {
        "field_station": "station",
        "field_registered": "cast",
        "field_ballots_cast": "registered",
        "field_invalid": "invalid",
        "field_valid": "valid",
        "field_C1": "Incumbent",
        "field_C2": "Challenger",
    }
    html = analyst.post(url, swapped, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "похоже, столбцы зарегистрированных избирателей и поданных бюллетеней перепутаны" in html
    assert "В 6 из 6 строк (100 %)" in html and "look swapped" not in html
    assert "Бюллетени, обнаруженные в ящиках для голосования" in html
    assert "Ballots found in the ballot boxes" not in html
    html = analyst.post(url, swapped, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "يبدو أن عمودي المسجلين والأوراق المدلى بها متبادلان" in html
    assert "في 6 من 6 صفًا (100 %)" in html and "look swapped" not in html
    assert "أوراق الاقتراع الموجودة في الصناديق" in html
