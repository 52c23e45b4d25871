"""The subject catalogue of one election and finding its subjects in a text.

A subject is a candidate, party, official, institution or country. Each has
an id, a display name and aliases in every script and language the media
use (``Aliyev``, ``Əliyev``, ``Алиев``, ``علييف``). The YAML file format is
documented with an example in docs/media.md::

    subjects:
      - id: aliyev
        kind: candidate          # candidate | party | official | institution | country
        name: Ilham Aliyev
        aliases: [Aliyev, Əliyev, Алиев, Ильхам Алиев, علييف]
        party: yap               # optional: id of the candidate's party
        gender: m                # optional: m | f, narrows pronoun follow-up

Matching rules (each is a heuristic, documented here and tested):

* Case-insensitive, whole words: an alias never matches inside a longer
  word, except through the suffix rule below. Longer aliases win over
  shorter ones at the same place ("New Azerbaijan Party" over "Azerbaijan").
* **Inflection** (Russian and Azerbaijani case endings, English possessive):
  the last word of an alias of at least ``MIN_STEM`` letters, with one final
  vowel or soft sign dropped (Россия → Росси-), may be followed by one
  ending from ``CYRILLIC_ENDINGS`` or ``LATIN_ENDINGS`` (Алиева, Алиеву,
  Алиевым, Əliyevin, Əliyevə, Aliyev's / Əliyev'in with an apostrophe).
  Short aliases (acronyms such as YAP) only match exactly.
* **Arabic clitics**: an Arabic-script alias may carry one attached prefix
  from ``ARABIC_PREFIXES`` (و، ب، ل، ال، وال، ...), as written Arabic joins them.
* **Pronoun follow-up** (``follow_pronouns``): within a paragraph, after a
  sentence that mentions exactly one subject and that subject is a person
  (candidate or official), third-person pronouns (he/she/his/her, он/она/
  его/её, o/onun/ona/onu) in the following sentences that mention no subject
  refer to it, until a sentence mentions a subject again or the paragraph
  ends. With ``gender`` set, only pronouns of that gender (or genderless
  ones) follow.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pollwatch.mediatext.segment import Span

KINDS = ("candidate", "party", "official", "institution", "country")
PERSON_KINDS = frozenset({"candidate", "official"})
MIN_STEM = 4
DROPPED_FINAL = "аяоеьйыи" + "aeəiı"
CYRILLIC_ENDINGS = (
    "а", "я", "у", "ю", "ом", "ем", "ём", "ой", "ей", "ою", "ею", "е", "ы", "и", "ым", "им",
    "ых", "их", "ыми", "ими", "ого", "его", "ому", "ему", "ий", "ый", "ая", "ую", "ое", "ые",
    "ие", "ов", "ев", "ам", "ям", "ами", "ями", "ах", "ях", "ия", "ию", "ии", "ией",
)  # fmt: skip
LATIN_ENDINGS = (
    "in", "ın", "un", "ün", "nin", "nın", "nun", "nün", "i", "ı", "u", "ü", "ni", "nı", "nu",
    "nü", "a", "ə", "ya", "yə", "na", "nə", "da", "də", "ta", "tə", "dan", "dən", "tan", "tən",
    "nda", "ndə", "ndan", "ndən", "la", "lə", "yla", "ylə", "s", "es", "lar", "lər", "ları", "ləri", "ların", "lərin",
)  # fmt: skip
APOSTROPHE_ENDINGS = ("'", "’")
ARABIC_PREFIXES = ("وال", "بال", "لل", "فال", "كال", "ال", "و", "ف", "ب", "ل", "ك")
PRONOUNS = {
    "m": frozenset("he him his himself он его ему него нему ним нём нем им".split()),
    "f": frozenset("she her hers herself она её ее ей ней неё нее ею нею".split()),
    # Azerbaijani third person has no gender; "o" is also "that", hence a heuristic.
    "any": frozenset("o onun ona onu onunla ondan".split()),
}
PRONOUN_PATTERN = re.compile(
    r"(?<!\w)("
    + "|".join(sorted(set().union(*PRONOUNS.values()), key=len, reverse=True))
    + r")(?!\w)",
    re.IGNORECASE,
)


class SubjectsError(ValueError):
    """The subjects file or list is unusable; the message names the entry and the field."""


@dataclass(frozen=True)
class Subject:
    id: str
    kind: str
    name: str
    aliases: tuple[str, ...] = ()
    party: str | None = None
    gender: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "name": self.name}
        data["aliases"] = list(self.aliases)
        if self.party:
            data["party"] = self.party
        if self.gender:
            data["gender"] = self.gender
        return data


@dataclass(frozen=True)
class Mention:
    """``text[start:end]`` refers to ``subject_id``; ``via`` is ``name`` (an alias or
    the name, possibly inflected) or ``pronoun``."""

    subject_id: str
    start: int
    end: int
    surface: str
    via: str = "name"


def _is_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def _is_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def alias_pattern(alias: str) -> str:
    """Regular expression (no capturing groups) for one alias under the rules above.

    The pattern does not check the start of the word: SubjectCatalogue puts a
    single "not after a word character" check before the whole alternation, so
    that the matcher gives up at once inside words instead of trying every
    alias there.
    """
    alias = unicodedata.normalize("NFC", alias.strip())
    words = alias.split()
    body = r"\s+".join(re.escape(w) for w in words)
    last = words[-1]
    if _is_arabic(alias):
        prefixes = "|".join(re.escape(p) for p in ARABIC_PREFIXES)
        return rf"(?:{prefixes})?{body}(?!\w)"
    if len(last) >= MIN_STEM and last.isalpha():
        stem = last[:-1] if last[-1].lower() in DROPPED_FINAL else last
        endings = CYRILLIC_ENDINGS if _is_cyrillic(last) else LATIN_ENDINGS
        head = r"\s+".join(re.escape(w) for w in words[:-1])
        options = "|".join(re.escape(e) for e in sorted(set(endings), key=len, reverse=True))
        apostrophe = "|".join(re.escape(a) for a in APOSTROPHE_ENDINGS)
        after_apostrophe = rf"(?:{apostrophe})\w{{1,4}}"
        if stem != last:  # Россия: the full form, or the stem Росси- with an ending
            inflected = (
                rf"(?:{re.escape(last)}(?:{after_apostrophe})?|{re.escape(stem)}(?:{options}))"
            )
        else:
            inflected = rf"{re.escape(stem)}(?:{after_apostrophe}|{options})?"
        full = rf"{head}\s+{inflected}" if head else inflected
        return rf"{full}(?!\w)"
    return rf"{body}(?!\w)"


@dataclass
class SubjectCatalogue:
    """Subjects of one election, with a compiled matcher over every alias."""

    subjects: list[Subject]
    _by_id: dict[str, Subject] = field(init=False, repr=False)
    _pattern: re.Pattern[str] = field(init=False, repr=False)
    _group_subject: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {s.id: s for s in self.subjects}
        alternatives: list[tuple[int, str, str]] = []
        for subject in self.subjects:
            for alias in {subject.name, *subject.aliases}:
                if alias.strip():
                    alternatives.append((len(alias), alias_pattern(alias), subject.id))
        # Longest alias first so that "New Azerbaijan Party" is not read as "Azerbaijan".
        alternatives.sort(key=lambda a: -a[0])
        self._group_subject = [subject_id for _length, _pattern, subject_id in alternatives]
        joined = "|".join(f"({pattern})" for _length, pattern, _id in alternatives) or r"(?!x)x"
        self._pattern = re.compile(rf"(?<!\w)(?:{joined})", re.IGNORECASE)

    def __len__(self) -> int:
        return len(self.subjects)

    def get(self, subject_id: str) -> Subject:
        return self._by_id[subject_id]

    def find_names(self, text: str, start: int = 0, end: int | None = None) -> list[Mention]:
        """Mentions by name or alias (inflected forms included) in ``text[start:end]``."""
        end = len(text) if end is None else end
        mentions = []
        for match in self._pattern.finditer(text, start, end):
            subject_id = self._group_subject[(match.lastindex or 1) - 1]
            mentions.append(Mention(subject_id, match.start(), match.end(), match.group()))
        return mentions

    def follow_pronouns(
        self, text: str, sentence_spans: Sequence[Span], names: Sequence[Mention]
    ) -> list[Mention]:
        """Pronoun mentions in ``sentence_spans`` (one paragraph, in order) under the
        follow-up rule in the module docstring; ``names`` are the name mentions there."""
        antecedent: Subject | None = None
        found = []
        for span in sentence_spans:
            named = {m.subject_id for m in names if span.start <= m.start < span.end}
            if named:
                only = self._by_id[next(iter(named))] if len(named) == 1 else None
                antecedent = only if only and only.kind in PERSON_KINDS else None
                continue
            if antecedent is None:
                continue
            allowed = PRONOUNS["any"] | (
                PRONOUNS[antecedent.gender]
                if antecedent.gender in ("m", "f")
                else PRONOUNS["m"] | PRONOUNS["f"]
            )
            for match in PRONOUN_PATTERN.finditer(text, span.start, span.end):
                if match.group().lower() in allowed:
                    found.append(
                        Mention(antecedent.id, match.start(), match.end(), match.group(), "pronoun")
                    )
        return found


def parse_subjects(data: Any, source: str = "subjects") -> SubjectCatalogue:
    """Build a catalogue from parsed YAML/JSON: ``{"subjects": [...]}`` or the list itself.

    Raises SubjectsError naming the entry (number and id) and the field at fault:
    missing id/name, unknown kind, duplicate id, aliases not a list of text,
    an unknown party id.
    """
    entries = data.get("subjects") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise SubjectsError(f"{source}: expected a non-empty list under 'subjects'")
    subjects: list[Subject] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        where = f"{source}: subject {number}"
        if not isinstance(entry, dict):
            raise SubjectsError(f"{where}: expected a mapping with id, kind, name, aliases")
        subject_id = str(entry.get("id") or "").strip()
        if not subject_id:
            raise SubjectsError(f"{where}: field 'id' is missing")
        where = f"{where} ({subject_id})"
        if subject_id in seen:
            raise SubjectsError(f"{where}: field 'id' repeats an earlier subject")
        seen.add(subject_id)
        kind = str(entry.get("kind") or "").strip().lower()
        if kind not in KINDS:
            raise SubjectsError(
                f"{where}: field 'kind' must be one of {', '.join(KINDS)}, got {kind!r}"
            )
        name = str(entry.get("name") or "").strip()
        if not name:
            raise SubjectsError(f"{where}: field 'name' is missing")
        aliases = entry.get("aliases") or []
        if isinstance(aliases, str):
            aliases = [aliases]
        if not isinstance(aliases, list) or not all(isinstance(a, str | int) for a in aliases):
            raise SubjectsError(f"{where}: field 'aliases' must be a list of names")
        gender = entry.get("gender")
        if gender is not None and str(gender).lower() not in ("m", "f"):
            raise SubjectsError(f"{where}: field 'gender' must be m or f, got {gender!r}")
        party = entry.get("party")
        subjects.append(
            Subject(
                id=subject_id,
                kind=kind,
                name=name,
                aliases=tuple(str(a).strip() for a in aliases if str(a).strip()),
                party=str(party) if party else None,
                gender=str(gender).lower() if gender else None,
            )
        )
    for subject in subjects:
        if subject.party and subject.party not in seen:
            raise SubjectsError(
                f"{source}: subject {subject.id}: field 'party' names {subject.party!r}, "
                "which is not a subject id"
            )
    return SubjectCatalogue(subjects)


def load_subjects(path: str | Path) -> SubjectCatalogue:
    """Read a subjects YAML (or JSON) file; SubjectsError names the file and entry at fault."""
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SubjectsError(f"{path}: cannot read: {error}") from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SubjectsError(f"{path}: not valid YAML: {error}") from error
    return parse_subjects(data, str(path))


def as_catalogue(
    subjects: SubjectCatalogue | Iterable[Subject | dict[str, Any]],
) -> SubjectCatalogue:
    """Accept a catalogue, Subject objects or plain dicts (as the web app stores them)."""
    if isinstance(subjects, SubjectCatalogue):
        return subjects
    items = list(subjects)
    if all(isinstance(s, Subject) for s in items):
        return SubjectCatalogue(items)  # type: ignore[arg-type]
    return parse_subjects([s.to_dict() if isinstance(s, Subject) else s for s in items])
