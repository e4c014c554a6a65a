"""`warroom import TABLE FILE`: validated, chunked, idempotent loading of growth facts.

How an import runs, in one transaction on the analytics store:

1. The file is read in chunks (CSV through pandas, Parquet by record batches), so memory
   stays bounded whatever the file size. Each chunk's cells are parsed and checked
   (required, types, ranges, choices); good rows go to a temporary staging table through
   the bulk fast path (COPY on PostgreSQL, executemany on SQLite).
2. Checks that need the whole file or the database run in SQL on the staging table:
   duplicate keys inside the file and unknown channels, campaigns and users.
3. With bad rows and no --skip-invalid the transaction is rolled back: nothing changes.
   Otherwise the bad rows go to a rejects file and the rest is upserted on the primary key
   (INSERT ... SELECT ... ON CONFLICT DO UPDATE, only where a value differs), so importing
   the same file twice changes nothing.
4. An ImportRun row is recorded and the metric rollups are marked stale for the dates the
   file covers.

Column names are matched case-insensitively (spaces and dashes read as underscores).
Columns the table does not have are ignored, with a warning naming them.
"""

from __future__ import annotations

import csv
import difflib
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    MetaData,
    String,
    Table,
    and_,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.core.bulk import insert_frame
from bot.core.clock import SYSTEM_CLOCK, Clock
from bot.core.db import Database, as_date
from bot.core.facts import mark_stale
from bot.core.settings import Settings
from bot.models import FACT_TABLES, ImportRun

CHUNK_ROWS = 200_000
MAX_REPORTED = 20
STREAM_ROWS = 50_000  # rejected rows fetched back from the staging table at a time
MAX_MONEY = 1e15  # NUMERIC(18, 2) holds less than 1e16
TARGETS: dict[str, Table] = {model.__tablename__: model.__table__ for model in FACT_TABLES}

Kind = Literal["text", "enum", "date", "timestamp", "money", "int", "float"]


class ImportFailed(Exception):
    """The file was not imported; the message is the report to show (nothing was written)."""


@dataclass(frozen=True)
class Field:
    """One column of an importable table and how its cells are read."""

    name: str
    kind: Kind = "text"
    required: bool = True  # the column must be in the file
    nullable: bool = False  # empty cells allowed (become NULL, or `default`)
    default: object = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    ref: str | None = None  # "table.column" the value must exist in


@dataclass(frozen=True)
class Spec:
    table: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    date_field: str | None = None  # the column whose range marks rollups stale

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _id(name: str = "id", ref: str | None = None, **kw: object) -> Field:
    return Field(name, "text", max_length=64, ref=ref, **kw)  # type: ignore[arg-type]


def _optional(field: Field) -> Field:
    return Field(**{**field.__dict__, "required": False, "nullable": True})


SPECS: dict[str, Spec] = {
    spec.table: spec
    for spec in (
        Spec(
            "channels",
            (
                _id("key"),
                Field("name", max_length=200),
                Field("kind", "enum", choices=("paid", "organic")),
                _optional(Field("roi_benchmark", "float")),
            ),
            ("key",),
        ),
        Spec(
            "campaigns",
            (
                _id(),
                _id("channel", "channels.key"),
                Field("name", max_length=200),
                Field("start_date", "date"),
                _optional(Field("end_date", "date")),
                _optional(Field("budget", "money")),
                _optional(Field("owner", max_length=200)),
                _optional(Field("status", max_length=32)),
            ),
            ("id",),
        ),
        Spec(
            "spend",
            (
                Field("date", "date"),
                _id("channel", "channels.key"),
                # Part of the primary key, so "no campaign" is "" rather than NULL.
                _id("campaign_id", "campaigns.id", required=False, nullable=True, default=""),
                Field("amount", "money"),
                Field("impressions", "int", required=False, nullable=True, default=0),
                Field("clicks", "int", required=False, nullable=True, default=0),
            ),
            ("date", "channel", "campaign_id"),
            "date",
        ),
        Spec(
            "users",
            (
                _id(),
                Field("signed_up_at", "timestamp"),
                _id("channel", "channels.key"),
                _optional(_id("campaign_id", "campaigns.id")),
            ),
            ("id",),
            "signed_up_at",
        ),
        Spec(
            "leads",
            (
                _id(),
                Field("created_at", "timestamp"),
                _id("channel", "channels.key"),
                _optional(_id("campaign_id", "campaigns.id")),
                _optional(_id("user_id", "users.id")),
            ),
            ("id",),
            "created_at",
        ),
        Spec(
            "orders",
            (
                _id(),
                _id("user_id", "users.id"),
                Field("ordered_at", "timestamp"),
                Field("amount", "money"),
            ),
            ("id",),
            "ordered_at",
        ),
        Spec(
            "activity",
            (_id("user_id", "users.id"), Field("date", "date")),
            ("user_id", "date"),
            "date",
        ),
    )
}

