"""Importing official results: guessing and checking the column mapping, parsing, comparing."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile

import numpy as np
import pytest

from pollwatch.lib.tabular import read_rows
from pollwatch.stats.official import (
    check_mapping,
    compare_with_interval,
    discrepancies,
    guess_mapping,
    has_errors,
    parse_count,
    parse_results,
    summarise_discrepancies,
)
from pollwatch.stats.simulate import simulate_election
from pollwatch.stats.table import InputError

RUSSIA_CANDIDATES = [
    ("BAB", "Бабурин", None),
    ("GRU", "Грудинин", "КПРФ"),
    ("ZHI", "Жириновский", "ЛДПР"),
    ("PUT", "Путин", None),
    ("SOB", "Собчак", "Гражданская инициатива"),
    ("SUR", "Сурайкин", "Коммунисты России"),
    ("TIT", "Титов", "Партия Роста"),
    ("YAV", "Явлинский", "Яблоко"),
]
MEXICO_CANDIDATES = [
    ("PAN", "Felipe Calderón Hinojosa", "Partido Acción Nacional"),
    ("APM", "Roberto Madrazo Pintado", "Alianza por México (PRI-PVEM)"),
    ("PBT", "Andrés Manuel López Obrador", "Coalición por el Bien de Todos (PRD-PT-Convergencia)"),
    ("NA", "Roberto Campa Cifrián", "Nueva Alianza (PANAL)"),
    ("ASDC", "Patricia Mercado", "Alternativa Socialdemócrata y Campesina (PSD)"),
]


@pytest.fixture(scope="module")
def simulated():
    """The simulator's results.csv as the importer sees it: header and text cells."""
    election = simulate_election(stations=300, seed=1)
    results = election.results
    candidates = list(
        election.candidates[["code", "name", "party"]].itertuples(index=False, name=None)
    )
    return list(results.columns), results.astype(str).values.tolist(), candidates


@pytest.fixture(scope="module")
def russia(shared_data):
    with zipfile.ZipFile(shared_data / "russia-2018" / "2018.csv.zip") as archive:
        with archive.open("2018.csv") as handle:
            reader = csv.reader(io.TextIOWrapper(handle, "utf-8"))
            header = next(reader)
            rows = list(reader)
    return header, rows


