"""Two form versions compared: options, logic and moves are named part by part."""

from __future__ import annotations

from pollwatch.checklists.compare import Change, compare


def form(*questions, name="Opening"):
    return {"code": "OP", "version": 1, "name": {"en": name}, "groups": list(questions)}


def group(code, *questions):
    return {"code": code, "label": {"en": code}, "questions": list(questions)}


def single(code, options, **rules):
    return {
        "code": code,
        "kind": "single",
        "label": {"en": code.lower()},
        "options": [{"code": c, "label": {"en": text}} for c, text in options],
        **rules,
    }


def test_options_added_removed_relabelled_and_reordered():
    before = form(group("G", single("Q", [("1", "yes"), ("2", "no"), ("3", "maybe")])))
    after = form(group("G", single("Q", [("2", "No"), ("1", "yes"), ("4", "unsure")])))
    _, [row] = compare(before, after)
    assert row.status == "changed"
    assert row.changes == [
        Change("option 2 label (en)", "no", "No"),
        Change("option 4", "", "added: en: unsure"),
        Change("option 3", "removed: en: maybe", ""),
    ]
    _, [row] = compare(
        form(group("G", single("Q", [("1", "a"), ("2", "b")]))),
        form(group("G", single("Q", [("2", "b"), ("1", "a")]))),
    )
    assert row.changes == [Change("option order", "1 2", "2 1")]


def test_logic_and_moves_between_groups_are_changes_and_the_version_is_not():
    before = form(group("G", single("Q", [("1", "a")])), group("H"))
    after = form(
        group("G"), group("H", single("Q", [("1", "a")], relevant="A1 == 0", required=True))
    )
    after["version"] = 2
    form_changes, [row] = compare(before, after)
    assert form_changes == []
    assert row.changes == [
        Change("group", "G", "H"),
        Change("relevant", "", "A1 == 0"),
        Change("required", "", "yes"),
    ]


def test_an_unchanged_question_is_same():
    spec = form(group("G", single("Q", [("1", "a")])))
    assert [(r.code, r.status, r.changes) for r in compare(spec, spec)[1]] == [("Q", "same", [])]
