"""Stream rows from CSV, XLSX or old Excel (.xls) files, with errors that name the row.

Row numbers are the file's: the header is row 1, the first data row is row 2.

Hostile files are refused while they are read, before they cost memory or
time (``Limits``): too many rows or columns, an overlong line or cell, an XLSX
whose parts unzip to too much or too many times their packed size (a zip
bomb), a CSV encoding that is not on the known list. Each refusal is a
``TableError`` naming the row (and column) where the limit was crossed.

A CSV's lines may end in LF, CRLF or a lone CR (old Mac exports), and may start
with a byte-order mark. An Excel 97-2003 workbook (.xls, still what Apollo
and many election commissions hand out) is read with xlrd, the maintained
reader of that format; the same file under a .csv name is recognised by its
signature and refused with "rename it .xls, or save it as .xlsx or CSV".
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from xml.parsers import expat

from pollwatch.lib.spreadsheet_safe import safe_row

# A quoted cell may span lines; this bounds it inside the csv module too.
csv.field_size_limit(1_000_000)

CHUNK = 1 << 20
STRINGS_PER_ROW = 4


@dataclass(frozen=True)
class Limits:
    """How much one import file may hold. The first three are settings (MAX_IMPORT_*), same defaults."""

    rows: int = 2_000_000
    columns: int = 1_000
    expanded_bytes: int = 1 << 30
    line_bytes: int = 1 << 20
    cell_chars: int = 10_000
    # Sheet XML packs 5-30 times; a zip bomb 1,000 times. Parts under a megabyte are not judged.
    compression_ratio: int = 200
    # openpyxl holds every shared string in memory at once: their characters all told.
    shared_text_chars: int = 100_000_000


# Text encodings a CSV may be given in: ASCII-compatible ones only, so that a line
# ends at a newline byte whatever the encoding (UTF-16 does not; convert it to UTF-8).
ENCODINGS = {
    "utf-8": "UTF-8 (default)",
    "cp1250": "Windows-1250 (Central European)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "cp1252": "Windows-1252 (Western European)",
    "cp1253": "Windows-1253 (Greek)",
    "cp1254": "Windows-1254 (Turkish, Azerbaijani)",
    "cp1255": "Windows-1255 (Hebrew)",
    "cp1256": "Windows-1256 (Arabic)",
    "cp1257": "Windows-1257 (Baltic)",
    "cp1258": "Windows-1258 (Vietnamese)",
    "cp874": "Windows-874 (Thai)",
    "iso8859-1": "ISO-8859-1 (Latin-1)",
    "iso8859-2": "ISO-8859-2 (Latin-2)",
    "iso8859-5": "ISO-8859-5 (Cyrillic)",
    "iso8859-6": "ISO-8859-6 (Arabic)",
    "iso8859-9": "ISO-8859-9 (Turkish)",
    "koi8-r": "KOI8-R (Russian)",
    "koi8-u": "KOI8-U (Ukrainian)",
    "cp866": "CP866 (DOS Cyrillic)",
    "mac-roman": "Mac Roman",
    "gb18030": "GB18030 (Chinese)",
    "big5": "Big5 (Traditional Chinese)",
    "shift_jis": "Shift JIS (Japanese)",
    "euc_kr": "EUC-KR (Korean)",
}
# Aliases ("windows-1251", "latin1", "utf8") are accepted through Python's codec names.
_CODEC_NAMES = {codecs.lookup(name).name: name for name in ENCODINGS} | {"utf-8-sig": "utf-8"}


def known_encoding(name: str) -> str:
    """The ENCODINGS key for ``name`` or one of its aliases; TableError for anything else.

    ``codecs.lookup`` alone also finds "hex" and "rot13", which are not text
    encodings and fail only when the first line is decoded.
    """
    try:
        codec = codecs.lookup(name or "utf-8").name
    except LookupError:
        codec = ""
    if codec not in _CODEC_NAMES:
        raise TableError(
            RowError(
                None,
                "",
                f"unknown encoding {name!r}: use UTF-8 or one of {', '.join(ENCODINGS)}",
            )
        )
    return _CODEC_NAMES[codec]


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
    """A quick upper bound on the number of rows, for progress bars (CR-only line ends count too)."""
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
        return 0
    newlines = returns = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            newlines += chunk.count(b"\n")
            returns += chunk.count(b"\r")
    return max(max(newlines, returns) - 1, 0)


def read_rows(
    path: Path,
    encoding: str = "utf-8",
    limits: Limits | None = None,
    *,
    first_rows: int | None = None,
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """(header, iterator of (row number, cells)); cells are stripped strings.

    Raises TableError for an unreadable file or header, an unknown encoding, or
    a file over ``limits``; errors met while iterating (a bad byte, a broken
    quote, a row over the limits) are raised as TableError naming the row.
    Nothing beyond one line (CSV) or one row (XLSX, after a streaming scan of
    the sheet) is held in memory. With ``first_rows`` (a preview), only the
    first that many data rows are read: an XLSX is scanned no further.
    """
    limits = limits or Limits()
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        header, rows = _read_xlsx(path, limits, first_rows)
    elif suffix == ".xls":
        header, rows = _read_xls(path, limits)
    else:
        header, rows = _read_csv(path, known_encoding(encoding), limits)
    return header, rows if first_rows is None else islice(rows, first_rows)


def _decode_hint(exc: UnicodeDecodeError, encoding: str) -> str:
    return (
        f"not valid {encoding} text (byte 0x{exc.object[exc.start]:02x}); "
        "save the file as UTF-8 or give its encoding (e.g. --encoding cp1251)"
    )


def _too_many_rows(number: int, limits: Limits) -> TableError:
    return TableError(
        RowError(
            number,
            "",
            f"more than {limits.rows:,} data rows; split the file "
            "(the limit is the MAX_IMPORT_ROWS setting)",
        )
    )


def _too_wide(number: int, width: int, limits: Limits) -> TableError:
    return TableError(
        RowError(
            number,
            "",
            f"{width:,} columns, more than the {limits.columns:,} allowed; "
            "remove the columns not needed (the limit is the MAX_IMPORT_COLUMNS setting)",
        )
    )


def _check_cells(number: int, cells: list[str], header: list[str], limits: Limits) -> None:
    """TableError for a row wider than the limit or with an overlong cell."""
    if len(cells) > limits.columns:
        raise _too_wide(number, len(cells), limits)
    for at, cell in enumerate(cells):
        if len(cell) > limits.cell_chars:
            raise TableError(
                RowError(
                    number,
                    header[at] if at < len(header) else f"column {at + 1}",
                    f"a cell of {len(cell):,} characters, more than the {limits.cell_chars:,} allowed",
                )
            )


def _physical_lines(handle: io.BufferedReader, limits: Limits) -> Iterator[bytes]:
    """The file's lines with their ends, split at \\n, \\r\\n or a lone \\r (old Mac, some exports).

    A line longer than ``limits.line_bytes`` is refused before it is held whole.
    """
    pending = b""
    number = 0
    while chunk := handle.read(CHUNK):
        lines = (pending + chunk).splitlines(keepends=True)
        pending = lines.pop()
        # A lone \r at the end of a chunk may be the first half of \r\n: wait for the next chunk.
        if pending.endswith(b"\n"):
            lines.append(pending)
            pending = b""
        for line in lines:
            number += 1
            if len(line) > limits.line_bytes:
                raise _too_long(number, limits)
            yield line
        if len(pending) > limits.line_bytes:
            raise _too_long(number + 1, limits)
    if pending:
        yield pending


def _too_long(number: int, limits: Limits) -> TableError:
    return TableError(
        RowError(
            number,
            "",
            f"a line longer than {limits.line_bytes:,} bytes; is this a CSV file?",
        )
    )


def _read_csv(
    path: Path, encoding: str, limits: Limits
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    # Lines are decoded one by one so that a bad byte is reported on its own line.
    handle = open(path, "rb")
    consumed = [0]  # characters handed to the csv reader so far

    def lines() -> Iterator[str]:
        for number, line in enumerate(_physical_lines(handle, limits), start=1):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]  # the byte-order mark Excel writes
            if b"\x00" in line:
                raise TableError(RowError(number, "", _binary_hint(line, number)))
            try:
                text = line.decode(encoding)
            except UnicodeDecodeError as exc:
                raise TableError(RowError(number, "", _decode_hint(exc, encoding))) from exc
            consumed[0] += len(text)
            yield text

    source = lines()
    try:
        first = next(source, "")
        if not first.strip():
            raise TableError(
                RowError(1, "", "the file is empty or its first line (the header) is blank")
            )
        delimiter = max([",", ";", "\t"], key=first.count)
        try:
            header = [cell.strip() for cell in next(csv.reader([first], delimiter=delimiter))]
        except csv.Error as exc:
            raise TableError(RowError(1, "", f"malformed CSV header: {exc}")) from exc
        if len(header) > limits.columns:
            raise _too_wide(1, len(header), limits)
    except BaseException:
        handle.close()
        raise

    def rows() -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(source, delimiter=delimiter, strict=True)
        last_row = limits.rows + 1
        before = consumed[0]
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
                number = reader.line_num + 1
                if number > last_row:
                    raise _too_many_rows(number, limits)
                # A record shorter than a cell may be cannot hold an overlong cell: most skip the check.
                if len(cells) > limits.columns or consumed[0] - before > limits.cell_chars:
                    _check_cells(number, cells, header, limits)
                before = consumed[0]
                yield number, [cell.strip() for cell in cells]
        finally:
            handle.close()

    return header, rows()


# The first bytes of an OLE2 compound file (Excel 97-2003 .xls) and of a zip (.xlsx).
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"


def _binary_hint(line: bytes, number: int) -> str:
    """Why a "CSV" holds NUL bytes: a workbook under the wrong name, or not text at all."""
    if number == 1 and line.startswith(OLE2_SIGNATURE):
        return (
            "this is an Excel 97-2003 workbook (.xls) under another name: "
            "rename it to .xls, or save it as .xlsx or CSV"
        )
    if number == 1 and line.startswith(ZIP_SIGNATURE):
        return "this is an Excel workbook (.xlsx) under another name: rename it to .xlsx"
    return "this is not a text file (it contains NUL bytes); save it as .xlsx or CSV"


def _read_xls(path: Path, limits: Limits) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The first sheet of an Excel 97-2003 workbook, through xlrd.

    xlrd reads the whole workbook into memory: the upload size limit
    (MAX_IMPORT_BYTES) bounds it, and rows and columns are checked against
    ``limits`` before any row is handed out.
    """
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
        sheet = book.sheet_by_index(0)
    except Exception as exc:  # noqa: BLE001 — xlrd raises many kinds for a broken workbook
        raise TableError(
            RowError(
                None,
                "",
                f"not a readable Excel 97-2003 (.xls) workbook ({exc}); save it as .xlsx or CSV",
            )
        ) from exc
    if sheet.nrows == 0:
        raise TableError(RowError(1, "", "the first sheet is empty"))
    if sheet.ncols > limits.columns:
        raise _too_wide(1, sheet.ncols, limits)
    if sheet.nrows - 1 > limits.rows:
        raise _too_many_rows(limits.rows + 2, limits)
    datemode = book.datemode

    def values(index: int) -> list[str]:
        return [_xls_cell(cell, datemode) for cell in sheet.row(index)]

    header = values(0)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for index in range(1, sheet.nrows):
                cells = values(index)
                _check_cells(index + 1, cells, header, limits)
                yield index + 1, cells
        finally:
            book.release_resources()

    return header, rows()


