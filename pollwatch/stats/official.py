"""Official per-polling-station results: column mapping, checked import, comparison with observers.

Pure functions (no Django). Election commissions publish results as CSV/XLSX
with headers in their own language, so an import has three steps:

1. ``guess_mapping(header, candidates)`` proposes, for each field, the column
   that holds it (with the shared mapper's ``normalise`` and best-first
   assignment, ``pollwatch.lib.columns``; synonyms in English, Russian, Spanish and Azerbaijani are in
   ``EXACT_NAMES`` and ``PHRASES`` below; candidates are recognised by code,
   name or party);
2. ``check_mapping(rows, header, mapping, candidates)`` looks at the first rows
   and says, in plain language, what looks wrong with the mapping (a column
   used twice, columns that look swapped, totals that do not add up);
3. ``parse_results(rows, header, mapping, candidates)`` converts every row,
   naming row and column for each bad cell, and keeps the good rows as arrays.

Fields: ``station`` (required), the optional counts ``registered``,
``ballots_issued``, ``ballots_cast`` (ballots found in the boxes), ``invalid``,
``valid``, and one required field per candidate, named by the candidate's code.
A mapping is ``{field: column name or None}``.

Row numbers are the file's: the header is row 1, the first data row row 2.

``discrepancies`` and ``summarise_discrepancies`` compare official figures with
the observers' copies of the protocols, and ``compare_with_interval`` puts an
official (or third-party exit-poll) share against one of our intervals.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Literal

import numpy as np

from pollwatch.lib.columns import assign_best_first, normalise
from pollwatch.lib.tabular import RowError
from pollwatch.stats.table import InputError, Problem
from pollwatch.stats.words import Sentence, quoted_list, register, say, written

STATION = "station"
COUNT_FIELDS = ("registered", "ballots_issued", "ballots_cast", "invalid", "valid")
"""The optional count fields, in protocol order. Every other field but ``station`` is a candidate."""

FIELD_LABELS = {
    "station": "Polling station code",
    "registered": "Registered voters",
    "ballots_issued": "Ballots issued to voters",
    "ballots_cast": "Ballots found in the ballot boxes",
    "invalid": "Invalid ballots",
    "valid": "Valid ballots",
}

register({f"mapping.field.{name}": label for name, label in FIELD_LABELS.items()})
# A field's name inside a sentence ("chosen for registered voters").
register(
    {
        **{
            f"mapping.field-in-sentence.{name}": FIELD_LABELS[name].lower() for name in COUNT_FIELDS
        },
        "mapping.field-in-sentence.candidate": "candidate %(code)s",
    }
)
register(
    {
        "mapping.unknown-field.one": (
            "%(fields)s is not a field of this election "
            "(fields are station, the counts and the candidates' codes)."
        ),
        "mapping.unknown-field.many": (
            "%(fields)s are not fields of this election "
            "(fields are station, the counts and the candidates' codes)."
        ),
        "mapping.unknown-column": "The file has no column %(column)s (chosen for %(field)s).",
        "mapping.duplicate-column-name": (
            "The file has %(count)s columns named %(column)s, so the name does not say which "
            "one holds %(field)s; rename them in the file."
        ),
        "mapping.column-mapped-twice": (
            "The column %(column)s is chosen for %(fields)s; a column can hold only one of them."
        ),
        "mapping.station-unmapped": "No column is chosen for the polling station code.",
        "mapping.candidate-unmapped.one": (
            "No column is chosen for candidate %(codes)s; every candidate's votes are needed."
        ),
        "mapping.candidate-unmapped.many": (
            "No column is chosen for candidates %(codes)s; every candidate's votes are needed."
        ),
        "mapping.not-numeric": (
            "Most cells of %(column)s (chosen for %(field)s) are not whole numbers, "
            "e.g. %(example)s: is this the right column?"
        ),
        "mapping.some-not-numeric": (
            "%(bad)s of %(n)s rows have a value in %(column)s that is not a whole number, "
            "e.g. %(example)s in row %(row)s; those rows will be refused."
        ),
        "mapping.mostly-blank.candidate": (
            "%(column)s is blank in %(blank)s of %(n)s rows; "
            "rows without a candidate's votes are refused."
        ),
        "mapping.mostly-blank.count": (
            "%(column)s is blank in %(blank)s of %(n)s rows; is this the right column?"
        ),
        "mapping.station-blank": (
            "The station code (%(column)s) is blank in %(blank)s of %(n)s rows; "
            "those rows will be refused."
        ),
        "mapping.duplicate-station": (
            "Station codes in %(column)s repeat in %(repeat)s of %(n)s rows (%(example)s). "
            "A station code must be unique: if stations are numbered within each district, "
            "make a code from the district and the number first."
        ),
        "mapping.duplicate-station.example": "%(code)s is in rows %(first)s and %(second)s",
        "mapping.registered-cast-swapped": (
            "In %(fails)s of %(n)s rows (%(share)s) registered voters are fewer than the "
            "ballots cast: the registered voters and ballots cast columns look swapped."
        ),
        "mapping.issued-cast-swapped": (
            "In %(fails)s of %(n)s rows (%(share)s) fewer ballots were issued than were found "
            "in the boxes: the ballots issued and ballots cast columns look swapped."
        ),
        "mapping.valid-cast-swapped": (
            "In %(fails)s of %(n)s rows (%(share)s) valid ballots outnumber the ballots cast: "
            "the valid and ballots cast columns look swapped, or one holds something else."
        ),
        "mapping.invalid-valid-swapped": (
            "In %(fails)s of %(n)s rows (%(share)s) invalid ballots outnumber valid ones: "
            "the invalid and valid columns look swapped."
        ),
        "mapping.votes-not-valid": (
            "The candidates' votes do not add up to the valid ballots in %(fails)s of %(n)s "
            "rows (%(share)s), e.g. row %(row)s: %(votes)s votes against %(valid)s valid. "
            "%(hint)s"
        ),
        "mapping.votes-not-valid.unmapped": "Some candidates have no column yet.",
        "mapping.votes-not-valid.too-few": (
            "A candidate column may be wrong, or the valid column holds something larger."
        ),
        "mapping.votes-not-valid.too-many": (
            "A column that is not a candidate's may be chosen as one, or the valid column is wrong."
        ),
        "mapping.valid-invalid-not-cast": (
            "Valid plus invalid ballots differ from the ballots cast in %(fails)s of %(n)s rows "
            "(%(share)s), e.g. row %(row)s: %(total)s against %(cast)s."
        ),
    }
)


def field_words(name: str) -> Sentence:
    """A field's label ("Registered voters"), for a heading or a form."""
    return written(f"mapping.field.{name}")


