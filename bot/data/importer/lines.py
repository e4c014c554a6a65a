"""Where each record of a CSV file starts, in the lines a person sees in an editor: a quoted
field may hold line breaks, so record N is not always on line N + 1.

One pass over the bytes, in blocks, with numpy: a line break is inside a quoted field when
an odd number of quotes comes before it. That holds when every quote opens or closes a
field (or doubles a quote inside one), which the same pass checks; a file with stray quotes
(`5" screen` in an unquoted field) is counted again record by record with the csv module,
which reads quotes as pandas does. Only the records holding line breaks are remembered, so
memory does not grow with the file."""

from __future__ import annotations

import bisect
import contextlib
import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BLOCK_BYTES = 16 * 1024 * 1024
_QUOTE, _COMMA, _LF, _CR = 34, 44, 10, 13
# The bytes a quote that opens a field may follow, and one that closes it may precede.
_IS_BOUNDARY = np.zeros(256, dtype=bool)
_IS_BOUNDARY[[_COMMA, _LF, _CR, _QUOTE]] = True
_BOM = b"\xef\xbb\xbf"


class UnclosedQuote(ValueError):
    """A quoted field that never closes; `line` is where it opens."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line}: a quoted field opened here is never closed")
        self.line = line


@dataclass
class LineMap:
    """The line each record starts on: record 0 (the header) on line 1, record k on line
    k + 1 plus the line breaks inside quoted fields of the records before it."""

    # One entry per line break inside a quoted field: the record holding it, ascending.
    breaks: list[int] = field(default_factory=list)

    def line_of(self, record: int) -> int:
        """The line record `record` starts on."""
        return record + 1 + bisect.bisect_left(self.breaks, record)

    def lines(self, first: int, count: int) -> np.ndarray:
        """The lines records `first` to `first + count - 1` start on."""
        records = np.arange(first, first + count, dtype=np.int64)
        if not self.breaks:
            return records + 1
        return records + 1 + np.searchsorted(np.asarray(self.breaks), records, side="left")


@dataclass
class _Scan:
    """What the pass carries from one block to the next."""

    quotes: int = 0  # quotes so far
    records: int = 0  # line breaks outside quotes so far
    lines: int = 0  # line breaks so far
    offset: int = 0  # bytes so far
    last: int = _LF  # the byte before this block (a line start at the beginning)
    closing_at_end: bool = False  # the previous block ended on a closing quote
    opened_line: int = 0  # the line of the last opening quote
    regular: bool = True  # every quote opens, closes or doubles


def _quotes_regular(scan: _Scan, raw: np.ndarray, at: np.ndarray, opening: np.ndarray) -> bool:
    """Whether every quote at `at` opens a field (after a comma, a line break, a doubled
    quote or the file's start) or closes one (before a comma, a line break or a quote)."""
    opens = at[opening]
    before = raw[np.maximum(opens - 1, 0)]
    if len(opens) and opens[0] == 0:
        before[0] = scan.last
    fine = _IS_BOUNDARY[before]
    if len(opens) and not fine.all():
        # Only the quote opening the file (or following its byte order mark) may stand
        # after something else.
        start = opens + scan.offset
        fine |= (start == 0) | ((start == len(_BOM)) & (before == _BOM[-1]))
        if not fine.all():
            return False
    closes = at[~opening]
    # A closing quote that ends the block is checked against the next block's first byte.
    closes = closes[closes + 1 < len(raw)]
    return bool(_IS_BOUNDARY[raw[closes + 1]].all())


def _block(scan: _Scan, data: bytes, result: LineMap) -> None:
    """Count one block: the line breaks inside quotes, and whether every quote is regular."""
    raw = np.frombuffer(data, dtype=np.uint8)
    if scan.closing_at_end and not _IS_BOUNDARY[raw[0]]:
        scan.regular = False
    scan.closing_at_end = False
    if data.find(b'"') < 0 and scan.quotes % 2 == 0:
        breaks = data.count(b"\n")
        scan.records, scan.lines = scan.records + breaks, scan.lines + breaks
    else:
        at = np.flatnonzero(raw == _QUOTE)
        newlines = np.flatnonzero(raw == _LF)
        # A quote opens when an even number of quotes came before it.
        opening = (np.arange(len(at)) + scan.quotes) % 2 == 0
        inside = ((np.searchsorted(at, newlines) + scan.quotes) % 2).astype(bool)
        ends = ~inside
        record_of = scan.records + np.cumsum(ends) - ends
        result.breaks.extend(record_of[inside].tolist())
        scan.regular = scan.regular and _quotes_regular(scan, raw, at, opening)
        scan.closing_at_end = bool(len(at) and at[-1] == len(raw) - 1 and not opening[-1])
        if opening.any():
            position = int(at[opening][-1])
            scan.opened_line = scan.lines + 1 + int(np.searchsorted(newlines, position))
        scan.quotes += len(at)
        scan.records += int(ends.sum())
        scan.lines += len(newlines)
    scan.offset += len(raw)
    scan.last = int(raw[-1])


def _by_records(path: Path) -> LineMap:
    """The same map, record by record with the csv module (for files with stray quotes)."""
    result = LineMap()
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as stream:
        reader = csv.reader(stream)
        seen = 0
        # An unclosed quote here swallows the rest of the file; pandas then says where.
        with contextlib.suppress(csv.Error):  # a field over csv's size limit: stop counting
            for record, _ in enumerate(reader):
                result.breaks.extend([record] * (reader.line_num - seen - 1))
                seen = reader.line_num
    return result


def line_map(path: Path) -> LineMap:
    """Where each record of the CSV file at `path` starts; UnclosedQuote for a quoted field
    that never closes."""
    scan, result = _Scan(), LineMap()
    with path.open("rb") as stream:
        while data := stream.read(BLOCK_BYTES):
            _block(scan, data, result)
    if not scan.regular:
        return _by_records(path)
    if scan.quotes % 2:
        raise UnclosedQuote(scan.opened_line)
    return result
