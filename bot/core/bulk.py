"""Fast bulk inserts of DataFrames: COPY on PostgreSQL, one large executemany on SQLite.

Both the importer and the demo loader write through `insert_frame`, so there is one fast
path per database. The caller owns the transaction.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Connection, Date, DateTime, Table

_PG_NULL = r"\N"


def _column_values(series: pd.Series, kind: str) -> list[object]:
    """A column as plain Python values, None for missing; dates as ISO text for SQLite."""
    mask = series.isna()
    if kind == "datetime":
        values = pd.to_datetime(series).dt.strftime("%Y-%m-%d %H:%M:%S.%f").tolist()
    elif kind == "date":
        values = pd.to_datetime(series).dt.strftime("%Y-%m-%d").tolist()
    else:
        values = series.tolist()
    if mask.any():
        values = [None if missing else value for value, missing in zip(values, mask, strict=True)]
    return values


def _kind(table: Table, name: str) -> str:
    column_type = table.c[name].type
    if isinstance(column_type, DateTime):
        return "datetime"
    if isinstance(column_type, Date):
        return "date"
    return "plain"


def _sqlite_rows(table: Table, frame: pd.DataFrame) -> Iterable[tuple[object, ...]]:
    columns = [_column_values(frame[name], _kind(table, name)) for name in frame.columns]
    return zip(*columns, strict=True)


def _insert_sqlite(connection: Connection, table: Table, frame: pd.DataFrame) -> None:
    names = ", ".join(f'"{name}"' for name in frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    connection.exec_driver_sql(sql, list(_sqlite_rows(table, frame)))


def _insert_postgresql(connection: Connection, table: Table, frame: pd.DataFrame) -> None:
    out = frame.copy(deep=False)
    for name in out.columns:
        kind = _kind(table, name)
        if kind == "datetime":
            out[name] = pd.to_datetime(out[name]).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
        elif kind == "date":
            out[name] = pd.to_datetime(out[name]).dt.strftime("%Y-%m-%d")
    buffer = io.StringIO()
    # An explicit NULL marker keeps NULL apart from the empty string.
    out.to_csv(buffer, index=False, header=False, na_rep=_PG_NULL)
    names = ", ".join(f'"{name}"' for name in frame.columns)
    schema = f'"{table.schema}".' if table.schema else ""
    sql = f"COPY {schema}\"{table.name}\" ({names}) FROM STDIN WITH (FORMAT csv, NULL '{_PG_NULL}')"
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(buffer.getvalue())


def insert_frame(connection: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Insert every row of `frame` (columns named as in `table`) and return the row count."""
    if frame.empty:
        return 0
    unknown = set(frame.columns) - set(table.c.keys())
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {', '.join(sorted(unknown))}")
    if connection.dialect.name == "postgresql":
        _insert_postgresql(connection, table, frame)
    else:
        _insert_sqlite(connection, table, frame)
    return len(frame)
