"""Loading the demo data set into the analytics store, chunk by chunk, in one transaction."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, DropConstraint

from bot.core.bulk import insert_frame
from bot.core.clock import SYSTEM_CLOCK, Clock, naive_utc
from bot.core.db import Database
from bot.core.facts import mark_stale
from bot.core.warehouse import family_of, folder_of
from bot.data.demo import files
from bot.data.demo.generator import Generator
from bot.data.demo.plan import Plan
from bot.models import FACT_TABLES, Channel, ImportRun, Spend, User

TABLES = {model.__tablename__: model.__table__ for model in FACT_TABLES}
LOAD_ORDER = (
    "channels",
    "campaigns",
    "spend",
    "users",
    "leads",
    "orders",
    "activity",
    "touchpoints",
)
PART_ROWS = 250_000  # rows per insert: keeps the driver's parameters or COPY buffer small


_LOADED = (
    "Growth facts are already loaded. Use --replace to delete them and load the demo data, "
    "or --if-empty to keep them."
)


class DemoDataError(Exception):
    """The demo data cannot be loaded as asked; the message says what to do instead."""


@dataclass
class DemoSummary:
    """What a demo load did, printable."""

    rows: dict[str, int]
    first: date | None
    last: date | None
    seconds: float
    skipped: str | None = None

    def __str__(self) -> str:
        if self.skipped:
            return self.skipped
        counts = ", ".join(f"{name} {count:,}" for name, count in self.rows.items())
        return (
            f"Loaded demo data for {self.first} to {self.last} in {self.seconds:.1f} s: {counts}."
        )


def load_demo(
    db: Database,
    *,
    users: int = 20_000,
    days: int = 365,
    seed: int = 7,
    end_date: date,
    if_empty: bool = False,
    replace: bool = False,
    progress: Callable[[int], None] | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> DemoSummary:
    """Generate the demo data set and load it into the analytics store, chunk by chunk;
    `progress`, if given, is called with the number of users of each chunk loaded.

    Raises DemoDataError when facts are already loaded and neither flag says what to do."""
    started = time.monotonic()
    engine = db.analytics
    generator = Generator(users, days, seed, end_date)
    source = f"demo-data --users {users} --days {days} --seed {seed}"
    folder = folder_of(engine)
    if folder is not None:
        if files.has_files(folder):
            if if_empty:
                skipped = "Growth facts are already loaded; demo data not loaded."
                return DemoSummary({}, None, None, 0.0, skipped)
            if not replace:
                raise DemoDataError(_LOADED)
        chunks = generator.user_chunks()
        rows = files.write_tables(folder, generator.fixed_tables(), chunks, progress)
        # Pooled connections read the files through views made before they were written.
        engine.dispose()
        with db.write() as session:
            _record(session, rows, generator.plan, clock.now(), source)
        plan = generator.plan
        return DemoSummary(rows, plan.start, plan.end, time.monotonic() - started)
    # One transaction: a failed or interrupted load leaves the previous facts (or none).
    with _bulk_connection(engine) as connection, connection.begin():
        if _has_facts(connection):
            if if_empty:
                skipped = "Growth facts are already loaded; demo data not loaded."
                return DemoSummary({}, None, None, 0.0, skipped)
            if not replace:
                raise DemoDataError(_LOADED)
            _delete_facts(connection)
        with _without_secondary_indexes(connection):
            rows = _insert(connection, generator, progress)
        now = clock.now()
        if db.state is engine:
            with Session(bind=connection) as session:
                _record(session, rows, generator.plan, now, source)
                session.flush()
    if db.state is not engine:
        with db.write() as session:
            _record(session, rows, generator.plan, now, source)
    plan = generator.plan
    return DemoSummary(rows, plan.start, plan.end, time.monotonic() - started)


def _insert(
    connection: Connection, generator: Generator, progress: Callable[[int], None] | None
) -> dict[str, int]:
    """Insert every generated row; the row count of each table."""
    rows = dict.fromkeys(LOAD_ORDER, 0)
    for name, frame in generator.fixed_tables().items():
        rows[name] += insert_frame(connection, TABLES[name], frame)
    for chunk in generator.user_chunks():
        for name in ("users", "leads", "orders", "activity"):
            rows[name] += _insert_in_parts(connection, name, chunk[name])
        if progress:
            progress(len(chunk["users"]))
    return rows


def _has_facts(connection: Connection) -> bool:
    tables = (User.__table__, Channel.__table__, Spend.__table__)
    return any(connection.execute(select(table).limit(1)).first() for table in tables)


def _delete_facts(connection: Connection) -> None:
    kind = family_of(connection)
    if kind == "postgresql":
        names = ", ".join(f'"{name}"' for name in reversed(LOAD_ORDER))
        connection.exec_driver_sql(f"TRUNCATE {names}")
    elif kind in ("duckdb", "clickhouse"):
        for name in reversed(LOAD_ORDER):
            connection.exec_driver_sql(f'TRUNCATE TABLE "{name}"')
    else:
        # DELETE, not TRUNCATE: MySQL commits before a TRUNCATE.
        for name in reversed(LOAD_ORDER):
            connection.execute(delete(TABLES[name]))


@contextmanager
def _bulk_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for loading into empty fact tables. On SQLite, foreign keys are not
    checked row by row (the pragma only changes outside a transaction), and the page cache
    is larger; the generated rows are consistent by construction."""
    with engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            yield connection
            return
        raw = connection.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=OFF")
        raw.execute("PRAGMA cache_size=-200000")
        try:
            yield connection
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
            raw.execute("PRAGMA cache_size=-2000")


@contextmanager
def _without_secondary_indexes(connection: Connection) -> Iterator[None]:
    """Drop the fact tables' secondary indexes (and, on PostgreSQL, foreign keys) while
    loading, then build them once: the usual bulk-load recipe, much faster than keeping
    them up to date row by row. Inside the load's transaction, so a failure restores them."""
    if family_of(connection) in ("duckdb", "clickhouse"):
        yield  # no secondary indexes there
        return
    tables = [TABLES[name] for name in LOAD_ORDER]
    indexes = [index for table in tables for index in table.indexes]
    foreign_keys = (
        [fk for table in tables for fk in table.foreign_key_constraints]
        if connection.dialect.name == "postgresql"
        else []
    )
    for fk in foreign_keys:
        connection.execute(DropConstraint(fk))
    for index in indexes:
        index.drop(connection)
    yield
    for index in indexes:
        index.create(connection)
    for fk in foreign_keys:
        connection.execute(AddConstraint(fk))


def _insert_in_parts(connection: Connection, name: str, frame: pd.DataFrame) -> int:
    return sum(
        insert_frame(connection, TABLES[name], frame.iloc[i : i + PART_ROWS])
        for i in range(0, len(frame), PART_ROWS)
    )


def _record(session: Session, rows: dict[str, int], plan: Plan, now: datetime, source: str) -> None:
    for name, count in rows.items():
        session.add(
            ImportRun(
                table_name=name,
                source=source,
                rows_read=count,
                rows_loaded=count,
                rows_rejected=0,
                min_date=plan.start,
                max_date=plan.end,
                finished_at=naive_utc(now),
            )
        )
    mark_stale(session, plan.start, plan.end, now)