def _field_in_sentence(name: str) -> Sentence:
    if name in COUNT_FIELDS:
        return written(f"mapping.field-in-sentence.{name}")
    return written("mapping.field-in-sentence.candidate", code=name)


Candidate = tuple[str, str, str | None]
"""(code, name, party); party may be "" or None."""

Severity = Literal["error", "warning"]

MOSTLY = 0.5
"""A swap or a wrong column is suspected when a check fails in more than half the rows."""
SMALL_SHARE = 0.05
"""Totals that fail in at most this share of rows are data, not a mapping mistake."""
EXAMPLES = 5

# Synonyms, compared after folding case and accents and turning punctuation into
# spaces (so "Registered_Voters", "registered voters" and "REGISTERED-VOTERS" are
# one name). EXACT_NAMES must equal the whole header; earlier names win. PHRASES
# must appear as consecutive words inside the header; when the best phrase of a
# field appears in two or more columns (Russia's three "бюллетеней, выданных ..."
# columns are parts of the ballots issued), the field is left for the user.
EXACT_NAMES: dict[str, tuple[str, ...]] = {
    "station": (
        "station code",
        "station id",
        "station number",
        "station",
        "polling station code",
        "polling station number",
        "polling station id",
        "polling station",
        "ps code",
        "ps id",
        "psid",
        "code",
        "precinct code",
        "precinct id",
        "precinct",
        "uik",
        "уик",
        "номер уик",
        "номер участка",
        "участок",
        "casilla id",
        "id casilla",
        "clave casilla",
        "casilla",
        "mesa id",
        "id mesa",
        "numero mesa",
        "mesa",
        "jrv",
        "məntəqə",
        "məntəqə nömrəsi",
        "seçki məntəqəsi",
    ),
    "registered": (
        "registered voters",
        "registered",
        "voters registered",
        "registration",
        "electorate",
        "eligible voters",
        "voters on list",
        "число избирателей включенных в список избирателей",
        "избирателей в списке",
        "ln",
        "lista nominal",
        "electores",
        "electores inscritos",
        "inscritos",
        "padron",
        "seçici",
        "seçicilər",
        "seçicilərin sayı",
    ),
    "ballots_issued": (
        "ballots issued",
        "issued ballots",
        "issued",
        "выдано бюллетеней",
        "boletas entregadas",
        "papeletas entregadas",
        "verilmiş bülletenlər",
    ),
    "ballots_cast": (
        "ballots cast",
        "votes cast",
        "ballots in box",
        "ballots in boxes",
        "ballots found",
        "total votes",
        "total ballots",
        "cast",
        "voted",
        "total",
        "число бюллетеней в ящиках",
        "бюллетеней в ящиках",
        "votos emitidos",
        "votos totales",
        "total votos",
        "votacion total",
        "sufragantes",
        "votantes",
        "qutulardakı bülletenlər",
    ),
    "invalid": (
        "invalid",
        "invalid ballots",
        "invalid votes",
        "spoilt",
        "spoiled",
        "rejected",
        "rejected ballots",
        "void",
        "null",
        "число недействительных избирательных бюллетеней",
        "недействительных",
        "недействительные",
        "nulos",
        "votos nulos",
        "num votos nulos",
        "anulados",
        "invalidos",
        "etibarsız",
        "etibarsız bülletenlər",
    ),
    "valid": (
        "valid",
        "valid votes",
        "valid ballots",
        "total valid",
        "total valid votes",
        "число действительных избирательных бюллетеней",
        "действительных",
        "действительные",
        "validos",
        "votos validos",
        "num votos validos",
        "votacion valida",
        "etibarlı",
        "etibarlı bülletenlər",
    ),
}

PHRASES: dict[str, tuple[str, ...]] = {
    "station": (
        "polling station",
        "station code",
        "station number",
        "precinct",
        "номер уик",
        "избирательный участок",
        "номер участка",
        "casilla id",
        "id casilla",
        "clave casilla",
        "seçki məntəqəsi",
    ),
    "registered": (
        "registered",
        "electorate",
        "eligible voters",
        "включенных в список",
        "внесенных в список",
        "зарегистрированных избирателей",
        "lista nominal",
        "inscritos",
        "electores habiles",
        "padron electoral",
        "habilitados",
        "siyahısına daxil edilmiş",
        "siyahıya alınmış",
        "seçicilərin ümumi sayı",
    ),
    "ballots_issued": (
        "ballots issued",
        "issued ballots",
        "бюллетеней выданных",
        "выдано бюллетеней",
        "boletas entregadas",
        "papeletas entregadas",
        "verilmiş bülleten",
        "bülleten almış",
    ),
    "ballots_cast": (
        "ballots cast",
        "votes cast",
        "ballots in the box",
        "ballots in box",
        "ballots found",
        "total votes",
        "total ballots",
        "бюллетеней в ящиках",
        "бюллетеней обнаруженных в ящиках",
        "votos emitidos",
        "votacion total",
        "votacion emitida",
        "total de votos",
        "boletas en urna",
        "qutulardakı bülleten",
        "seçki qutularında",
    ),
    "invalid": (
        "invalid",
        "spoilt",
        "spoiled",
        "rejected",
        "недействительных",
        "nulos",
        "anulados",
        "invalidos",
        "etibarsız",
    ),
    "valid": ("valid", "действительных", "validos", "votos validos", "etibarlı"),
}

# Percentages are never counts: such columns are not proposed.
_PERCENT_WORDS = {"percent", "percentage", "pct", "процент", "процентов", "porcentaje", "faiz"}

