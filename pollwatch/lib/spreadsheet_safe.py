"""Text cells that a spreadsheet program will not run as formulas (CSV injection).

Excel, LibreOffice and Google Sheets read a cell whose text starts with ``=``,
``+``, ``-`` or ``@`` as a formula, also behind a leading tab or carriage
return. Such a formula can reach out to the network (``=HYPERLINK(...)``,
``=WEBSERVICE(...)``) or, through DDE, start a program (``+cmd|' /C calc'!A0``),
and the text comes from observers, SMS senders and imported files. Every CSV
and XLSX writer of pollwatch passes its cells through `safe_cell` (or
`safe_row`), which puts an apostrophe before such text, as the OWASP guidance
on CSV injection advises: a spreadsheet shows the text as text, and a program
reading the file sees the apostrophe and can strip it.

Left as they are:

* values that are not text (numbers, booleans, times, None): the writer types
  them, and a number is never a formula;
* text that is a plain number, such as ``-12.5`` or the E.164 phone number
  ``+994501234567``: a spreadsheet reads it as a number at worst, which runs
  nothing, while an apostrophe would spoil every phone column.

Pure Python, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# OWASP's list: the four formula prefixes, and tab and carriage return, behind
# which a spreadsheet still finds the formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# An optional sign, ASCII digits with an optional decimal part, an optional exponent.
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def runs_as_formula(text: str) -> bool:
    """Whether a spreadsheet could take this text for a formula."""
    return text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text)


def safe_text(text: str) -> str:
    """The text, behind an apostrophe when a spreadsheet could run it as a formula."""
    return f"'{text}" if runs_as_formula(text) else text


def safe_cell(value: Any) -> Any:
    """`safe_text` for text; any other value (number, boolean, time, None) unchanged."""
    return safe_text(value) if isinstance(value, str) else value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """Every cell of the row through `safe_cell`."""
    return [safe_cell(value) for value in row]