# Tables whose facts are read through the user's sign-up row (channel, campaign): a users
# import changes what every later day of orders and activity means.
_REACHES_FORWARD = {"users"}


@dataclass
class ImportReport:
    """What an import did, printable."""

    table: str
    source: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    first: date | None = None
    last: date | None = None
    seconds: float = 0.0
    rejects_path: Path | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return self.inserted + self.updated

    def __str__(self) -> str:
        lines = [*self.warnings]
        dates = f"; dates {self.first} to {self.last}" if self.first else ""
        lines.append(
            f"Imported {self.table} from {self.source}: {self.rows_read:,} rows read, "
            f"{self.loaded:,} loaded ({self.inserted:,} new, {self.updated:,} updated), "
            f"{self.unchanged:,} unchanged, {self.rejected:,} rejected{dates}; "
            f"{self.seconds:.1f} s."
        )
        if self.rejected and self.rejects_path:
            lines.append(f"Rejected rows (with line and reason) are in {self.rejects_path}.")
        return "\n".join(lines)


@dataclass(order=True)
class Problem:
    """One bad row: where (line as a person sees it, header = line 1), which column, why."""

    line: int
    column: str
    reason: str


# ------------------------------------------------------------------------------- reading


@dataclass
class _Source:
    path: Path
    kind: Literal["csv", "parquet"]
    columns: list[str]  # normalised names, in file order
    raw_columns: list[str]

    def where(self, line: int) -> str:
        return f"line {line}" if self.kind == "csv" else f"row {line}"


def _normalise(name: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lstrip("\ufeff").lower())


def _open(path: Path) -> _Source:
    if not path.exists():
        raise ImportFailed(f"{path}: no such file.")
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] in ([".parquet"], [".pq"]):
        kind: Literal["csv", "parquet"] = "parquet"
        try:
            import pyarrow.parquet as pq

            raw = list(pq.ParquetFile(path).schema_arrow.names)
        except Exception as error:  # pyarrow raises several types for a damaged file
            raise ImportFailed(f"{path}: not a readable Parquet file ({error}).") from None
    elif ".csv" in suffixes[-2:] or suffixes[-1:] == [".txt"]:
        kind = "csv"
        try:
            header = pd.read_csv(path, nrows=0, dtype=str, encoding="utf-8-sig")
        except pd.errors.EmptyDataError:
            raise ImportFailed(
                f"{path}: the file is empty; it needs a header row naming the columns."
            ) from None
        except UnicodeDecodeError:
            raise ImportFailed(_NOT_UTF8.format(path=path)) from None
        raw = [str(name) for name in header.columns]
    else:
        raise ImportFailed(
            f'{path}: unsupported file type "{path.suffix or "(none)"}"; '
            "use CSV (.csv) or Parquet (.parquet)."
        )
    return _Source(path, kind, [_normalise(name) for name in raw], raw)


_NOT_UTF8 = (
    "{path}: the file is not UTF-8 text; save it as UTF-8 (in Excel: CSV UTF-8) and try again."
)


