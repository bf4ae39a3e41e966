"""Data files (CSV): read once, checked, with one-line errors that never echo the file's content.

The expected format: comma-separated, '.' as decimal separator, UTF-8, a header line with unique
column names, one line per hour. Errors name the file and a line as a spreadsheet shows it (the
header is line 1, the first data row line 2); they give counts, positions and what was expected,
but no value from the file (a sweep stores error messages in its table of points).

`SeriesReader` reads a scenario's series from these files; where two files have time stamps, they
must be the same over the horizon (files without them are combined by position).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dhopt.errors import ScenarioError
from dhopt.schema import LIMIT, Series, SeriesFromFile
from dhopt.timestamps import first_irregular_step

HOURS_PER_YEAR = 8760
TIME_COLUMNS = ("time_utc", "time")
FORMAT_HINT = "export as comma-separated with '.' decimals"
DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d*,\d+\s*$")
# A close match of a missing column is named only if it is nearly the same (a typo), so that an
# error shows no more of a file's header than the user already typed.
CLOSE_MATCH_RATIO = 0.8


@dataclass
class CsvTable:
    """A data file's cells as text, with the line each data row starts on."""

    path: Path
    frame: pd.DataFrame  # every cell as str, columns as in the header
    lines: np.ndarray  # per data row: its line in the file (header = line 1)

    def where(self, row: int) -> str:
        return f"line {int(self.lines[row])} of {self.path.name}"

    def column_missing(self, column: str) -> str:
        """'N columns' and a near-typo match, if there is one (for a missing-column error)."""
        names = [str(c) for c in self.frame.columns]
        close = difflib.get_close_matches(column, names, n=1, cutoff=CLOSE_MATCH_RATIO)
        text = f"{len(names)} column{'s' if len(names) != 1 else ''}"
        return text + (f"; did you mean '{close[0]}'?" if close else "")

    def numbers(self, column: str, where: str | None = None, rows: int | None = None) -> np.ndarray:
        """Column `column` (its first `rows` rows) as floats; every cell must be a finite number.
        `where`: the scenario field that reads the column, for the message."""
        text = self.frame[column].iloc[:rows].str.strip()
        values = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            row = int(bad[0])
            cell = text.iloc[row]
            if cell == "":
                found, hint = "an empty cell", ""
            elif DECIMAL_COMMA.match(cell):
                found, hint = "a number with a ',' decimal separator", f"; {FORMAT_HINT}"
            elif _is_number_word(cell):
                found, hint = "a value that is not a finite number", ""
            else:
                found, hint = "a non-number", ""
            raise ScenarioError(
                f"{self.path}: column '{column}'{f' ({where})' if where else ''}: expected a number in "
                f"every data line, found "
                f"{found} in {self.where(row)} ({bad.size} such line{'s' if bad.size != 1 else ''}){hint}"
            )
        return values

    def time_column(self) -> str | None:
        return next((c for c in TIME_COLUMNS if c in self.frame.columns), None)

    def stamps(self, column: str) -> pd.DatetimeIndex:
        """The time stamps of `column` in UTC (naive ones taken as UTC), checked to be hourly."""
        text = self.frame[column].str.strip()
        with warnings.catch_warnings():  # pandas' "could not infer format": the check below says it
            warnings.simplefilter("ignore", UserWarning)
            stamps = pd.DatetimeIndex(pd.to_datetime(text, utc=True, errors="coerce"))
        if stamps.isna().any():
            row = int(np.argmax(stamps.isna()))
            raise ScenarioError(
                f"{self.path}: column '{column}': expected a time stamp such as 2018-01-01T00:00:00Z in "
                f"every data line, found something else in {self.where(row)}"
            )
        irregular = first_irregular_step(stamps) if len(stamps) > 1 else None
        if irregular is not None:
            i, step = irregular
            raise ScenarioError(
                f"{self.path}: column '{column}': expected hourly time stamps, found a step of {step:g} h "
                f"from line {int(self.lines[i - 1])} to {self.where(i)}"
            )
        return stamps


def _is_number_word(cell: str) -> bool:
    """NaN, infinity or an overflow such as 1e400: a number, but not a finite one."""
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            f"{path}: expected UTF-8 text, found a byte that is not UTF-8 in line {line} of {path.name}; "
            "save the file as 'CSV UTF-8'"
        ) from None


def _check_header(path: Path, header: list[str], line: int) -> None:
    if len(header) == 1:
        for separator, name in ((";", "';'-separated"), ("\t", "tab-separated")):
            if separator in header[0]:
                raise ScenarioError(
                    f"{path}: expected comma-separated columns, but the header looks {name} "
                    f"(a European Excel export?): {FORMAT_HINT}"
                )
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in seen:
            raise ScenarioError(
                f"{path}: expected unique column names in the header (line {line}), found columns "
                f"{seen[name] + 1} and {i + 1} with the same name"
            )
        seen[name] = i


