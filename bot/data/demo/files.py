"""Writing the demo data set as Parquet files, one per table, chunk by chunk: what a team that
keeps its facts as files has, and what `ANALYTICS_DATABASE_URL=duckdb:///FOLDER/` reads."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Date, DateTime, Float, Integer, Numeric, Table

from bot.models import FACT_TABLES

TABLES = {model.__tablename__: model.__table__ for model in FACT_TABLES}
# Row groups of this many rows: small enough to read a day's rows without the whole file.
ROW_GROUP_ROWS = 500_000


def arrow_schema(table: Table) -> pa.Schema:
    """The Parquet schema of a fact table: exact decimals for money, naive timestamps."""
    fields = []
    for column in table.columns:
        kind = column.type
        if isinstance(kind, DateTime):
            arrow = pa.timestamp("us")
        elif isinstance(kind, Date):
            arrow = pa.date32()
        elif isinstance(kind, Float):
            arrow = pa.float64()
        elif isinstance(kind, Integer):
            arrow = pa.int64()
        elif isinstance(kind, Numeric):
            arrow = pa.decimal128(kind.precision or 18, kind.scale or 2)
        else:
            arrow = pa.string()
        fields.append(pa.field(column.name, arrow, nullable=bool(column.nullable)))
    return pa.schema(fields)


def as_arrow(table: Table, frame: pd.DataFrame) -> pa.Table:
    """The rows of `frame` in the table's Parquet schema (money rounded to its decimals)."""
    schema = arrow_schema(table)
    columns = []
    for field in schema:
        values = pa.array(frame[field.name], from_pandas=True)
        if pa.types.is_decimal(field.type):
            values = values.cast(pa.float64())  # an int64 column has no room for cents
        columns.append(values.cast(field.type, safe=False))
    return pa.Table.from_arrays(columns, schema=schema)


def has_files(folder: Path) -> bool:
    """True when the folder holds any fact table's file or folder."""
    return any(_paths(folder, name) for name in TABLES)


def _paths(folder: Path, name: str) -> list[Path]:
    return [path for path in (folder / f"{name}.parquet", folder / name) if path.exists()]


def delete_files(folder: Path) -> None:
    """Remove the fact tables' files (and partitioned folders), nothing else."""
    for name in TABLES:
        for path in _paths(folder, name):
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def write_tables(
    folder: Path,
    fixed: dict[str, pd.DataFrame],
    chunks: object,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write `fixed` tables and every chunk of user tables as TABLE.parquet files, each
    first under a temporary name, so a failed write leaves the earlier files; the row count
    of each table."""
    rows: dict[str, int] = {}
    writers: dict[str, pq.ParquetWriter] = {}
    temporary = {name: folder / f".{name}.parquet.part" for name in TABLES}
    try:
        for name, frame in fixed.items():
            pq.write_table(as_arrow(TABLES[name], frame), temporary[name])
            rows[name] = len(frame)
        for chunk in chunks:  # type: ignore[attr-defined]
            for name, frame in chunk.items():
                if name not in writers:
                    schema = arrow_schema(TABLES[name])
                    writers[name] = pq.ParquetWriter(temporary[name], schema)
                writers[name].write_table(as_arrow(TABLES[name], frame), ROW_GROUP_ROWS)
                rows[name] = rows.get(name, 0) + len(frame)
            if progress:
                progress(len(chunk["users"]))
        for writer in writers.values():
            writer.close()
        writers.clear()
        delete_files(folder)
        for name in rows:
            temporary[name].rename(folder / f"{name}.parquet")
    finally:
        for writer in writers.values():
            writer.close()
        for path in temporary.values():
            path.unlink(missing_ok=True)
    return rows