_EXACT = {f: [normalise(s) for s in names] for f, names in EXACT_NAMES.items()}
_PHRASES = {f: [normalise(s).split() for s in names] for f, names in PHRASES.items()}

# Words that say a column holds votes but not whose: a header made only of them
# ("Votes", "Party") names no candidate.
GENERIC_WORDS = {
    normalise(w)
    for w in (
        "votes vote party candidate total for of the "
        "голоса голосов за партия кандидат "
        "votos por partido candidato de el la "
        "səslər səs partiya namizəd"
    ).split()
}


def candidate_list(candidates: Iterable[Sequence[Any]]) -> list[Candidate]:
    """(code, name, party) tuples with stripped strings; raises ValueError on a bad or clashing code."""
    out: list[Candidate] = []
    seen: set[str] = set()
    for item in candidates:
        code, name, party = (list(item) + [None, None])[:3]
        code = str(code or "").strip()
        if not code:
            raise ValueError(f"a candidate has no code: {tuple(item)!r}")
        if code in seen:
            raise ValueError(f"candidate code {code!r} is used twice")
        if code == STATION or code in COUNT_FIELDS:
            raise ValueError(f"candidate code {code!r} clashes with the field of the same name")
        seen.add(code)
        out.append((code, str(name or "").strip(), str(party).strip() if party else None))
    return out


def fields_for(candidates: Iterable[Sequence[Any]]) -> list[str]:
    """Every field of a mapping, in display order: station, the counts, then the candidate codes."""
    return [STATION, *COUNT_FIELDS, *(c[0] for c in candidate_list(candidates))]


def required_fields(candidates: Iterable[Sequence[Any]]) -> list[str]:
    return [STATION, *(c[0] for c in candidate_list(candidates))]


def _contains(tokens: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(tokens[i : i + n] == phrase for i in range(len(tokens) - n + 1))


def _starts_word(text: str, part: str) -> bool:
    """``part`` occurs in ``text`` at the start of a word: 'pan' in 'panal', not 'ali' in 'valid'."""
    return text.startswith(part) or f" {part}" in text


def _words_match(words: list[str], target: list[str]) -> bool:
    """Every word is one of the target's words or (3+ letters) the start of one: 'conv' ~ 'convergencia'."""
    return bool(words) and all(
        any(t == w or (len(w) >= 3 and t.startswith(w)) for t in target) for w in words
    )


def _normalised_candidate(candidate: Candidate) -> tuple[str, str, str]:
    return normalise(candidate[0]), normalise(candidate[1]), normalise(candidate[2] or "")


def _candidate_score(header: str, candidate: tuple[str, str, str]) -> float:
    """How well a normalised header names a candidate given as normalised (code, name, party)."""
    code, name, party = candidate
    tokens = header.split()
    if header == code:
        return 100.0
    if name and header == name:
        return 98.0
    if party and header == party:
        return 96.0
    # A bare number like "1" inside a header is too weak to mean candidate 1.
    if len(code) >= 2 and not code.isdigit() and _contains(tokens, code.split()):
        return 85.0
    score = 0.0
    for text, full, part in ((name, 80.0, 75.0), (party, 70.0, 65.0)):
        words = text.split()
        if not words:
            continue
        if all(w in tokens for w in words):
            score = max(score, full)
        elif set(tokens) - GENERIC_WORDS and _words_match(tokens, words):
            score = max(score, part)
        elif len(text) >= 3 and _starts_word(header, text):
            score = max(score, 55.0)
        elif len(header) >= 3 and _starts_word(text, header) and set(tokens) - GENERIC_WORDS:
            score = max(score, 50.0)
    return score


def guess_mapping(
    header: Sequence[str], candidates: Iterable[Sequence[Any]]
) -> dict[str, str | None]:
    """Propose {field: column name or None} for every field (see ``fields_for``).

    Each column goes to at most one field: all (field, column) pairs are scored
    (exact synonym or candidate code/name/party first, words inside the header
    next) and taken best first. Percentage columns are never proposed. A header
    that appears twice in the file is not proposed either (a name would not say
    which one). The guess is a starting point for the user, to be checked with
    ``check_mapping``.

    Linear in the number of columns (times the fields and candidates): each
    header is normalised once and looked at once per field, so a file with
    tens of thousands of columns is guessed in about a second.
    """
    people = candidate_list(candidates)
    names = [str(h).strip() for h in header]
    occurrences = Counter(names)
    normalised = [normalise(h) for h in names]
    tokens = [text.split() for text in normalised]
    usable = [
        i
        for i, (raw, norm) in enumerate(zip(names, normalised, strict=True))
        if norm and occurrences[raw] == 1 and "%" not in raw and not _PERCENT_WORDS & set(tokens[i])
    ]
    # Synonyms are looked up, not compared with every column.
    by_text: dict[str, list[int]] = {}
    by_word: dict[str, list[int]] = {}
    for i in usable:
        by_text.setdefault(normalised[i], []).append(i)
        for word in set(tokens[i]):
            by_word.setdefault(word, []).append(i)
    scored: list[tuple[float, int, int, str]] = []  # (score, field order, column, field)
    order = {f: k for k, f in enumerate(fields_for(people))}
    for name, exact in _EXACT.items():
        for rank, text in enumerate(exact):
            if exact.index(text) == rank:  # a synonym listed twice scores as its first place
                scored.extend(
                    (90.0 - 0.01 * rank, order[name], i, name) for i in by_text.get(text, [])
                )
        best: dict[int, float] = {}
        for phrase in _PHRASES.get(name, []):
            for i in by_word.get(phrase[0], []) if phrase else usable:
                if normalised[i] not in exact and _contains(tokens[i], phrase):
                    best[i] = max(best.get(i, 0.0), 60.0 + len(phrase))
        if best:
            top = max(best.values())
            if sum(1 for s in best.values() if s == top) == 1:
                scored.extend((s, order[name], i, name) for i, s in best.items())
    for person in people:
        folded = _normalised_candidate(person)
        for i in usable:
            score = _candidate_score(normalised[i], folded)
            if score:
                scored.append((score, order[person[0]], i, person[0]))
    return assign_best_first(scored, order, names)


_SPACES = " '\u00a0\u202f\u2009"  # space, apostrophe (Swiss), no-break, narrow and thin spaces
_PLAIN = re.compile(r"[+-]?\d+(?:\.0)?")
# One thousands separator used consistently: "1 234", "1,234,567", "1'234".
_GROUPED = re.compile(rf"[+-]?\d{{1,3}}(?P<sep>[,{_SPACES}])\d{{3}}(?:(?P=sep)\d{{3}})*(?:\.0)?")
_DOT_GROUPED = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+")
# A decimal, with or without thousands separators: "12.5", "1,5", "1 234,5", "1,234.5", "1.234,5".
_DECIMAL = re.compile(
    rf"[+-]?(?:\d+(?:[{_SPACES}]\d{{3}})*[.,]\d+|\d{{1,3}}(?:,\d{{3}})*\.\d+|\d{{1,3}}(?:\.\d{{3}})*,\d+)"
)


def parse_count(text: str) -> int | None:
    """A whole number from a cell, or None for a blank cell; ValueError (the reason) otherwise.

    Accepts thousands separators used consistently ("1 234", "1,234,567") and a
    trailing ".0" as spreadsheets write whole numbers. Decimals are refused:
    "12.5" and "1,5" are not counts, and "1.234" is refused rather than guessed.
    Negative numbers are returned as such; the caller decides what they mean.
    """
    cell = text.strip().replace("\u2212", "-")
    if not cell:
        return None
    if cell.isascii() and cell.isdigit():
        return int(cell)
    if _PLAIN.fullmatch(cell):
        return int(cell.removesuffix(".0"))
    if _GROUPED.fullmatch(cell):
        return int(re.sub(rf"[,{_SPACES}]", "", cell.removesuffix(".0")))
    if _DOT_GROUPED.fullmatch(cell):
        raise ValueError(
            "not a whole number (if the dot separates thousands here, remove it: "
            "a dot is read as a decimal point)"
        )
    if _DECIMAL.fullmatch(cell):
        raise ValueError("not a whole number (a count cannot have decimals)")
    raise ValueError("not a number (a count is a whole number such as 1234 or 1 234)")


def _positions(header: Sequence[str]) -> dict[str, list[int]]:
    """{column name: its indexes}, in one pass (a name may appear more than once)."""
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        positions.setdefault(str(name).strip(), []).append(index)
    return positions


def _resolve(header: Sequence[str], mapping: Mapping[str, str | None]) -> dict[str, int]:
    """{field: column index} for the fields whose column is in the header exactly once."""
    positions = _positions(header)
    out: dict[str, int] = {}
    for name, column in mapping.items():
        found = positions.get(str(column).strip(), []) if column is not None else []
        if len(found) == 1:
            out[name] = found[0]
    return out


def _cell(cells: Sequence[str], index: int) -> str:
    return str(cells[index]).strip() if index < len(cells) and cells[index] is not None else ""


def _numbered(rows: Iterable[Any], numbered: bool) -> Iterable[tuple[int, Sequence[str]]]:
    if numbered:
        return rows
    return enumerate(rows, start=2)


def _is_blank(cells: Sequence[str]) -> bool:
    return all(not str(c or "").strip() for c in cells)


@dataclass(frozen=True)
class MappingWarning:
    """One thing that looks wrong with a mapping, for the mapping screen.

    ``code`` is a stable slug (see ``check_mapping``); ``fields`` the fields to
    highlight; ``share`` the share of the checked rows affected (None when the
    problem is with the mapping itself, not with rows); ``rows`` example file
    row numbers. ``severity`` "error" blocks the import until the user fixes
    the mapping or confirms; "warning" is for information.
    """

    code: str
    severity: Severity
    fields: tuple[str, ...]
    message: str
    share: float | None = None
    rows: tuple[int, ...] = ()
    words: Sentence | None = None
    """``message`` as a stable key and its parameters, for the pages to translate."""

    @classmethod
    def of(
        cls,
        code: str,
        severity: Severity,
        fields: tuple[str, ...],
        words: Sentence,
        share: float | None = None,
        rows: tuple[int, ...] = (),
    ) -> MappingWarning:
        """A warning whose ``message`` is the sentence ``words`` (its English)."""
        return cls(code, severity, fields, words, share, rows, words)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "fields": list(self.fields),
            "message": self.message,
            "share": self.share,
            "rows": list(self.rows),
            "words": self.words.as_dict() if self.words else None,
        }