def read_csv_table(path: Path) -> CsvTable:
    """Read data file `path` (an absolute path) with the checks of the module docstring."""
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder; expected a CSV data file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"{path}: data file not found") from None
    except PermissionError:
        raise ScenarioError(f"{path}: cannot read the data file: permission denied") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ScenarioError(f"{path}: cannot read the data file: {reason}") from None
    text = _decode(path, raw)
    if not text.strip():
        raise ScenarioError(f"{path}: the file is empty; expected a header line and one line per hour")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    try:
        start = 1
        for record in reader:
            if record:  # blank lines are skipped, as by pandas
                if header is None:
                    header = record
                    _check_header(path, header, start)
                else:
                    rows.append(record)
                    lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ScenarioError(
            f"{path}: cannot read line {reader.line_num} of {path.name} as CSV ({exc})"
        ) from None
    assert header is not None  # the text is not blank
    if not rows:
        raise ScenarioError(f"{path}: has a header line but no data lines; expected one line per hour")
    width = len(header)
    for record, line in zip(rows, lines, strict=True):
        if len(record) > width:
            raise ScenarioError(
                f"{path}: expected at most {width} fields per line, as in the header, found "
                f"{len(record)} in line {line} of {path.name} (',' decimals? {FORMAT_HINT})"
            )
        if len(record) < width:
            record.extend([""] * (width - len(record)))  # missing trailing cells are empty, as in pandas
    frame = pd.DataFrame(rows, columns=header, dtype=str)
    return CsvTable(path=path, frame=frame, lines=np.asarray(lines, dtype=int))


@dataclass
class _StampedFile:
    """The first data file read with a time column: every other one must have its time stamps."""

    path: Path
    column: str
    stamps: pd.DatetimeIndex
    lines: np.ndarray


VALUE_LIMIT = LIMIT  # no hourly value of any series is larger (the schema's limit for numbers)


class SeriesReader:
    """Reads CSV columns relative to the scenario file, caching each file, with clear errors."""

    def __init__(self, scenario_path: Path) -> None:
        self.scenario_path = scenario_path
        self._tables: dict[Path, CsvTable] = {}
        self._stamps: dict[Path, pd.DatetimeIndex] = {}
        self._reference: _StampedFile | None = None
        # Every file series must have this many rows (the demand's); set once demand is read.
        self.expected_rows: int | None = None

    def _table(self, spec: SeriesFromFile, where: str) -> CsvTable:
        path = Path(spec.file)
        if not path.is_absolute():
            path = self.scenario_path.parent / path
        path = path.resolve()
        if path not in self._tables:
            if not path.exists():
                raise ScenarioError(f"{self.scenario_path}: {where}.file: data file {path} not found")
            table = read_csv_table(path)
            column = table.time_column()
            if column is not None:
                self._stamps[path] = table.stamps(column)
            self._tables[path] = table
        return self._tables[path]

    def _check_same_hours(self, table: CsvTable, hours: int | None) -> None:
        """Two data files with time stamps must have the same ones over the horizon."""
        stamps = self._stamps.get(table.path)
        if stamps is None:
            return
        column = table.time_column()
        assert column is not None
        ref = self._reference
        if ref is None:
            self._reference = _StampedFile(table.path, column, stamps, table.lines)
            return
        if ref.path == table.path:
            return
        n = min(len(stamps), len(ref.stamps), len(stamps) if hours is None else hours)
        differ = np.flatnonzero(stamps[:n].asi8 != ref.stamps[:n].asi8)
        if differ.size:
            row = int(differ[0])
            apart = (stamps[row] - ref.stamps[row]) / pd.Timedelta(hours=1)
            raise ScenarioError(
                f"{table.path}: column '{column}': expected the same time stamps as column "
                f"'{ref.column}' of {ref.path}, found a different one in {table.where(row)} "
                f"({abs(apart):g} h {'after' if apart > 0 else 'before'} the stamp in line "
                f"{int(ref.lines[row])} of {ref.path.name})"
            )

    def read(self, spec: Series, where: str, hours: int | None) -> np.ndarray:
        """The series as floats; `hours` None means the file's full length (constants need hours)."""
        if not isinstance(spec, SeriesFromFile):
            return np.full(hours or self.expected_rows or HOURS_PER_YEAR, float(spec))
        table = self._table(spec, where)
        if spec.column not in table.frame.columns:
            raise ScenarioError(
                f"{self.scenario_path}: {where}.column: no column '{spec.column}' in {table.path} "
                f"({table.column_missing(spec.column)})"
            )
        rows = len(table.frame)
        if self.expected_rows is not None and rows != self.expected_rows:
            raise ScenarioError(
                f"{table.path}: column '{spec.column}' ({where}): expected {self.expected_rows} hourly "
                f"values (as many as demand.heat_mw), found {rows}"
            )
        if hours is not None and rows < hours:
            raise ScenarioError(
                f"{table.path}: column '{spec.column}' ({where}): expected at least {hours} hourly "
                f"values, found {rows}"
            )
        self._check_same_hours(table, hours)
        values = table.numbers(spec.column, where, hours) * spec.scale + spec.offset
        huge = np.flatnonzero(~(np.abs(values) <= VALUE_LIMIT))  # also inf after scaling
        if huge.size:
            raise ScenarioError(
                f"{table.path}: column '{spec.column}' ({where}): expected values within ±{VALUE_LIMIT:g} "
                f"(after scale and offset), found {huge.size} beyond, first in {table.where(int(huge[0]))}"
            )
        return values

    def timestamps(self, spec: Series, hours: int) -> pd.DatetimeIndex | None:
        if not isinstance(spec, SeriesFromFile):
            return None
        stamps = self._stamps.get(self._table(spec, "demand.heat_mw").path)
        return None if stamps is None else stamps[:hours]
