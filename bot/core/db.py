"""The one database access layer: engines, sessions and transactions for both stores.

The state store (DATABASE_URL) holds the bot's own tables; the analytics store
(ANALYTICS_DATABASE_URL, by default the same database) holds the growth facts.
"""

from __future__ import annotations

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
    """Create an engine for a database URL, with SQLite made transactional and safe."""
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
