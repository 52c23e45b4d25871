"""code_item: per-subject space, direct speech, tone with evidence offsets, genre, problems."""

from __future__ import annotations

import pytest

from pollwatch.mediatext.coding import code_item, direct_speech
from pollwatch.mediatext.subjects import parse_subjects
from pollwatch.mediatext.tone import LexiconToneModel

SUBJECTS = [
    {
        "id": "aliyev",
        "kind": "candidate",
        "name": "Ilham Aliyev",
        "aliases": ["Aliyev", "Алиев"],
        "gender": "m",
    },
    {"id": "musavat", "kind": "party", "name": "Musavat", "aliases": ["Müsavat", "Мусават"]},
    {
        "id": "cec",
        "kind": "institution",
        "name": "Central Election Commission",
        "aliases": ["CEC", "ЦИК"],
    },
]

ITEM = (
    "Opinion\n\n"
    "President Aliyev praised the strong economy at a rally in Ganja. "
    'He said: "We have built a great country for everyone." '
    "Musavat leaders condemned the rally as a disgraceful waste of public money.\n\n"
    "The CEC will publish the list of polling stations on Monday.\n\n"
    "The views expressed are the author's own."
)


class FixedTone:
    """A stand-in model: positive for Aliyev's sentences, negative for Musavat's."""

    name = "fixed"

    def predict(self, targets):
        def tone(t):
            return (
                1
                if "Aliyev" in t.sentence or t.sentence.startswith("He")
                else -1
                if "Musavat" in t.sentence
                else 0
            )

        return [tone(t) for t in targets]


@pytest.fixture(scope="module")
def catalogue():
    return parse_subjects(SUBJECTS)


def test_coding_gives_space_direct_speech_tone_and_evidence_per_subject(catalogue):
    coding = code_item(ITEM, catalogue, FixedTone())
    assert coding.genre == "opinion" and coding.genre_rule == "opinion disclaimer"
    assert coding.language == "en" and coding.tone_model == "fixed"
    by_id = {s.subject_id: s for s in coding.subjects}
    assert set(by_id) == {"aliyev", "musavat", "cec"}

    aliyev = by_id["aliyev"]
    first = "President Aliyev praised the strong economy at a rally in Ganja."
    second = 'He said: "We have built a great country for everyone."'
    assert (aliyev.mentions, aliyev.pronoun_mentions, aliyev.sentences) == (1, 1, 2)
    assert aliyev.characters == len(first) + len(second)
    assert aliyev.direct_speech_sentences == 1
    assert aliyev.direct_speech_characters == len('"We have built a great country for everyone."')
    assert (aliyev.tone, aliyev.polarity) == ("positive", 1)
    assert [ITEM[e.start : e.end] for e in aliyev.evidence] == [first, second]

    musavat = by_id["musavat"]
    assert (musavat.tone, musavat.direct_speech_characters) == ("negative", 0)
    assert ITEM[musavat.evidence[0].start : musavat.evidence[0].end].startswith("Musavat leaders")

    cec = by_id["cec"]
    assert (cec.tone, cec.evidence, cec.tone_counts["neutral"]) == ("neutral", [], 1)


def test_tone_is_the_balance_of_positive_and_negative_sentences(catalogue):
    class Alternating:
        name = "alternating"

        def predict(self, targets):
            return [1 if i % 2 == 0 else -1 for i in range(len(targets))]

    text = "Aliyev won. Aliyev lost. Aliyev won again."
    coding = code_item(text, catalogue, Alternating())
    assert coding.subjects[0].tone_counts == {"positive": 2, "neutral": 0, "negative": 1}
    assert coding.subjects[0].tone == "positive"
    tie = code_item("Aliyev won. Aliyev lost.", catalogue, Alternating())
    assert tie.subjects[0].tone == "neutral"


def test_default_model_codes_clear_english_tone(catalogue):
    coding = code_item(
        "Voters praised Aliyev for an excellent and successful reform. "
        "Critics said the CEC is corrupt and has failed voters.",
        catalogue,
    )
    tones = {s.subject_id: s.tone for s in coding.subjects}
    assert tones == {"aliyev": "positive", "cec": "negative"}


def test_inflected_and_cyrillic_mentions_count_as_space(catalogue):
    coding = code_item(
        "ЦИК поддержал Алиева. Алиеву вручили удостоверение.", catalogue, LexiconToneModel()
    )
    aliyev = next(s for s in coding.subjects if s.subject_id == "aliyev")
    assert aliyev.sentences == 2 and aliyev.mentions == 2
    assert coding.language == "ru"


