"""Stream rows from CSV or XLSX files, with errors that name the row.

Row numbers are the file's: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pollwatch.lib.spreadsheet_safe import safe_row

csv.field_size_limit(1_000_000)


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str
    reason: str
    value: str = ""

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        column = f", column {self.column!r}" if self.column else ""
        value = f" (got {self.value!r})" if self.value else ""
        return f"{where}{column}: {self.reason}{value}"


class TableError(Exception):
    """The file cannot be read as a table at all (encoding, format, header)."""

    def __init__(self, error: RowError):
        self.error = error
        super().__init__(str(error))


def errors_as_csv(errors: list[RowError]) -> str:
    """The downloadable error report: one line per problem.

    It echoes the file's own values and column names, so they pass through `safe_row`.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "reason", "value"])
    for error in errors:
        row = ["" if error.row is None else error.row, error.column, error.reason, error.value]
        writer.writerow(safe_row(row))
    return out.getvalue()


def count_data_lines(path: Path) -> int:
    """A quick upper bound on the number of rows, for progress bars."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return 0
    total = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            total += chunk.count(b"\n")
    return max(total - 1, 0)


def read_rows(
    path: Path, encoding: str = "utf-8"
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """(header, iterator of (row number, cells)); cells are stripped strings.

    Raises TableError for an unreadable file or header; errors met while
    iterating (a bad byte, a broken quote) are raised as TableError naming the row.
    """
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _read_xlsx(path)
    return _read_csv(path, encoding)


def _decode_hint(exc: UnicodeDecodeError, encoding: str) -> str:
    return (
        f"not valid {encoding} text (byte 0x{exc.object[exc.start]:02x}); "
        "save the file as UTF-8 or give its encoding (e.g. --encoding cp1251)"
    )


def _read_csv(path: Path, encoding: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    # Lines are decoded one by one so that a bad byte is reported on its own line.
    if encoding.lower().replace("-", "").replace("_", "") in {"utf8", "utf8sig"}:
        encoding = "utf-8"
    handle = open(path, "rb")

    def lines() -> Iterator[str]:
        for number, line in enumerate(handle, start=1):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]  # the byte-order mark Excel writes
            if b"\x00" in line:
                raise TableError(
                    RowError(number, "", "this is not a text file (it contains NUL bytes)")
                )
            try:
                yield line.decode(encoding)
            except UnicodeDecodeError as exc:
                raise TableError(RowError(number, "", _decode_hint(exc, encoding))) from exc

    source = lines()
    try:
        first = next(source, "")
    except TableError:
        handle.close()
        raise
    if not first.strip():
        handle.close()
        raise TableError(
            RowError(1, "", "the file is empty or its first line (the header) is blank")
        )
    delimiter = max([",", ";", "\t"], key=first.count)
    header = [cell.strip() for cell in next(csv.reader([first], delimiter=delimiter))]

    def rows() -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(source, delimiter=delimiter, strict=True)
        try:
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise TableError(
                        RowError(reader.line_num + 1, "", f"malformed CSV: {exc}")
                    ) from exc
                # line_num counts the lines this reader took; the header came before it.
                yield reader.line_num + 1, [cell.strip() for cell in cells]
        finally:
            handle.close()

    return header, rows()


def _read_xlsx(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableError(RowError(None, "", f"not a readable XLSX workbook: {exc}")) from exc
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    try:
        header = [_cell(v) for v in next(iterator)]
    except StopIteration as exc:
        workbook.close()
        raise TableError(RowError(1, "", "the first sheet is empty")) from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(iterator, start=2):
                yield number, [_cell(v) for v in values]
        finally:
            workbook.close()

    return header, rows()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_flag(text: str) -> bool | None:
    """'1', 'yes', 'true', 'x' -> True; '', '0', 'no', 'false' -> False; anything else -> None."""
    lowered = text.strip().lower()
    if lowered in {"", "0", "no", "false", "n", "f"}:
        return False
    if lowered in {"1", "yes", "true", "y", "t", "x"}:
        return True
    return None
