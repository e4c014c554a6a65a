"""Reading an import file: CSV through pandas or Parquet by record batches, in chunks, so
memory stays bounded whatever the file size.

Column names are matched case-insensitively (spaces and dashes read as underscores).
Columns the table does not have are ignored, with a warning naming them."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bot.data.importer.lines import LineMap, UnclosedQuote, line_map
from bot.data.importer.report import ImportFailed
from bot.data.importer.specs import Spec

CHUNK_ROWS = 200_000

_NOT_UTF8 = (
    "{path}: the file is not UTF-8 text; save it as UTF-8 (in Excel: CSV UTF-8) and try again."
)
_NOTHING = "nothing was imported."
# pandas' own words for the two ways a CSV file breaks; its "line" counts records.
_UNCLOSED = re.compile(r"EOF inside string starting at row (\d+)")
_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


@dataclass
class Source:
    """An opened import file: its kind and its columns."""

    path: Path
    kind: Literal["csv", "parquet"]
    columns: list[str]  # normalised names, in file order
    raw_columns: list[str]
    # Where each CSV record starts (quoted line breaks counted); None for Parquet.
    lines: LineMap | None = field(default=None, repr=False)

    @property
    def first_line(self) -> int:
        """The line of the first data row: the header is line 1 of a CSV; Parquet rows
        count from 1."""
        return 2 if self.kind == "csv" else 1

    def where(self, line: int) -> str:
        """A row's place as the person reading the file would name it."""
        return f"line {line}" if self.kind == "csv" else f"row {line}"


def _normalise(name: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lstrip("\ufeff").lower())


def open_source(path: Path) -> Source:
    """Read the header of the CSV or Parquet file at `path`; raises ImportFailed when the
    file is missing, of another type, empty or unreadable."""
    if not path.exists():
        raise ImportFailed(f"{path}: no such file.")
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] in ([".parquet"], [".pq"]):
        return _source(path, "parquet", _parquet_columns(path))
    if ".csv" in suffixes[-2:] or suffixes[-1:] == [".txt"]:
        try:
            lines = line_map(path)
        except UnclosedQuote as unclosed:
            raise ImportFailed(f"{path}: {unclosed}; {_NOTHING}") from None
        return _source(path, "csv", _csv_columns(path, lines), lines)
    raise ImportFailed(
        f'{path}: unsupported file type "{path.suffix or "(none)"}"; '
        "use CSV (.csv) or Parquet (.parquet)."
    )


def _source(
    path: Path, kind: Literal["csv", "parquet"], raw: list[str], lines: LineMap | None = None
) -> Source:
    return Source(path, kind, [_normalise(name) for name in raw], raw, lines)


def _parquet_columns(path: Path) -> list[str]:
    try:
        return list(pq.ParquetFile(path).schema_arrow.names)
    except Exception as error:  # pyarrow raises several types for a damaged file
        raise ImportFailed(f"{path}: not a readable Parquet file ({error}).") from None