@pytest.fixture(scope="module")
def mexico(shared_data):
    with gzip.open(shared_data / "mexico-2006" / "nal_2006.csv.gz", "rt", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [row for _, row in zip(range(3000), reader, strict=False)]
    return header, rows


def remapped(mapping: dict, **changes) -> dict:
    return {**mapping, **changes}


def test_it_maps_every_column_of_the_simulated_results_file(simulated):
    header, _, candidates = simulated
    assert guess_mapping(header, candidates) == {
        "station": "code",
        "registered": "registered_voters",
        "ballots_issued": "ballots_issued",
        "ballots_cast": "ballots_cast",
        "invalid": "invalid",
        "valid": "valid",
        **{f"C{k}": f"C{k}" for k in range(1, 8)},
    }


def test_it_reads_russian_protocol_headers(russia):
    header, _ = russia
    mapping = guess_mapping(header, RUSSIA_CANDIDATES)
    assert mapping["registered"] == "Число избирателей, включенных в список избирателей"
    assert mapping["valid"] == "Число действительных избирательных бюллетеней"
    assert mapping["invalid"] == "Число недействительных избирательных бюллетеней"
    assert mapping["PUT"] == "Путин Владимир Владимирович"
    assert mapping["station"] == "uik"
    # Ballots issued are split over three columns (early, in the station, outside):
    # no single column is the total, so the field is left for the user.
    assert mapping["ballots_issued"] is None
    assert len({c for c in mapping.values() if c}) == sum(1 for c in mapping.values() if c)


def test_it_finds_a_candidate_by_code_when_the_header_is_the_code(russia):
    header, _ = russia
    renamed = [h.replace("Путин Владимир Владимирович", "PUT") for h in header]
    mapping = guess_mapping(renamed, [("PUT", "Vladimir Putin", None)])
    assert mapping["PUT"] == "PUT"


def test_it_reads_mexican_headers(mexico):
    header, _ = mexico
    mapping = guess_mapping(header, MEXICO_CANDIDATES)
    assert mapping["registered"] == "ln"  # not ln_total
    assert mapping["ballots_cast"] == "total"
    assert mapping["station"] == "casilla_id"  # not casilla, the station type
    assert {code: mapping[code] for code, _, _ in MEXICO_CANDIDATES} == {
        "PAN": "pan",
        "APM": "pri_pvem",
        "PBT": "prd_pt_conv",
        "NA": "panal",
        "ASDC": "psd",
    }


def test_it_reads_accented_azerbaijani_and_spanish_headers_and_skips_percentages():
    candidates = [
        ("C1", "Tofiq Ələkbərov", "Homeland Unity Party"),
        ("C2", "Zaur Həsənli", "Popular Front Renewal"),
    ]
    header = [
        "Məntəqə",
        "SEÇİCİ",
        "Etibarsız bülletenlər",
        "Etibarlı bülletenlər",
        "TOFIQ ƏLƏKBƏROV %",
        "Tofiq Elekberov",
        "Popular Front Renewal (votes)",
    ]
    assert guess_mapping(header, candidates) == {
        "station": "Məntəqə",
        "registered": "SEÇİCİ",
        "ballots_issued": None,
        "ballots_cast": None,
        "invalid": "Etibarsız bülletenlər",
        "valid": "Etibarlı bülletenlər",
        "C1": "Tofiq Elekberov",
        "C2": "Popular Front Renewal (votes)",
    }
    spanish = ["Mesa", "Lista Nominal", "Votos Emitidos", "Votos Nulos", "Votos Válidos"]
    mapping = guess_mapping(spanish, [])
    assert mapping == {
        "station": "Mesa",
        "registered": "Lista Nominal",
        "ballots_issued": None,
        "ballots_cast": "Votos Emitidos",
        "invalid": "Votos Nulos",
        "valid": "Votos Válidos",
    }


def test_generic_or_partial_words_do_not_name_a_candidate():
    mapping = guess_mapping(
        ["Station", "Valid", "Party", "Votes", "Ali Veliyev"], [("A", "Ali", "Green Party")]
    )
    assert mapping["valid"] == "Valid"  # "ali" inside "valid" is not the candidate Ali
    assert mapping["A"] == "Ali Veliyev"
    assert "Party" not in mapping.values() and "Votes" not in mapping.values()
    assert guess_mapping(["Party", "Votes"], [("A", "Ali", "Green Party")])["A"] is None


def test_it_never_maps_one_column_to_two_fields():
    # "Total" is both a synonym of ballots cast and this candidate's name.
    mapping = guess_mapping(["code", "Total", "valid"], [("C1", "Total", None)])
    assert mapping["C1"] == "Total"
    assert mapping["ballots_cast"] is None


def test_a_clean_file_gives_no_warnings(simulated):
    header, rows, candidates = simulated
    assert check_mapping(rows, header, guess_mapping(header, candidates), candidates) == []


def test_mexico_and_russia_as_guessed_give_only_the_expected_warnings(mexico, russia):
    header, rows = mexico
    assert (
        check_mapping(rows, header, guess_mapping(header, MEXICO_CANDIDATES), MEXICO_CANDIDATES)
        == []
    )
    header, rows = russia
    warnings = check_mapping(
        rows, header, guess_mapping(header, RUSSIA_CANDIDATES), RUSSIA_CANDIDATES
    )
    # Russian station numbers restart in every region.
    assert [w.code for w in warnings] == ["duplicate-station"]
    assert "'1' is in rows 2 and" in warnings[0].message


def test_it_flags_swapped_registered_and_ballots_cast(simulated):
    header, rows, candidates = simulated
    mapping = remapped(
        guess_mapping(header, candidates),
        registered="ballots_cast",
        ballots_cast="registered_voters",
    )
    warnings = check_mapping(rows, header, mapping, candidates)
    swapped = [w for w in warnings if w.code == "registered-cast-swapped"]
    assert len(swapped) == 1
    assert swapped[0].severity == "error"
    assert swapped[0].fields == ("registered", "ballots_cast")
    assert "look swapped" in swapped[0].message
    assert swapped[0].share == 1.0
    assert swapped[0].rows[0] == 2
    assert has_errors(warnings)


def test_it_flags_swapped_valid_and_invalid(simulated):
    header, rows, candidates = simulated
    mapping = remapped(guess_mapping(header, candidates), valid="invalid", invalid="valid")
    codes = {w.code: w for w in check_mapping(rows, header, mapping, candidates)}
    assert codes["invalid-valid-swapped"].severity == "error"
    assert "invalid and valid columns look swapped" in codes["invalid-valid-swapped"].message
    assert "votes-not-valid" in codes  # the candidates no longer add up to "valid" either


def test_it_flags_totals_that_do_not_add_up_when_a_candidate_is_unmapped(simulated):
    header, rows, candidates = simulated
    mapping = remapped(guess_mapping(header, candidates), C7=None)
    warnings = check_mapping(rows, header, mapping, candidates)
    codes = {w.code: w for w in warnings}
    assert codes["required-unmapped"].fields == ("C7",)
    totals = codes["votes-not-valid"]
    assert totals.severity == "error"
    assert totals.share is not None and totals.share > 0.9
    assert "of 300 rows" in totals.message
    assert f"e.g. row {totals.rows[0]}:" in totals.message
    assert "Some candidates have no column yet" in totals.message


def test_it_flags_a_column_chosen_twice_and_a_text_column_chosen_as_a_count(simulated):
    header, rows, candidates = simulated
    mapping = remapped(guess_mapping(header, candidates), valid="C1", registered="district_code")
    codes = {w.code: w for w in check_mapping(rows, header, mapping, candidates)}
    assert set(codes["column-mapped-twice"].fields) == {"valid", "C1"}
    assert codes["not-numeric"].fields == ("registered",)
    assert "'D001'" in codes["not-numeric"].message


def test_a_few_small_arithmetic_slips_are_not_a_mapping_error(simulated):
    header, rows, candidates = simulated
    rows = [list(r) for r in rows]
    valid = header.index("valid")
    rows[4][valid] = str(int(rows[4][valid]) + 1)
    assert check_mapping(rows, header, guess_mapping(header, candidates), candidates) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234", 1234),
        (" 1234 ", 1234),
        ("1 234", 1234),
        ("1\u00a0234\u00a0567", 1234567),
        ("1,234", 1234),
        ("1,234,567", 1234567),
        ("12.0", 12),
        ("", None),
        ("-3", -3),
    ],
)
def test_it_reads_counts_with_thousands_separators(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12.5", "not a whole number"),
        ("1,5", "not a whole number"),
        ("1.234", "if the dot separates thousands"),
        ("1,23", "not a whole number"),
        ("12,34,567", "not a number"),
        ("n/a", "not a number"),
        ("1 234,567", "not a whole number"),
        ("1,234.5", "not a whole number"),
        ("1.234,5", "not a whole number"),
    ],
)
def test_it_refuses_decimals_and_ambiguous_numbers(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_count(text)


def test_parse_names_row_and_column_of_bad_cells_and_keeps_the_good_rows(simulated):
    header, rows, candidates = simulated
    rows = [list(r) for r in rows]
    mapping = guess_mapping(header, candidates)
    c2, valid, code = header.index("C2"), header.index("valid"), header.index("code")
    rows[3][c2] = "abc"  # file row 5
    rows[5][valid] = "-3"  # file row 7
    rows[8][code] = rows[1][code]  # file row 10 repeats the station of row 3
    rows[9][c2] = f"{int(rows[9][c2]):,}".replace(",", " ")  # "1 234" is fine
    parsed = parse_results(rows, header, mapping, candidates)

    assert len(parsed) == 297
    assert parsed.rows_read == 300
    assert parsed.refused_rows == [5, 7, 10]
    by_row = {e.row: e for e in parsed.errors}
    assert (by_row[5].column, by_row[5].reason, by_row[5].value) == (
        "C2",
        "not a number (a count is a whole number such as 1234 or 1 234)",
        "abc",
    )
    assert (by_row[7].column, by_row[7].reason) == ("valid", "negative count")
    assert by_row[10].column == "code"
    assert "already in row 3" in by_row[10].reason
    assert (
        str(by_row[5])
        == "row 5, column 'C2': not a number (a count is a whole number such as 1234 or 1 234) (got 'abc')"
    )

    assert parsed.votes.shape == (297, 7)
    assert parsed.votes.dtype == np.int64
    assert parsed.candidates == [f"C{k}" for k in range(1, 8)]
    assert set(parsed.counts) == {
        "registered",
        "ballots_issued",
        "ballots_cast",
        "invalid",
        "valid",
    }
    kept = [r for k, r in enumerate(rows) if k + 2 not in {5, 7, 10}]
    assert parsed.stations == [r[code] for r in kept]
    assert parsed.rows[:4].tolist() == [2, 3, 4, 6]
    assert parsed.votes[:, 0].sum() == sum(int(r[header.index("C1")]) for r in kept)
    assert parsed.flags == []


def test_parse_keeps_rows_whose_arithmetic_fails_and_flags_them(simulated):
    header, rows, candidates = simulated
    rows = [list(r) for r in rows]
    c1, registered = header.index("C1"), header.index("registered_voters")
    rows[0][c1] = str(int(rows[0][c1]) + 50)  # row 2: candidates exceed valid
    rows[1][registered] = "1"  # row 3: turnout above 100 %
    rows[2][header.index("ballots_issued")] = ""  # optional and blank: kept as NaN
    parsed = parse_results(rows, header, guess_mapping(header, candidates), candidates)
    assert len(parsed) == 300 and parsed.errors == []
    assert [(f.row, f.code) for f in parsed.flags] == [
        (2, "votes-not-valid"),
        (3, "cast-over-registered"),
        (3, "issued-over-registered"),
    ]
    assert "add up to" in parsed.flags[0].message
    assert np.isnan(parsed.counts["ballots_issued"][2])
    assert parsed.station_counts(2)["ballots_issued"] is None
    assert "ballots_issued" not in parsed.by_station()[parsed.stations[2]]


def test_parse_takes_numbered_rows_from_read_rows_and_keeps_the_file_row_numbers(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(
        "Station;Registered voters;Valid;A;B\n"
        "S1;1 000;500;300;200\n"
        "\n"  # a blank line: skipped, but it still counts as a line of the file
        "S2;1 200;x;1;2\n",
        encoding="utf-8",
    )
    candidates = [("A", "Ann", None), ("B", "Bob", None)]
    header, rows = read_rows(path)
    mapping = guess_mapping(header, candidates)
    parsed = parse_results(rows, header, mapping, candidates, numbered=True)
    assert parsed.stations == ["S1"]
    assert parsed.counts["registered"].tolist() == [1000.0]
    assert [(e.row, e.column, e.value) for e in parsed.errors] == [(4, "Valid", "x")]


def test_parse_refuses_a_mapping_without_a_station_column(simulated):
    header, rows, candidates = simulated
    mapping = remapped(guess_mapping(header, candidates), station=None)
    with pytest.raises(InputError, match="polling station code"):
        parse_results(rows, header, mapping, candidates)


def test_parse_reads_russia_2018_and_gives_the_published_leader_share(russia):
    header, rows = russia
    uik = header.index("uik")
    # Station numbers restart in each region: the code is region / territorial commission / number.
    coded = [[*r[:uik], f"{r[0]}/{r[1]}/{r[uik]}", *r[uik + 1 :]] for r in rows]
    mapping = guess_mapping(header, RUSSIA_CANDIDATES)
    assert check_mapping(coded, header, mapping, RUSSIA_CANDIDATES) == []
    parsed = parse_results(coded, header, mapping, RUSSIA_CANDIDATES)
    assert len(parsed) == 97699 and parsed.errors == [] and parsed.flags == []
    leader = parsed.votes[:, parsed.candidates.index("PUT")].sum()
    received = parsed.counts["valid"].sum() + parsed.counts["invalid"].sum()
    assert leader / received == pytest.approx(0.7669, abs=0.00005)


def test_discrepancies_rank_a_100_vote_transfer_first_and_summarise_net_gains():
    fields = ["valid", "A", "B"]
    observed = {
        "S1": {"valid": 500, "A": 300, "B": 200},
        "S2": {"valid": 400, "A": 250, "B": 150},
        "S3": {"valid": 300, "A": 100, "B": 200},
        "S4": {"valid": 100, "A": 50, "B": 50},
        "ONLY-OBSERVED": {"valid": 10, "A": 5, "B": 5},
    }
    official = {
        "S1": {"valid": 500, "A": 300, "B": 200},  # matches
        "S2": {"valid": 400, "A": 350, "B": 50},  # 100 votes moved from B to A
        "S3": {"valid": 310, "A": 110, "B": 200},  # 10 votes added for A
        "S4": {"valid": 100, "A": 50},  # B missing: not compared
        "ONLY-OFFICIAL-1": {"valid": 1, "A": 1, "B": 0},
        "ONLY-OFFICIAL-2": {"valid": 1, "A": 1, "B": 0},
    }
    items = discrepancies(official, observed, fields)
    assert [d["station"] for d in items] == ["S2", "S3", "S1", "S4"]
    first = items[0]
    assert first["differences"] == {"valid": 0, "A": 100, "B": -100}
    assert first["total_abs_difference"] == 200
    assert first["largest_field"] == "A" and first["largest_difference"] == 100
    assert first["moved_votes"] == 100
    assert first["moved_share"] == pytest.approx(100 / 400)
    assert items[1]["moved_votes"] == 10
    assert items[3]["not_compared"] == ["B"]

    summary = summarise_discrepancies(official, observed, fields)
    assert summary["compared"] == 4
    assert summary["match"] == 2  # S1, and S4 on the fields both sides have
    assert summary["differ"] == 2
    assert summary["only_official"] == 2 and summary["only_observed"] == 1
    assert summary["only_observed_stations"] == ["ONLY-OBSERVED"]
    assert summary["net_gain"] == {"valid": 10, "A": 110, "B": -100}
    assert summary["moved_votes"] == 110
    assert summary["largest"][0]["station"] == "S2"


@pytest.mark.parametrize(
    ("share", "verdict", "sentence"),
    [
        (
            0.731,
            "above",
            "The official figure 73.1 % is above our 95 % interval (68.2–70.9 %)",
        ),
        (
            0.695,
            "inside",
            "The official figure 69.5 % is inside our 95 % interval (68.2–70.9 %)",
        ),
        (
            0.60,
            "below",
            "The official figure 60.0 % is below our 95 % interval (68.2–70.9 %)",
        ),
        # The bound itself is inside.
        (0.709, "inside", "The official figure 70.9 % is inside our 95 % interval (68.2–70.9 %)"),
        # Just outside: a second decimal keeps the figure from looking equal to the bound.
        (
            0.7092,
            "above",
            "The official figure 70.92 % is above our 95 % interval (68.20–70.90 %)",
        ),
    ],
)
def test_compare_with_interval_gives_a_verdict_and_a_sentence(share, verdict, sentence):
    result = compare_with_interval(share, 0.682, 0.709)
    assert result["verdict"] == verdict
    assert result["sentence"] == sentence


def test_compare_with_interval_names_an_exit_poll_and_refuses_a_reversed_interval():
    result = compare_with_interval(0.8, 0.7, 0.75, level=0.9, subject="The exit poll's figure")
    assert result["sentence"].startswith("The exit poll's figure 80.0 % is above our 90 % interval")
    assert result["distance"] == pytest.approx(0.05)
    with pytest.raises(ValueError):
        compare_with_interval(0.5, 0.6, 0.4)


def _header_scans(run):
    """Run ``run`` and list every list.count / list.index call on a list of more than 1,000 items.

    Such a call per column is what made guessing a 200,000-column header take minutes.
    """
    import sys

    scans: list[str] = []

    def profile(frame, event, arg):
        if event == "c_call" and getattr(arg, "__name__", "") in {"count", "index"}:
            owner = getattr(arg, "__self__", None)
            if isinstance(owner, list) and len(owner) > 1000:
                scans.append(arg.__name__)

    sys.setprofile(profile)
    try:
        result = run()
    finally:
        sys.setprofile(None)
    return result, scans


def test_guess_mapping_on_20000_columns_looks_at_each_column_once_per_candidate(monkeypatch):
    from pollwatch.stats import official

    scores = []
    real_score = official._candidate_score
    monkeypatch.setattr(
        official, "_candidate_score", lambda *args: scores.append(1) or real_score(*args)
    )
    header = [f"extra {i}" for i in range(20_000)] + [
        "uik",
        "Incumbent",
        "Challenger",
        "dup",
        "dup",
    ]
    candidates = [("C1", "Incumbent", None), ("C2", "Challenger", None)]

    mapping, scans = _header_scans(lambda: guess_mapping(header, candidates))

    assert mapping["station"] == "uik"
    assert (mapping["C1"], mapping["C2"]) == ("Incumbent", "Challenger")
    assert "dup" not in mapping.values()
    assert scans == []
    # One score per usable column and candidate: linear, not one per pair of columns.
    assert len(scores) == 2 * (len(header) - 2)


def test_checking_a_mapping_over_20000_columns_does_not_rescan_the_header():
    header = [f"extra {i}" for i in range(20_000)] + ["uik", "Incumbent", "Challenger"]
    candidates = [("C1", "Incumbent", None), ("C2", "Challenger", None)]
    mapping = {"station": "uik", "C1": "Incumbent", "C2": "Challenger"}
    rows = [["0"] * 20_000 + ["S1", "10", "5"], ["0"] * 20_000 + ["S2", "7", "3"]]

    warnings, scans = _header_scans(lambda: check_mapping(rows, header, mapping, candidates))
    parsed, parse_scans = _header_scans(lambda: parse_results(rows, header, mapping, candidates))

    assert warnings == [] and scans == [] and parse_scans == []
    assert parsed.stations == ["S1", "S2"]
