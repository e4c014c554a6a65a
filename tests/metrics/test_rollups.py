"""Rollup refresh: incremental equals a full rebuild, parameters force a rebuild, answers are
never read from stale rollups, and facts may live in another database than the rollups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.clock import ManualClock
from bot.core.db import Database, make_engine
from bot.core.facts import mark_stale, stale_range
from bot.core.migrate import upgrade
from bot.core.settings import Settings
from bot.data.demo import load_demo
from bot.metrics import rollups
from bot.metrics.engine import ask
from bot.metrics.format import result_as_json
from bot.models import (
    Activity,
    Lead,
    Order,
    RollupCustomerDay,
    RollupDaily,
    RollupLeadResponse,
    RollupRepeatWindow,
    RollupRetention,
    Spend,
    User,
)

END = date(2026, 6, 30)
CLOCK = datetime(2026, 7, 1, 8, tzinfo=UTC)


def dump(db: Database) -> dict[str, list[tuple]]:
    """Every rollup row, sorted, with money rounded to cents (sums may differ in the last bit)."""
    out = {}
    models = (RollupDaily, RollupRetention, RollupCustomerDay, RollupRepeatWindow)
    for model in (*models, RollupLeadResponse):
        table = model.__table__
        keys = [column for column in table.primary_key.columns]
        with db.state.connect() as connection:
            rows = connection.execute(select(table).order_by(*keys)).all()
        out[table.name] = [
            tuple(round(v, 2) if isinstance(v, float) else v for v in row) for row in rows
        ]
    return out


def rounded(value: object) -> object:
    """JSON with every float rounded to 9 significant digits (sums differ in the last bits)."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return value


@pytest.fixture
def demo(settings: Settings) -> tuple[Settings, Database, ManualClock]:
    tuned = settings.model_copy(update={"ltv_horizon_days": 20, "roi_window_days": 10})
    db = Database.from_settings(tuned)
    clock = ManualClock(CLOCK)
    load_demo(db, users=600, days=60, seed=5, end_date=END, clock=clock)
    yield tuned, db, clock
    db.dispose()


def days_before(days: int) -> datetime:
    return datetime.combine(END - timedelta(days=days), datetime.min.time())


def add_new_day(db: Database, clock: ManualClock) -> tuple[date, date]:
    """New facts for the next day, plus one back-dated order that moves a customer's first
    order (and so their LTV cohort, new-customer day and lead conversion) 25 days back."""
    new_day = END + timedelta(days=1)
    with db.analytics.connect() as connection:
        customer, first = connection.execute(
            select(Order.user_id, Order.ordered_at).order_by(Order.ordered_at.desc()).limit(1)
        ).one()
        channel, signed_up = connection.execute(
            select(User.channel, User.signed_up_at).where(User.id == customer)
        ).one()
        # A lead 12 to 25 days old whose user has not ordered yet: their first order comes
        # on the new day, converting a lead (lead window 30 days) on an earlier lead day.
        has_orders = select(Order.user_id)
        converting = connection.execute(
            select(Lead.user_id)
            .where(Lead.user_id.is_not(None), Lead.user_id.not_in(has_orders))
            .where(Lead.created_at.between(days_before(25), days_before(12)))
            .order_by(Lead.created_at)
            .limit(1)
        ).scalar_one()
        # A customer who first ordered 12 to 18 days ago orders again: their cohort's LTV
        # revenue (horizon 20 days) changes on a first-order day well before the new day.
        first_orders = (
            select(Order.user_id, func.min(Order.ordered_at).label("first_at"))
            .group_by(Order.user_id)
            .subquery()
        )
        returning = connection.execute(
            select(first_orders.c.user_id)
            .where(first_orders.c.first_at.between(days_before(18), days_before(12)))
            .order_by(first_orders.c.user_id)
            .limit(1)
        ).scalar_one()
    back_dated = max(first - timedelta(days=25), signed_up)
    at = datetime.combine(new_day, datetime.min.time())
    with db.analytics.begin() as connection:
        connection.execute(
            User.__table__.insert(),
            [
                {"id": "new-1", "signed_up_at": at.replace(hour=9), "channel": channel},
                {"id": "new-2", "signed_up_at": at.replace(hour=10), "channel": channel},
            ],
        )
        connection.execute(
            Order.__table__.insert(),
            [
                {"id": "n-o1", "user_id": "new-1", "ordered_at": at.replace(hour=11), "amount": 12},
                {"id": "n-o2", "user_id": "new-1", "ordered_at": at.replace(hour=15), "amount": 8},
                {"id": "n-o3", "user_id": customer, "ordered_at": at.replace(hour=12), "amount": 5},
                {"id": "n-o5", "user_id": converting, "ordered_at": at, "amount": 21},
                {"id": "n-o6", "user_id": returning, "ordered_at": at, "amount": 33},
            ],
        )
        connection.execute(
            Activity.__table__.insert(),
            [{"user_id": "new-1", "date": new_day}, {"user_id": customer, "date": new_day}],
        )
        connection.execute(
            Lead.__table__.insert(),
            [
                {"id": "n-l1", "created_at": at, "channel": channel, "user_id": "new-1"},
                {"id": "n-l2", "created_at": at, "channel": channel, "user_id": None},
            ],
        )
        connection.execute(
            Spend.__table__.insert(),
            [{"date": new_day, "channel": channel, "campaign_id": "", "amount": 99.5}],
        )
    with db.write() as session:
        mark_stale(session, new_day, new_day, clock.now())
    return back_dated, new_day


