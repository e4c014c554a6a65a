"""Schema migrations: `warroom migrate` upgrades a store to the newest Alembic revision, and
`warroom migrate --analytics` creates the growth-fact tables in an empty warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    Numeric,
    Table,
    inspect,
)

import migrations
from bot.core.warehouse import family_of, folder_of
from bot.models import FACT_TABLES, Base

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent


def alembic_config(url: str) -> Config:
    """An Alembic config for this project's migrations against one database URL."""
    # Alembic is imported when it is used: it costs 0.3 s at every start-up otherwise.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind `engine` to `revision` (default: the newest)."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def is_migrated(engine: Engine) -> bool:
    """True when the database has been migrated at least once."""
    return inspect(engine).has_table("alembic_version")


def schema_problem(engine: Engine) -> str | None:
    """Why the state store cannot be served yet (not migrated, or behind), or None."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    if not is_migrated(engine):
        return "the database at DATABASE_URL is not migrated yet; run `warroom migrate` first"
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != set(script.get_heads()):
        return "the database at DATABASE_URL is behind this version; run `warroom migrate`"
    return None


# --------------------------------------------------------------------------- analytics DDL

# ClickHouse sorting keys: the day column first, so a refresh from a day on reads only the
# parts holding later days.
_CLICKHOUSE_ORDER = {
    "channels": ("key",),
    "campaigns": ("id",),
    "spend": ("date", "channel", "campaign_id"),
    "users": ("id",),
    "leads": ("created_at", "id"),
    "orders": ("ordered_at", "id"),
    "activity": ("date", "user_id"),
    "touchpoints": ("date", "channel", "touchpoint"),
}


def _clickhouse_type(column: Column) -> str:
    kind = column.type
    if isinstance(kind, DateTime):
        name = "DateTime64(6)"
    elif isinstance(kind, Date):
        name = "Date"
    elif isinstance(kind, Float):
        name = "Float64"
    elif isinstance(kind, Integer):
        name = "Int64"
    elif isinstance(kind, Numeric):
        name = f"Decimal({kind.precision or 18}, {kind.scale or 2})"
    else:
        name = "String"
    return f"Nullable({name})" if column.nullable else name


def clickhouse_columns(table: Table) -> str:
    """The column list of `table` in ClickHouse's CREATE TABLE."""
    return ",\n  ".join(f"`{c.name}` {_clickhouse_type(c)}" for c in table.columns)


def _clickhouse_ddl(table: Table) -> str:
    order = ", ".join(f"`{name}`" for name in _CLICKHOUSE_ORDER[table.name])
    return (
        f"CREATE TABLE IF NOT EXISTS `{table.name}` (\n  {clickhouse_columns(table)}\n)\n"
        f"ENGINE = MergeTree\nORDER BY ({order})"
    )


def _plain_tables(keys: bool) -> list[Table]:
    """The fact tables as plain columns: with their primary keys and indexes when `keys`,
    never with foreign keys or checks (the importer checks references and values itself)."""
    metadata = MetaData()
    out = []
    for model in FACT_TABLES:
        source = model.__table__
        table = Table(
            source.name,
            metadata,
            *[
                Column(c.name, c.type, nullable=c.nullable, primary_key=keys and c.primary_key)
                for c in source.columns
            ],
        )
        if keys:
            for index in source.indexes:
                Index(index.name, *[table.c[c.name] for c in index.columns])
        out.append(table)
    return out


def create_fact_tables(engine: Engine) -> list[str]:
    """Create the growth-fact tables missing in the analytics database behind `engine`, in
    its own dialect; the names of the tables created. SQLite and PostgreSQL get the same
    tables as the bot's own store; DuckDB plain columns (it keeps min/max per block instead
    of indexes); ClickHouse MergeTree tables sorted by day; MySQL-protocol engines primary
    keys and indexes. None has foreign keys there: `warroom import` checks references."""
    kind = family_of(engine)
    if folder_of(engine) is not None:
        return []  # a folder of Parquet files: each table is TABLE.parquet or TABLE/
    existing = set(inspect(engine).get_table_names())
    missing = [m.__table__ for m in FACT_TABLES if m.__tablename__ not in existing]
    if not missing:
        return []
    names = {table.name for table in missing}
    if kind in ("sqlite", "postgresql"):
        Base.metadata.create_all(engine, tables=missing)
    elif kind == "clickhouse":
        with engine.begin() as connection:
            for table in missing:
                connection.exec_driver_sql(_clickhouse_ddl(table))
    else:
        plain = [t for t in _plain_tables(keys=kind != "duckdb") if t.name in names]
        plain[0].metadata.create_all(engine, tables=plain)
    return [table.name for table in missing]
