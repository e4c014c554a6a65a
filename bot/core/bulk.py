"""Fast bulk inserts and reads: one fast path per database.

`insert_frame` writes a DataFrame: COPY on PostgreSQL, one large executemany on SQLite and
MySQL-protocol engines, DuckDB's scan of the frame, a Parquet file ClickHouse reads (chDB) or
clickhouse-connect's native insert (a ClickHouse server). The importer and the demo loader
write through it. `fetch_arrow` reads a select's rows as an Arrow table (columnar, straight
from DuckDB and ClickHouse), and `insert_arrow` writes such a table into the state store, so
rollup rows aggregated in a warehouse reach the state store without a Python object per value.
The caller owns the transaction.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from sqlalchemy import Connection, Date, DateTime, Float, Numeric, Select, Table

from bot.core.warehouse import family_of

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


def _rows(table: Table, frame: pd.DataFrame) -> Iterable[tuple[object, ...]]:
    columns = [_column_values(frame[name], _kind(table, name)) for name in frame.columns]
    return zip(*columns, strict=True)


def _insert_rows(connection: Connection, table: Table, frame: pd.DataFrame) -> None:
    names = ", ".join(_quoted(connection, name) for name in frame.columns)
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    marks = ", ".join(mark for _ in frame.columns)
    sql = f"INSERT INTO {_quoted(connection, table.name)} ({names}) VALUES ({marks})"
    connection.exec_driver_sql(sql, list(_rows(table, frame)))


def _quoted(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


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
    _copy_csv(connection, table, list(frame.columns), buffer.getvalue(), _PG_NULL)


def _copy_csv(connection: Connection, table: Table, names: list[str], data: Any, null: str) -> None:
    columns = ", ".join(f'"{name}"' for name in names)
    schema = f'"{table.schema}".' if table.schema else ""
    sql = f"COPY {schema}\"{table.name}\" ({columns}) FROM STDIN WITH (FORMAT csv, NULL '{null}')"
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
        copy.write(data)


def _insert_duckdb(connection: Connection, table: Table, frame: pd.DataFrame) -> None:
    raw = connection.connection.driver_connection
    view = f"_frame_{table.name}"
    raw.register(view, frame)  # type: ignore[union-attr]
    try:
        names = ", ".join(f'"{name}"' for name in frame.columns)
        raw.execute(f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM "{view}"')  # type: ignore[union-attr]
    finally:
        raw.unregister(view)  # type: ignore[union-attr]


def _insert_clickhouse(connection: Connection, table: Table, frame: pd.DataFrame) -> None:
    rows = pa.Table.from_pandas(frame, preserve_index=False)
    for index, name in enumerate(rows.column_names):
        kind = table.c[name].type
        if isinstance(kind, Numeric) and not isinstance(kind, Float):
            # Rounded to the column's decimals: ClickHouse truncates a float (537.669999...).
            exact = pa.decimal128(kind.precision or 18, kind.scale or 2)
            values = rows.column(name).cast(pa.float64()).cast(exact, safe=False)
            rows = rows.set_column(index, name, values)
    raw = connection.connection.driver_connection
    client = getattr(raw, "client", None)
    if client is not None:  # clickhouse-connect: a server, or chDB behind it
        client.insert_arrow(table.name, rows)
        return
    # chDB runs in this process: it reads the rows from a Parquet file.
    names = ", ".join(f"`{name}`" for name in frame.columns)
    with tempfile.TemporaryDirectory(prefix="warroom-") as folder:
        path = os.path.join(folder, "rows.parquet")
        pq.write_table(rows, path)
        connection.exec_driver_sql(
            f"INSERT INTO `{table.name}` ({names}) SELECT {names} FROM file('{path}', Parquet)"
        )


def insert_frame(connection: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Insert every row of `frame` (columns named as in `table`) and return the row count."""
    if frame.empty:
        return 0
    unknown = set(frame.columns) - set(table.c.keys())
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {', '.join(sorted(unknown))}")
    kind = family_of(connection)
    if kind == "postgresql":
        _insert_postgresql(connection, table, frame)
    elif kind == "duckdb":
        _insert_duckdb(connection, table, frame)
    elif kind == "clickhouse":
        _insert_clickhouse(connection, table, frame)
    else:
        _insert_rows(connection, table, frame)
    return len(frame)


