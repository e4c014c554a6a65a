"""The checks that need the whole file or the database, run in SQL on a temporary staging
table (duplicate keys inside the file, unknown channels, campaigns and users), and the
upsert of the staged rows into the fact table."""

from __future__ import annotations

import difflib
from datetime import date

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

from bot.core.db import as_date
from bot.data.importer.reading import Source
from bot.data.importer.report import show
from bot.data.importer.specs import TARGETS, Spec

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
                    condition, ~exists().where(target == value)
                ),
            )
        )


def _find_duplicates(connection: Connection, spec: Spec, staging: Table, problems: Table) -> None:
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