def add_back_dated_order(db: Database, clock: ManualClock, at: datetime) -> date:
    """An order that moves the latest customer's first order (and so their LTV cohort,
    new-customer day and lead conversions) weeks back."""
    with db.analytics.begin() as connection:
        customer = connection.execute(
            select(Order.user_id).order_by(Order.ordered_at.desc(), Order.id).limit(1)
        ).scalar_one()
        connection.execute(
            Order.__table__.insert(),
            [{"id": "b-o1", "user_id": customer, "ordered_at": at, "amount": 7}],
        )
    with db.write() as session:
        mark_stale(session, at.date(), at.date(), clock.now())
    return at.date()


def test_incremental_refresh_equals_a_full_rebuild(demo) -> None:
    settings, db, clock = demo
    assert rollups.refresh(settings, db, clock).mode == "full"
    assert rollups.refresh(settings, db, clock).mode == "none"
    back_dated, new_day = add_new_day(db, clock)
    clock.advance(timedelta(days=1))
    # One new day: only its rows, plus the cohort sums of the windows before it.
    report = rollups.refresh(settings, db, clock)
    assert (report.mode, report.from_day) == ("incremental", new_day)
    assert report.data_through == new_day
    incremental = dump(db)
    with db.session() as session:
        assert stale_range(session)[0] is False
    assert rollups.refresh(settings, db, clock, full=True).mode == "full"
    assert dump(db) == incremental
    assert len(incremental["rollup_daily"]) > 100
    # An order weeks back that changes a customer's first order day.
    first_changed = add_back_dated_order(db, clock, back_dated)
    report = rollups.refresh(settings, db, clock)
    assert (report.mode, report.from_day) == ("incremental", first_changed)
    incremental = dump(db)
    rollups.refresh(settings, db, clock, full=True)
    assert dump(db) == incremental


def test_answers_never_come_from_stale_rollups(demo) -> None:
    settings, db, clock = demo
    rollups.refresh(settings, db, clock)
    clock.advance(timedelta(days=1))
    before = ask("/metric spend yesterday", settings, db, clock)
    assert before.value is None  # 07-01 is not loaded yet
    _, new_day = add_new_day(db, clock)
    after = ask("/metric spend yesterday", settings, db, clock)
    assert after.query.period.start == new_day
    assert after.value == 99.5


def test_changed_metric_parameters_rebuild_everything(demo) -> None:
    settings, db, clock = demo
    rollups.refresh(settings, db, clock)
    first = ask("/ltv from=2026-05-01 to=2026-05-31", settings, db, clock).value
    longer = settings.model_copy(update={"ltv_horizon_days": 40})
    with db.state.connect() as connection:
        assert rollups.freshness(connection, longer)[0]
        assert not rollups.freshness(connection, settings)[0]
    result = ask("/ltv from=2026-05-01 to=2026-05-31", longer, db, clock)
    assert result.value is not None and first is not None and result.value > first
    assert rollups.refresh(longer, db, clock).mode == "none"


def test_facts_in_postgresql_and_rollups_in_sqlite(backend: str, db_url: str, tmp_path: Path):
    if backend != "postgresql":
        pytest.skip("needs PostgreSQL for the facts")
    settings = Settings(_env_file=None, database_url=db_url, timezone="UTC")  # type: ignore[call-arg]
    clock = ManualClock(CLOCK)
    same = Database.from_settings(settings)
    load_demo(same, users=400, days=45, seed=9, end_date=END, clock=clock)
    state = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    upgrade(state)
    split = Database(state=state, analytics=same.analytics)
    split_settings = settings.model_copy(
        update={"analytics_database_url": db_url, "database_url": str(state.url)}
    )
    try:
        assert rollups.refresh(split_settings, split, clock).mode == "full"
        questions = [
            "/ltv by=channel",
            "/cac grain=week",
            "/roi kind=paid",
            "/retention d=7 since=6w by=campaign",
            "/metric repeat_rate grain=week",
            "/metric lead_conversion by=kind",
        ]
        for text in questions:
            here = result_as_json(ask(text, split_settings, split, clock))
            there = result_as_json(ask(text, settings, same, clock))
            assert rounded(here) == rounded(there), text
    finally:
        state.dispose()
        same.dispose()


def test_replaced_facts_with_a_later_first_day_rebuild_everything(demo) -> None:
    settings, db, clock = demo
    rollups.refresh(settings, db, clock)
    # Replacing the facts marks only the new range stale; the old, earlier days must go too.
    load_demo(db, users=300, days=30, seed=6, end_date=END, replace=True, clock=clock)
    assert rollups.refresh(settings, db, clock).mode == "full"
    after = dump(db)
    assert min(row[0] for row in after["rollup_daily"]) >= END - timedelta(days=29)
    rollups.refresh(settings, db, clock, full=True)
    assert dump(db) == after


def test_days_appended_to_the_facts_directly_are_answered(settings: Settings, db: Database):
    # A team's own warehouse gains a day without `warroom import`: the next answer sees it.
    clock = ManualClock(CLOCK)
    load_demo(db, users=300, days=40, seed=5, end_date=END - timedelta(days=1), clock=clock)
    before = ask("/metric spend channel=tiktok yesterday", settings, db, clock)
    assert before.value is None  # 2026-06-30 is not loaded yet
    with db.analytics.begin() as connection:
        connection.execute(
            Spend.__table__.insert().values(
                date=END, channel="tiktok", campaign_id="", amount=1234.5, impressions=0, clicks=0
            )
        )
    after = ask("/metric spend channel=tiktok yesterday", settings, db, clock)
    assert after.value == pytest.approx(1234.5)
    with db.state.connect() as connection:
        _, built_first, built_through = rollups.freshness(connection, settings)
    assert built_through == END
    assert not rollups.notice_new_fact_days(db, built_first, built_through, clock)
