"""Automatic coding of one item (OSCE/ODIHR and EU EOM method, DESIGN §4).

The unit of analysis is a subject within an item. For each subject
mentioned, ``code_item`` proposes:

* **space**: the sentences about it (sentences that mention it by name,
  alias, inflected form, or by a followed-up pronoun; see subjects.py) —
  their number and their characters;
* **direct speech**, counted separately: quoted text (“…”, «…», "…", „…“,
  at least ``MIN_QUOTE_CHARS`` characters, possibly over several sentences)
  whose sentences name exactly one subject outside the quote and hold a
  speech verb (said, told, заявил, dedi, ... see ``SPEECH_VERBS``) or a
  colon before the quote — the subject's own words (``direct_speech``);
* **tone**: the tone model scores the subject's first mention in each of
  its sentences; the subject's tone in the item is positive when positive
  sentences outnumber negative ones, negative in the opposite case, and
  neutral otherwise (a tie included). Evidence: every non-neutral sentence
  with its offsets in the item text, for highlighting;
* the item's **genre** (genre.py) and **language** (extract.py).

A human monitor confirms or corrects every proposal; the results are plain
dicts (``to_dict``) so they can be stored and compared between coders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from pollwatch.mediatext.extract import detect_language
from pollwatch.mediatext.genre import classify_genre
from pollwatch.mediatext.segment import Span, paragraphs, sentences
from pollwatch.mediatext.subjects import Mention, Subject, SubjectCatalogue, as_catalogue
from pollwatch.mediatext.tone import POLARITY_NAMES, Target, ToneModel, default_tone_model

MIN_QUOTE_CHARS = 10
QUOTES = re.compile(r"“[^”]+”|«[^»]+»|„[^“”]+[“”]|\"[^\"]+\"|‘[^’]{10,}’")
SPEECH_VERBS = re.compile(
    r"(?<!\w)(?:said|says|say|told|tells|stated|states|added|declared|announced|insisted|"
    r"claimed|promised|argued|noted|wrote|asked|replied|warned|urged|"
    r"заявил\w*|сказал\w*|отметил\w*|подчеркнул\w*|сообщил\w*|добавил\w*|пообещал\w*|"
    r"говорит|считает|уверен\w*|написал\w*|"
    r"dedi|deyib|bildirib|bildirdi|qeyd edib|qeyd etdi|vurğulayıb|vurğuladı|söyləyib|söylədi|"
    r"قال|قالت|صرح|أكد|أعلن)(?!\w)",
    re.IGNORECASE,
)


@dataclass
class Evidence:
    """Sentence ``text[start:end]`` of the item, and the tone the model gives the subject there."""

    start: int
    end: int
    polarity: int
    tone: str
    sentence: str
    # The model's confidence is below its calibrated threshold: a coder should look.
    uncertain: bool = False


@dataclass
class SubjectCoding:
    subject_id: str
    name: str
    kind: str
    mentions: int
    pronoun_mentions: int
    sentences: int
    characters: int
    direct_speech_sentences: int
    direct_speech_characters: int
    tone: str
    polarity: int
    tone_counts: dict[str, int]
    evidence: list[Evidence] = field(default_factory=list)
    mention_spans: list[tuple[int, int]] = field(default_factory=list)
    # Sentences whose tone the model is unsure of (calibrated abstention), and whether
    # the subject's tone rests on them: the confident sentences alone give another
    # tone, or there are none. Then the item needs a coder for this subject.
    uncertain_sentences: int = 0
    uncertain: bool = False


@dataclass
class ItemCoding:
    """Proposed codes for one item. ``problems`` explains an empty ``subjects``."""

    language: str | None
    genre: str
    genre_rule: str | None
    genre_marker: tuple[int, int] | None
    characters: int
    sentences: int
    subjects: list[SubjectCoding]
    tone_model: str
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DirectSpeech:
    """Quoted words ``text[start:end]`` of ``subject_id``, spread over ``sentences``."""

    start: int
    end: int
    subject_id: str
    sentences: tuple[Span, ...]


def direct_speech(
    text: str, paragraph: Span, paragraph_sentences: Sequence[Span], mentions: Sequence[Mention]
) -> list[DirectSpeech]:
    """Quoted passages in one paragraph that are a subject's own words.

    A quote (at least MIN_QUOTE_CHARS inside the marks, possibly over several
    sentences) belongs to a subject when the sentences it touches mention
    exactly one subject outside the quote (by name or followed pronoun) and
    hold, outside the quote, a speech verb or a colon right before it.
    Subjects named inside the quote are talked about, not speaking.
    """
    found = []
    for match in QUOTES.finditer(text, paragraph.start, paragraph.end):
        if match.end() - match.start() - 2 < MIN_QUOTE_CHARS:
            continue
        touched = tuple(
            s for s in paragraph_sentences if s.start < match.end() and match.start() < s.end
        )
        if not touched:
            continue
        first, last = touched[0].start, touched[-1].end
        speakers = {
            m.subject_id
            for m in mentions
            if first <= m.start < last and not match.start() <= m.start < match.end()
        }
        if len(speakers) != 1:
            continue
        before = text[first : match.start()]
        outside = before + " " + text[match.end() : last]
        if SPEECH_VERBS.search(outside) or before.rstrip().endswith(":"):
            found.append(DirectSpeech(match.start(), match.end(), speakers.pop(), touched))
    return found


def code_item(
    text: str,
    subjects: SubjectCatalogue | Iterable[Subject | dict[str, Any]],
    model: ToneModel | None = None,
    *,
    title: str | None = None,
    language: str | None = None,
) -> ItemCoding:
    """Propose genre, language and per-subject space, direct speech and tone for one item.

    ``subjects``: a SubjectCatalogue (build it once per election and reuse it:
    compiling the matcher is the slow part), Subject objects or plain dicts in
    the YAML layout. ``model``: any ToneModel; None means the shipped default.
    ``title`` helps the genre rules; ``language`` skips detection when known.
    An item mentioning no subject gives ``subjects == []`` and a problem saying so.
    """
    catalogue = as_catalogue(subjects)
    model = model or default_tone_model()
    genre = classify_genre(text, title)
    problems: list[str] = []
    if not text.strip():
        problems.append("empty item: no text to code")
    sentence_spans: list[Span] = []
    mentions: list[Mention] = []
    quotes: list[DirectSpeech] = []
    for paragraph in paragraphs(text):
        paragraph_sentences = sentences(text, paragraph)
        sentence_spans += paragraph_sentences
        names = catalogue.find_names(text, paragraph.start, paragraph.end)
        found = names + catalogue.follow_pronouns(text, paragraph_sentences, names)
        mentions += found
        if found:
            quotes += direct_speech(text, paragraph, paragraph_sentences, found)
    mentions.sort(key=lambda m: m.start)

    # For each sentence, the subjects in it and their first mention there.
    per_sentence: list[dict[str, Mention]] = []
    cursor = 0
    for span in sentence_spans:
        firsts: dict[str, Mention] = {}
        while cursor < len(mentions) and mentions[cursor].start < span.end:
            mention = mentions[cursor]
            if mention.start >= span.start:
                firsts.setdefault(mention.subject_id, mention)
            cursor += 1
        per_sentence.append(firsts)

    targets, owners = [], []
    for span, firsts in zip(sentence_spans, per_sentence, strict=True):
        sentence_text = text[span.start : span.end]
        for subject_id, mention in firsts.items():
            targets.append(
                Target(sentence_text, mention.start - span.start, mention.end - span.start)
            )
            owners.append((subject_id, span))
    assess = getattr(model, "assess", None)
    if assess is not None and targets:
        calls = assess(targets)
        polarities = [call.polarity for call in calls]
        unsure = [call.uncertain for call in calls]
    else:
        polarities = model.predict(targets) if targets else []
        unsure = [False] * len(polarities)

    codings: dict[str, SubjectCoding] = {}
    for subject_id in dict.fromkeys(m.subject_id for m in mentions):
        subject = catalogue.get(subject_id)
        own = [m for m in mentions if m.subject_id == subject_id]
        codings[subject_id] = SubjectCoding(
            subject_id=subject_id,
            name=subject.name,
            kind=subject.kind,
            mentions=sum(m.via == "name" for m in own),
            pronoun_mentions=sum(m.via == "pronoun" for m in own),
            sentences=0,
            characters=0,
            direct_speech_sentences=0,
            direct_speech_characters=0,
            tone="neutral",
            polarity=0,
            tone_counts={"positive": 0, "neutral": 0, "negative": 0},
            mention_spans=[(m.start, m.end) for m in own],
        )
    for span, firsts in zip(sentence_spans, per_sentence, strict=True):
        for subject_id in firsts:
            coding = codings[subject_id]
            coding.sentences += 1
            coding.characters += span.end - span.start
    speech_sentences: dict[str, set[Span]] = {}
    for quote in quotes:
        codings[quote.subject_id].direct_speech_characters += quote.end - quote.start
        speech_sentences.setdefault(quote.subject_id, set()).update(quote.sentences)
    for subject_id, spoken in speech_sentences.items():
        codings[subject_id].direct_speech_sentences = len(spoken)
    confident_balance: dict[str, int] = {}
    for (subject_id, span), polarity, uncertain in zip(owners, polarities, unsure, strict=True):
        coding = codings[subject_id]
        coding.tone_counts[POLARITY_NAMES[polarity]] += 1
        if uncertain:
            coding.uncertain_sentences += 1
        else:
            confident_balance[subject_id] = confident_balance.get(subject_id, 0) + polarity
        if polarity != 0:
            coding.evidence.append(
                Evidence(
                    span.start,
                    span.end,
                    polarity,
                    POLARITY_NAMES[polarity],
                    text[span.start : span.end],
                    uncertain,
                )
            )
    for coding in codings.values():
        balance = coding.tone_counts["positive"] - coding.tone_counts["negative"]
        coding.polarity = (balance > 0) - (balance < 0)
        coding.tone = POLARITY_NAMES[coding.polarity]
        if coding.uncertain_sentences:
            confident = confident_balance.get(coding.subject_id)
            coding.uncertain = confident is None or (
                (confident > 0) - (confident < 0) != coding.polarity
            )
    if not codings and text.strip():
        problems.append("no subject from the catalogue is mentioned")
    return ItemCoding(
        language=language if language is not None else detect_language(text),
        genre=genre.genre,
        genre_rule=genre.rule,
        genre_marker=(
            (genre.start, genre.end) if genre.start is not None and genre.end is not None else None
        ),
        characters=len(text),
        sentences=len(sentence_spans),
        subjects=sorted(codings.values(), key=lambda c: (-c.characters, c.subject_id)),
        tone_model=getattr(model, "name", type(model).__name__),
        problems=problems,
    )
