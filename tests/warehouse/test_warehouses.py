"""Facts in a warehouse: `migrate --analytics` creates the tables in each engine, a folder of
Parquet files is read in place (one file per table, or a partitioned folder), an import
into a warehouse refreshes just the new day (equal to a full rebuild), and the README's
commands work on a DuckDB file."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.core.clock import ManualClock
from bot.core.db import Database, make_engine
from bot.core.migrate import create_fact_tables, upgrade
from bot.core.settings import Settings
from bot.core.warehouse import warehouse_engine
from bot.data.demo import load_demo
from bot.data.importer import import_file
from bot.metrics import rollups
from bot.metrics.engine import ask
from bot.models import FACT_TABLES, Order, Spend, User
from tests.metrics.test_rollups import dump
from tests.warehouse.engines import missing, params

REFRESH = "bot.metrics.rollups.refresh"  # the module (the package exports a function so named)
END = date(2026, 6, 30)
CLOCK = datetime(2026, 7, 1, 8, tzinfo=UTC)


def _split(settings: Settings, url: str) -> tuple[Settings, Database]:
    analytics = make_engine(url)
    return (
        settings.model_copy(update={"analytics_database_url": url}),
        Database(state=make_engine(settings.database_url), analytics=analytics),
    )


@pytest.mark.parametrize("warehouse", params(), indirect=True)
def test_migrate_analytics_creates_the_fact_tables_once(warehouse: str) -> None:
    engine = make_engine(warehouse)
    names = [model.__tablename__ for model in FACT_TABLES]
    created = create_fact_tables(engine)
    # A folder of Parquet files needs no tables: each is a file (or a folder) there.
    assert created == ([] if warehouse.endswith("/") else names)
    assert create_fact_tables(engine) == []
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(User)).scalar() == 0
    engine.dispose()


@pytest.mark.parametrize("warehouse", params(("duckdb", "chdb", "mariadb")), indirect=True)
def test_a_new_day_imported_into_a_warehouse_refreshes_like_a_full_build(
    warehouse: str, settings: Settings, tmp_path: Path
) -> None:
    tuned = settings.model_copy(update={"ltv_horizon_days": 20, "roi_window_days": 10})
    tuned, db = _split(tuned, warehouse)
    create_fact_tables(db.analytics)
    clock = ManualClock(CLOCK)
    load_demo(db, users=500, days=60, seed=5, end_date=END, clock=clock)
    assert rollups.refresh(tuned, db, clock).mode == "full"
    with db.analytics.connect() as connection:
        buyer, signed = connection.execute(
            select(User.id, User.signed_up_at).order_by(User.signed_up_at.desc()).limit(1)
        ).one()
        channel = connection.execute(select(User.channel).where(User.id == buyer)).scalar()
    new = END + timedelta(days=1)
    files = {
        "users": f"id,signed_up_at,channel\nnew-1,{new} 09:00,{channel}\n",
        "orders": f"id,user_id,ordered_at,amount\nn-1,new-1,{new} 10:00,12\n"
        f"n-2,{buyer},{new} 11:00,30\nn-3,{buyer},{new} 12:00,5\n",
        "activity": f"user_id,date\nnew-1,{new}\n{buyer},{new}\n",
        "spend": f"date,channel,amount\n{new},{channel},99.5\n",
    }
    for table, text in files.items():
        path = tmp_path / f"{table}.csv"
        path.write_text(text, encoding="utf-8")
        import_file(db, tuned, table, path, clock=clock)
    clock.advance(timedelta(days=1))
    report = rollups.refresh(tuned, db, clock)
    assert (report.mode, report.from_day, report.data_through) == ("incremental", new, new)
    incremental = dump(db)
    assert rollups.refresh(tuned, db, clock, full=True).mode == "full"
    assert dump(db) == incremental
    spend = ask(f"/metric spend channel={channel} yesterday", tuned, db, clock)
    assert spend.value == pytest.approx(99.5)
    assert signed < datetime.combine(new, datetime.min.time())
    db.dispose()


def _parquet(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


@pytest.mark.skipif(missing("parquet") is not None, reason=str(missing("parquet")))
def test_a_folder_of_parquet_files_is_read_in_place(tmp_path: Path) -> None:
    folder = tmp_path / "facts"
    _parquet(
        folder / "channels.parquet",
        pa.table({"key": ["tiktok"], "name": ["TikTok"], "kind": ["paid"]}),
    )
    # A partitioned folder: one file per day, the day in the folder name; no clicks column.
    for day, amount in ((date(2026, 9, 1), 10.5), (date(2026, 9, 2), 20.25)):
        _parquet(
            folder / "spend" / f"date={day}" / "part-0.parquet",
            pa.table({"channel": ["tiktok"], "campaign_id": [""], "amount": [amount]}),
        )
    _parquet(
        folder / "users.parquet",
        pa.table({"id": ["u1"], "signed_up_at": ["2026-09-01 10:00:00"], "channel": ["tiktok"]}),
    )
    engine = make_engine(f"duckdb:///{folder}")
    with engine.connect() as connection:
        spend = connection.execute(
            select(Spend.date, Spend.amount, Spend.clicks, Spend.impressions).order_by(Spend.date)
        ).all()
        users = connection.execute(select(User.signed_up_at, User.campaign_id)).all()
        orders = connection.execute(select(func.count()).select_from(Order)).scalar()
    assert [(d, float(a), c, i) for d, a, c, i in spend] == [
        (date(2026, 9, 1), 10.5, 0, 0),
        (date(2026, 9, 2), 20.25, 0, 0),
    ]
    assert users == [(datetime(2026, 9, 1, 10, 0), None)]
    assert orders == 0  # no orders file: no rows
    engine.dispose()


@pytest.mark.skipif(missing("duckdb") is not None, reason=str(missing("duckdb")))
def test_readme_commands_on_a_duckdb_file(tmp_path: Path, monkeypatch) -> None:
    from bot.cli import cli

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'warroom.db'}")
    monkeypatch.setenv("ANALYTICS_DATABASE_URL", f"duckdb:///{tmp_path / 'facts.duckdb'}")
    (tmp_path / "channels.csv").write_text("key,name,kind\ntiktok,TikTok,paid\n")
    (tmp_path / "spend.csv").write_text("date,channel,amount\n2026-09-01,tiktok,120.5\n")
    runner = CliRunner()
    migrated = runner.invoke(cli, ["migrate", "--analytics"])
    assert migrated.exit_code == 0, migrated.output
    assert "Created the fact tables channels, campaigns, spend" in migrated.output
    for table in ("channels", "spend"):
        imported = runner.invoke(cli, ["import", table, str(tmp_path / f"{table}.csv")])
        assert imported.exit_code == 0, imported.output
    asked = runner.invoke(cli, ["ask", "--json", "/metric spend from=2026-09-01 to=2026-09-01"])
    assert asked.exit_code == 0, asked.output
    assert '"value": 120.5' in asked.output


def test_a_missing_driver_names_the_extra(monkeypatch) -> None:
    monkeypatch.setattr("bot.core.warehouse.create_engine", _no_driver)
    with pytest.raises(ImportError, match=r"pip install 'warroom-bot\[mysql\]'"):
        warehouse_engine("mysql+pymysql://root@127.0.0.1/test")


def _no_driver(*_args: object, **_kwargs: object) -> None:
    raise ModuleNotFoundError("No module named 'pymysql'")


def test_state_store_is_migrated_apart(tmp_path: Path) -> None:
    # The facts' tables never need the bot's Alembic history: only the state store has it.
    state = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    upgrade(state)
    facts = make_engine(f"sqlite:///{tmp_path / 'facts.db'}")
    created = create_fact_tables(facts)
    assert len(created) == 8 and created[-1] == "touchpoints"
    with facts.connect() as connection:
        names = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master")}
    assert "alembic_version" not in names and "rollup_daily" not in names
    state.dispose()
    facts.dispose()


@pytest.mark.skipif(missing("duckdb") is not None, reason=str(missing("duckdb")))
def test_days_appended_to_a_warehouse_are_noticed_after_the_pause(
    settings: Settings, tmp_path: Path, monkeypatch
) -> None:
    # DuckDB has no index to find the last day with: its days are read again only after
    # FACT_DAYS_SECONDS, so answers do not scan the facts each time.
    tuned, db = _split(settings, f"duckdb:///{tmp_path / 'facts.duckdb'}")
    create_fact_tables(db.analytics)
    clock = ManualClock(CLOCK)
    load_demo(db, users=300, days=40, seed=5, end_date=END - timedelta(days=1), clock=clock)
    question = "/metric spend channel=tiktok yesterday"
    assert ask(question, tuned, db, clock).value is None  # 2026-06-30 is not loaded yet
    assert ask(question, tuned, db, clock).value is None  # the facts' days read now
    with db.analytics.begin() as connection:
        connection.execute(
            Spend.__table__.insert().values(
                date=END, channel="tiktok", campaign_id="", amount=1234.5, impressions=0, clicks=0
            )
        )
    assert ask(question, tuned, db, clock).value is None  # within the pause
    monkeypatch.setattr(importlib.import_module(REFRESH), "FACT_DAYS_SECONDS", 0.0)
    assert ask(question, tuned, db, clock).value == pytest.approx(1234.5)
    db.dispose()
