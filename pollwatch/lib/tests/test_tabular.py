"""Reading import files: hostile files are refused while they are read, with the row at fault."""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path

import pytest

from pollwatch.lib.tabular import Limits, TableError, count_data_lines, known_encoding, read_rows

CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
SHEET_OPEN = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_CLOSE = "</sheetData></worksheet>"


def inline_row(number: int, values: list[str]) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
    return f'<row r="{number}">{cells}</row>'


def write_xlsx(path: Path, rows) -> Path:
    """A minimal workbook whose sheet XML is streamed from ``rows`` (strings), never held whole."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_OPEN.encode())
            for row in rows:
                sheet.write(row.encode())
            sheet.write(SHEET_CLOSE.encode())
    return path


def bomb_rows(megabytes: int):
    """A header, then the same row over and over: it packs about a thousand times."""
    yield inline_row(1, ["code", "name", "registered_voters"])
    row = '<row><c t="inlineStr"><is><t>S</t></is></c><c t="inlineStr"><is><t>x</t></is></c></row>'
    block = row * ((1 << 20) // len(row))
    for _ in range(megabytes):
        yield block


def refusal(path: Path, **kwargs) -> str:
    with pytest.raises(TableError) as refused:
        header, rows = read_rows(path, **kwargs)
        for _ in rows:
            pass
    return str(refused.value)


def test_a_zip_bomb_xlsx_is_refused_before_it_is_unpacked(tmp_path):
    path = write_xlsx(tmp_path / "bomb.xlsx", bomb_rows(64))
    assert path.stat().st_size < 1_000_000
    import openpyxl  # noqa: F401 — its import is not the file's cost

    tracemalloc.start()
    try:
        message = refusal(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "zip bomb" in message and "xl/worksheets/sheet1.xml" in message
    assert peak < 5_000_000


def test_an_xlsx_that_unpacks_past_the_limit_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "big.xlsx", bomb_rows(12))
    message = refusal(path, limits=Limits(expanded_bytes=10_000_000, compression_ratio=10**6))
    assert "MAX_IMPORT_EXPANDED_BYTES" in message and "unzips to" in message


def test_an_xlsx_row_wider_than_the_limit_is_refused_naming_the_row(tmp_path):
    rows = [inline_row(1, ["code", "name"]), inline_row(2, [str(i) for i in range(1200)])]
    message = refusal(write_xlsx(tmp_path / "wide.xlsx", rows))
    assert message.startswith("row 2:") and "MAX_IMPORT_COLUMNS" in message


def test_an_xlsx_with_too_many_rows_is_refused_while_scanning(tmp_path):
    rows = [inline_row(n, ["S", "x"]) for n in range(1, 30)]
    message = refusal(write_xlsx(tmp_path / "long.xlsx", rows), limits=Limits(rows=10))
    assert message.startswith("row 12:") and "MAX_IMPORT_ROWS" in message


def test_an_xlsx_cell_longer_than_the_limit_is_refused(tmp_path):
    rows = [inline_row(1, ["code", "name"]), inline_row(2, ["S1", "x" * 20_000])]
    message = refusal(write_xlsx(tmp_path / "cell.xlsx", rows))
    assert message.startswith("row 2, column 'column 2'") and "10,000 characters" in message


def test_a_well_formed_minimal_xlsx_still_reads(tmp_path):
    rows = [
        inline_row(1, ["code", "name"]),
        inline_row(2, ["S1", "School"]),
        inline_row(4, ["S3", "Hall"]),
    ]
    header, data = read_rows(write_xlsx(tmp_path / "ok.xlsx", rows))
    assert header == ["code", "name"]
    assert list(data) == [(2, ["S1", "School"]), (3, ["", ""]), (4, ["S3", "Hall"])]


def test_a_file_named_xlsx_that_is_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"code,name\nS1,x\n")
    assert "not a readable XLSX workbook" in refusal(path)


def test_cr_only_line_endings_are_read_as_lines(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(b'code,name\rS1,"School, east"\rS2,Hall\r\rS3,"two\rlines"\r')
    header, rows = read_rows(path)
    assert header == ["code", "name"]
    assert list(rows) == [
        (2, ["S1", "School, east"]),
        (3, ["S2", "Hall"]),
        (4, []),
        (6, ["S3", "two\rlines"]),
    ]
    assert count_data_lines(path) == 5


def test_mixed_line_endings_across_chunk_boundaries_are_read(tmp_path, monkeypatch):
    from pollwatch.lib import tabular

    monkeypatch.setattr(tabular, "CHUNK", 7)
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"code,name\r\nS1,a\rS2,b\nS3,c\r\nS4,d")
    header, rows = read_rows(path)
    assert [cells for _, cells in rows] == [["S1", "a"], ["S2", "b"], ["S3", "c"], ["S4", "d"]]


def test_a_broken_quote_is_an_error_naming_the_row(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_bytes(b'code,name\rS1,ok\rS2,"bad"x\r')
    assert refusal(path).startswith("row 3: malformed CSV")


def test_a_csv_header_wider_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join("x" for _ in range(200_000)) + "\n1,2\n")
    message = refusal(path)
    assert message.startswith("row 1: 200,000 columns") and "MAX_IMPORT_COLUMNS" in message


def test_a_csv_row_wider_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "wide-row.csv"
    path.write_text("code,name\nS1" + "," * 1500 + "\n")
    assert refusal(path).startswith("row 2: 1,501 columns")


def test_an_overlong_csv_line_is_refused_before_it_is_held(tmp_path):
    path = tmp_path / "line.csv"
    path.write_bytes(b"code,name\n" + b"x" * 3_000_000 + b"\n")
    assert refusal(path).startswith("row 2: a line longer than 1,048,576 bytes")


def test_an_overlong_csv_cell_names_row_and_column(tmp_path):
    path = tmp_path / "cell.csv"
    path.write_text("code,name\nS1,ok\nS2," + "y" * 12_000 + "\n")
    assert refusal(path).startswith("row 3, column 'name': a cell of 12,000 characters")


def test_too_many_csv_rows_are_refused_at_the_first_row_over(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("code\n" + "".join(f"S{i}\n" for i in range(20)))
    assert refusal(path, limits=Limits(rows=10)).startswith("row 12: more than 10 data rows")


@pytest.mark.parametrize("encoding", ["hex", "rot13", "base64", "utf-16", "no-such-thing"])
def test_encodings_off_the_list_are_refused_with_a_clear_error(tmp_path, encoding):
    path = tmp_path / "x.csv"
    path.write_text("code\nS1\n")
    assert "unknown encoding" in refusal(path, encoding=encoding)


def test_aliases_of_known_encodings_are_accepted(tmp_path):
    assert known_encoding("windows-1251") == "cp1251"
    assert known_encoding("UTF8") == known_encoding("utf-8-sig") == "utf-8"
    path = tmp_path / "cyr.csv"
    path.write_bytes("code,name\nS1,Школа\n".encode("cp1251"))
    header, rows = read_rows(path, "windows-1251")
    assert list(rows) == [(2, ["S1", "Школа"])]


def test_a_preview_of_an_xlsx_scans_only_the_rows_it_shows(tmp_path):
    rows = [inline_row(n, [f"S{n}", "x"]) for n in range(1, 30)]
    rows.append('<row r="40"><c t="inlineStr"><is><t>' + "y" * 20_000 + "</t></is></c></row>")
    path = write_xlsx(tmp_path / "preview.xlsx", rows)
    header, first = read_rows(path, limits=Limits(rows=10), first_rows=5)
    assert header == ["S1", "x"] and [number for number, _ in first] == [2, 3, 4, 5, 6]
    assert refusal(path, limits=Limits(rows=10)).startswith("row 12:")


def test_a_shared_string_table_larger_than_the_sheet_can_use_is_refused(tmp_path):
    content_types = CONTENT_TYPES.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    path = tmp_path / "strings.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            SHEET_OPEN + '<row r="1"><c t="s"><v>0</v></c></row>' + SHEET_CLOSE,
        )
        strings = "".join(f"<si><t>{i}</t></si>" for i in range(100))
        archive.writestr(
            "xl/sharedStrings.xml",
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + strings
            + "</sst>",
        )
    assert "more than 40 distinct texts" in refusal(path, limits=Limits(rows=10))
    header, rows = read_rows(path, limits=Limits(rows=25))
    assert header == ["0"] and list(rows) == []
