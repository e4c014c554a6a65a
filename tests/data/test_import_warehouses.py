"""`warroom import` into every warehouse (DuckDB file, Parquet folder, chDB through both
ClickHouse dialects, MariaDB): good files load, re-imports change nothing, changed rows are
updated, bad files write nothing, and the facts are answered from there."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.core.db import Database, make_engine
from bot.core.migrate import create_fact_tables
from bot.core.settings import Settings
from bot.data.importer import ImportFailed, import_file
from bot.metrics.engine import ask
from bot.models import Order, Spend
from tests.data.test_import import CAMPAIGNS, CHANNELS, ORDERS, USERS, write
from tests.warehouse.engines import params, warehouse_url


@pytest.fixture(params=params())
def stores(
    request: pytest.FixtureRequest, settings: Settings, db: Database, tmp_path: Path
) -> Iterator[tuple[Settings, Database]]:
    """The facts in a fresh warehouse (tables made by `migrate --analytics`), the state in
    the test's SQLite or PostgreSQL store."""
    for url in warehouse_url(request.param, tmp_path):
        analytics = make_engine(url)
        create_fact_tables(analytics)
        split = settings.model_copy(update={"analytics_database_url": url})
        yield split, Database(state=db.state, analytics=analytics)
        analytics.dispose()


def orders(db: Database) -> list[tuple]:
    with db.analytics.connect() as connection:
        found = connection.execute(select(Order.__table__).order_by(Order.id)).all()
    return [(r.id, r.user_id, r.ordered_at.replace(microsecond=0), float(r.amount)) for r in found]


def test_files_load_reload_and_update_in_the_warehouse(stores, tmp_path: Path) -> None:
    settings, db = stores
    for table, text in (("channels", CHANNELS), ("campaigns", CAMPAIGNS), ("users", USERS)):
        import_file(db, settings, table, write(tmp_path, f"{table}.csv", text))
    path = write(tmp_path, "orders.csv", ORDERS)
    report = import_file(db, settings, "orders", path)
    assert (report.inserted, report.updated, report.unchanged) == (3, 0, 0)
    assert (report.first, report.last) == (date(2026, 9, 1), date(2026, 9, 3))
    first = orders(db)
    assert first == [
        ("o1", "u1", datetime(2026, 9, 1, 12, 0), 100.5),
        ("o2", "u1", datetime(2026, 9, 3, 8, 0), 20.0),
        ("o3", "u2", datetime(2026, 9, 2, 18, 45), 75.25),
    ]
    again = import_file(db, settings, "orders", path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert orders(db) == first
    changed = ORDERS.replace("o2,u1,2026-09-03 08:00:00,20", "o2,u1,2026-09-03 08:00:00,25")
    changed += "o4,u3,2026-09-04 10:00:00,9.99\n"
    report = import_file(db, settings, "orders", write(tmp_path, "orders2.csv", changed))
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 2)
    after = {row[0]: row for row in orders(db)}
    assert after["o2"][3] == 25.0 and after["o4"][3] == 9.99 and len(after) == 4
    # Bad rows (an unknown user, a duplicate key) write nothing.
    bad = changed + "o5,u99,2026-09-04 10:00,5\no1,u2,2026-09-04 10:00,5\n"
    with pytest.raises(ImportFailed) as failure:
        import_file(db, settings, "orders", write(tmp_path, "bad.csv", bad))
    assert 'unknown user id "u99"' in str(failure.value)
    assert 'duplicate orders key "o1"' in str(failure.value)
    assert {row[0]: row for row in orders(db)} == after
    # Spend with and without a campaign, then answered from the warehouse's facts.
    spend = "date,channel,campaign_id,amount\n2026-09-02,tiktok,c1,50\n2026-09-02,tiktok,,30\n"
    import_file(db, settings, "spend", write(tmp_path, "spend.csv", spend))
    with db.analytics.connect() as connection:
        kept = connection.execute(select(Spend.campaign_id, Spend.impressions)).all()
    assert sorted(kept) == [("", 0), ("c1", 0)]
    clock = ManualClock(datetime(2026, 9, 5, 9, tzinfo=UTC))
    revenue = ask("/metric revenue from=2026-09-01 to=2026-09-04", settings, db, clock)
    assert revenue.value == pytest.approx(100.5 + 25 + 75.25 + 9.99)
    cac = ask("/cac channel=tiktok from=2026-09-01 to=2026-09-04", settings, db, clock)
    assert cac.value == pytest.approx(80.0)  # one new tiktok customer (u1)