def has_errors(warnings: Iterable[MappingWarning]) -> bool:
    return any(w.severity == "error" for w in warnings)


def _pct(share: float) -> str:
    return f"{100 * share:.0f} %" if share >= 0.01 or share == 0 else f"{100 * share:.1f} %"


def _structural(
    header: Sequence[str], mapping: Mapping[str, str | None], codes: list[str]
) -> list[MappingWarning]:
    positions = _positions(header)
    known = [STATION, *COUNT_FIELDS, *codes]
    out: list[MappingWarning] = []
    unknown_fields = [f for f, c in mapping.items() if f not in known and c is not None]
    if unknown_fields:
        out.append(
            MappingWarning.of(
                "unknown-field",
                "error",
                tuple(unknown_fields),
                written(
                    "mapping.unknown-field." + ("one" if len(unknown_fields) == 1 else "many"),
                    fields=quoted_list(unknown_fields),
                ),
            )
        )
    by_column: dict[str, list[str]] = {}
    for name in known:
        column = mapping.get(name)
        if column is None:
            continue
        column = str(column).strip()
        by_column.setdefault(column, []).append(name)
        if column not in positions:
            out.append(
                MappingWarning.of(
                    "unknown-column",
                    "error",
                    (name,),
                    written("mapping.unknown-column", column=repr(column), field=name),
                )
            )
        elif len(positions[column]) > 1:
            out.append(
                MappingWarning.of(
                    "duplicate-column-name",
                    "error",
                    (name,),
                    written(
                        "mapping.duplicate-column-name",
                        count=str(len(positions[column])),
                        column=repr(column),
                        field=name,
                    ),
                )
            )
    for column, chosen in by_column.items():
        if len(chosen) > 1:
            out.append(
                MappingWarning.of(
                    "column-mapped-twice",
                    "error",
                    tuple(chosen),
                    written(
                        "mapping.column-mapped-twice",
                        column=repr(column),
                        fields=quoted_list(chosen),
                    ),
                )
            )
    if mapping.get(STATION) is None:
        out.append(
            MappingWarning.of(
                "required-unmapped", "error", (STATION,), written("mapping.station-unmapped")
            )
        )
    missing = [c for c in codes if mapping.get(c) is None]
    if missing:
        out.append(
            MappingWarning.of(
                "required-unmapped",
                "error",
                tuple(missing),
                written(
                    "mapping.candidate-unmapped." + ("many" if len(missing) > 1 else "one"),
                    codes=quoted_list(missing),
                ),
            )
        )
    return out


