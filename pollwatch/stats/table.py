"""Read tabular files for the pure commands and turn columns into checked arrays.

Every problem is reported with the file's row number (the header is row 1,
the first data row is row 2) and the column at fault; nothing is silently
turned into NaN.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

MAX_LISTED = 20


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class InputError(ValueError):
    """Bad input; ``problems`` lists every fault found, each with row and column."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        lines = [str(p) for p in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            lines.append(f"... and {len(problems) - MAX_LISTED} more")
        super().__init__(f"{source}: " + "; ".join(lines))


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV (plain, .gz, or the single CSV inside a .zip) or XLSX file as text columns.

    Cells stay strings ("" for empty) so that conversion errors can name their row.
    """
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise InputError(source, [Problem(None, None, "file not found")])
    name = path.name.lower()
    try:
        if name.endswith((".xlsx", ".xlsm")):
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        elif name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
                if len(members) != 1:
                    raise InputError(
                        source, [Problem(None, None, f"expected one CSV inside, found {members}")]
                    )
                with archive.open(members[0]) as handle:
                    frame = pd.read_csv(handle, dtype=str, keep_default_na=False)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except UnicodeDecodeError as exc:
        raise InputError(
            source,
            [
                Problem(
                    None,
                    None,
                    f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8",
                )
            ],
        ) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, zipfile.BadZipFile) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(
            source, [Problem(None, None, f"cannot be read as a table: {exc}")]
        ) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def require_columns(frame: pd.DataFrame, columns: list[str], source: str) -> None:
    """Raise naming every missing column and listing the ones the file has."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        available = ", ".join(frame.columns[:40])
        raise InputError(
            source,
            [Problem(None, c, f"missing column (the file has: {available})") for c in missing],
        )


def split_spec(spec: str) -> list[str]:
    """'A,B , C' -> ['A', 'B', 'C']: a comma list of column names."""
    return [part.strip() for part in spec.split(",") if part.strip()]


def numeric_column(
    frame: pd.DataFrame,
    spec: str,
    source: str,
    *,
    allow_negative: bool = False,
    allow_empty: bool = False,
) -> np.ndarray:
    """The column named by ``spec`` as float64; a comma list means the sum of those columns.

    Non-numeric and (unless allowed) negative or empty cells raise InputError
    with every offending row and column.
    """
    names = split_spec(spec)
    require_columns(frame, names, source)
    total = np.zeros(len(frame), dtype=np.float64)
    problems: list[Problem] = []
    for name in names:
        raw = frame[name].astype(str).str.strip()
        values = pd.to_numeric(raw.str.replace(",", "", regex=False), errors="coerce")
        array = values.to_numpy(dtype=np.float64, na_value=np.nan)
        empty = (raw == "").to_numpy()
        bad = np.isnan(array) & ~empty
        for index in np.flatnonzero(bad)[: MAX_LISTED + 1]:
            problems.append(Problem(int(index) + 2, name, f"not a number: {raw.iloc[index]!r}"))
        if not allow_empty:
            for index in np.flatnonzero(empty)[: MAX_LISTED + 1]:
                problems.append(Problem(int(index) + 2, name, "empty cell"))
        if not allow_negative:
            for index in np.flatnonzero(array < 0)[: MAX_LISTED + 1]:
                problems.append(Problem(int(index) + 2, name, f"negative count: {raw.iloc[index]}"))
        total += np.nan_to_num(array, nan=0.0)
    if problems:
        raise InputError(source, problems)
    return total


def text_column(
    frame: pd.DataFrame, name: str, source: str, *, allow_empty: bool = False
) -> np.ndarray:
    """The column as an array of stripped strings; empty cells raise unless allowed."""
    require_columns(frame, [name], source)
    values = frame[name].astype(str).str.strip()
    if not allow_empty:
        empty = np.flatnonzero((values == "").to_numpy())
        if len(empty):
            raise InputError(source, [Problem(int(i) + 2, name, "empty cell") for i in empty])
    return values.to_numpy(dtype=object)


CATEGORY_MAX = 60


def category_columns(
    frame: pd.DataFrame, names: list[str], source: str, *, rows: np.ndarray | None = None
) -> np.ndarray:
    """Calibration categories per row: the named columns' stripped values joined by "|".

    Every column must exist and be named once; in the rows checked (``rows``,
    a boolean mask; default all) each value must be non-empty, at most
    CATEGORY_MAX characters and free of "|" (the joining character, so that
    two columns can never run into each other). Raises InputError naming
    every row and column at fault; ValueError when no column is named.
    """
    if not names:
        raise ValueError("no calibration column named (e.g. --calibrate rural)")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"calibration column(s) named twice: {', '.join(twice)}")
    require_columns(frame, names, source)
    checked = np.ones(len(frame), dtype=bool) if rows is None else np.asarray(rows, bool)
    problems = []
    columns = []
    for name in names:
        values = frame[name].astype(str).str.strip().to_numpy(dtype=object)
        for i in np.flatnonzero(checked).tolist():
            value = values[i]
            if value == "":
                problems.append(Problem(i + 2, name, "empty calibration category"))
            elif len(value) > CATEGORY_MAX:
                problems.append(Problem(i + 2, name, f"longer than {CATEGORY_MAX} characters"))
            elif "|" in value:
                problems.append(Problem(i + 2, name, 'a category may not contain "|"'))
        columns.append(values)
    if problems:
        raise InputError(source, problems)
    return np.array(["|".join(parts) for parts in zip(*columns, strict=True)], dtype=object)


def check_strata_agree(
    own: np.ndarray, frame_stratum: np.ndarray, station: np.ndarray, column: str, source: str
) -> None:
    """Raise naming every row whose stratum differs from the frame's stratum for the same station."""
    differs = np.flatnonzero(own != frame_stratum)
    if len(differs):
        raise InputError(
            source,
            [
                Problem(
                    int(i) + 2,
                    column,
                    f"station {station[i]!r} is in stratum {own[i]!r} here but {frame_stratum[i]!r} in the frame",
                )
                for i in differs
            ],
        )