def _chunks(source: _Source, wanted: list[str]) -> Iterator[pd.DataFrame]:
    """The file's rows in chunks, with normalised column names, only the `wanted` ones."""
    positions = [source.columns.index(name) for name in wanted]
    if source.kind == "parquet":
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(source.path)
        names = [source.raw_columns[i] for i in positions]
        for batch in parquet.iter_batches(batch_size=CHUNK_ROWS, columns=names):
            frame = batch.to_pandas()
            frame.columns = wanted
            yield frame
        return
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
    try:
        for frame in reader:
            # usecols keeps the file's order: name by position, then put in table order.
            frame.columns = [source.columns[p] for p in sorted(positions)]
            yield frame[wanted]
    except UnicodeDecodeError:
        raise ImportFailed(_NOT_UTF8.format(path=source.path)) from None
    except pd.errors.ParserError as error:
        raise ImportFailed(f"{source.path}: not a well-formed CSV file ({error}).") from None


def _check_columns(spec: Spec, source: _Source) -> tuple[list[str], list[str]]:
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


# ------------------------------------------------------------------------------- parsing

_OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$")


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


def _show(value: object) -> str:
    text = str(value).strip()
    return f'"{text[:40]}…"' if len(text) > 40 else f'"{text}"'


def _parse_chunk(
    spec: Spec, frame: pd.DataFrame, tz: ZoneInfo
) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series]:
    """Parse one chunk: (parsed values, bad-row mask, first bad column, reason) per row."""
    n = len(frame)
    index = frame.index
    parsed: dict[str, pd.Series] = {}
    bad_column = pd.Series(None, index=index, dtype=object)
    reason = pd.Series(None, index=index, dtype=object)
    raw_of: dict[str, pd.Series] = {}

    def flag(mask: pd.Series, column: str, why: str, show: bool = False, after: str = "") -> None:
        # Reasons are built only for the rows that fail: most rows never need one.
        new = mask & bad_column.isna()
        if new.any():
            bad_column[new] = column
            if show:
                reason[new] = [f"{why}{_show(v)}{after}" for v in raw_of[column][new]]
            else:
                reason[new] = why

    empties: dict[str, tuple[pd.Series | None, pd.Series]] = {}
    for name in frame.columns:
        raw = frame[name]
        raw_of[name] = raw
        empties[name] = _text(raw) if _is_text(raw) else (None, raw.isna())
    # A row with nothing in it (a blank line) is skipped, not an error.
    blank = pd.Series(True, index=index)
    for _, empty in empties.values():
        blank &= empty

    for f in spec.fields:
        if f.name not in frame.columns:
            parsed[f.name] = pd.Series([f.default] * n, index=index, dtype=object)
            continue
        raw = raw_of[f.name]
        text, empty = empties[f.name]
        if not f.nullable:
            flag(empty, f.name, f"{f.name} is empty")
        if f.kind in ("text", "enum"):
            if text is None:
                text = raw.astype(str).where(~empty, "")
            value = text
            if f.kind == "enum":
                value = text.str.lower()
                flag(~empty & ~value.isin(f.choices), f.name,
                     "must be " + " or ".join(f.choices) + ", not ", show=True)  # fmt: skip
            if f.max_length:
                flag(text.str.len() > f.max_length, f.name,
                     f"longer than {f.max_length} characters")  # fmt: skip
            value = value.where(~empty)
            if f.default is not None:
                value = value.fillna(f.default)
        elif f.kind == "timestamp":
            value = _parse_timestamps(raw, tz)
            flag(~empty & value.isna(), f.name, "unparseable timestamp ", show=True,
                 after=" (use YYYY-MM-DD HH:MM:SS, optionally with +08:00 or Z)")  # fmt: skip
        elif f.kind == "date":
            value, timed = _parse_dates(raw)
            flag(~empty & value.isna(), f.name, "unparseable date ", show=True,
                 after=" (use YYYY-MM-DD)")  # fmt: skip
            flag(timed, f.name, "has a time of day: ", show=True,
                 after="; a date (YYYY-MM-DD) is expected")  # fmt: skip
        else:
            value = _numbers(raw)
            flag(~empty & (value.isna() | ~np.isfinite(value.fillna(0))), f.name,
                 "not a number: ", show=True)  # fmt: skip
            flag(value < 0, f.name, "negative amount " if f.kind == "money" else "negative value ",
                 show=True, after=" (must be 0 or more)")  # fmt: skip
            flag(value >= MAX_MONEY, f.name, "too large: ", show=True)
            if f.kind == "int":
                flag(value.notna() & (value != value.round()), f.name,
                     "not a whole number: ", show=True)  # fmt: skip
            if f.kind == "money":
                value = value.round(2)
            if f.default is not None:
                value = value.fillna(f.default)
            value = value.astype("Int64") if f.kind == "int" else value
        parsed[f.name] = value
    if spec.table == "campaigns" and "end_date" in frame.columns:
        ends = parsed["end_date"]
        flag(ends.notna() & (ends < parsed["start_date"]), "end_date",
             "end_date is before start_date")  # fmt: skip
    bad = bad_column.notna() & ~blank
    return pd.DataFrame(parsed, index=index)[~blank], bad, bad_column, reason.where(~blank)


