"""The one database access layer: engines, sessions and transactions for both stores.

The state store (DATABASE_URL) holds the bot's own tables; the analytics store
(ANALYTICS_DATABASE_URL, by default the same database) holds the growth facts.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from bot.core.settings import Settings
from bot.core.warehouse import family, warehouse_engine


def _prepare_sqlite(engine: Engine) -> None:
    # pysqlite does not BEGIN before a SELECT and has no FOR UPDATE. Following SQLAlchemy's
    # documented recipe we turn off its own transaction handling and emit BEGIN ourselves,
    # so a write transaction can take the lock up front with BEGIN IMMEDIATE.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = "IMMEDIATE" if connection.get_execution_options().get("write_lock") else ""
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def make_engine(url: str, **kwargs: object) -> Engine:
    """Create an engine for a database URL, with SQLite made transactional and safe (and
    warehouses set up by bot.core.warehouse)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            # A file database is shared by threads and processes; pooled connections
            # bring nothing but locks held by idle connections.
            kwargs.setdefault("poolclass", NullPool)
        engine = create_engine(url, **kwargs)
        _prepare_sqlite(engine)
        return engine
    if family(parsed.get_backend_name()) != "postgresql":
        # DuckDB, ClickHouse and MySQL-protocol warehouses (ANALYTICS_DATABASE_URL).
        return warehouse_engine(url, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def as_date(value: object) -> date | None:
    """A day read back from any database: a date, a datetime, or SQLite's ISO text."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@dataclass
class Database:
    """Both stores of one bot: the state engine and the analytics engine (often the same)."""

    state: Engine
    analytics: Engine
    _sessions: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.state, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """Open the stores named by DATABASE_URL and ANALYTICS_DATABASE_URL."""
        state = make_engine(settings.database_url)
        if settings.analytics_url == settings.database_url:
            return cls(state=state, analytics=state)
        return cls(state=state, analytics=make_engine(settings.analytics_url))

    def session(self) -> Session:
        """A new session on the state store; use it as `with db.session() as s, s.begin():`."""
        return self._sessions()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction that holds the write lock from its start (SQLite) and commits."""
        with self._sessions() as session, session.begin():
            session.connection(execution_options={"write_lock": True})
            yield session

    def dispose(self) -> None:
        """Close every pooled connection of both stores."""
        self.state.dispose()
        if self.analytics is not self.state:
            self.analytics.dispose()


# --------------------------------------------------------------------------- reachability


# How long a command waits for a store to answer before saying it cannot be reached.
CONNECT_TIMEOUT = 10.0


class DatabaseUnreachable(Exception):
    """A store cannot be reached; the message names where and why (never the password)."""


def where(engine: Engine) -> str:
    """The store behind `engine` as an operator names it: host, port and database, or the
    SQLite file."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return f"sqlite file {url.database or ':memory:'}"
    host = f"{url.host or 'localhost'}{f':{url.port}' if url.port else ''}"
    return f"{url.get_backend_name()} at {host}/{url.database or ''}"


def failure_reason(engine: Engine, error: BaseException) -> str:
    """The first line of what the driver said about `error`, with the password masked."""
    cause = getattr(error, "orig", None) or error
    text = " ".join(str(cause).split()) or type(cause).__name__
    password = engine.url.password
    if password:
        text = text.replace(str(password), "***")
    return text[:300]


def unreachable(engine: Engine, error: BaseException) -> DatabaseUnreachable:
    """The DatabaseUnreachable saying that `engine`'s store failed with `error`."""
    return DatabaseUnreachable(
        f"Cannot reach the database ({where(engine)}): {failure_reason(engine, error)}"
    )


def check_connection(engine: Engine, timeout: float = 1.0) -> None:
    """Raise DatabaseUnreachable unless the store answers SELECT 1 within `timeout` seconds."""
    outcome: list[BaseException | None] = []
    done = threading.Event()

    def ask() -> None:
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            outcome.append(None)
        except Exception as error:  # any failure to answer means "not reachable"
            outcome.append(error)
        done.set()

    # A daemon thread: a connect that hangs (a host that drops packets) is left behind,
    # never waited for, not even at exit.
    threading.Thread(target=ask, name="db-check", daemon=True).start()
    if not done.wait(timeout):
        raise DatabaseUnreachable(
            f"Cannot reach the database ({where(engine)}): no answer within {timeout:g} s"
        )
    if outcome[0] is not None:
        raise unreachable(engine, outcome[0]) from outcome[0]


def open_database(settings: Settings, timeout: float = CONNECT_TIMEOUT) -> Database:
    """Both stores of `settings`, each checked to answer (check_connection); raises
    DatabaseUnreachable naming the store that cannot be opened and why."""
    try:
        database = Database.from_settings(settings)
    except (OSError, ImportError) as error:
        raise DatabaseUnreachable(f"Cannot open the database: {error}") from error
    engines = [database.state]
    if database.analytics is not database.state:
        engines.append(database.analytics)
    try:
        for engine in engines:
            check_connection(engine, timeout)
    except DatabaseUnreachable:
        database.dispose()
        raise
    return database
