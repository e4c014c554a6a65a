"""Database fixtures: every database test runs on SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set, each test starting from a clean, migrated schema."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bot.core.db import Database, make_engine
from bot.core.migrate import upgrade
from bot.core.settings import Settings
from bot.models import Base

PG_URL = os.environ.get("TEST_DATABASE_URL")

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set"),
    ),
]


@pytest.fixture(autouse=True)
def _no_env_leaks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's .env or real Slack settings."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "DIGEST_", "FUND_", "ALERT_")) or name in (
            "DATABASE_URL",
            "ANALYTICS_DATABASE_URL",
            "TIMEZONE",
            "CURRENCY",
            "PORT",
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WARROOM_HISTORY", str(tmp_path / "history"))


def with_search_path(url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections use `schema` first."""
    return (
        make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    ).render_as_string(hide_password=False)


def _create_schema(name: str) -> None:
    engine = make_engine(PG_URL)  # type: ignore[arg-type]
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()


def _drop_schema(name: str) -> None:
    engine = make_engine(PG_URL)  # type: ignore[arg-type]
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


def new_schema_name() -> str:
    """A schema name no other test run uses (runs may share one PostgreSQL database)."""
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _pg_schema() -> Iterator[str]:
    """One migrated schema per test session; each test truncates it first."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    name = new_schema_name()
    _create_schema(name)
    engine = make_engine(with_search_path(PG_URL, name))
    upgrade(engine)
    engine.dispose()
    yield name
    _drop_schema(name)


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database kind under test: "sqlite" or "postgresql"."""
    return request.param


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The URL of a clean, migrated database of the current backend."""
    if backend == "sqlite":
        path = tmp_path / "state.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    url = with_search_path(PG_URL, request.getfixturevalue("_pg_schema"))  # type: ignore[arg-type]
    _truncate_all(url)
    return url


@pytest.fixture
def empty_db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, unmigrated database of the current backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = new_schema_name()
    _create_schema(name)
    yield with_search_path(PG_URL, name)  # type: ignore[arg-type]
    _drop_schema(name)


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Settings pointing at the clean test database, with the design's defaults."""
    return Settings(_env_file=None, database_url=db_url, timezone="UTC")  # type: ignore[call-arg]


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    """Both stores of a clean test database."""
    database = Database.from_settings(settings)
    yield database
    database.dispose()


@pytest.fixture
def engine(db: Database) -> Engine:
    """The state engine of a clean test database."""
    return db.state


@pytest.fixture
def slack_env(settings: Settings) -> Iterator[object]:
    """The real app over HTTP (handlers.create_app) with a fake Slack, a ManualClock and a
    clean db."""
    from datetime import UTC, datetime

    from bot.core.clock import ManualClock
    from bot.slack.server import stop_http_server
    from tests.fake_slack import FakeSlack
    from tests.slack_requests import SlackEnv, slack_settings, start_app

    fake = FakeSlack().start()
    connected = slack_settings(settings, fake)
    database = Database.from_settings(connected)
    clock = ManualClock(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    server, url, thread = start_app(connected, database, clock)
    yield SlackEnv(connected, database, clock, fake, url)
    stop_http_server(server, thread)
    fake.close()
    database.dispose()
