"""The warehouses the tests keep growth facts in, beside the bot's state store: DuckDB (a file
and a folder of Parquet files), ClickHouse (chDB in-process, through its own SQLAlchemy
dialect and through clickhouse-connect's, the one a ClickHouse server is reached with) and
the MariaDB server that runs on these machines and in CI (MySQL protocol). A test whose
driver or server is missing is skipped and says why."""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.core.db import make_engine

MYSQL_URL = os.environ.get("TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")

# Engine name -> the Python modules its driver needs.
DRIVERS = {
    "duckdb": ("duckdb_engine",),
    "parquet": ("duckdb_engine",),
    "chdb": ("chdb_sqlalchemy",),
    "clickhouse": ("clickhouse_connect", "chdb"),
    "mariadb": ("pymysql",),
}
EXTRAS = {"duckdb": "duckdb", "parquet": "duckdb", "chdb": "clickhouse"}
EXTRAS.update(clickhouse="clickhouse", mariadb="mysql")
WAREHOUSES = tuple(DRIVERS)


def _server_answers(url: str) -> bool:
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 3306), 1):
            return True
    except OSError:
        return False


def missing(name: str) -> str | None:
    """Why the warehouse `name` cannot be tested here, or None."""
    absent = [module for module in DRIVERS[name] if importlib.util.find_spec(module) is None]
    if absent:
        return (
            f"{', '.join(absent)} not installed "
            f"(pip install 'warroom-bot[{EXTRAS[name]}]'; make test installs it)"
        )
    if name == "mariadb" and not _server_answers(MYSQL_URL):
        host = make_url(MYSQL_URL)
        return f"no MySQL-protocol server answers on {host.host}:{host.port or 3306}"
    return None


def params(names: tuple[str, ...] = WAREHOUSES) -> list[object]:
    """pytest params for the warehouses, each skipped with its reason when unavailable."""
    out = []
    for name in names:
        reason = missing(name)
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        out.append(pytest.param(name, marks=marks, id=name))
    return out


_CHDB_FOLDER: list[Path] = []


def chdb_folder() -> Path:
    """The one chDB folder of this test process (chDB opens a single folder per process, so
    each test gets its own database inside it), removed at exit."""
    if not _CHDB_FOLDER:
        folder = Path(tempfile.mkdtemp(prefix="warroom-chdb-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _CHDB_FOLDER.append(folder)
    return _CHDB_FOLDER[0]


def _new_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


def warehouse_url(name: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty warehouse of kind `name`; drop it afterwards."""
    chdb = chdb_folder()
    if name == "duckdb":
        yield f"duckdb:///{tmp_path / 'facts.duckdb'}"
    elif name == "parquet":
        yield f"duckdb:///{tmp_path / 'facts'}/"
    elif name in ("chdb", "clickhouse"):
        database = _new_name()
        owner = f"chdb:///{chdb}?database={database}"
        if name == "chdb":
            yield owner
        else:
            creator = make_engine(owner)
            with creator.connect():
                pass  # the first connection creates the database
            creator.dispose()
            yield f"clickhousedb:///{database}?interface=chdb&path={chdb}"
        engine = make_engine(f"chdb:///{chdb}")
        with engine.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {database}")
        engine.dispose()
    else:
        database = _new_name()
        server = make_engine(MYSQL_URL)
        with server.begin() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {database}")
        yield make_url(MYSQL_URL).set(database=database).render_as_string(hide_password=False)
        with server.begin() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {database}")
        server.dispose()


@pytest.fixture
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty warehouse of the kind the test is parametrized with."""
    yield from warehouse_url(request.param, tmp_path)
