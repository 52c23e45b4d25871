"""Tables to CSV, XLSX and Parquet, a chunk of rows at a time (no Django here).

A table is a list of typed columns and an iterable of row chunks (lists of
tuples in column order), so that a million rows never sit in memory at once:
CSV is yielded chunk by chunk, XLSX goes through openpyxl's write-only mode
and Parquet through pyarrow record batches, both into a file the caller
provides (a temporary file, then streamed).

Types are kept where the format has them: integers, floats and booleans as
such, times as UTC (naive in XLSX, which has no time zones; ISO 8601 with
offset in CSV). An empty value is an empty CSV field, an empty cell, a
Parquet null.

Text that a spreadsheet could run as a formula (``=HYPERLINK(...)``,
``+cmd|...``) gets a leading apostrophe in CSV and XLSX, through
`pollwatch.lib.spreadsheet_safe` (numbers and E.164 phone numbers stay as they
are); Parquet is read by programs, not spreadsheets, and keeps the text as
recorded.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from pollwatch.lib.spreadsheet_safe import safe_text

KINDS = ("str", "int", "float", "bool", "datetime")
# Excel's limits: rows per sheet (with the header) and characters per cell.
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELL = 32_767


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "str"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: unknown kind {self.kind!r}")


Chunks = Iterable[Sequence[tuple[Any, ...]]]


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return safe_text(value)
    return value


def csv_chunks(columns: Sequence[Column], chunks: Chunks) -> Iterator[str]:
    """The header line, then one string per chunk of rows (RFC 4180, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # Column names can be candidate codes from an imported file: they are text like any other.
    writer.writerow([safe_text(c.name) for c in columns])
    yield buffer.getvalue()
    for chunk in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_csv_value(v) for v in row] for row in chunk)
        yield buffer.getvalue()


def _utc_naive(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(datetime.UTC).replace(tzinfo=None)


def write_xlsx(columns: Sequence[Column], chunks: Chunks, handle: IO[bytes], title: str) -> None:
    """One sheet named ``title`` (more, numbered, past Excel's row limit), header row frozen."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    header = [safe_text(c.name) for c in columns]
    sheets = 0
    sheet: Any = None
    rows_in_sheet = XLSX_MAX_ROWS

    def cell(value: Any) -> Any:
        if isinstance(value, datetime.datetime):
            return _utc_naive(value)
        if not isinstance(value, str):
            return value
        # Control characters go first, as they could hide a formula behind them; after
        # safe_text no text starts with "=", so openpyxl stores it as text, not a formula.
        return safe_text(ILLEGAL_CHARACTERS_RE.sub("", value))[:XLSX_MAX_CELL]

    for chunk in chunks:
        for row in chunk:
            if rows_in_sheet >= XLSX_MAX_ROWS:
                sheets += 1
                sheet = workbook.create_sheet(
                    title[:28] if sheets == 1 else f"{title[:24]} ({sheets})"
                )
                sheet.freeze_panes = "A2"
                sheet.append(header)
                rows_in_sheet = 1
            sheet.append([cell(v) for v in row])
            rows_in_sheet += 1
    if sheet is None:
        sheet = workbook.create_sheet(title[:28])
        sheet.append(header)
    workbook.save(handle)


def arrow_schema(columns: Sequence[Column]) -> Any:
    import pyarrow as pa

    types = {
        "str": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "bool": pa.bool_(),
        "datetime": pa.timestamp("us", tz="UTC"),
    }
    return pa.schema([pa.field(c.name, types[c.kind]) for c in columns])


def write_parquet(columns: Sequence[Column], chunks: Chunks, handle: IO[bytes]) -> None:
    """One record batch per chunk, written as it comes (zstd-compressed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(columns)
    with pq.ParquetWriter(handle, schema, compression="zstd") as writer:
        for chunk in chunks:
            if not chunk:
                continue
            values = list(zip(*chunk, strict=True))
            arrays = [
                pa.array(values[index], type=field.type) for index, field in enumerate(schema)
            ]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
