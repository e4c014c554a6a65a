"""Cell checks: each chunk's cells parsed by their column's kind (required, types, ranges,
choices), with the first problem of every bad row named. Checks that need the whole file
or the database run later, in SQL (see staging)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from bot.data.importer.report import show
from bot.data.importer.specs import Field, Spec

MAX_NUMBER = 1e15  # NUMERIC(18, 2) holds less than 1e16

_KEY = r"^[a-z][a-z0-9_]*$"
_OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$")


class ParsedChunk(NamedTuple):
    """One chunk parsed: values of the non-blank rows, and per row of the chunk whether it
    is bad, its first bad column and the reason."""

    values: pd.DataFrame
    bad: pd.Series
    bad_column: pd.Series
    reason: pd.Series


@dataclass(frozen=True)
class _Cells:
    """One column of a chunk as read."""

    raw: pd.Series
    text: pd.Series | None  # stripped text, "" for missing; None for typed (Parquet) values
    empty: pd.Series


class _Flags:
    """The first problem found in each row: its column and the reason."""

    def __init__(self, index: pd.Index, cells: dict[str, _Cells]) -> None:
        self.cells = cells
        self.column = pd.Series(None, index=index, dtype=object)
        self.reason = pd.Series(None, index=index, dtype=object)

    def flag(self, mask: pd.Series, column: str, reason: str) -> None:
        """`reason` is the problem of the rows in `mask` that have none yet."""
        new = self._new(mask, column)
        if new is not None:
            self.reason[new] = reason

    def flag_value(self, mask: pd.Series, column: str, before: str, after: str = "") -> None:
        """Like `flag`, with each row's value quoted between `before` and `after`."""
        new = self._new(mask, column)
        if new is not None:
            # Reasons are built only for the rows that fail: most rows never need one.
            raw = self.cells[column].raw[new]
            self.reason[new] = [f"{before}{show(value)}{after}" for value in raw]

    def _new(self, mask: pd.Series, column: str) -> pd.Series | None:
        new = mask & self.column.isna()
        if not new.any():
            return None
        self.column[new] = column
        return new


def _is_text(values: pd.Series) -> bool:
    return values.dtype == object or isinstance(values.dtype, pd.StringDtype)