# ------------------------------------------------------------------------------- staging


def _staging_table(spec: Spec) -> tuple[Table, Table]:
    """A temporary table shaped like the target (no constraints), plus the problems table."""
    metadata = MetaData()
    target = TARGETS[spec.table]
    columns = [Column(f.name, target.c[f.name].type) for f in spec.fields]
    staging = Table(
        f"import_{spec.table}",
        metadata,
        Column("_line", BigInteger),
        *columns,
        prefixes=["TEMPORARY"],
    )
    problems = Table(
        f"import_{spec.table}_problems",
        metadata,
        Column("_line", BigInteger),
        Column("column_name", String(64)),
        Column("problem", String(16)),
        Column("value", String(200)),
        Column("first_line", BigInteger),
        prefixes=["TEMPORARY"],
    )
    return staging, problems


def _find_problems(connection: Connection, spec: Spec, staging: Table, problems: Table) -> None:
    """Record duplicate keys and unknown references of the staged rows, in SQL."""
    s = staging.c
    keys = [s[name] for name in spec.key]
    groups = (
        select(*keys, func.min(s._line).label("first_line"))
        .group_by(*keys)
        .having(func.count() > 1)
        .subquery()
    )
    shown = cast(keys[0], String)
    for key in keys[1:]:
        shown = shown + literal(", ") + func.coalesce(cast(key, String), "")
    connection.execute(
        problems.insert().from_select(
            ["_line", "column_name", "problem", "value", "first_line"],
            select(
                s._line,
                literal(", ".join(spec.key)),
                literal("duplicate"),
                shown,
                groups.c.first_line,
            )
            .select_from(staging.join(groups, and_(*[s[k] == groups.c[k] for k in spec.key])))
            .where(s._line > groups.c.first_line),
        )
    )
    for f in spec.fields:
        if not f.ref:
            continue
        ref_table, ref_column = f.ref.split(".")
        target = TARGETS[ref_table].c[ref_column]
        value = s[f.name]
        condition = value.is_not(None)
        if f.default == "":
            condition = and_(condition, value != "")
        connection.execute(
            problems.insert().from_select(
                ["_line", "column_name", "problem", "value"],
                select(s._line, literal(f.name), literal("unknown"), value).where(
                    condition, ~exists().where(target == value)
                ),
            )
        )