def test_an_item_without_subjects_says_so(catalogue):
    coding = code_item("The weather in Baku was sunny on Tuesday.", catalogue, LexiconToneModel())
    assert coding.subjects == [] and coding.problems == [
        "no subject from the catalogue is mentioned"
    ]


def test_an_empty_item_says_so(catalogue):
    coding = code_item("   ", catalogue, LexiconToneModel())
    assert coding.problems == ["empty item: no text to code"]


def speech(catalogue, text):
    from pollwatch.mediatext.segment import paragraphs, sentences

    found = []
    for paragraph in paragraphs(text):
        spans = sentences(text, paragraph)
        names = catalogue.find_names(text, paragraph.start, paragraph.end)
        names += catalogue.follow_pronouns(text, spans, names)
        found += [
            (q.subject_id, text[q.start : q.end], len(q.sentences))
            for q in direct_speech(text, paragraph, spans, names)
        ]
    return found


def test_quotes_without_a_speaker_are_not_direct_speech(catalogue):
    assert (
        speech(catalogue, 'Aliyev saw the slogan "a great country for everyone" on a wall.') == []
    )
    assert (
        speech(catalogue, 'The slogan "a great country for everyone" was said to be popular.') == []
    )


def test_quoted_words_with_a_speech_verb_or_colon_are_direct_speech(catalogue):
    assert speech(catalogue, "Алиев заявил: «Мы построили великую страну для всех».") == [
        ("aliyev", "«Мы построили великую страну для всех»", 1)
    ]
    assert speech(catalogue, 'Aliyev: "We have built a great country."') == [
        ("aliyev", '"We have built a great country."', 1)
    ]


def test_a_quote_over_several_sentences_belongs_to_its_speaker(catalogue):
    text = "“We won the debate. We will win the vote,” Aliyev told supporters."
    assert speech(catalogue, text) == [("aliyev", "“We won the debate. We will win the vote,”", 2)]


def test_a_subject_named_inside_the_quote_is_not_the_speaker(catalogue):
    text = "“Musavat has no programme at all,” Aliyev said."
    assert speech(catalogue, text) == [("aliyev", "“Musavat has no programme at all,”", 1)]
    coding = code_item(text, catalogue, LexiconToneModel())
    by_id = {s.subject_id: s for s in coding.subjects}
    assert by_id["aliyev"].direct_speech_characters == len("“Musavat has no programme at all,”")
    assert by_id["musavat"].direct_speech_characters == 0


def test_two_possible_speakers_give_no_direct_speech(catalogue):
    assert speech(catalogue, "Aliyev and the CEC said: “the vote was clean and fair”.") == []


def test_coding_is_plain_data(catalogue):
    data = code_item(ITEM, catalogue, FixedTone()).to_dict()
    assert data["subjects"][0]["evidence"][0]["tone"] in ("positive", "negative")
    assert isinstance(data["genre_marker"], tuple | list)


class UnsureTone(FixedTone):
    """FixedTone with calibrated abstention: unsure of every sentence about Musavat."""

    def assess(self, targets):
        from pollwatch.mediatext.tone import ToneCall

        return [
            ToneCall(p, 0.4 if "Musavat" in t.sentence else 0.9, "Musavat" in t.sentence)
            for p, t in zip(self.predict(targets), targets, strict=True)
        ]


def test_uncertain_tone_is_flagged_without_changing_the_codes(catalogue):
    plain = code_item(ITEM, catalogue, FixedTone()).to_dict()
    unsure = code_item(ITEM, catalogue, UnsureTone()).to_dict()
    by_id = {s["subject_id"]: s for s in unsure["subjects"]}
    assert by_id["musavat"]["uncertain"] and by_id["musavat"]["uncertain_sentences"] == 1
    assert [e["uncertain"] for e in by_id["musavat"]["evidence"]] == [True]
    assert not by_id["aliyev"]["uncertain"] and by_id["aliyev"]["uncertain_sentences"] == 0
    # Everything else is what a model without abstention gives.
    for subject in unsure["subjects"]:
        subject.pop("uncertain"), subject.pop("uncertain_sentences")
        for evidence in subject["evidence"]:
            evidence.pop("uncertain")
    for subject in plain["subjects"]:
        assert not subject.pop("uncertain") and subject.pop("uncertain_sentences") == 0
        for evidence in subject["evidence"]:
            assert not evidence.pop("uncertain")
    assert unsure == plain