def _text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(stripped text, "" for missing; empty mask)."""
    if isinstance(values.dtype, pd.StringDtype):
        text = values.fillna("").str.strip()
    else:
        missing = values.isna()
        text = values.astype(str).where(~missing, "").str.strip()
    return text, text == ""


def _cells(values: pd.Series) -> _Cells:
    if _is_text(values):
        text, empty = _text(values)
        return _Cells(values, text, empty)
    return _Cells(values, None, values.isna())


def _parse_timestamps(values: pd.Series, tz: ZoneInfo) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert(tz).dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values
    text, _ = _text(values)
    zoned = text.str.contains(_OFFSET, regex=True)
    naive = pd.to_datetime(text.where(~zoned), format="ISO8601", errors="coerce")
    if not zoned.any():
        return naive
    parsed = pd.to_datetime(text[zoned], format="ISO8601", errors="coerce", utc=True)
    out = naive.astype("datetime64[us]")
    out[zoned] = parsed.dt.tz_convert(tz).dt.tz_localize(None).astype("datetime64[us]")
    return out


def _parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(dates at midnight, mask of values that carry a time of day)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        parsed = values.dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(values.dtype):
        parsed = values
    else:
        text, _ = _text(values)
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    midnight = parsed.dt.normalize()
    return midnight, parsed.notna() & (parsed != midnight)


def _numbers(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype(float)
    text, _ = _text(values)
    # Thousands separators and a leading currency sign are common in exported sheets.
    cleaned = text.str.replace(",", "", regex=False).str.replace(r"^[¥$€£]", "", regex=True)
    return pd.to_numeric(cleaned, errors="coerce")


def _text_values(f: Field, cells: _Cells, flags: _Flags) -> pd.Series:
    empty = cells.empty
    text = cells.text if cells.text is not None else cells.raw.astype(str).where(~empty, "")
    value = text
    if f.kind == "enum":
        value = text.str.lower()
        choices = " or ".join(f.choices)
        flags.flag_value(~empty & ~value.isin(f.choices), f.name, f"must be {choices}, not ")
    if f.is_key:
        value = text.str.lower()
        hint = " (lowercase letters, digits and _, starting with a letter, e.g. landing_page_views)"
        bad_key = ~empty & ~value.str.match(_KEY)
        flags.flag_value(bad_key, f.name, "not a key: ", hint)
        for word, instead in f.reserved.items():
            flags.flag(value == word, f.name, instead)
    if f.max_length:
        flags.flag(text.str.len() > f.max_length, f.name, f"longer than {f.max_length} characters")
    value = value.where(~empty)
    return value.fillna(f.default) if f.default is not None else value


def _timestamp_values(f: Field, cells: _Cells, flags: _Flags, tz: ZoneInfo) -> pd.Series:
    value = _parse_timestamps(cells.raw, tz)
    hint = " (use YYYY-MM-DD HH:MM:SS, optionally with +08:00 or Z)"
    flags.flag_value(~cells.empty & value.isna(), f.name, "unparseable timestamp ", hint)
    return value


def _date_values(f: Field, cells: _Cells, flags: _Flags) -> pd.Series:
    value, timed = _parse_dates(cells.raw)
    flags.flag_value(~cells.empty & value.isna(), f.name, "unparseable date ", " (use YYYY-MM-DD)")
    hint = "; a date (YYYY-MM-DD) is expected"
    flags.flag_value(timed, f.name, "has a time of day: ", hint)
    return value


def _number_values(f: Field, cells: _Cells, flags: _Flags) -> pd.Series:
    value = _numbers(cells.raw)
    not_finite = value.isna() | ~np.isfinite(value.fillna(0))
    flags.flag_value(~cells.empty & not_finite, f.name, "not a number: ")
    if f.non_negative:
        noun = "negative amount " if f.kind == "money" else "negative value "
        flags.flag_value(value < 0, f.name, noun, " (must be 0 or more)")
    flags.flag_value(value >= MAX_NUMBER, f.name, "too large: ")
    if f.kind == "int":
        fraction = value.notna() & (value != value.round())
        flags.flag_value(fraction, f.name, "not a whole number: ")
        # The row is rejected; its value is dropped, so the column still casts to integers.
        value = value.where(~fraction)
    if f.kind == "money":
        value = value.round(2)
    if f.default is not None:
        value = value.fillna(f.default)
    return value.astype("Int64") if f.kind == "int" else value


def _values(f: Field, cells: _Cells, flags: _Flags, tz: ZoneInfo) -> pd.Series:
    if not f.nullable:
        flags.flag(cells.empty, f.name, f"{f.name} is empty")
    if f.kind in ("text", "enum"):
        return _text_values(f, cells, flags)
    if f.kind == "timestamp":
        return _timestamp_values(f, cells, flags, tz)
    if f.kind == "date":
        return _date_values(f, cells, flags)
    return _number_values(f, cells, flags)


def parse_chunk(spec: Spec, frame: pd.DataFrame, tz: ZoneInfo) -> ParsedChunk:
    """Parse one chunk of `spec`'s file; zoned timestamps become wall-clock time in `tz`."""
    index = frame.index
    cells = {name: _cells(frame[name]) for name in frame.columns}
    flags = _Flags(index, cells)
    # A row with nothing in it (a blank line) is skipped, not an error.
    blank = pd.Series(True, index=index)
    for column in cells.values():
        blank &= column.empty
    parsed: dict[str, pd.Series] = {}
    for f in spec.fields:
        if f.name in cells:
            parsed[f.name] = _values(f, cells[f.name], flags, tz)
        else:
            parsed[f.name] = pd.Series([f.default] * len(frame), index=index, dtype=object)
    ordered = spec.rules.ordered
    if ordered and all(name in cells for name in ordered):
        first, last = ordered
        early = parsed[last].notna() & (parsed[last] < parsed[first])
        flags.flag(early, last, f"{last} is before {first}")
    bad = flags.column.notna() & ~blank
    values = pd.DataFrame(parsed, index=index)[~blank]
    return ParsedChunk(values, bad, flags.column, flags.reason.where(~blank))