class _Reasons:
    """Turns the problems found in SQL into sentences, with suggestions from the database."""

    def __init__(self, connection: Connection, spec: Spec, source: _Source) -> None:
        self.connection, self.spec, self.source = connection, spec, source
        self._known: dict[str, list[str]] = {}

    def __call__(self, column: str, problem: str, value: str, first: int | None) -> str:
        spec = self.spec
        if problem == "duplicate":
            where = self.source.where(int(first or 0))
            return f"duplicate {spec.table} key {_show(value)} (first on {where})"
        ref_table, ref_column = (spec.field(column).ref or ".").split(".")
        noun = {"channels": "channel", "campaigns": "campaign", "users": "user id"}[ref_table]
        known = self.known(ref_table, ref_column)
        if not known:
            return (
                f"unknown {noun} {_show(value)}: the {ref_table} table is empty, "
                f"import {ref_table} before {spec.table}"
            )
        if ref_table == "users":
            return f"unknown {noun} {_show(value)} (import users before {spec.table})"
        close = difflib.get_close_matches(value, known, n=1, cutoff=0.5)
        close = close or [k for k in known if k.lower() == value.lower()]
        hint = f"did you mean {close[0]}?" if close else f"import {ref_table} first"
        if ref_table == "channels" and not close:
            hint = f"known channels: {', '.join(sorted(known)[:12])}"
        return f"unknown {noun} {_show(value)} ({hint})"

    def known(self, table: str, column: str) -> list[str]:
        if table not in self._known:
            # Enough to suggest a close match; user ids are only checked for emptiness.
            limit = 1 if table == "users" else 5000
            query = select(TARGETS[table].c[column]).limit(limit)
            self._known[table] = list(self.connection.execute(query).scalars())
        return self._known[table]


# ------------------------------------------------------------------------------- upsert


def _dialect_insert(connection: Connection):  # type: ignore[no-untyped-def]
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


def _upsert(connection: Connection, spec: Spec, staging: Table) -> tuple[int, int, int]:
    """Insert new rows, update changed ones; returns (inserted, updated, unchanged)."""
    target = TARGETS[spec.table]
    s = staging.c
    names = [f.name for f in spec.fields]
    others = [n for n in names if n not in spec.key]
    match = and_(*[target.c[k] == s[k] for k in spec.key])
    total = connection.execute(select(func.count()).select_from(staging)).scalar_one()
    new = connection.execute(
        select(func.count()).select_from(staging).where(~exists().where(match))
    ).scalar_one()
    insert = _dialect_insert(connection)(target).from_select(
        names,
        # SQLite needs a WHERE in INSERT ... SELECT ... ON CONFLICT to parse it.
        select(*[s[n] for n in names]).where(true()),
    )
    if others:
        excluded = insert.excluded
        statement = insert.on_conflict_do_update(
            index_elements=list(spec.key),
            set_={n: excluded[n] for n in others},
            # Rows whose values are all the same are left alone, so they are not counted.
            where=or_(*[target.c[n].is_distinct_from(excluded[n]) for n in others]),
        )
    else:
        statement = insert.on_conflict_do_nothing(index_elements=list(spec.key))
    written = connection.execute(statement, execution_options={"preserve_rowcount": True}).rowcount
    return new, written - new, total - written


# ------------------------------------------------------------------------------- driver


class _Progress:
    def __init__(self, enabled: bool, label: str) -> None:
        self.enabled, self.label, self.started = enabled, label, time.monotonic()

    def update(self, rows: int, stage: str = "reading") -> None:
        if self.enabled:
            rate = rows / max(time.monotonic() - self.started, 1e-6)
            sys.stderr.write(f"\r{self.label}: {stage} {rows:,} rows, {rate:,.0f} rows/s   ")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _table_spec(table: str) -> Spec:
    name = table.strip().lower()
    if name in SPECS:
        return SPECS[name]
    close = difflib.get_close_matches(name, list(SPECS), n=1)
    hint = f" - did you mean {close[0]}?" if close else f"; choose from {', '.join(SPECS)}"
    raise ImportFailed(f'unknown table "{table}"{hint}')


