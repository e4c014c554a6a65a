"""`warroom import touchpoints FILE`: the touchpoints table's rules (keys, counts, known
channels, no built-in counts, one row per day, channel and touchpoint), re-imports, the
metric rollups left alone, and the journey reading the table in a warehouse too; and the
leads' first contact (importable, never before the lead)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import cli
from bot.core.clock import ManualClock
from bot.core.context import Context
from bot.core.db import Database, make_engine
from bot.core.facts import ROLLUPS
from bot.core.migrate import create_fact_tables
from bot.core.settings import Settings
from bot.data.importer import ImportFailed, import_file
from bot.journey import journey_funnel
from bot.models import Lead, RollupState, Touchpoint
from tests.data.test_import import CHANNELS, write
from tests.journey.hand_journey import JOURNEY
from tests.warehouse.engines import params, warehouse_url

TOUCHPOINTS = (
    "date,channel,touchpoint,count\n"
    "2026-09-01,tiktok,landing_page_views,1200\n"
    "2026-09-01,wechat,Landing_Page_Views,300\n"
    "2026-09-02,tiktok,add_to_carts,40\n"
)


def _rows(db: Database) -> list[tuple]:
    with db.analytics.connect() as connection:
        found = connection.execute(select(Touchpoint.__table__)).all()
    return sorted((str(r.date)[:10], r.channel, r.touchpoint, int(r.count)) for r in found)


def _stale(db: Database) -> bool:
    with db.session() as session:
        state = session.get(RollupState, ROLLUPS)
        return state is not None and state.stale


def test_touchpoints_load_and_reload(db: Database, settings: Settings, tmp_path: Path) -> None:
    import_file(db, settings, "channels", write(tmp_path, "channels.csv", CHANNELS))
    with db.session() as session, session.begin():
        session.query(RollupState).delete()
    report = import_file(db, settings, "touchpoints", write(tmp_path, "t.csv", TOUCHPOINTS))
    assert (report.inserted, report.updated, report.unchanged) == (3, 0, 0)
    assert (report.first, report.last) == (date(2026, 9, 1), date(2026, 9, 2))
    assert _rows(db) == [
        ("2026-09-01", "tiktok", "landing_page_views", 1200),
        ("2026-09-01", "wechat", "landing_page_views", 300),  # keys are case folded
        ("2026-09-02", "tiktok", "add_to_carts", 40),
    ]
    # No metric reads them: the rollups are not marked stale.
    assert not _stale(db)
    again = import_file(db, settings, "touchpoints", write(tmp_path, "t.csv", TOUCHPOINTS))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    changed = TOUCHPOINTS.replace("add_to_carts,40", "add_to_carts,45")
    report = import_file(db, settings, "touchpoints", write(tmp_path, "t2.csv", changed))
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 2)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("2026-09-03,tiktok,landing page,5", 'not a key: "landing page"'),
        ("2026-09-03,tiktok,9lives,5", 'not a key: "9lives"'),
        ("2026-09-03,tiktok,sign_ups,5", "sign_ups is counted from the users table"),
        ("2026-09-03,tiktok,Clicks,5", "clicks is counted from the spend table"),
        ("2026-09-03,tiktok,coupon_claims,-1", "negative value"),
        ("2026-09-03,tiktok,coupon_claims,2.5", "not a whole number"),
        ("2026-09-03,tiktok,coupon_claims,", "count is empty"),
        ("2026-09-03 10:00,tiktok,coupon_claims,2", "has a time of day"),
        ("2026-09-03,tiktk,coupon_claims,2", 'unknown channel "tiktk"'),
        ("2026-09-01,tiktok,landing_page_views,7", "duplicate touchpoints key"),
    ],
)
def test_bad_touchpoints_rows_import_nothing(
    db: Database, settings: Settings, tmp_path: Path, line: str, problem: str
) -> None:
    import_file(db, settings, "channels", write(tmp_path, "channels.csv", CHANNELS))
    path = write(tmp_path, "bad.csv", TOUCHPOINTS + line + "\n")
    with pytest.raises(ImportFailed) as failure:
        import_file(db, settings, "touchpoints", path)
    assert problem in str(failure.value)
    assert _rows(db) == []


def test_cli_imports_touchpoints_and_skips_bad_rows(
    db: Database, settings: Settings, db_url: str, tmp_path: Path
) -> None:
    import_file(db, settings, "channels", write(tmp_path, "channels.csv", CHANNELS))
    path = write(tmp_path, "t.csv", TOUCHPOINTS + "2026-09-03,tiktok,leads,5\n")
    runner = CliRunner()
    env = {"DATABASE_URL": db_url}
    failed = runner.invoke(cli, ["import", "touchpoints", str(path)], env=env)
    assert failed.exit_code == 1 and "leads is counted from the leads table" in failed.output
    loaded = runner.invoke(cli, ["import", "touchpoints", str(path), "--skip-invalid"], env=env)
    assert loaded.exit_code == 0, loaded.output
    assert len(_rows(db)) == 3
    assert "leads" in (tmp_path / "t.rejects.csv").read_text(encoding="utf-8")


LEADS = (
    "id,created_at,channel,campaign_id,user_id,first_contact_at\n"
    "l1,2026-09-01 10:00:00,tiktok,,,2026-09-01 12:30:00\n"
    "l2,2026-09-01 11:00:00,wechat,,,\n"
)


def test_leads_first_contact_is_importable_and_not_before_the_lead(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    import_file(db, settings, "channels", write(tmp_path, "channels.csv", CHANNELS))
    import_file(db, settings, "leads", write(tmp_path, "leads.csv", LEADS))
    with db.analytics.connect() as connection:
        found = dict(connection.execute(select(Lead.id, Lead.first_contact_at)).all())
    assert found == {"l1": datetime(2026, 9, 1, 12, 30), "l2": None}
    early = LEADS + "l3,2026-09-02 10:00:00,tiktok,,,2026-09-02 09:00:00\n"
    with pytest.raises(ImportFailed, match="first_contact_at is before created_at"):
        import_file(db, settings, "leads", write(tmp_path, "early.csv", early))


@pytest.fixture(params=params(("duckdb", "parquet", "chdb", "mariadb")))
def warehouse_stores(
    request: pytest.FixtureRequest, settings: Settings, db: Database, tmp_path: Path
) -> Iterator[tuple[Settings, Database]]:
    """The facts in a fresh warehouse (tables made by `migrate --analytics`)."""
    for url in warehouse_url(request.param, tmp_path):
        analytics = make_engine(url)
        assert "touchpoints" in create_fact_tables(analytics) or url.endswith("/")
        journey = tmp_path / "journey.yaml"
        journey.write_text(JOURNEY, encoding="utf-8")
        split = settings.model_copy(
            update={"analytics_database_url": url, "journey_file": str(journey)}
        )
        yield split, Database(state=db.state, analytics=analytics)
        analytics.dispose()


def test_touchpoints_in_a_warehouse_are_imported_and_read(warehouse_stores, tmp_path: Path) -> None:
    settings, db = warehouse_stores
    import_file(db, settings, "channels", write(tmp_path, "channels.csv", CHANNELS))
    report = import_file(db, settings, "touchpoints", write(tmp_path, "t.csv", TOUCHPOINTS))
    assert report.inserted == 3
    clock = ManualClock(datetime(2026, 9, 3, 9, tzinfo=UTC))
    ctx = Context(env=settings, db=db, clock=clock)
    funnel = journey_funnel(ctx, "from=2026-09-01 to=2026-09-02 vs=none")
    assert funnel.step("landing_page_views").value == 1500
    assert funnel.step("add_to_carts").value == 40
    assert funnel.step("win_backs").value is None
    tiktok = journey_funnel(ctx, "channel=tiktok from=2026-09-01 to=2026-09-02 vs=none")
    assert tiktok.step("landing_page_views").value == 1200