def _examples(mask: np.ndarray, numbers: np.ndarray) -> tuple[int, ...]:
    return tuple(int(n) for n in numbers[np.flatnonzero(mask)[:EXAMPLES]])


def check_mapping(
    rows: Iterable[Any],
    header: Sequence[str],
    mapping: Mapping[str, str | None],
    candidates: Iterable[Sequence[Any]],
    *,
    sample: int = 2000,
    numbered: bool = False,
) -> list[MappingWarning]:
    """Look at the first ``sample`` data rows and flag likely mapping mistakes, errors first.

    ``rows`` are the data rows' cells (row 2 first); with ``numbered=True`` they
    are (file row number, cells) pairs as ``lib.tabular.read_rows`` yields them.
    Fully blank rows are skipped. Codes:

    * about the mapping: ``unknown-field``, ``unknown-column``,
      ``duplicate-column-name``, ``column-mapped-twice``, ``required-unmapped``
      (all errors);
    * about a column: ``not-numeric`` (error: most filled cells are not whole
      numbers), ``some-not-numeric`` (warning: those rows will be refused),
      ``mostly-blank`` (error for a candidate, warning for an optional count),
      ``station-blank``, ``duplicate-station`` (error when most rows repeat a
      code, e.g. station numbers that restart in each district);
    * from arithmetic, in most rows (errors): ``registered-cast-swapped``
      (registered < ballots cast), ``issued-cast-swapped`` (issued < cast),
      ``valid-cast-swapped`` (valid > cast), ``invalid-valid-swapped``
      (invalid > valid);
    * totals in more than ``SMALL_SHARE`` of rows (error above half the rows,
      warning below): ``votes-not-valid`` (the mapped candidates' votes do
      not add up to valid), ``valid-invalid-not-cast``.
    """
    codes = [c[0] for c in candidate_list(candidates)]
    warnings = _structural(header, mapping, codes)
    index = _resolve(header, mapping)
    # A column chosen twice would be checked against itself; its fields are left out.
    twice = {f for w in warnings if w.code == "column-mapped-twice" for f in w.fields}
    index = {f: i for f, i in index.items() if f not in twice}

    numbers_list: list[int] = []
    table: list[Sequence[str]] = []
    for number, cells in islice(
        ((n, c) for n, c in _numbered(rows, numbered) if not _is_blank(c)), sample
    ):
        numbers_list.append(number)
        table.append(cells)
    numbers = np.asarray(numbers_list, dtype=np.int64)
    n = len(table)
    if n == 0:
        return _sorted(warnings)

    if STATION in index:
        warnings.extend(_check_station(table, numbers, index[STATION], header))

    values: dict[str, np.ndarray] = {}
    for name in [*COUNT_FIELDS, *codes]:
        if name not in index:
            continue
        column = str(header[index[name]]).strip()
        array = np.full(n, np.nan)
        bad = np.zeros(n, dtype=bool)
        blank = np.zeros(n, dtype=bool)
        first_bad = ""
        for k, cells in enumerate(table):
            text = _cell(cells, index[name])
            try:
                value = parse_count(text)
            except ValueError:
                bad[k] = True
                first_bad = first_bad or text
                continue
            if value is None:
                blank[k] = True
            else:
                array[k] = value
        values[name] = array
        filled = n - int(blank.sum())
        if filled and bad.sum() / filled > MOSTLY:
            warnings.append(
                MappingWarning.of(
                    "not-numeric",
                    "error",
                    (name,),
                    written(
                        "mapping.not-numeric",
                        column=repr(column),
                        field=_field_in_sentence(name),
                        example=repr(first_bad),
                    ),
                    share=float(bad.sum() / n),
                    rows=_examples(bad, numbers),
                )
            )
        elif bad.any():
            warnings.append(
                MappingWarning.of(
                    "some-not-numeric",
                    "warning",
                    (name,),
                    written(
                        "mapping.some-not-numeric",
                        bad=str(int(bad.sum())),
                        n=str(n),
                        column=repr(column),
                        example=repr(first_bad),
                        row=str(_examples(bad, numbers)[0]),
                    ),
                    share=float(bad.sum() / n),
                    rows=_examples(bad, numbers),
                )
            )
        if blank.sum() / n > MOSTLY:
            required = name in codes
            warnings.append(
                MappingWarning.of(
                    "mostly-blank",
                    "error" if required else "warning",
                    (name,),
                    written(
                        "mapping.mostly-blank." + ("candidate" if required else "count"),
                        column=repr(column),
                        blank=str(int(blank.sum())),
                        n=str(n),
                    ),
                    share=float(blank.sum() / n),
                    rows=_examples(blank, numbers),
                )
            )

    warnings.extend(_check_arithmetic(values, codes, numbers))
    return _sorted(warnings)


def _sorted(warnings: list[MappingWarning]) -> list[MappingWarning]:
    return sorted(warnings, key=lambda w: w.severity != "error")


