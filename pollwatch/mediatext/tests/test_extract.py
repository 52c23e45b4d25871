"""Items from pasted text, TXT, HTML, JSONL and CSV; bad input gives named problems, not crashes."""

from __future__ import annotations

import json

import pytest

from pollwatch.mediatext.extract import (
    MAX_HTML_BYTES,
    ExtractionError,
    detect_language,
    item_from_html,
    item_from_text,
    read_items,
)

ARTICLE_HTML = """<!doctype html><html><head><title>Aliyev meets voters | Daily Baku</title>
<meta name="author" content="Jane Roe"><meta property="article:published_time" content="2026-11-20">
</head><body><nav><a href="/">Home</a> | <a href="/about">About us</a> | Subscribe now</nav>
<article><h1>Aliyev meets voters in Ganja</h1>
<p>President Aliyev met voters in Ganja on Tuesday and promised new roads and schools for the region.</p>
<p>The opposition criticised the event as staged and said that public money paid for the buses.</p>
<p>Observers from the mission attended the meeting and will publish their findings next week.</p>
</article><footer>Copyright 2026 Daily Baku. Cookie settings.</footer></body></html>"""


def test_html_is_reduced_to_the_article_with_title_author_and_date():
    item = item_from_html(ARTICLE_HTML, source="page.html")
    assert "promised new roads" in item.text and "publish their findings" in item.text
    assert "Cookie settings" not in item.text and "Subscribe now" not in item.text
    assert item.title and "Aliyev meets voters" in item.title
    assert item.author == "Jane Roe"
    assert item.date == "2026-11-20"
    assert item.language == "en"
    assert len(item.raw_sha256) == 64


def test_pasted_text_keeps_metadata_and_detects_language():
    item = item_from_text(
        "  Президент Алиев встретился с избирателями в Гяндже.  ", outlet="APA", title="T"
    )
    assert item.text.startswith("Президент") and item.outlet == "APA" and item.title == "T"
    assert item.language == "ru"
    assert (
        detect_language(
            "Prezident İlham Əliyev Gəncədə seçicilərlə görüşüb və yeni yollar vəd edib."
        )
        == "az"
    )
    assert detect_language("ok") is None


def test_text_is_normalised_so_decomposed_letters_match_aliases():
    item = item_from_text("Mu\u0308savat\r\nqalib gəldi ")
    assert item.text == "Müsavat\nqalib gəldi"


def test_cp1251_text_is_decoded(tmp_path):
    path = tmp_path / "article.txt"
    path.write_bytes(
        "Президент Алиев встретился с избирателями в Гяндже во вторник.".encode("cp1251")
    )
    items, problems = read_items(path)
    assert problems == [] and items[0].text.startswith("Президент Алиев")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty item"),
        (b"   \n\t  ", "empty item"),
        (bytes(range(256)) * 20, "binary file"),
        (bytes([0x80 + i % 60 for i in range(4000)]), "unknown encoding"),
    ],
)
def test_bad_text_files_give_a_named_problem(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    items, problems = read_items(path)
    assert items == []
    assert len(problems) == 1 and problems[0].where == str(path) and message in problems[0].message


def test_fifty_megabytes_of_html_are_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.html"
    with open(path, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    items, problems = read_items(path)
    assert items == [] and "HTML too large" in problems[0].message
    with pytest.raises(ExtractionError, match="pasted: HTML too large"):
        item_from_html("<p>" + "x" * MAX_HTML_BYTES + "</p>")


def test_html_without_text_is_refused():
    with pytest.raises(ExtractionError, match="x.html: no text found"):
        item_from_html("<html><body><script>var a=1;</script></body></html>", source="x.html")


def test_jsonl_keeps_good_items_and_names_bad_lines(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = [
        json.dumps(
            {
                "id": "a1",
                "text": "Aliyev visited Ganja and met voters.",
                "outlet": "APA",
                "date": "2026-11-20",
            }
        ),
        "{broken",
        json.dumps({"id": "a2", "title": "No body"}),
        json.dumps({"id": "a3", "text": 42}),
        json.dumps(
            {
                "id": "a4",
                "html": "<article><p>"
                + "Hajiyeva held a rally in Sumgait today. " * 3
                + "</p></article>",
            }
        ),
        json.dumps(["not", "an", "object"]),
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    items, problems = read_items(path)
    assert [i.id for i in items] == ["a1", "a4"]
    assert items[0].outlet == "APA" and "Hajiyeva held a rally" in items[1].text
    assert [(p.where.rsplit(":", 1)[1], p.message.split(" (")[0]) for p in problems] == [
        ("2", "not JSON"),
        ("3", "field 'text' is missing or empty"),
        ("4", "field 'text' must be text, got int"),
        ("6", "expected a JSON object with a 'text' field"),
    ]


def test_csv_rows_become_items_and_empty_rows_problems(tmp_path):
    path = tmp_path / "items.csv"
    path.write_text(
        'id,outlet,text\n1,APA,"Aliyev met voters, again."\n2,Turan,\n', encoding="utf-8"
    )
    items, problems = read_items(path)
    assert [(i.id, i.outlet) for i in items] == [("1", "APA")]
    assert problems[0].where.endswith(":3") and "field 'text'" in problems[0].message


def test_csv_without_a_text_column_is_refused(tmp_path):
    path = tmp_path / "items.csv"
    path.write_text("id,body_html\n1,x\n", encoding="utf-8")
    assert "no 'text' column" in read_items(path)[1][0].message


def test_unknown_kind_and_missing_file_are_problems(tmp_path):
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF")
    assert "unknown file kind 'pdf'" in read_items(path)[1][0].message
    assert "cannot read" in read_items(tmp_path / "missing.txt")[1][0].message
