"""Which column of an import file holds which field: one mapper for stations, people and official results.

Pure functions (no Django). A *mapping* is ``{field: column name or None}``
(a field marked ``many`` takes a list of columns, e.g. a person's other
phones). The same three steps serve every import:

1. ``guess_mapping(header, fields, presets)`` proposes a mapping from the
   header: each column's name, folded (``normalise``), is looked up among the
   names each preset gives a field; columns are assigned best first, each to
   at most one field (``assign_best_first``, also used by the official-results
   guesser in ``pollwatch.stats.official`` with its candidate scoring);
2. the user sees the mapping, the first rows and the columns that map to
   nothing (``unmapped_columns``), changes what is wrong, and may keep the
   unmapped columns as extra attributes;
3. ``resolve`` turns the confirmed mapping into column indexes for the
   importer. Nothing is dropped without a word: every unmapped column is
   listed in the preview and in the job's result.

Presets (``PEOPLE_PRESETS``, ``STATION_PRESETS``) hold the names other
observation tools write. Sources, read in their own code:

* Apollo (NDI, github.com/nditech/apollo): the participants export and
  import fixture (``dev/fixtures/participants/rohan-participants-small-valid.csv``:
  ``Participant ID, Full Name, Location Code, Role, Gender, Organization,
  Phone 1``; the export writes ``Phone #1``, ``Phone #2``, … and ``Email``,
  ``Password``, ``Supervisor ID``, ``Partner``); the locations export
  (``apollo/locations/services.py``: per location type ``<TYPE>_N`` (or
  ``<TYPE>_N_<LANG>`` with translated names), ``<TYPE>_ID``, ``<TYPE>_PCODE``,
  ``<TYPE>_RV``, then ``LAT``, ``LON``) and the locations import sample
  (``doc/setup/apollo-rohan-sample-locations.csv``: ``Country Name, Country
  ID, …, Voting Location Name, Voting Location ID, Registered Voters``).
* NEMO/ELMO (The Carter Center, github.com/thecartercenter/nemo): the user
  batch-import fixtures (``spec/fixtures/user_imports/*.csv``: ``Username,
  Full Name, Main Phone, Alternate Phone, Email, Birth Year, Gender,
  Nationality, Notes, Groups``, and the French ``IDENTIFIANT, nom complet,
  numéro de téléphone principal, Autre numéro de téléphone, E-mail, …``).
  NEMO has no role column (roles are given per mission): rows take the
  import's default role.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Mapping_ = dict[str, Any]
"""{field: column name, a list of them for a ``many`` field, or None}."""

PRESET_NAMES = ("pollwatch", "apollo", "nemo")

# Letters that Unicode does not decompose into a base letter and an accent.
_FOLD = str.maketrans({"ə": "e", "Ə": "e", "ı": "i", "İ": "i", "ø": "o", "Ø": "o", "ł": "l"})


def normalise(text: str) -> str:
    """Fold case and accents and turn punctuation into single spaces: 'Válidos_Votos' -> 'validos votos'."""
    folded = unicodedata.normalize("NFKD", str(text).translate(_FOLD).casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.findall(r"[^\W_]+", folded))


@dataclass(frozen=True)
class Field:
    """One thing an importer reads. ``many``: several columns may hold it (other phones)."""

    key: str
    label: Any  # text, or a lazily translated one (shown with str())
    required: bool = False
    many: bool = False


PEOPLE_FIELDS = (
    Field("code", "Observer id (typed in SMS; made up when absent)"),
    Field("name", "Full name", required=True),
    Field("role", "Role (observer, supervisor, …; the default role when absent)"),
    Field("phone", "Phone"),
    Field("other_phones", "Other phones", many=True),
    Field("email", "Email"),
    Field("area_code", "Area code (home area or area of responsibility)"),
    Field("language", "Language"),
)

# {preset: {field: names as files write them}}; a ``many`` field's names may be regular
# expressions over the normalised header (``re:`` prefix).
PEOPLE_PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    "pollwatch": {
        "code": ("code", "observer id", "observer code"),
        "name": ("name", "full name", "full_name"),
        "role": ("role",),
        "phone": ("phone", "mobile", "phone number"),
        "other_phones": ("other phones", "re:other phone \\d*"),
        "email": ("email", "e mail"),
        "area_code": ("area code", "area"),
        "language": ("language", "lang"),
    },
    "apollo": {
        "code": ("participant id", "id"),
        "name": ("full name", "name"),
        "role": ("role",),
        "phone": ("phone 1", "phone"),
        "other_phones": ("re:phone \\d+",),
        "email": ("email",),
    },
    "nemo": {
        "name": ("full name", "nom complet", "nombre completo"),
        "phone": ("main phone", "numero de telephone principal", "telefono principal"),
        "other_phones": (
            "alternate phone",
            "autre numero de telephone",
            "telefono alternativo",
        ),
        "email": ("email", "e mail", "correo electronico"),
    },
}

STATION_FIELDS = (
    Field("code", "Station code", required=True),
    Field("name", "Station name", required=True),
    Field("registered_voters", "Registered voters", required=True),
    Field("latitude", "Latitude"),
    Field("longitude", "Longitude"),
    Field("newly_included", "Newly included (1/0)"),
    Field("abroad", "Abroad (1/0)"),
    Field("special", "Special kind (military, hospital, …)"),
    Field("stratum", "Sample stratum"),
)

STATION_PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    "pollwatch": {
        "code": ("code", "station code"),
        "name": ("name", "station name"),
        "registered_voters": ("registered voters", "registered", "voters"),
        "latitude": ("latitude", "lat"),
        "longitude": ("longitude", "lon", "lng"),
        "newly_included": ("newly included",),
        "abroad": ("abroad",),
        "special": ("special",),
        "stratum": ("stratum",),
    },
    # Apollo's station and level columns depend on its location types: see ``_apollo_levels``.
    "apollo": {
        "latitude": ("lat",),
        "longitude": ("lon",),
        "registered_voters": ("registered voters",),
    },
    "nemo": {},
}

# Never kept as an extra attribute, whatever the user says: Apollo's export carries
# observers' passwords in clear.
NEVER_KEPT = {"password", "mot de passe", "contrasena"}


def is_never_kept(column: str) -> bool:
    """A column whose values are never kept nor shown (a password column): 'Password' -> True."""
    return normalise(column) in NEVER_KEPT


def assign_best_first(
    scored: Iterable[tuple[float, int, int, str]], fields: Iterable[str], names: Sequence[str]
) -> dict[str, str | None]:
    """{field: column} from (score, field order, column index, field) pairs, best first.

    Each column goes to at most one field and each field gets at most one column.
    """
    mapping: dict[str, str | None] = {f: None for f in fields}
    taken: set[int] = set()
    for _score, _order, index, name in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if mapping.get(name, "") is None and index not in taken:
            mapping[name] = names[index]
            taken.add(index)
    return mapping


def usable_columns(header: Sequence[str]) -> list[int]:
    """Indexes of columns with a name that appears once (a name twice would not say which)."""
    names = [str(h).strip() for h in header]
    occurrences = Counter(names)
    return [i for i, name in enumerate(names) if normalise(name) and occurrences[name] == 1]


def _synonyms(
    presets: Mapping[str, Mapping[str, tuple[str, ...]]], preset: str | None
) -> list[tuple[str, Mapping[str, tuple[str, ...]]]]:
    if preset is None:
        return list(presets.items())
    if preset not in presets:
        raise ValueError(f"unknown preset {preset!r}: use one of {', '.join(presets)}")
    return [(preset, presets[preset])]


def guess_mapping(
    header: Sequence[str],
    fields: Sequence[Field],
    presets: Mapping[str, Mapping[str, tuple[str, ...]]],
    preset: str | None = None,
) -> Mapping_:
    """Propose a mapping from the header's names: a field's own key, then each preset's names.

    With ``preset`` only that preset's names (and the keys) are used; without,
    every preset's, the earlier presets first. ``many`` fields take every
    remaining column whose name matches one of theirs.
    """
    names = [str(h).strip() for h in header]
    normalised = [normalise(h) for h in names]
    usable = usable_columns(names)
    by_text: dict[str, list[int]] = {}
    for i in usable:
        by_text.setdefault(normalised[i], []).append(i)
    order = {f.key: k for k, f in enumerate(fields)}
    chosen = _synonyms(presets, preset)
    scored: list[tuple[float, int, int, str]] = []
    for field in fields:
        if field.many:
            continue
        candidates = [field.key] + [n for _, p in chosen for n in p.get(field.key, ())]
        for rank, text in enumerate(candidates):
            for i in by_text.get(normalise(text), []):
                scored.append((90.0 - 0.01 * rank, order[field.key], i, field.key))
    mapping: Mapping_ = dict(
        assign_best_first(scored, [f.key for f in fields if not f.many], names)
    )
    taken = {names.index(c) for c in mapping.values() if c is not None}
    for field in fields:
        if not field.many:
            continue
        patterns = [field.key] + [n for _, p in chosen for n in p.get(field.key, ())]
        found = []
        for i in usable:
            if i not in taken and any(_matches(normalised[i], p) for p in patterns):
                found.append(names[i])
                taken.add(i)
        mapping[field.key] = found
    return mapping


def _matches(normalised_header: str, pattern: str) -> bool:
    if pattern.startswith("re:"):
        return re.fullmatch(pattern[3:], normalised_header) is not None
    return normalised_header == normalise(pattern)


@dataclass
class Resolved:
    """A mapping applied to a header: where each field is, and what is left over."""

    index: dict[str, int]
    many: dict[str, list[int]]
    unmapped: list[tuple[int, str]]

    def header(self, width: int) -> list[str]:
        """The file's columns named by field ("" for unmapped ones), as the importers read them."""
        named = [""] * width
        for key, at in self.index.items():
            named[at] = key
        for key, positions in self.many.items():
            for at in positions:
                named[at] = key
        return named