def _check_station(
    table: list[Sequence[str]], numbers: np.ndarray, index: int, header: Sequence[str]
) -> list[MappingWarning]:
    out: list[MappingWarning] = []
    n = len(table)
    column = str(header[index]).strip()
    codes = [_cell(cells, index) for cells in table]
    blank = np.array([not c for c in codes])
    if blank.any():
        out.append(
            MappingWarning.of(
                "station-blank",
                "error" if blank.mean() > MOSTLY else "warning",
                (STATION,),
                written(
                    "mapping.station-blank",
                    column=repr(column),
                    blank=str(int(blank.sum())),
                    n=str(n),
                ),
                share=float(blank.mean()),
                rows=_examples(blank, numbers),
            )
        )
    first: dict[str, int] = {}
    repeat = np.zeros(n, dtype=bool)
    example: Sentence | None = None
    for k, code in enumerate(codes):
        if not code:
            continue
        if code in first:
            repeat[k] = True
            if example is None:
                example = written(
                    "mapping.duplicate-station.example",
                    code=repr(code),
                    first=str(int(numbers[first[code]])),
                    second=str(int(numbers[k])),
                )
        else:
            first[code] = k
    if repeat.any() and example is not None:
        out.append(
            MappingWarning.of(
                "duplicate-station",
                "error" if repeat.mean() > MOSTLY else "warning",
                (STATION,),
                written(
                    "mapping.duplicate-station",
                    column=repr(column),
                    repeat=str(int(repeat.sum())),
                    n=str(n),
                    example=example,
                ),
                share=float(repeat.mean()),
                rows=_examples(repeat, numbers),
            )
        )
    return out


_SWAPS = (
    # (smaller, larger, code): "smaller < larger in most rows" means a swap; the
    # sentence is "mapping.<code>".
    ("registered", "ballots_cast", "registered-cast-swapped"),
    ("ballots_issued", "ballots_cast", "issued-cast-swapped"),
    ("ballots_cast", "valid", "valid-cast-swapped"),
    ("valid", "invalid", "invalid-valid-swapped"),
)


def _check_arithmetic(
    values: dict[str, np.ndarray], codes: list[str], numbers: np.ndarray
) -> list[MappingWarning]:
    out: list[MappingWarning] = []
    for small, large, code in _SWAPS:
        if small not in values or large not in values:
            continue
        a, b = values[small], values[large]
        comparable = ~np.isnan(a) & ~np.isnan(b)
        fails = comparable & (a < b)
        if comparable.any() and fails.sum() / comparable.sum() > MOSTLY:
            share = float(fails.sum() / comparable.sum())
            out.append(
                MappingWarning.of(
                    code,
                    "error",
                    (small, large),
                    written(
                        f"mapping.{code}",
                        fails=str(int(fails.sum())),
                        n=str(int(comparable.sum())),
                        share=_pct(share),
                    ),
                    share=share,
                    rows=_examples(fails, numbers),
                )
            )
    mapped = [c for c in codes if c in values]
    if mapped and "valid" in values:
        total = np.sum([values[c] for c in mapped], axis=0)
        valid = values["valid"]
        comparable = ~np.isnan(total) & ~np.isnan(valid)
        fails = comparable & (total != valid)
        if comparable.any() and fails.sum() / comparable.sum() > SMALL_SHARE:
            share = float(fails.sum() / comparable.sum())
            k = int(np.flatnonzero(fails)[0])
            if len(mapped) < len(codes):
                hint = written("mapping.votes-not-valid.unmapped")
            elif (total[fails] < valid[fails]).mean() > MOSTLY:
                hint = written("mapping.votes-not-valid.too-few")
            else:
                hint = written("mapping.votes-not-valid.too-many")
            out.append(
                MappingWarning.of(
                    "votes-not-valid",
                    "error" if share > MOSTLY else "warning",
                    (*mapped, "valid"),
                    written(
                        "mapping.votes-not-valid",
                        fails=str(int(fails.sum())),
                        n=str(int(comparable.sum())),
                        share=_pct(share),
                        row=str(int(numbers[k])),
                        votes=str(int(total[k])),
                        valid=str(int(valid[k])),
                        hint=hint,
                    ),
                    share=share,
                    rows=_examples(fails, numbers),
                )
            )
    if {"valid", "invalid", "ballots_cast"} <= values.keys():
        total = values["valid"] + values["invalid"]
        cast = values["ballots_cast"]
        comparable = ~np.isnan(total) & ~np.isnan(cast)
        fails = comparable & (total != cast)
        if comparable.any() and fails.sum() / comparable.sum() > SMALL_SHARE:
            share = float(fails.sum() / comparable.sum())
            k = int(np.flatnonzero(fails)[0])
            out.append(
                MappingWarning.of(
                    "valid-invalid-not-cast",
                    "error" if share > MOSTLY else "warning",
                    ("valid", "invalid", "ballots_cast"),
                    written(
                        "mapping.valid-invalid-not-cast",
                        fails=str(int(fails.sum())),
                        n=str(int(comparable.sum())),
                        share=_pct(share),
                        row=str(int(numbers[k])),
                        total=str(int(total[k])),
                        cast=str(int(cast[k])),
                    ),
                    share=share,
                    rows=_examples(fails, numbers),
                )
            )
    return out


@dataclass(frozen=True)
class RowFlag:
    """An arithmetic inconsistency in one official row: kept, because the official figure is what it is.

    ``index`` is the station's position in the ``ParsedResults`` arrays.
    """

    row: int
    index: int
    station: str
    code: str
    fields: tuple[str, ...]
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "station": self.station,
            "code": self.code,
            "fields": list(self.fields),
            "message": self.message,
        }


@dataclass
class ParsedResults:
    """The good rows of an official results file, as aligned arrays, and every problem met.

    * ``stations[i]``, ``rows[i]`` (file row number), ``votes[i, j]`` (int64,
      candidate ``candidates[j]``) and ``counts[field][i]`` describe station i;
    * ``counts`` holds only the mapped optional fields, as float64 with NaN
      where the cell was blank (whole numbers otherwise);
    * ``errors`` are the refused cells (rows with any error are left out);
    * ``flags`` are arithmetic inconsistencies of kept rows (codes
      ``votes-not-valid``, ``valid-invalid-not-cast``, ``cast-over-registered``,
      ``cast-over-issued``, ``issued-over-registered``).
    """

    candidates: list[str]
    stations: list[str]
    rows: np.ndarray
    counts: dict[str, np.ndarray]
    votes: np.ndarray
    errors: list[RowError] = field(default_factory=list)
    flags: list[RowFlag] = field(default_factory=list)
    rows_read: int = 0

    def __len__(self) -> int:
        return len(self.stations)

    @property
    def refused_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors if e.row is not None})

    def station_counts(self, index: int) -> dict[str, int | None]:
        """One station's figures as {field: int or None}, counts then candidates (for a database row)."""
        out: dict[str, int | None] = {}
        for name, array in self.counts.items():
            value = array[index]
            out[name] = None if np.isnan(value) else int(value)
        for j, code in enumerate(self.candidates):
            out[code] = int(self.votes[index, j])
        return out

    def by_station(self) -> dict[str, dict[str, int]]:
        """{station: {field: count}} without blank cells: the ``official`` side of ``discrepancies``."""
        return {
            station: {k: v for k, v in self.station_counts(i).items() if v is not None}
            for i, station in enumerate(self.stations)
        }


