"""The engines the growth facts can be read through, beside SQLite and PostgreSQL: DuckDB (a
file, or a folder of Parquet files read in place through views), ClickHouse (a server through
clickhouse-connect, or chDB in-process) and MySQL-protocol engines (MySQL, MariaDB, TiDB,
StarRocks, Doris). Each is one family of SQL; the few expressions that differ are in
bot.metrics.sql, the DDL in bot.core.migrate, the bulk paths in bot.core.bulk.

The drivers are optional extras (`pip install warroom-bot[duckdb,clickhouse,mysql]`); a URL
naming a missing driver says which extra to install.
"""

from __future__ import annotations

import re
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import NoSuchModuleError
from sqlalchemy.pool import NullPool

from bot.models import FACT_TABLES

Family = str  # "sqlite" | "postgresql" | "duckdb" | "clickhouse" | "mysql"

_FAMILIES = {
    "sqlite": "sqlite",
    "postgresql": "postgresql",
    "duckdb": "duckdb",
    "chdb": "clickhouse",
    "clickhousedb": "clickhouse",
    "clickhouse": "clickhouse",
    "mysql": "mysql",
    "mariadb": "mysql",
}
# Which extra installs the driver of each URL scheme.
_EXTRAS = {"duckdb": "duckdb", "chdb": "clickhouse", "clickhousedb": "clickhouse"}
_EXTRAS.update(mysql="mysql", mariadb="mysql")

# ClickHouse differs from standard SQL unless told otherwise: an outer join fills missing
# columns with zeros and empty strings, and min() of no rows is 0 (1970-01-01 for a day).
CLICKHOUSE_SETTINGS = {"join_use_nulls": "1", "aggregate_functions_null_for_empty": "1"}

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# The Parquet folder behind each engine that reads one.
_FOLDERS: weakref.WeakKeyDictionary[Engine, Path] = weakref.WeakKeyDictionary()


def family(dialect: str) -> Family:
    """The SQL family of a dialect name ("chdb" and "clickhousedb" are both "clickhouse")."""
    return _FAMILIES.get(dialect, dialect)


def family_of(bind: Engine | Connection) -> Family:
    """The SQL family of an engine or a connection."""
    return family(bind.dialect.name)


def parquet_folder(url: URL) -> Path | None:
    """The folder of Parquet files a duckdb:/// URL names (an existing folder, or a path
    ending in "/"), or None for a DuckDB file or memory."""
    if url.get_backend_name() != "duckdb" or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database).expanduser()
    if url.database.endswith("/") or path.is_dir():
        return path
    return None


def warehouse_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for a DuckDB, ClickHouse or MySQL-protocol URL, set up to answer standard
    SQL the way the metric rollups expect."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    try:
        if backend == "duckdb":
            return _duckdb_engine(parsed, **kwargs)
        if family(backend) == "clickhouse":
            return _clickhouse_engine(parsed, **kwargs)
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as missing:
        extra = _EXTRAS.get(backend)
        hint = f"; install it with: pip install 'warroom-bot[{extra}]'" if extra else ""
        raise ImportError(f"No driver for {backend} URLs ({missing}){hint}") from None


def _duckdb_engine(url: URL, **kwargs: Any) -> Engine:
    folder = parquet_folder(url)
    if folder is None:
        if url.database and url.database != ":memory:":
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            # DuckDB lets one process at a time open a file for writing: connections are
            # closed after use, so `warroom import` can run beside a serving bot.
            kwargs.setdefault("poolclass", NullPool)
        return create_engine(url, **kwargs)
    folder.mkdir(parents=True, exist_ok=True)
    # Each connection is an in-memory database whose views read the files in place.
    engine = create_engine(url.set(database=":memory:"), **kwargs)
    _FOLDERS[engine] = folder

    @event.listens_for(engine, "connect")
    def _views(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        for statement in parquet_views(folder, cursor):
            cursor.execute(statement)
        cursor.close()

    return engine


def _clickhouse_engine(url: URL, **kwargs: Any) -> Engine:
    if url.get_backend_name() == "clickhousedb":
        # clickhouse-connect passes URL query arguments on as session settings.
        settings = {k: v for k, v in CLICKHOUSE_SETTINGS.items() if k not in url.query}
        return create_engine(url.update_query_dict(settings), **kwargs)
    # chDB runs in this process; `?database=NAME` picks a database inside its folder.
    database = url.query.get("database")
    if database is not None and not _NAME.match(str(database)):
        raise ValueError(f'"{database}" is not a ClickHouse database name')
    engine = create_engine(url.difference_update_query(["database"]), **kwargs)

    @event.listens_for(engine, "connect")
    def _settings(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        for name, value in CLICKHOUSE_SETTINGS.items():
            cursor.execute(f"SET {name} = {value}")
        if database:
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS {database}")
            cursor.execute(f"USE {database}")
        cursor.close()

    return engine


# --------------------------------------------------------------------------- Parquet views


def _sources(folder: Path, table: str) -> str | None:
    """The read_parquet() call reading `table` from the folder: TABLE.parquet, or every
    Parquet file under TABLE/ (partitions as NAME=VALUE folders), or None."""
    single = folder / f"{table}.parquet"
    if single.is_file():
        return f"read_parquet({_quote(str(single))})"
    part = folder / table
    if part.is_dir() and any(part.rglob("*.parquet")):
        pattern = _quote(str(part / "**" / "*.parquet"))
        return f"read_parquet({pattern}, hive_partitioning = true, union_by_name = true)"
    return None


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parquet_views(folder: Path, cursor: Any) -> list[str]:
    """CREATE VIEW statements for the seven fact tables over the folder's Parquet files,
    with the model's column names and types (a missing optional column reads as its default,
    a missing table as no rows)."""
    # DuckDB's SQL types are PostgreSQL's.
    dialect = postgresql.dialect()
    statements = []
    for model in FACT_TABLES:
        table = model.__table__
        source = _sources(folder, table.name)
        present: set[str] = set()
        if source is not None:
            cursor.execute(f"DESCRIBE SELECT * FROM {source}")
            present = {str(row[0]).lower() for row in cursor.fetchall()}
        columns = []
        for column in table.columns:
            kind = column.type.compile(dialect=dialect)
            if column.name in present:
                value = f'"{column.name}"'
            else:
                default = column.default.arg if column.default is not None else None  # type: ignore[attr-defined]
                value = "NULL" if default is None else _literal(default)
            columns.append(f'CAST({value} AS {kind}) AS "{column.name}"')
        body = ", ".join(columns)
        query = f"SELECT {body} FROM {source}" if source else f"SELECT {body} LIMIT 0"
        statements.append(f'CREATE OR REPLACE VIEW "{table.name}" AS {query}')
    return statements


def _literal(value: object) -> str:
    return _quote(value) if isinstance(value, str) else str(value)


def folder_of(engine: Engine) -> Path | None:
    """The folder of Parquet files `engine` reads, or None."""
    return _FOLDERS.get(engine)