# --------------------------------------------------------------------------- Arrow


def fetch_arrow(connection: Connection, query: Select[Any]) -> pa.Table:
    """The rows of `query` as an Arrow table, columnar from DuckDB and ClickHouse."""
    kind = family_of(connection)
    if kind == "duckdb":
        return _duckdb_relation(connection, query).to_arrow_table()
    if kind == "clickhouse":
        return _clickhouse_table(connection, query)
    result = connection.execute(query)
    names = list(result.keys())
    rows = result.all()
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
    return pa.table([pa.array(list(values)) for values in columns], names=names)


def arrow_batches(
    connection: Connection, query: Select[Any], rows: int = 1_000_000
) -> Iterator[pa.RecordBatch]:
    """The rows of `query` as Arrow record batches of at most about `rows` rows, streamed
    from DuckDB (so memory stays bounded), columnar from ClickHouse."""
    kind = family_of(connection)
    if kind == "duckdb":
        yield from _duckdb_relation(connection, query).to_arrow_reader(rows)
        return
    if kind == "clickhouse":
        yield from _clickhouse_table(connection, query).to_batches(rows)
        return
    result = connection.execute(query)
    names = list(result.keys())
    while chunk := result.fetchmany(rows):
        columns = list(zip(*chunk, strict=True))
        yield pa.record_batch([pa.array(list(values)) for values in columns], names=names)


def _duckdb_relation(connection: Connection, query: Select[Any]) -> Any:
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = [compiled.params[name] for name in compiled.positiontup or []]
    raw = connection.connection.driver_connection
    return raw.sql(str(compiled), params=params or None)  # type: ignore[union-attr]


def _clickhouse_table(connection: Connection, query: Select[Any]) -> pa.Table:
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    raw = connection.connection.driver_connection
    client = getattr(raw, "client", None)
    if client is not None:
        return client.query_arrow(sql)
    return raw._conn._conn.query(sql, "ArrowTable")  # type: ignore[union-attr]


def insert_arrow(connection: Connection, table: Table, rows: pa.Table) -> int:
    """Insert the rows of an Arrow table (columns named as in `table`) into SQLite or
    PostgreSQL; returns the row count."""
    if rows.num_rows == 0:
        return 0
    # In primary-key order: each row then lands at the end of the key's index.
    keys = [c.name for c in table.primary_key.columns if c.name in rows.column_names]
    if keys:
        rows = rows.sort_by([(name, "ascending") for name in keys])
    columns = []
    for name in rows.column_names:
        column = rows.column(name)
        if pa.types.is_decimal(column.type):
            column = column.cast(pa.float64())
        elif pa.types.is_date(column.type):
            column = pc.cast(column, pa.string())
        columns.append(column)
    data = pa.table(columns, names=rows.column_names)
    if family_of(connection) == "postgresql":
        buffer = io.BytesIO()
        options = pa_csv.WriteOptions(include_header=False, quoting_style="all_valid")
        pa_csv.write_csv(data, buffer, options)
        # Quoted values are values (an empty campaign is ""), unquoted empty is NULL.
        _copy_csv(connection, table, data.column_names, buffer.getvalue(), "")
        return rows.num_rows
    names = ", ".join(f'"{name}"' for name in data.column_names)
    marks = ", ".join("?" for _ in data.column_names)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    for batch in data.to_batches(max_chunksize=200_000):
        values = zip(*[column.to_pylist() for column in batch.columns], strict=True)
        connection.exec_driver_sql(sql, list(values))
    return rows.num_rows