def parse_results(
    rows: Iterable[Any],
    header: Sequence[str],
    mapping: Mapping[str, str | None],
    candidates: Iterable[Sequence[Any]],
    *,
    numbered: bool = False,
) -> ParsedResults:
    """Convert every row; refuse rows with a bad cell, flag rows whose arithmetic does not hold.

    ``rows`` as for ``check_mapping`` (streamed, so a whole national file is
    fine). Refused, each a ``RowError`` naming row, column, reason and value:
    a blank station code, a candidate's count that is blank, a count that is
    not a whole number, a negative count, and a station code already seen
    (the reason names the row of the first occurrence, which is kept). Blank
    optional counts are kept as NaN. Fully blank rows are skipped.

    Raises InputError when the mapping itself cannot be used (no station or
    candidate column, an unknown or twice-chosen column): run ``check_mapping``
    first to show those to the user.
    """
    people = candidate_list(candidates)
    codes = [c[0] for c in people]
    structural = [w for w in _structural(header, mapping, codes) if w.severity == "error"]
    if structural:
        raise InputError(
            "column mapping",
            [Problem(None, None, w.message) for w in structural],
        )
    index = _resolve(header, mapping)
    names = [str(h).strip() for h in header]
    optional = [f for f in COUNT_FIELDS if f in index]
    station_at = index[STATION]
    station_column = names[station_at]

    stations: list[str] = []
    row_numbers: list[int] = []
    count_values: dict[str, list[float]] = {f: [] for f in optional}
    vote_values: list[list[int]] = []
    errors: list[RowError] = []
    first_row: dict[str, int] = {}
    read = 0

    for number, cells in _numbered(rows, numbered):
        if _is_blank(cells):
            continue
        read += 1
        problems: list[RowError] = []
        station = _cell(cells, station_at)
        if not station:
            problems.append(RowError(number, station_column, "blank station code"))
        elif station in first_row:
            problems.append(
                RowError(
                    number,
                    station_column,
                    f"station {station!r} is already in row {first_row[station]}",
                    station,
                )
            )
        else:
            first_row[station] = number
        parsed: dict[str, int | None] = {}
        for name in [*optional, *codes]:
            column = names[index[name]]
            text = _cell(cells, index[name])
            try:
                value = parse_count(text)
            except ValueError as exc:
                problems.append(RowError(number, column, str(exc), text))
                continue
            if value is None and name in codes:
                problems.append(RowError(number, column, "blank count"))
            elif value is not None and value < 0:
                problems.append(RowError(number, column, "negative count", text))
            parsed[name] = value
        if problems:
            errors.extend(problems)
            continue
        stations.append(station)
        row_numbers.append(number)
        for name in optional:
            value = parsed[name]
            count_values[name].append(np.nan if value is None else float(value))
        vote_values.append([int(parsed[c] or 0) for c in codes])

    counts = {f: np.asarray(v, dtype=np.float64) for f, v in count_values.items()}
    votes = np.asarray(vote_values, dtype=np.int64).reshape(len(stations), len(codes))
    row_array = np.asarray(row_numbers, dtype=np.int64)
    return ParsedResults(
        candidates=codes,
        stations=stations,
        rows=row_array,
        counts=counts,
        votes=votes,
        errors=errors,
        flags=_row_flags(stations, row_array, counts, votes),
        rows_read=read,
    )


def _row_flags(
    stations: list[str], rows: np.ndarray, counts: dict[str, np.ndarray], votes: np.ndarray
) -> list[RowFlag]:
    checks: list[tuple[str, tuple[str, ...], np.ndarray, np.ndarray, str]] = []
    if "valid" in counts and votes.shape[1]:
        checks.append(
            (
                "votes-not-valid",
                ("valid",),
                votes.sum(axis=1).astype(np.float64),
                counts["valid"],
                "the candidates' votes add up to {a}, the valid ballots are {b}",
            )
        )
    if {"valid", "invalid", "ballots_cast"} <= counts.keys():
        checks.append(
            (
                "valid-invalid-not-cast",
                ("valid", "invalid", "ballots_cast"),
                counts["valid"] + counts["invalid"],
                counts["ballots_cast"],
                "valid plus invalid ballots are {a}, the ballots cast are {b}",
            )
        )
    greater = [
        (
            "cast-over-registered",
            "ballots_cast",
            "registered",
            "{a} ballots cast for {b} registered voters",
        ),
        (
            "cast-over-issued",
            "ballots_cast",
            "ballots_issued",
            "{a} ballots in the boxes but {b} issued",
        ),
        (
            "issued-over-registered",
            "ballots_issued",
            "registered",
            "{a} ballots issued for {b} registered voters",
        ),
    ]
    found: list[tuple[int, RowFlag]] = []
    for code, fields, a, b, text in checks:
        for i in np.flatnonzero(~np.isnan(a) & ~np.isnan(b) & (a != b)):
            found.append(
                (
                    int(i),
                    RowFlag(
                        int(rows[i]),
                        int(i),
                        stations[i],
                        code,
                        fields,
                        text.format(a=int(a[i]), b=int(b[i])),
                    ),
                )
            )
    for code, high, low, text in greater:
        if high in counts and low in counts:
            a, b = counts[high], counts[low]
            for i in np.flatnonzero(~np.isnan(a) & ~np.isnan(b) & (a > b)):
                found.append(
                    (
                        int(i),
                        RowFlag(
                            int(rows[i]),
                            int(i),
                            stations[i],
                            code,
                            (high, low),
                            text.format(a=int(a[i]), b=int(b[i])),
                        ),
                    )
                )
    return [flag for _, flag in sorted(found, key=lambda f: f[0])]