def _xls_cell(cell, datemode: int) -> str:
    """A cell as its text: whole numbers without ".0", dates as ISO dates, booleans as 1/0."""
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            moment = xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return _cell(cell.value)
        return (
            moment.date().isoformat() if moment.time() == moment.min.time() else moment.isoformat()
        )
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return "1" if cell.value else "0"
    if cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    return _cell(cell.value)


def _read_xlsx(
    path: Path, limits: Limits, first_rows: int | None
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    shape = _scan_xlsx(path, limits, first_rows)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds for a broken workbook
        raise TableError(RowError(None, "", f"not a readable XLSX workbook: {exc}")) from exc
    try:
        sheet = workbook.worksheets[0]
        # The scanned shape, not the sheet's own (unchecked) dimension tag, bounds every row.
        iterator = sheet.iter_rows(
            max_row=max(shape.last_row, 1), max_col=max(shape.width, 1), values_only=True
        )
        header = [_cell(v) for v in next(iterator)]
    except StopIteration as exc:
        workbook.close()
        raise TableError(RowError(1, "", "the first sheet is empty")) from exc
    except Exception as exc:  # noqa: BLE001
        workbook.close()
        raise TableError(RowError(1, "", f"not a readable XLSX workbook: {exc}")) from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(iterator, start=2):
                if number - 1 > limits.rows:
                    raise _too_many_rows(number, limits)
                # Width and cell lengths were checked by the scan; the rows are counted again
                # because openpyxl fills in the rows a sheet skips.
                yield number, [_cell(v) for v in values]
        except TableError:
            raise
        except Exception as exc:  # noqa: BLE001 — a broken part met late is still the file's fault
            raise TableError(RowError(None, "", f"not a readable XLSX workbook: {exc}")) from exc
        finally:
            workbook.close()

    return header, rows()


@dataclass
class _SheetShape:
    last_row: int = 0
    width: int = 0
    cells: int = 0


def _scan_xlsx(path: Path, limits: Limits, first_rows: int | None = None) -> _SheetShape:
    """Check an XLSX before openpyxl opens it; returns the first sheet's true last row and width.

    openpyxl builds each row (and the shared-string table) whole in memory, so
    sizes are checked first: the parts' unzipped sizes and packing ratios from
    the zip directory (zipfile never inflates a part beyond its stated size),
    then the first sheet and the shared strings with a streaming parser that
    counts rows, cells per row and characters per cell and keeps nothing.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TableError(RowError(None, "", f"not a readable XLSX workbook: {exc}")) from exc
    with archive:
        _check_zip_sizes(archive, limits)
        sheet_part, strings_part = _xlsx_parts(path)
        shape = _SheetShape()
        if sheet_part is not None:
            _scan_xml(archive, sheet_part, _SheetCounter(shape, limits, first_rows))
        if strings_part is not None and strings_part in archive.NameToInfo:
            # openpyxl holds every shared string (about 7 bytes of memory per byte of XML for
            # short ones): no more of them than the sheet has cells, or a few per row allowed.
            most = max(shape.cells, STRINGS_PER_ROW * limits.rows)
            _scan_xml(archive, strings_part, _StringCounter(limits, most))
    return shape


def check_xlsx_archive(path: Path, limits: Limits) -> None:
    """TableError unless ``path`` is a zip whose parts unzip within ``limits`` (no zip bomb):
    for readers, such as pyxform's, that open a workbook without these checks."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TableError(RowError(None, "", f"not a readable XLSX workbook: {exc}")) from exc
    with archive:
        _check_zip_sizes(archive, limits)


def _check_zip_sizes(archive: zipfile.ZipFile, limits: Limits) -> None:
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > CHUNK and ratio > limits.compression_ratio:
            raise TableError(
                RowError(
                    None,
                    "",
                    f"the workbook part {info.filename!r} unzips to {ratio:,.0f} times its size "
                    f"(more than {limits.compression_ratio}): refused as a zip bomb",
                )
            )
    if total > limits.expanded_bytes:
        raise TableError(
            RowError(
                None,
                "",
                f"the workbook unzips to {total:,} bytes, more than the {limits.expanded_bytes:,} "
                "allowed (the MAX_IMPORT_EXPANDED_BYTES setting); save it as CSV",
            )
        )


def _xlsx_parts(path: Path) -> tuple[str | None, str | None]:
    """(first sheet's part, shared strings' part), found as openpyxl finds them."""
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader

    try:
        reader = ExcelReader(path, read_only=True, data_only=True)
        try:
            reader.read_manifest()
            strings = reader.package.find(SHARED_STRINGS)
            reader.read_workbook()
            # As load_workbook: parts missing from the archive and chart sheets are skipped.
            sheet_part = next(
                (
                    relation.target
                    for _sheet, relation in reader.parser.find_sheets()
                    if relation.target in reader.valid_files and "chartsheet" not in relation.Type
                ),
                None,
            )
        finally:
            reader.archive.close()
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds for a broken workbook
        raise TableError(RowError(None, "", f"not a readable XLSX workbook: {exc}")) from exc
    return sheet_part, strings.PartName[1:] if strings is not None else None


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _refuse_doctype(*_args: object) -> None:
    raise TableError(
        RowError(None, "", "the workbook's XML declares a DOCTYPE, which XLSX never does")
    )


class _ScanDone(Exception):
    """The rows a preview needs are scanned."""


def _scan_xml(archive: zipfile.ZipFile, part: str, counter: _SheetCounter | _StringCounter) -> None:
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.StartElementHandler = counter.start
    parser.EndElementHandler = counter.end
    parser.CharacterDataHandler = counter.text
    try:
        with archive.open(part) as source:
            while chunk := source.read(CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _ScanDone:
        pass
    except expat.ExpatError as exc:
        raise TableError(RowError(None, "", f"broken XML in {part!r}: {exc}")) from exc
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise TableError(RowError(None, "", f"not a readable XLSX workbook: {exc}")) from exc


def _column_number(reference: str) -> int:
    """1 for "A7", 28 for "AB7"; 0 when the reference is not a cell's."""
    letters = reference.rstrip("0123456789")
    if not letters or len(letters) > 3 or not letters.isalpha() or not letters.isascii():
        return 0
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


class _SheetCounter:
    """Expat callbacks over a worksheet: rows, columns and characters per cell, as openpyxl numbers them."""

    def __init__(self, shape: _SheetShape, limits: Limits, first_rows: int | None = None):
        self.shape = shape
        self.limits = limits
        # A preview reads the header and first_rows data rows: the scan stops past them.
        self.last_wanted = limits.rows + 1 if first_rows is None else first_rows + 1
        self.row = 0
        self.column = 0
        self.in_cell = False
        self.chars = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        tag = _local(name)
        if tag == "row":
            reference = attributes.get("r", "")
            self.row = int(reference) if reference.isdigit() else self.row + 1
            self.column = 0
            if self.row > self.last_wanted:
                if self.row - 1 > self.limits.rows:
                    raise _too_many_rows(self.row, self.limits)
                raise _ScanDone
            self.shape.last_row = max(self.shape.last_row, self.row)
        elif tag == "c":
            self.column = _column_number(attributes.get("r", "")) or self.column + 1
            if self.column > self.limits.columns:
                raise _too_wide(self.row, self.column, self.limits)
            self.shape.width = max(self.shape.width, self.column)
            self.shape.cells += 1
            self.in_cell = True
            self.chars = 0

    def end(self, name: str) -> None:
        if _local(name) == "c":
            self.in_cell = False

    def text(self, data: str) -> None:
        if self.in_cell:
            self.chars += len(data)
            if self.chars > self.limits.cell_chars:
                raise TableError(
                    RowError(
                        self.row,
                        f"column {self.column}",
                        f"a cell of more than {self.limits.cell_chars:,} characters",
                    )
                )


class _StringCounter:
    """Expat callbacks over the shared-string table: no string longer than a cell may be, at most ``most``."""

    def __init__(self, limits: Limits, most: int):
        self.limits = limits
        self.most = most
        self.count = 0
        self.in_string = False
        self.chars = 0
        self.total_chars = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if _local(name) == "si":
            self.in_string = True
            self.chars = 0
            self.count += 1
            if self.count > self.most:
                raise TableError(
                    RowError(
                        None,
                        "",
                        f"the workbook holds more than {self.most:,} distinct texts, more than "
                        "its first sheet can use; save that sheet alone, or as CSV",
                    )
                )

    def end(self, name: str) -> None:
        if _local(name) == "si":
            self.in_string = False

    def text(self, data: str) -> None:
        if self.in_string:
            self.chars += len(data)
            self.total_chars += len(data)
            if self.total_chars > self.limits.shared_text_chars:
                raise TableError(
                    RowError(
                        None,
                        "",
                        f"the workbook's texts hold more than {self.limits.shared_text_chars:,} "
                        "characters all told, more than can be read at once; save it as CSV",
                    )
                )
            if self.chars > self.limits.cell_chars:
                raise TableError(
                    RowError(
                        None,
                        "",
                        f"the workbook holds a text of more than {self.limits.cell_chars:,} characters",
                    )
                )


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
