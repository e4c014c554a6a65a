"""The checks that need the whole file or the database, run in SQL on a temporary staging
table (duplicate keys inside the file, unknown channels, campaigns and users), and the
upsert of the staged rows into the fact table."""

from __future__ import annotations

import difflib
import os
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite

from bot.core.db import as_date
from bot.core.migrate import clickhouse_columns
from bot.core.warehouse import family_of, folder_of
from bot.data.importer.reading import Source
from bot.data.importer.report import ImportFailed, show
from bot.data.importer.specs import TARGETS, Spec

# Keys per ClickHouse delete of replaced rows.
_DELETE_KEYS = 5_000
# How a value of each referenced table is named in a message.
_NOUNS = {"channels": "channel", "campaigns": "campaign", "users": "user id"}


def staging_tables(spec: Spec) -> tuple[Table, Table]:
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


def create_temporary(connection: Connection, *tables: Table) -> None:
    """Create the temporary tables (on ClickHouse in memory, for this session)."""
    for table in tables:
        if family_of(connection) == "clickhouse":
            connection.exec_driver_sql(
                f"CREATE TEMPORARY TABLE `{table.name}` (\n  {clickhouse_columns(table)}\n)"
                "\nENGINE = Memory"
            )
        else:
            table.create(connection)


def drop_temporary(connection: Connection, *tables: Table) -> None:
    """Drop the temporary tables."""
    for table in tables:
        table.drop(connection)


def _missing(connection: Connection, value: Any, target: Any) -> Any:
    """`value` is not among the values of the `target` column."""
    if family_of(connection) == "clickhouse":
        # No correlated subqueries there; NOT IN reads the column once.
        return value.not_in(select(target))
    return ~exists().where(target == value)


def find_problems(connection: Connection, spec: Spec, staging: Table, problems: Table) -> None:
    """Record duplicate keys and unknown references of the staged rows, in SQL."""
    _find_duplicates(connection, spec, staging, problems)
    s = staging.c
    for f in spec.fields:
        if not f.ref:
            continue
        ref_table, ref_column = f.ref.split(".")
        target = TARGETS[ref_table].c[ref_column]
        value = s[f.name]
        condition = value.is_not(None)
        if f.default == "":  # "" stands for "none" in a key column
            condition = and_(condition, value != "")
        connection.execute(
            problems.insert().from_select(
                ["_line", "column_name", "problem", "value"],
                select(s._line, literal(f.name), literal("unknown"), value).where(
                    condition, _missing(connection, value, target)
                ),
            )
        )


def _find_duplicates(connection: Connection, spec: Spec, staging: Table, problems: Table) -> None:
    s = staging.c
    keys = [s[name] for name in spec.key]
    shown = cast(keys[0], String)
    for key in keys[1:]:
        shown = shown + literal(", ") + func.coalesce(cast(key, String), "")
    # The first line of each key beside every row: one pass, the staging table read once
    # (MySQL cannot open a temporary table twice in one statement).
    lines = select(
        s._line,
        shown.label("shown"),
        func.min(s._line).over(partition_by=keys).label("first_line"),
    ).subquery()
    connection.execute(
        problems.insert().from_select(
            ["_line", "column_name", "problem", "value", "first_line"],
            select(
                lines.c._line,
                literal(", ".join(spec.key)),
                literal("duplicate"),
                lines.c.shown,
                lines.c.first_line,
            ).where(lines.c._line > lines.c.first_line),
        )
    )


class Reasons:
    """Turns the problems found in SQL into sentences, with suggestions from the database."""

    def __init__(self, connection: Connection, spec: Spec, source: Source) -> None:
        self.connection, self.spec, self.source = connection, spec, source
        self._known: dict[str, list[str]] = {}

    def __call__(self, column: str, problem: str, value: str, first: int | None) -> str:
        spec = self.spec
        if problem == "duplicate":
            where = self.source.where(int(first or 0))
            return f"duplicate {spec.table} key {show(value)} (first on {where})"
        ref_table, ref_column = (spec.field(column).ref or ".").split(".")
        noun = _NOUNS[ref_table]
        known = self.known(ref_table, ref_column)
        if not known:
            return (
                f"unknown {noun} {show(value)}: the {ref_table} table is empty, "
                f"import {ref_table} before {spec.table}"
            )
        if ref_table == "users":
            return f"unknown {noun} {show(value)} (import users before {spec.table})"
        close = difflib.get_close_matches(value, known, n=1, cutoff=0.5)
        close = close or [k for k in known if k.lower() == value.lower()]
        hint = f"did you mean {close[0]}?" if close else f"import {ref_table} first"
        if ref_table == "channels" and not close:
            hint = f"known channels: {', '.join(sorted(known)[:12])}"
        return f"unknown {noun} {show(value)} ({hint})"

    def known(self, table: str, column: str) -> list[str]:
        """Values of `table`.`column` to suggest from (one, for users: only emptiness counts)."""
        if table not in self._known:
            limit = 1 if table == "users" else 5000
            query = select(TARGETS[table].c[column]).limit(limit)
            self._known[table] = list(self.connection.execute(query).scalars())
        return self._known[table]


def staged_dates(
    connection: Connection, staging: Table, column: str
) -> tuple[date | None, date | None]:
    """The first and last day of the staged rows' `column`."""
    low, high = connection.execute(
        select(func.min(staging.c[column]), func.max(staging.c[column]))
    ).one()
    return as_date(low), as_date(high)