def import_file(
    db: Database,
    settings: Settings,
    table: str,
    path: Path,
    *,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    progress: bool = False,
    clock: Clock = SYSTEM_CLOCK,
) -> ImportReport:
    """Import one CSV or Parquet file into a fact table; raises ImportFailed (nothing
    written) when the file or any row is bad and `skip_invalid` is not set."""
    started = time.monotonic()
    spec = _table_spec(table)
    path = Path(path)
    source = _open(path)
    wanted, warnings = _check_columns(spec, source)
    report = ImportReport(spec.table, path.name, warnings=warnings)
    rejects_path = rejects_path or path.with_name(path.name.rsplit(".", 1)[0] + ".rejects.csv")
    bar = _Progress(progress, f"import {spec.table}")
    try:
        with db.analytics.begin() as connection:
            _run(connection, spec, source, wanted, report, settings, skip_invalid,
                 rejects_path, bar)  # fmt: skip
            now = clock.now()
            first, last = _stale_range(spec, report, settings, now)
            if db.analytics is db.state:
                with Session(bind=connection) as session:
                    _record(session, report, first, last, now)
                    session.flush()
        if db.analytics is not db.state:
            # Facts and bot state live in different databases: two transactions.
            with db.write() as session:
                _record(session, report, first, last, now)
    finally:
        bar.close()
    report.seconds = time.monotonic() - started
    return report


def _stale_range(
    spec: Spec, report: ImportReport, settings: Settings, now: datetime
) -> tuple[date | None, date | None]:
    if not spec.date_field or report.first is None:
        return None, None
    if spec.table in _REACHES_FORWARD:
        return report.first, now.astimezone(settings.tz).date()
    return report.first, report.last


def _record(
    session: Session, report: ImportReport, first: date | None, last: date | None, now: datetime
) -> None:
    session.add(
        ImportRun(
            table_name=report.table,
            source=report.source[:500],
            rows_read=report.rows_read,
            rows_loaded=report.loaded,
            rows_rejected=report.rejected,
            min_date=report.first,
            max_date=report.last,
            finished_at=now.replace(tzinfo=None),
        )
    )
    mark_stale(session, first, last, now)


def _run(
    connection: Connection,
    spec: Spec,
    source: _Source,
    wanted: list[str],
    report: ImportReport,
    settings: Settings,
    skip_invalid: bool,
    rejects_path: Path,
    bar: _Progress,
) -> None:
    rejects = _Rejects(rejects_path, wanted) if skip_invalid else None
    try:
        _stage_and_write(connection, spec, source, wanted, report, settings, rejects,
                         rejects_path, bar)  # fmt: skip
    except BaseException:
        if rejects:  # nothing was imported, so nothing was rejected either
            rejects.close()
            rejects_path.unlink(missing_ok=True)
        raise
    if rejects:
        rejects.close()
        if report.rejected:
            report.rejects_path = rejects_path
        else:
            rejects_path.unlink(missing_ok=True)


def _stage_and_write(
    connection: Connection,
    spec: Spec,
    source: _Source,
    wanted: list[str],
    report: ImportReport,
    settings: Settings,
    rejects: _Rejects | None,
    rejects_path: Path,
    bar: _Progress,
) -> None:
    staging, problems = _staging_table(spec)
    staging.create(connection)
    problems.create(connection)
    shown: list[Problem] = []
    row_bad = 0
    # Line of the first data row: the header is line 1 in a CSV; Parquet rows count from 1.
    line = 2 if source.kind == "csv" else 1
    for frame in _chunks(source, wanted):
        lines = np.arange(line, line + len(frame))
        line += len(frame)
        frame.index = lines
        parsed, bad, bad_column, reason = _parse_chunk(spec, frame, settings.tz)
        report.rows_read += len(parsed)
        if bad.any():
            row_bad += int(bad.sum())
            for at in lines[bad.to_numpy()][: MAX_REPORTED - len(shown)]:
                shown.append(Problem(int(at), bad_column[at], reason[at]))
            if rejects:
                rejects.write(frame[bad], reason[bad])
        good = parsed[~bad.reindex(parsed.index)]
        if len(good):
            insert_frame(connection, staging, good.assign(_line=good.index.astype(np.int64)))
        bar.update(report.rows_read)
    if report.rows_read == 0:
        raise ImportFailed(f"{source.path}: the file has a header but no rows to import.")

    bar.update(report.rows_read, "checking")
    _find_problems(connection, spec, staging, problems)
    p = problems.c
    sql_bad = connection.execute(select(func.count(func.distinct(p._line)))).scalar_one()
    report.rejected = row_bad + sql_bad
    if sql_bad:
        first_rows = connection.execute(
            select(p._line, p.column_name, p.problem, p.value, p.first_line)
            .order_by(p._line)
            .limit(MAX_REPORTED)
        ).all()
        reasons = _Reasons(connection, spec, source)
        for row in first_rows:
            why = reasons(row.column_name, row.problem, row.value, row.first_line)
            shown.append(Problem(int(row._line), row.column_name, why))
    if report.rejected and not rejects:
        raise ImportFailed(_failure_text(source, spec, report, sorted(shown), rejects_path))
    if sql_bad and rejects:
        reasons = _Reasons(connection, spec, source)
        _reject_staged(connection, reasons, staging, problems, rejects, wanted)
    if sql_bad:
        connection.execute(staging.delete().where(staging.c._line.in_(select(p._line))))

    bar.update(report.rows_read, "writing")
    column = spec.date_field
    if column:
        low, high = connection.execute(
            select(func.min(staging.c[column]), func.max(staging.c[column]))
        ).one()
        report.first, report.last = as_date(low), as_date(high)
    report.inserted, report.updated, report.unchanged = _upsert(connection, spec, staging)
    staging.drop(connection)
    problems.drop(connection)


