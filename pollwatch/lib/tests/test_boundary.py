"""The one check for outside text (pure): escapes for keeping, refusals naming the field for parsing."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pollwatch.lib.boundary import (
    UnstorableInput,
    decode_body,
    escape_unstorable,
    load_json,
    row_id,
    storable,
)
from pollwatch.mediatext.extract import decode_bytes


def test_escapes_are_visible_and_everything_else_unchanged():
    assert escape_unstorable("a\x00b\ud800c\udfffé€") == "a\\x00b\\ud800c\\udfffé€"
    assert escape_unstorable("plain ümlaut") == "plain ümlaut"
    assert storable({"k\x00": ["\ud801", 1, None]}) == {"k\\x00": ["\\ud801", 1, None]}


@given(st.text())
def test_escaped_text_always_encodes_as_utf8(text):
    escape_unstorable(text).encode("utf-8")
    assert "\x00" not in escape_unstorable(text)


def test_bytes_that_are_not_utf8_are_kept_as_escapes():
    body = decode_body(b"ok \xff\xfe end")
    assert body.text == "ok \\xff\\xfe end" and "byte 0xff at position 3" in body.problem
    assert decode_body("fine ✓".encode()).problem is None


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ('{"answers": {"B2": "x\\ud800"}}', "answers.B2", "lone surrogate"),
        ('{"answers": {"B2": ["ok", "a\\u0000b"]}}', "answers.B2[1]", "NUL"),
        ('{"a\\ud800": 1}', "a\\ud800", "name contains a lone surrogate"),
        ('{"n": ' + "1" * 31 + "}", "", "31 digits"),
        ('{"n": -1e400}', "", "too large"),
        ('{"n": Infinity}', "", "Infinity"),
        ("[" * 33 + "]" * 33, "[0]" * 32, "nested"),
        ("[" * 50_000 + "]" * 50_000, "", "nested"),
        ('{"a": }', "", "line 1 column 7"),
    ],
)
def test_json_that_cannot_be_stored_names_where(text, field, words):
    with pytest.raises(UnstorableInput) as refused:
        load_json(text)
    assert refused.value.field == field and words in refused.value.message


def test_text_a_person_typed_is_kept_escaped_when_asked():
    assert load_json('{"text": "a\\ud800"}', escape_text=True) == {"text": "a\\ud800"}
    with pytest.raises(UnstorableInput):
        load_json("[" * 40 + "]" * 40, escape_text=True)


def test_good_json_comes_back_as_json_would_read_it():
    value = {"answers": {"A1": 1, "A2": [1, 2], "A3": 1.5, "A4": None, "A5": "Ə"}}
    assert load_json(json.dumps(value)) == value


def test_row_ids_are_ascii_digits_that_fit_a_key():
    assert row_id("42") == 42
    assert row_id("abc") is row_id("²") is row_id("9" * 5000) is row_id(None) is None


def test_a_nul_deep_in_a_media_file_is_kept_visible():
    data = b"x" * 9000 + b"a\x00b"
    assert decode_bytes(data, "item.txt").endswith("a\\x00b")
