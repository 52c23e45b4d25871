"""A form file uploaded on the forms page, read into a FormSpec or refused with every problem.

The file is judged before any reader opens it: its size (FORM_FILE_MAX_BYTES,
a form is small; never above MAX_IMPORT_BYTES), its first bytes against its
name (an .xlsx is a zip, an .xls an OLE2 file, a YAML form text without NUL),
and an .xlsx's parts against a zip bomb (``lib.tabular.check_xlsx_archive``).
Then the YAML reader or the XLSForm reader lists every problem at once, each
naming its sheet, row and column as ``formspec`` words them.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from pollwatch.lib.tabular import OLE2_SIGNATURE, ZIP_SIGNATURE, Limits, TableError

FORM_FILE_MAX_BYTES = 5 * 1024 * 1024
# A form workbook unzips to a few megabytes at most.
FORM_WORKBOOK_LIMITS = Limits(expanded_bytes=64 * 1024 * 1024)
SUFFIXES = (".yaml", ".yml", ".xlsx", ".xls")
# YAML anchors let a few lines stand for millions of values (an alias bomb): the shipped
# forms have under 1,000 values each; a form is refused past this many, counted expanded.


class FormFileRefused(ValueError):
    """The file cannot be installed; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def max_bytes() -> int:
    return min(FORM_FILE_MAX_BYTES, settings.MAX_IMPORT_BYTES)


def read_upload(upload: UploadedFile, code: str | None = None):
    """The FormSpec in ``upload`` (YAML or XLSForm), with form code ``code`` if given."""
    name = Path(upload.name or "form").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise FormFileRefused([f"{name}: give a YAML form (.yaml) or an XLSForm (.xlsx or .xls)"])
    if upload.size is None or upload.size > max_bytes():
        raise FormFileRefused(
            [f"{name}: the file is larger than {max_bytes() // 2**20} MB; a form file is smaller"]
        )
    with tempfile.TemporaryDirectory() as folder:
        # The readers name the file in their problems, and an XLSForm without a form_id takes
        # its code from the file name: keep the user's name, made safe for a path.
        stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(name).stem)[:60].strip("_") or "form"
        path = Path(folder) / f"{stem}{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        return read_form_file(path, name, code)


def read_form_file(path: Path, name: str, code: str | None = None):
    """The FormSpec in the file at ``path`` (uploaded as ``name``); FormFileRefused otherwise."""
    from pollwatch.formspec.spec import FormSpecError, loads_form
    from pollwatch.formspec.xlsform import XLSFormError, form_from_xlsform

    head = path.open("rb").read(8)
    suffix = path.suffix.lower()
    code = (code or "").strip().upper() or None
    if suffix in {".xlsx", ".xls"}:
        _check_workbook(path, name, suffix, head)
        try:
            return form_from_xlsform(path, code=code)
        except (XLSFormError, FormSpecError) as exc:
            raise FormFileRefused(exc.problems) from None
        except Exception as exc:  # noqa: BLE001 — pyxform's readers raise many kinds for a broken file
            raise FormFileRefused([f"{name}: not a readable workbook ({exc})"]) from None
    if head.startswith((ZIP_SIGNATURE, OLE2_SIGNATURE)):
        raise FormFileRefused([f"{name}: this is an Excel workbook: name it .xlsx or .xls"])
    data = path.read_bytes()
    if b"\x00" in data:
        raise FormFileRefused([f"{name}: not a text file (it contains NUL bytes)"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormFileRefused(
            [f"{name}: not UTF-8 text (byte {exc.start}); save the YAML form as UTF-8"]
        ) from None
    try:
        spec = loads_form(text, source=None, name=name)
    except FormSpecError as exc:
        raise FormFileRefused(exc.problems) from None
    if code is None:
        return spec
    from dataclasses import replace

    try:
        return replace(spec, code=code)
    except FormSpecError as exc:
        raise FormFileRefused(exc.problems) from None


def _check_workbook(path: Path, name: str, suffix: str, head: bytes) -> None:
    if suffix == ".xlsx" and not head.startswith(ZIP_SIGNATURE):
        hint = " (it is an .xls workbook: name it .xls)" if head == OLE2_SIGNATURE else ""
        raise FormFileRefused([f"{name}: not an XLSX workbook{hint}"])
    if suffix == ".xls" and head != OLE2_SIGNATURE:
        hint = " (it is an .xlsx workbook: name it .xlsx)" if head.startswith(ZIP_SIGNATURE) else ""
        raise FormFileRefused([f"{name}: not an Excel 97-2003 workbook{hint}"])
    if suffix == ".xlsx":
        try:
            from pollwatch.lib.tabular import check_xlsx_archive

            check_xlsx_archive(path, FORM_WORKBOOK_LIMITS)
        except TableError as exc:
            raise FormFileRefused([f"{name}: {exc.error.reason}"]) from None