def resolve(header: Sequence[str], mapping: Mapping[str, Any]) -> Resolved:
    """Column indexes of each mapped field; a column named in the mapping but absent is left out.

    Raises ValueError when one column is mapped to two fields (the user must choose).
    """
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(header):
        positions.setdefault(str(name).strip(), []).append(i)
    index: dict[str, int] = {}
    many: dict[str, list[int]] = {}
    used: dict[int, str] = {}

    def take(key: str, column: str) -> int | None:
        found = positions.get(str(column).strip(), [])
        if len(found) != 1:
            return None
        at = found[0]
        if at in used and used[at] != key:
            raise ValueError(f"column {column!r} is mapped to both {used[at]!r} and {key!r}")
        used[at] = key
        return at

    for key, value in mapping.items():
        if isinstance(value, list):
            many[key] = [at for column in value if (at := take(key, column)) is not None]
        elif value:
            at = take(key, value)
            if at is not None:
                index[key] = at
    unmapped = [
        (i, str(name).strip())
        for i, name in enumerate(header)
        if i not in used and str(name).strip()
    ]
    return Resolved(index, many, unmapped)


def unmapped_columns(header: Sequence[str], mapping: Mapping[str, Any]) -> list[str]:
    """The columns no field takes, in file order."""
    return [name for _, name in resolve(header, mapping).unmapped]


