"""`pollwatch media …` on plain files."""

from __future__ import annotations

import argparse
import importlib.util
import json

import pytest

from pollwatch.commands import media


def run(argv):
    parser = argparse.ArgumentParser(prog="pollwatch media", description=media.HELP)
    media.add_arguments(parser)
    return media.run(parser.parse_args(argv))


@pytest.fixture
def subjects_file(tmp_path):
    path = tmp_path / "subjects.yaml"
    path.write_text(
        "subjects:\n"
        "  - {id: aliyev, kind: candidate, name: Ilham Aliyev, aliases: [Aliyev, Алиев], gender: m}\n"
        "  - {id: cec, kind: institution, name: Central Election Commission, aliases: [CEC, ЦИК]}\n",
        encoding="utf-8",
    )
    return path


def test_help_has_a_one_line_summary():
    assert media.HELP.splitlines()[0].strip() and len(media.HELP.splitlines()[0]) < 100


def test_code_prints_json_per_subject(tmp_path, subjects_file, capsys):
    item = tmp_path / "item.txt"
    item.write_text(
        "Voters praised Aliyev for an excellent reform. Critics said the CEC is corrupt.",
        encoding="utf-8",
    )
    assert run(["code", str(item), "--subjects", str(subjects_file), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {s["subject_id"]: s["tone"] for s in result["subjects"]} == {
        "aliyev": "positive",
        "cec": "negative",
    }
    assert result["genre"] == "news" and result["item"]["source"] == str(item)


def test_code_with_bad_subjects_file_exits_2_naming_it(tmp_path, capsys):
    bad = tmp_path / "subjects.yaml"
    bad.write_text("subjects:\n  - {id: x, kind: planet, name: X}\n", encoding="utf-8")
    item = tmp_path / "item.txt"
    item.write_text("text", encoding="utf-8")
    assert run(["code", str(item), "--subjects", str(bad)]) == 2
    assert "field 'kind'" in capsys.readouterr().err


def labelled(tmp_path):
    records = []
    for polarity, words in (
        (1, "praised excellent great"),
        (-1, "condemned corrupt failed"),
        (0, "visited met travelled"),
    ):
        for word in words.split():
            for name in ("Aliyev", "Smith", "Brown"):
                sentence = f"Voters {word} {name} in Baku."
                start = sentence.index(name)
                records.append(
                    {
                        "sentence": sentence,
                        "from": start,
                        "to": start + len(name),
                        "polarity": polarity,
                    }
                )
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    return path


@pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None, reason="training needs scikit-learn"
)
def test_train_then_tone_then_evaluate(tmp_path, capsys):
    data = labelled(tmp_path)
    model = tmp_path / "mission.npz"
    assert run(["train", str(data), "-o", str(model), "--dev", str(data)]) == 0
    assert model.stat().st_size > 0
    out = tmp_path / "scored.jsonl"
    assert run(["tone", str(data), "--model", str(model), "-o", str(out)]) == 0
    scored = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(scored) == 27 and all(r["polarity"] in (-1, 0, 1) for r in scored)
    assert run(["evaluate", str(data), "--model", "lexicon"]) == 0
    assert "macro-F1" in capsys.readouterr().out


def test_tone_keeps_good_lines_and_reports_bad_ones(tmp_path, capsys):
    data = tmp_path / "in.jsonl"
    data.write_text(
        '{"sentence": "Smith won.", "from": 0, "to": 5}\n{"sentence": "x", "from": 4, "to": 9}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    assert run(["tone", str(data), "--model", "lexicon", "-o", str(out)]) == 1
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1
    assert "in.jsonl:2" in capsys.readouterr().err


def test_extract_and_dedupe(tmp_path, capsys):
    feed = tmp_path / "feed.jsonl"
    text = "Aliyev visited Ganja and promised roads, schools and hospitals to the voters there."
    feed.write_text(
        "\n".join(
            json.dumps({"id": f"a{i}", "text": t})
            for i, t in enumerate([text, text.upper(), "Other story entirely."])
        ),
        encoding="utf-8",
    )
    out = tmp_path / "items.jsonl"
    assert run(["extract", str(feed), "-o", str(out)]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3
    capsys.readouterr()
    assert run(["dedupe", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["groups"] == [["a0", "a1"]]


def test_report_gives_share_and_tone_per_outlet(tmp_path, subjects_file, capsys):
    feed = tmp_path / "items.jsonl"
    items = [
        {"id": "1", "outlet": "APA", "text": "Voters praised Aliyev for an excellent reform."},
        {"id": "2", "outlet": "APA", "text": "Critics said the CEC is corrupt and failed voters."},
        {"id": "3", "outlet": "Turan", "text": "The weather in Baku was sunny on Tuesday."},
        {"id": "4", "outlet": "Turan", "text": ""},
    ]
    feed.write_text("\n".join(json.dumps(i) for i in items), encoding="utf-8")
    codes = tmp_path / "codes.jsonl"
    assert (
        run(
            ["report", str(feed), "--subjects", str(subjects_file), "--codes", str(codes), "--json"]
        )
        == 1
    )
    captured = capsys.readouterr()
    assert "items.jsonl:4" in captured.err
    coverage = {o["outlet"]: o for o in json.loads(captured.out)}
    apa = {s["subject_id"]: s for s in coverage["APA"]["subjects"]}
    assert (
        apa["aliyev"]["tone_items"]["positive"] == 1 and apa["cec"]["tone_items"]["negative"] == 1
    )
    assert sum(s["share_of_characters"] for s in apa.values()) == pytest.approx(1.0, abs=0.001)
    assert coverage["Turan"]["items_without_subjects"] == 1
    assert len(codes.read_text(encoding="utf-8").splitlines()) == 3


@pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None, reason="training needs scikit-learn"
)
def test_grouped_evaluate_reports_held_out_figures_and_calibrates(tmp_path, capsys):
    from pollwatch.mediatext.tone import LinearToneModel

    data = labelled(tmp_path)
    model = tmp_path / "mission.npz"
    assert run(["train", str(data), "-o", str(model)]) == 0
    capsys.readouterr()
    assert (
        run(["evaluate", str(data), "--grouped", "3", "--by", "article", "--calibrate", str(model)])
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("held-out (grouped by article, 3 folds, C = 0.1): macro-F1 ")
    assert "95% CI" in out and "abstention for precision 0.80" in out
    calibrated = LinearToneModel.load(model)
    assert calibrated.temperature and calibrated.abstain_below is not None
    scored = tmp_path / "scored.jsonl"
    assert run(["tone", str(data), "--model", str(model), "-o", str(scored), "--confidence"]) == 0
    first = json.loads(scored.read_text(encoding="utf-8").splitlines()[0])
    assert {"polarity", "confidence", "uncertain"} <= set(first)
    assert run(["evaluate", str(data), "--grouped", "30"]) == 2  # more folds than articles