def _csv_columns(path: Path, lines: LineMap) -> list[str]:
    try:
        header = pd.read_csv(path, nrows=0, dtype=str, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise ImportFailed(
            f"{path}: the file is empty; it needs a header row naming the columns."
        ) from None
    except UnicodeDecodeError:
        raise ImportFailed(_NOT_UTF8.format(path=path)) from None
    except pd.errors.ParserError as error:
        raise ImportFailed(_csv_problem(path, lines, error)) from None
    return [str(name) for name in header.columns]


def _csv_problem(path: Path, lines: LineMap, error: Exception) -> str:
    """pandas' ParserError as "FILE: line N: reason" (N as an editor counts lines)."""
    message = str(error)
    if unclosed := _UNCLOSED.search(message):
        line = lines.line_of(int(unclosed.group(1)))
        return f"{path}: line {line}: a quoted field opened here is never closed; {_NOTHING}"
    if fields := _FIELDS.search(message):
        expected, record, saw = (int(group) for group in fields.groups())
        line = lines.line_of(record - 1)
        return (
            f"{path}: line {line}: {saw} fields where the header has {expected} "
            f"(a comma too many, or a value that needs quotes); {_NOTHING}"
        )
    return f"{path}: not a well-formed CSV file ({message}); {_NOTHING}"


def check_columns(spec: Spec, source: Source) -> tuple[list[str], list[str]]:
    """(columns to read, warnings); raises ImportFailed for missing or repeated columns."""
    seen: set[str] = set()
    repeated = sorted({n for n in source.columns if n in seen or seen.add(n)})  # type: ignore[func-returns-value]
    if repeated:
        raise ImportFailed(f"{source.path}: column(s) {', '.join(repeated)} appear twice.")
    names = [f.name for f in spec.fields]
    extra = [n for n in source.columns if n not in names]
    missing = [f.name for f in spec.fields if f.required and f.name not in source.columns]
    if missing:
        hints = []
        for name in missing:
            close = difflib.get_close_matches(name, extra, n=1)
            hints.append(f'{name} (found "{close[0]}"?)' if close else name)
        raise ImportFailed(
            f"{source.path}: missing column(s) {', '.join(hints)}. "
            f"A {spec.table} file has the columns {', '.join(names)} "
            f"(required: {', '.join(f.name for f in spec.fields if f.required)})."
        )
    warnings = []
    if extra:
        warnings.append(
            f"Ignored column(s) not in {spec.table}: {', '.join(extra)} "
            f"(the table has {', '.join(names)})."
        )
    return [n for n in names if n in source.columns], warnings


def chunks(source: Source, wanted: list[str]) -> Iterator[pd.DataFrame]:
    """The file's rows in chunks, with normalised column names, only the `wanted` ones."""
    positions = [source.columns.index(name) for name in wanted]
    if source.kind == "parquet":
        yield from _parquet_chunks(source, wanted, positions)
    else:
        yield from _csv_chunks(source, wanted, positions)


def _parquet_chunks(
    source: Source, wanted: list[str], positions: list[int]
) -> Iterator[pd.DataFrame]:
    parquet = pq.ParquetFile(source.path)
    names = [source.raw_columns[i] for i in positions]
    row = source.first_line
    for batch in parquet.iter_batches(batch_size=CHUNK_ROWS, columns=names):
        _check_text(source, batch, row)
        frame = batch.to_pandas()
        frame.columns = wanted
        frame.index = np.arange(row, row + len(frame))
        row += len(frame)
        yield frame


def _check_text(source: Source, batch: pa.RecordBatch, first_row: int) -> None:
    """ImportFailed naming the first row whose text column holds bytes that are not UTF-8."""
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        try:
            column.validate(full=True)
        except pa.ArrowInvalid:
            raw = column.cast(
                pa.large_binary() if pa.types.is_large_string(column.type) else pa.binary()
            )
            for offset, value in enumerate(raw.to_pylist()):
                try:
                    (value or b"").decode("utf-8")
                except UnicodeDecodeError:
                    raise ImportFailed(
                        f"{source.path}: row {first_row + offset}, column {name}: the text "
                        f"holds bytes that are not UTF-8; {_NOTHING}"
                    ) from None
            raise


def _csv_chunks(source: Source, wanted: list[str], positions: list[int]) -> Iterator[pd.DataFrame]:
    lines = source.lines or LineMap()
    record = 1  # the header is record 0
    try:
        reader = pd.read_csv(
            source.path,
            dtype=str,
            encoding="utf-8-sig",
            keep_default_na=False,
            na_filter=False,
            usecols=positions,
            chunksize=CHUNK_ROWS,
            # Blank lines stay rows, so a row's position still gives its line number.
            skip_blank_lines=False,
        )
        for frame in reader:
            # usecols keeps the file's order: name by position, then put in table order.
            frame.columns = [source.columns[p] for p in sorted(positions)]
            # Each row is indexed by the line it starts on, quoted line breaks counted.
            frame.index = lines.lines(record, len(frame))
            record += len(frame)
            yield frame[wanted]
    except UnicodeDecodeError:
        raise ImportFailed(_NOT_UTF8.format(path=source.path)) from None
    except pd.errors.ParserError as error:
        raise ImportFailed(_csv_problem(source.path, lines, error)) from None