def kept_columns(unmapped: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    """The unmapped columns that may be kept as extra attributes (never a password)."""
    return [(i, name) for i, name in unmapped if not is_never_kept(name)]


def mapping_covers(header: Sequence[str], mapping: Mapping[str, Any]) -> bool:
    """Every column a (remembered) mapping names is in this header, exactly once."""
    names = Counter(str(h).strip() for h in header)
    for value in mapping.values():
        for column in value if isinstance(value, list) else [value]:
            if column and names.get(str(column).strip()) != 1:
                return False
    return True


def missing_columns(header: Sequence[str], mapping: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, column) for each column a given mapping names that the header lacks, or has
    twice: a typo in a ``--map`` file must not leave a field (the observers' codes) unread."""
    names = Counter(str(h).strip() for h in header)
    return [
        (str(key), str(column))
        for key, value in mapping.items()
        for column in (value if isinstance(value, list) else [value])
        if column and names.get(str(column).strip()) != 1
    ]


def unknown_fields(mapping: Mapping[str, Any], fields: Sequence[Field]) -> list[tuple[str, str]]:
    """(field, reason) for each key of ``mapping`` the importer does not read (a typo in a map
    file would otherwise take its column away from the extras without a word)."""
    known = [field.key for field in fields]
    return [
        (str(key), f"no such field; the fields are {', '.join(known)}")
        for key, value in mapping.items()
        if key not in known and value
    ]


def read_map_file(text: str) -> tuple[Mapping_, dict[str, Any]]:
    """A mapping file (YAML): ``{field: column}`` plus optional ``preset`` and ``keep_extra``.

    Returns (mapping, options); raises ValueError naming what is wrong.
    """
    import yaml

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"the mapping file is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("the mapping file must be 'field: column' lines")
    columns = data.pop("columns", None)
    options = {k: data.pop(k) for k in ("preset", "keep_extra", "default_role") if k in data}
    if "keep_extra" in options and not isinstance(options["keep_extra"], bool):
        raise ValueError(f"keep_extra: give true or false, not {options['keep_extra']!r}")
    mapping = columns if isinstance(columns, dict) else data
    for key, value in mapping.items():
        ok = (
            value is None
            or isinstance(value, str)
            or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        )
        if not ok:
            raise ValueError(
                f"field {key!r}: give a column name (or a list of them), not {value!r}"
            )
    return {str(k): v for k, v in mapping.items()}, options


_APOLLO_TYPED = re.compile(r"^(?P<type>.+?)_(?P<part>N|ID|PCODE|RV)(?:_(?P<lang>[A-Za-z]{2,3}))?$")
_APOLLO_SPACED = re.compile(r"^(?P<type>.+?) (?P<part>Name|ID|Code)$", re.IGNORECASE)


def _slug(text: str) -> str:
    return "_".join(normalise(text).split())


def station_fields(
    header: Sequence[str], preset: str | None = None
) -> tuple[list[Field], Mapping_]:
    """The fields of a stations file (the fixed ones and one code/name pair per geography level)
    and the guessed mapping.

    Levels come from the header: ``<level>_code`` / ``<level>_name`` (pollwatch,
    plus ``<level>_name_<lang>``), or Apollo's ``<TYPE>_ID`` / ``<TYPE>_N[_<LANG>]``
    and ``<Type> ID`` / ``<Type> Name`` where the last location type is the
    polling station itself (its ``_RV`` the registered voters).
    """
    names = [str(h).strip() for h in header]
    fields = list(STATION_FIELDS)
    mapping = guess_mapping(names, fields, STATION_PRESETS, preset if preset != "apollo" else None)
    levels: list[tuple[str, dict[str, str]]] = []
    if preset in (None, "pollwatch"):
        levels = _pollwatch_levels(names)
    if not levels and preset in (None, "apollo"):
        apollo = _apollo_levels(names)
        if apollo:
            *levels, (station_type, station) = apollo
            for key, part in (("code", "code"), ("name", "name"), ("registered_voters", "rv")):
                if part in station:
                    mapping[key] = station[part]
            for key, fallback in (("latitude", "LAT"), ("longitude", "LON")):
                if mapping.get(key) is None and fallback in names:
                    mapping[key] = fallback
    for level, parts in levels:
        for part, column in parts.items():
            if part == "rv":
                continue
            key = f"{level}_{part}"
            fields.append(
                Field(
                    key,
                    f"{level.replace('_', ' ').capitalize()} {part.replace('_', ' ')}",
                    required=part == "code",
                )
            )
            mapping[key] = column
    return fields, mapping


def _pollwatch_levels(names: Sequence[str]) -> list[tuple[str, dict[str, str]]]:
    folded = [_slug(n) for n in names]
    levels = [
        f[: -len("_code")] for f in folded if f.endswith("_code") and f not in {"code", "area_code"}
    ]
    out = []
    for level in levels:
        parts = {"code": names[folded.index(f"{level}_code")]}
        for i, f in enumerate(folded):
            if f == f"{level}_name":
                parts["name"] = names[i]
            elif f.startswith(f"{level}_name_"):
                parts[f"name_{f[len(level) + 6 :]}"] = names[i]
        out.append((level, parts))
    return out


def _apollo_levels(names: Sequence[str]) -> list[tuple[str, dict[str, str]]]:
    """[(level, {"code": column, "name": column, "name_<lang>": column, "rv": column})] in file order."""
    levels: dict[str, dict[str, str]] = {}
    for name in names:
        typed = _APOLLO_TYPED.match(name)
        spaced = _APOLLO_SPACED.match(name) if typed is None else None
        if typed is not None:
            level, part, lang = _slug(typed["type"]), typed["part"].upper(), typed["lang"]
            parts = levels.setdefault(level, {})
            if part == "ID":
                parts["code"] = name
            elif part == "RV":
                parts["rv"] = name
            elif "name" not in parts:
                parts["name"] = name  # the first name column, whatever its language
            elif lang is not None:
                parts[f"name_{lang.lower()}"] = name
        elif spaced is not None:
            level, part = _slug(spaced["type"]), spaced["part"].lower()
            parts = levels.setdefault(level, {})
            parts["code" if part in {"id", "code"} else "name"] = name
    found = [(level, parts) for level, parts in levels.items() if "code" in parts]
    if found and "rv" not in found[-1][1] and "Registered Voters" in names:
        found[-1][1]["rv"] = "Registered Voters"
    return found