def upsert(connection: Connection, spec: Spec, staging: Table) -> tuple[int, int, int]:
    """Insert new rows, update changed ones; returns (inserted, updated, unchanged)."""
    if family_of(connection) not in ("sqlite", "postgresql"):
        return _rewrite(connection, spec, staging)
    target = TARGETS[spec.table]
    s = staging.c
    names = [f.name for f in spec.fields]
    others = [n for n in names if n not in spec.key]
    match = and_(*[target.c[k] == s[k] for k in spec.key])
    total = connection.execute(select(func.count()).select_from(staging)).scalar_one()
    new = connection.execute(
        select(func.count()).select_from(staging).where(~exists().where(match))
    ).scalar_one()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(target).from_select(
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


def _differs(connection: Connection, a: Any, b: Any) -> Any:
    if family_of(connection) == "clickhouse":
        # IS DISTINCT FROM, spelt out (ClickHouse has it in JOIN ON only).
        return or_(a != b, and_(a.is_(None), b.is_not(None)), and_(a.is_not(None), b.is_(None)))
    return a.is_distinct_from(b)


def _rewrite(connection: Connection, spec: Spec, staging: Table) -> tuple[int, int, int]:
    """The upsert where tables have no unique keys to conflict on (DuckDB, ClickHouse) or the
    same SQL serves every engine (MySQL protocol): the new and changed rows are set apart,
    the changed ones deleted from the target, then both inserted; unchanged rows stay."""
    target = TARGETS[spec.table]
    s = staging.c
    names = [f.name for f in spec.fields]
    others = [n for n in names if n not in spec.key]
    match = and_(*[target.c[k] == s[k] for k in spec.key])
    absent = target.c[spec.key[0]].is_(None)
    changed = or_(*[_differs(connection, target.c[n], s[n]) for n in others]) if others else None
    writes = Table(
        f"{staging.name}_writes",
        MetaData(),
        *[Column(c.name, c.type) for c in staging.columns if c.name != "_line"],
        Column("_new", Integer),
        prefixes=["TEMPORARY"],
    )
    create_temporary(connection, writes)
    wanted = absent if changed is None else or_(absent, changed)
    connection.execute(
        writes.insert().from_select(
            [*names, "_new"],
            select(*[s[n] for n in names], case((absent, 1), else_=0))
            .select_from(staging.outerjoin(target, match))
            .where(wanted),
        )
    )
    total = connection.execute(select(func.count()).select_from(staging)).scalar_one()
    new, written = connection.execute(
        select(func.coalesce(func.sum(writes.c._new), 0), func.count()).select_from(writes)
    ).one()
    folder = folder_of(connection.engine)
    if folder is not None:
        if written:
            _write_file(connection, spec, writes, folder)
    elif written > new:
        _delete_replaced(connection, spec, writes)
    if written and folder is None:
        connection.execute(
            target.insert().from_select(names, select(*[writes.c[n] for n in names]))
        )
    drop_temporary(connection, writes)
    return int(new), int(written - new), int(total - written)


def _delete_replaced(connection: Connection, spec: Spec, writes: Table) -> None:
    """Delete the target rows the import replaces (the changed ones)."""
    target = TARGETS[spec.table]
    keys = [target.c[k] for k in spec.key]
    key = keys[0] if len(keys) == 1 else tuple_(*keys)
    replaced = select(*[writes.c[k] for k in spec.key]).where(writes.c._new == 0)
    if family_of(connection) != "clickhouse":
        connection.execute(target.delete().where(key.in_(replaced)))
        return
    # A ClickHouse delete runs apart from this session, where the temporary table is not
    # seen: the keys go with it, a block at a time.
    found = connection.execute(replaced).all()
    for start in range(0, len(found), _DELETE_KEYS):
        block = found[start : start + _DELETE_KEYS]
        values = [row[0] for row in block] if len(keys) == 1 else [tuple(row) for row in block]
        connection.execute(target.delete().where(key.in_(values)))


def _write_file(connection: Connection, spec: Spec, writes: Table, folder: Path) -> None:
    """A folder of Parquet files: write TABLE.parquet again with the kept rows and the new
    and changed ones (under a temporary name first, so readers never see half a file)."""
    if (folder / spec.table).is_dir():
        raise ImportFailed(
            f"{spec.table} is a partitioned folder ({folder / spec.table}); the import writes "
            f"one file per table: add the file to that folder yourself, or move it aside to "
            f"have {spec.table}.parquet written"
        )
    target = TARGETS[spec.table]
    names = [f.name for f in spec.fields]
    keys = [target.c[k] for k in spec.key]
    replaced = select(*[writes.c[k] for k in spec.key]).where(writes.c._new == 0)
    kept = select(*[target.c[n] for n in names]).where(~tuple_(*keys).in_(replaced))
    rows = kept.union_all(select(*[writes.c[n] for n in names]))
    sql = str(rows.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    path = folder / f"{spec.table}.parquet"
    part = folder / f".{spec.table}.parquet.part"
    quoted = str(part).replace("'", "''")
    connection.exec_driver_sql(f"COPY ({sql}) TO '{quoted}' (FORMAT parquet)")
    os.replace(part, path)