def _failure_text(
    source: _Source, spec: Spec, report: ImportReport, shown: list[Problem], rejects_path: Path
) -> str:
    count = report.rejected
    lines = [
        f"{source.path.name}: {count:,} bad row{'s' if count != 1 else ''} "
        f"of {report.rows_read:,}; nothing was imported."
    ]
    lines += [
        f"  {source.where(p.line)}, column {p.column}: {p.reason}" for p in shown[:MAX_REPORTED]
    ]
    if count > MAX_REPORTED:
        lines.append(f"  ... and {count - MAX_REPORTED:,} more bad rows")
    lines.append(
        f"Fix the file and import it again, or add --skip-invalid to load the good rows "
        f"and write the bad ones to {rejects_path.name}."
    )
    return "\n".join(lines)


class _Rejects:
    """The rejects file: the bad rows as read, with their line and the reason."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.columns = columns
        self._file = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file)
        self._writer.writerow(["line", *columns, "reason"])

    def write(self, frame: pd.DataFrame, reasons: pd.Series) -> None:
        out = frame[self.columns].astype(object).where(frame[self.columns].notna(), "")
        out.insert(0, "line", frame.index)
        out["reason"] = reasons
        out.to_csv(self._file, header=False, index=False)

    def close(self) -> None:
        self._file.close()


def _reject_staged(
    connection: Connection,
    reasons: _Reasons,
    staging: Table,
    problems: Table,
    rejects: _Rejects,
    wanted: list[str],
) -> None:
    p = problems.c
    firsts = (
        select(
            p._line,
            func.min(p.column_name).label("column_name"),
            func.min(p.problem).label("problem"),
            func.min(p.value).label("value"),
            func.min(p.first_line).label("first_line"),
        )
        .group_by(p._line)
        .subquery()
    )
    query = (
        select(staging, firsts.c.column_name, firsts.c.problem, firsts.c.value, firsts.c.first_line)
        .join(firsts, firsts.c._line == staging.c._line)
        .order_by(staging.c._line)
    )
    result = connection.execute(
        query, execution_options={"stream_results": True, "yield_per": STREAM_ROWS}
    )
    for part in result.partitions():
        frame = pd.DataFrame([row._mapping for row in part])
        frame.index = frame["_line"].astype(np.int64)
        why = pd.Series(
            [
                reasons(c, pr, v, fl)
                for c, pr, v, fl in zip(
                    frame["column_name"],
                    frame["problem"],
                    frame["value"],
                    frame["first_line"],
                    strict=True,
                )
            ],
            index=frame.index,
        )
        rejects.write(frame[wanted], why)
