"""Finding subjects: aliases across scripts, inflected forms, pronoun follow-up, the YAML format."""

from __future__ import annotations

import pytest

from pollwatch.mediatext.segment import paragraphs, sentences
from pollwatch.mediatext.subjects import SubjectsError, load_subjects, parse_subjects

CATALOGUE = {
    "subjects": [
        {
            "id": "aliyev",
            "kind": "candidate",
            "name": "Ilham Aliyev",
            "aliases": ["Aliyev", "Əliyev", "Алиев", "علييف"],
            "party": "yap",
            "gender": "m",
        },
        {
            "id": "yap",
            "kind": "party",
            "name": "New Azerbaijan Party",
            "aliases": ["YAP", "Yeni Azərbaycan Partiyası"],
        },
        {
            "id": "azerbaijan",
            "kind": "country",
            "name": "Azerbaijan",
            "aliases": ["Azərbaycan", "Азербайджан"],
        },
        {"id": "russia", "kind": "country", "name": "Russia", "aliases": ["Россия"]},
        {
            "id": "hajiyeva",
            "kind": "candidate",
            "name": "Leyla Hajiyeva",
            "aliases": ["Hajiyeva", "Гаджиева"],
            "gender": "f",
        },
        {
            "id": "cec",
            "kind": "institution",
            "name": "Central Election Commission",
            "aliases": ["CEC", "ЦИК", "MSK"],
        },
    ]
}


@pytest.fixture(scope="module")
def catalogue():
    return parse_subjects(CATALOGUE)


def found(catalogue, text):
    return [(m.subject_id, m.surface) for m in catalogue.find_names(text)]


def test_it_matches_aliases_in_latin_cyrillic_and_arabic_script(catalogue):
    text = "Aliyev spoke. Əliyev danışdı. Алиев выступил. قال علييف إن"
    assert found(catalogue, text) == [
        ("aliyev", "Aliyev"),
        ("aliyev", "Əliyev"),
        ("aliyev", "Алиев"),
        ("aliyev", "علييف"),
    ]


def test_it_matches_case_insensitively_but_only_whole_words(catalogue):
    assert found(catalogue, "ALIYEV and aliyev") == [("aliyev", "ALIYEV"), ("aliyev", "aliyev")]
    assert found(catalogue, "Aliyevich and Ealiyev and MSKAD") == []


@pytest.mark.parametrize(
    "form",
    [
        "Алиева",
        "Алиеву",
        "Алиевым",
        "Алиеве",
        "Əliyevin",
        "Əliyevə",
        "Əliyevdən",
        "Əliyev'in",
        "Aliyev's",
    ],
)
def test_it_matches_russian_and_azerbaijani_case_endings(catalogue, form):
    assert found(catalogue, f"Вчера {form} сказал") == [("aliyev", form)]


def test_it_drops_a_final_vowel_before_an_ending(catalogue):
    assert found(catalogue, "в России, о Россию, Россией") == [
        ("russia", "России"),
        ("russia", "Россию"),
        ("russia", "Россией"),
    ]


def test_short_aliases_match_only_exactly(catalogue):
    assert found(catalogue, "ЦИК и ЦИКа и YAPs") == [("cec", "ЦИК")]


def test_arabic_alias_carries_attached_prefixes(catalogue):
    assert found(catalogue, "والتقى وعلييف ولعلييف") == [("aliyev", "وعلييف")]


def test_longer_alias_wins_over_a_shorter_one_inside_it(catalogue):
    assert found(catalogue, "New Azerbaijan Party won in Azerbaijan.") == [
        ("yap", "New Azerbaijan Party"),
        ("azerbaijan", "Azerbaijan"),
    ]


def pronouns(catalogue, text):
    result = []
    for paragraph in paragraphs(text):
        spans = sentences(text, paragraph)
        names = catalogue.find_names(text, paragraph.start, paragraph.end)
        result += [(m.subject_id, m.surface) for m in catalogue.follow_pronouns(text, spans, names)]
    return result


def test_pronouns_follow_a_single_person_subject_in_the_paragraph(catalogue):
    text = "Aliyev opened a school. He said his plan works. Он добавил, что его поддерживают."
    assert pronouns(catalogue, text) == [
        ("aliyev", "He"),
        ("aliyev", "his"),
        ("aliyev", "Он"),
        ("aliyev", "его"),
    ]


def test_pronoun_follow_up_stops_at_the_paragraph_end(catalogue):
    assert pronouns(catalogue, "Aliyev opened a school.\n\nHe said it was fine.") == []


def test_pronoun_follow_up_is_off_after_two_subjects_or_a_non_person(catalogue):
    assert pronouns(catalogue, "Aliyev met Hajiyeva. He said it was fine.") == []
    assert pronouns(catalogue, "The CEC met. He said it was fine.") == []


def test_pronoun_follow_up_respects_gender(catalogue):
    assert pronouns(catalogue, "Hajiyeva spoke. She said he was wrong.") == [("hajiyeva", "She")]


def test_a_new_subject_takes_over_the_pronouns(catalogue):
    text = "Aliyev spoke. He smiled. Hajiyeva answered. She laughed."
    assert pronouns(catalogue, text) == [("aliyev", "He"), ("hajiyeva", "She")]


def test_subjects_yaml_file_loads(tmp_path):
    path = tmp_path / "subjects.yaml"
    path.write_text(
        "subjects:\n"
        "  - id: aliyev\n    kind: candidate\n    name: Ilham Aliyev\n    aliases: [Aliyev, Алиев]\n    party: yap\n"
        "  - {id: yap, kind: party, name: New Azerbaijan Party, aliases: [YAP]}\n",
        encoding="utf-8",
    )
    catalogue = load_subjects(path)
    assert [s.id for s in catalogue.subjects] == ["aliyev", "yap"]
    assert catalogue.get("aliyev").party == "yap"


@pytest.mark.parametrize(
    "entries, message",
    [
        ([{"kind": "party", "name": "X"}], "subject 1: field 'id' is missing"),
        ([{"id": "x", "kind": "planet", "name": "X"}], r"subject 1 \(x\): field 'kind'"),
        ([{"id": "x", "kind": "party"}], "field 'name' is missing"),
        (
            [{"id": "x", "kind": "party", "name": "X"}, {"id": "x", "kind": "party", "name": "Y"}],
            "subject 2 .* repeats",
        ),
        ([{"id": "x", "kind": "party", "name": "X", "aliases": {"a": 1}}], "field 'aliases'"),
        (
            [{"id": "x", "kind": "candidate", "name": "X", "party": "nope"}],
            "field 'party' names 'nope'",
        ),
        ([{"id": "x", "kind": "candidate", "name": "X", "gender": "q"}], "field 'gender'"),
        ([], "non-empty list"),
    ],
)
def test_bad_subjects_name_the_entry_and_field(entries, message):
    with pytest.raises(SubjectsError, match=message):
        parse_subjects({"subjects": entries})


def test_bad_yaml_file_is_named(tmp_path):
    path = tmp_path / "subjects.yaml"
    path.write_text("subjects: [unclosed", encoding="utf-8")
    with pytest.raises(SubjectsError, match="not valid YAML"):
        load_subjects(path)