def discrepancies(
    official: Mapping[str, Mapping[str, int]],
    observed: Mapping[str, Mapping[str, int]],
    fields: Sequence[str],
) -> list[dict[str, Any]]:
    """Per station present on both sides, official − observed for each field, largest first.

    Each item: ``station``; ``differences`` {field: official − observed} over
    the fields both sides have; ``not_compared`` (fields one side lacks);
    ``total_abs_difference``; ``largest_field`` and ``largest_difference``
    (None when nothing differs); ``moved_votes`` — among candidate fields
    (those not in ``COUNT_FIELDS``), the larger of the votes gained and the
    votes lost, so a transfer of 100 votes from one candidate to another and
    100 votes added to one candidate both count 100; ``moved_share`` —
    moved_votes over the station's valid votes (the observers' figure, else the
    official one, else the observed candidates' sum; None when that is 0).
    Sorted by total_abs_difference, descending, then station code. Stations on
    one side only are counted by ``summarise_discrepancies``.
    """
    out: list[dict[str, Any]] = []
    for station in official.keys() & observed.keys():
        ours, theirs = observed[station], official[station]
        differences: dict[str, int] = {}
        not_compared: list[str] = []
        for name in fields:
            if theirs.get(name) is None or ours.get(name) is None:
                not_compared.append(name)
            else:
                differences[name] = int(theirs[name]) - int(ours[name])
        total = sum(abs(d) for d in differences.values())
        largest = max(differences, key=lambda f: abs(differences[f])) if total else None
        candidate_diffs = [d for f, d in differences.items() if f not in COUNT_FIELDS]
        moved = max(
            sum(d for d in candidate_diffs if d > 0), -sum(d for d in candidate_diffs if d < 0), 0
        )
        base = (
            ours.get("valid")
            or theirs.get("valid")
            or sum(int(ours[f]) for f in differences if f not in COUNT_FIELDS)
        )
        out.append(
            {
                "station": station,
                "differences": differences,
                "not_compared": not_compared,
                "total_abs_difference": total,
                "largest_field": largest,
                "largest_difference": None if largest is None else differences[largest],
                "moved_votes": moved,
                "moved_share": moved / base if base else None,
            }
        )
    out.sort(key=lambda d: (-d["total_abs_difference"], d["station"]))
    return out


def summarise_discrepancies(
    official: Mapping[str, Mapping[str, int]],
    observed: Mapping[str, Mapping[str, int]],
    fields: Sequence[str],
) -> dict[str, Any]:
    """How far the official figures stray from the observers' copies, in a few numbers.

    ``compared`` stations on both sides (``match`` exactly on every compared
    field, ``differ``, ``incomparable`` with no field on both sides);
    ``only_official`` / ``only_observed`` counts and their ``*_stations``
    codes; ``net_gain`` {field: Σ official − observed over differing stations}
    (positive: the official result gives more); ``moved_votes`` summed over
    stations; ``largest`` the first items of ``discrepancies`` (up to 10).
    """
    items = discrepancies(official, observed, fields)
    differing = [d for d in items if d["total_abs_difference"]]
    incomparable = sum(1 for d in items if not d["differences"])
    net_gain = {name: sum(d["differences"].get(name, 0) for d in differing) for name in fields}
    only_official = sorted(official.keys() - observed.keys())
    only_observed = sorted(observed.keys() - official.keys())
    return {
        "compared": len(items),
        "match": len(items) - len(differing) - incomparable,
        "differ": len(differing),
        "incomparable": incomparable,
        "only_official": len(only_official),
        "only_observed": len(only_observed),
        "only_official_stations": only_official,
        "only_observed_stations": only_observed,
        "net_gain": net_gain,
        "moved_votes": sum(d["moved_votes"] for d in differing),
        "largest": differing[:10],
    }


def compare_with_interval(
    official_share: float,
    low: float,
    high: float,
    *,
    level: float = 0.95,
    subject: str = "The official figure",
) -> dict[str, Any]:
    """Where a share (0–1) falls against our interval [low, high] (bounds inclusive).

    Returns ``verdict`` ("inside", "above" or "below"), ``sentence`` (e.g. "The
    official figure 73.1 % is above our 95 % interval (68.2–70.9 %)"), and
    ``distance`` (how far outside, as a share; 0 inside). Percentages get a
    second or third decimal when one would make a figure outside look equal to
    the bound. ``subject`` names the figure, e.g. "The exit poll's figure".
    """
    values = (official_share, low, high, level)
    if any(not np.isfinite(v) for v in values):
        raise ValueError(f"shares must be finite numbers, got {values}")
    if not all(0.0 <= v <= 1.0 for v in values):
        raise ValueError(
            f"give shares as fractions between 0 and 1 (0.731, not 73.1), got {values}"
        )
    if low > high:
        raise ValueError(f"the interval's low end {low} is above its high end {high}")
    if official_share > high:
        verdict, bound = "above", high
    elif official_share < low:
        verdict, bound = "below", low
    else:
        verdict, bound = "inside", official_share
    decimals = 1
    while (
        decimals < 3
        and verdict != "inside"
        and (f"{100 * official_share:.{decimals}f}" == f"{100 * bound:.{decimals}f}")
    ):
        decimals += 1

    def pct(x: float) -> str:
        return f"{100 * x:.{decimals}f}"

    sentence = say(
        f"compare.{verdict}",
        f"{subject} {pct(official_share)} % is {verdict} our {100 * level:g} % interval "
        f"({pct(low)}–{pct(high)} %)",
        subject=subject,
        share=pct(official_share),
        level=f"{100 * level:g}",
        low=pct(low),
        high=pct(high),
    )
    return {
        "verdict": verdict,
        "sentence": sentence,
        "distance": abs(official_share - bound),
    }
