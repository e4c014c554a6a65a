"""Rollups: the growth facts aggregated per day, channel and campaign, in the state store.

Every answer reads these tables only. Each rollup row is keyed by the fact day it comes from
(an order day, an active day, a lead day ...), so a refresh deletes and re-inserts, with
set-based aggregate SQL, only the rows of the days that changed (from the stale mark) in one
transaction, then clears the mark. The cohort measures of rollup_daily (LTV revenue anchored
on the first-order day, ROI revenue on the sign-up day, converted leads on the lead day) are
then summed from their parts over the window before those days: a new day of orders adds to
cohorts up to LTV_HORIZON_DAYS back without re-reading their orders. Repeat-rate customer
counts per window of days are likewise extended from the windows ending the day before. When
the facts live in another database (ANALYTICS_DATABASE_URL) the aggregates are read there and
bulk-written here.

Changing an existing user's sign-up day or channel, or deleting facts, needs a full rebuild
(`warroom rollups --full`; a channels import or a demo-data --replace marks everything stale).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    Date,
    Float,
    Integer,
    Select,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.core.bulk import insert_frame
from bot.core.clock import SYSTEM_CLOCK, Clock
from bot.core.db import Database
from bot.core.facts import ROLLUPS, data_range, mark_stale
from bot.core.settings import Settings
from bot.metrics.parser import forget_catalog
from bot.metrics.registry import DAILY_MEASURES, MAX_RETENTION_DAY
from bot.metrics.sql import day_of, days_between
from bot.models import (
    Activity,
    Campaign,
    Channel,
    Lead,
    Order,
    RollupCampaign,
    RollupChannel,
    RollupCustomerDay,
    RollupDaily,
    RollupLeadPart,
    RollupLtvPart,
    RollupMeta,
    RollupRepeatWindow,
    RollupRetention,
    RollupRoiPart,
    RollupState,
    Spend,
    User,
)

log = logging.getLogger(__name__)

META = "metrics"
# The rollup_daily measures, as the registry declares them.
DAILY_COLUMNS = DAILY_MEASURES

S, U, L, A = Spend.__table__, User.__table__, Lead.__table__, Activity.__table__
O = Order.__table__  # noqa: E741 (the orders table, beside S, U, L, A)
RD, RR, RC = RollupDaily.__table__, RollupRetention.__table__, RollupCustomerDay.__table__
LP, RP, LDP = RollupLtvPart.__table__, RollupRoiPart.__table__, RollupLeadPart.__table__
RW = RollupRepeatWindow.__table__

# rollup_repeat_windows holds every window of up to this many days (a quarter, twelve weeks,
# any month, week or day); the engine scans rollup_customer_days for longer periods. Changing
# it needs `warroom rollups --full`.
REPEAT_WINDOW_DAYS = 100
# End days per pass of the window build, which bounds its memory on long histories.
_WINDOW_BLOCK_DAYS = 120


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh did: "full", "incremental" or "none", from which day, how long."""

    mode: str
    from_day: date | None
    seconds: float
    data_through: date | None

    def __str__(self) -> str:
        if self.mode == "none":
            return "Rollups are up to date."
        scope = "all days" if self.from_day is None else f"days from {self.from_day}"
        through = f"; data through {self.data_through}" if self.data_through else ""
        return f"Rollups refreshed ({self.mode}, {scope}) in {self.seconds:.1f} s{through}."


@dataclass(frozen=True)
class _Params:
    horizon: int
    roi_window: int
    lead_window: int

    @classmethod
    def of(cls, settings: Settings) -> _Params:
        return cls(settings.ltv_horizon_days, settings.roi_window_days, settings.lead_window_days)

    def matches(self, meta: RollupMeta | None) -> bool:
        return meta is not None and (
            meta.ltv_horizon_days,
            meta.roi_window_days,
            meta.lead_window_days,
        ) == (self.horizon, self.roi_window, self.lead_window)


def _ts(day: date | None) -> datetime | None:
    return None if day is None else datetime(day.year, day.month, day.day)


def _zeros(present: dict[str, Any]) -> list[Any]:
    return [present.get(name, literal_column("0")).label(name) for name in DAILY_COLUMNS]


def _campaign(column: Any) -> Any:
    # A literal, not a bound parameter: PostgreSQL must see the same expression in GROUP BY.
    return func.coalesce(column, literal_column("''"))


def _first_orders(dialect: str, lo: date | None, first_from_lo: bool = False) -> Any:
    """Each customer's first order time. With `lo`: only customers with an order on or after
    lo (an index lookup each), and with `first_from_lo` only those whose first order is."""
    query = select(O.c.user_id, func.min(O.c.ordered_at).label("first_at")).group_by(O.c.user_id)
    if lo is not None:
        touched = select(O.c.user_id).where(O.c.ordered_at >= _ts(lo))
        query = query.where(O.c.user_id.in_(touched))
        if first_from_lo:
            query = query.having(func.min(O.c.ordered_at) >= _ts(lo))
    return query.subquery("first_orders")


def daily_select(dialect: str, lo: date | None) -> Select[Any]:
    """rollup_daily rows from day lo on (all when lo is None), without the three cohort
    measures (ltv_revenue, roi_revenue, converted_leads): those are summed from the parts."""
    lo_ts = _ts(lo)
    signup_day = day_of(U.c.signed_up_at, dialect)
    order_day = day_of(O.c.ordered_at, dialect)
    fo = _first_orders(dialect, lo, first_from_lo=True)
    first_day = day_of(fo.c.first_at, dialect)
    lead_day = day_of(L.c.created_at, dialect)

    spend = select(
        S.c.date.label("day"),
        S.c.channel.label("channel"),
        S.c.campaign_id.label("campaign_id"),
        *_zeros(
            {
                "spend": func.sum(S.c.amount),
                "impressions": func.sum(S.c.impressions),
                "clicks": func.sum(S.c.clicks),
            }
        ),
    ).group_by(S.c.date, S.c.channel, S.c.campaign_id)
    signups = select(
        signup_day.label("day"),
        U.c.channel,
        _campaign(U.c.campaign_id).label("campaign_id"),
        *_zeros({"signups": func.count()}),
    ).group_by(signup_day, U.c.channel, _campaign(U.c.campaign_id))
    revenue = (
        select(
            order_day.label("day"),
            U.c.channel,
            _campaign(U.c.campaign_id).label("campaign_id"),
            *_zeros({"revenue": func.sum(O.c.amount), "orders": func.count()}),
        )
        .select_from(O.join(U, U.c.id == O.c.user_id))
        .group_by(order_day, U.c.channel, _campaign(U.c.campaign_id))
    )
    customers = (
        select(
            first_day.label("day"),
            U.c.channel,
            _campaign(U.c.campaign_id).label("campaign_id"),
            *_zeros({"new_customers": func.count()}),
        )
        .select_from(fo.join(U, U.c.id == fo.c.user_id))
        .group_by(first_day, U.c.channel, _campaign(U.c.campaign_id))
    )
    leads = select(
        lead_day.label("day"),
        L.c.channel,
        _campaign(L.c.campaign_id).label("campaign_id"),
        *_zeros({"leads": func.count()}),
    ).group_by(lead_day, L.c.channel, _campaign(L.c.campaign_id))
    if lo_ts is not None:
        spend = spend.where(S.c.date >= lo)
        signups = signups.where(U.c.signed_up_at >= lo_ts)
        revenue = revenue.where(O.c.ordered_at >= lo_ts)
        leads = leads.where(L.c.created_at >= lo_ts)
    parts = union_all(spend, signups, revenue, customers, leads).subquery("parts")
    return select(
        parts.c.day,
        parts.c.channel,
        parts.c.campaign_id,
        *[func.coalesce(func.sum(parts.c[name]), 0).label(name) for name in DAILY_COLUMNS],
    ).group_by(parts.c.day, parts.c.channel, parts.c.campaign_id)


def ltv_parts_select(dialect: str, params: _Params, lo: date | None) -> Select[Any]:
    """rollup_ltv_parts rows for order days from lo: each cohort's revenue within the horizon.
    A customer whose first order moves on or after lo has every order on or after lo."""
    fo = _first_orders(dialect, lo)
    first_day = day_of(fo.c.first_at, dialect)
    order_day = day_of(O.c.ordered_at, dialect)
    query = (
        select(
            first_day.label("first_day"),
            U.c.channel,
            _campaign(U.c.campaign_id).label("campaign_id"),
            order_day.label("order_day"),
            func.sum(O.c.amount).label("revenue"),
        )
        .select_from(O.join(fo, fo.c.user_id == O.c.user_id).join(U, U.c.id == O.c.user_id))
        .where(days_between(order_day, first_day, dialect) <= params.horizon)
        .group_by(first_day, U.c.channel, _campaign(U.c.campaign_id), order_day)
    )
    if lo is not None:
        query = query.where(O.c.ordered_at >= _ts(lo))
    return query


def roi_parts_select(dialect: str, params: _Params, lo: date | None) -> Select[Any]:
    """rollup_roi_parts rows for order days from lo: sign-up cohorts' revenue in the window."""
    signup_day = day_of(U.c.signed_up_at, dialect)
    order_day = day_of(O.c.ordered_at, dialect)
    age = days_between(order_day, signup_day, dialect)
    query = (
        select(
            signup_day.label("signup_day"),
            U.c.channel,
            _campaign(U.c.campaign_id).label("campaign_id"),
            order_day.label("order_day"),
            func.sum(O.c.amount).label("revenue"),
        )
        .select_from(O.join(U, U.c.id == O.c.user_id))
        .where(age >= 0, age <= params.roi_window)
        .group_by(signup_day, U.c.channel, _campaign(U.c.campaign_id), order_day)
    )
    if lo is not None:
        query = query.where(O.c.ordered_at >= _ts(lo))
    return query


def lead_parts_select(dialect: str, params: _Params, lo: date | None) -> Select[Any]:
    """rollup_lead_parts rows whose lead day or first-order day is lo or later: a converted
    lead's first order is on or after its lead day, so both come from customers whose first
    order is on or after lo."""
    fo = _first_orders(dialect, lo, first_from_lo=True)
    first_day = day_of(fo.c.first_at, dialect)
    lead_day = day_of(L.c.created_at, dialect)
    age = days_between(first_day, lead_day, dialect)
    return (
        select(
            lead_day.label("lead_day"),
            L.c.channel,
            _campaign(L.c.campaign_id).label("campaign_id"),
            first_day.label("first_day"),
            func.count().label("converted"),
        )
        .select_from(L.join(fo, fo.c.user_id == L.c.user_id))
        .where(age >= 0, age <= params.lead_window)
        .group_by(lead_day, L.c.channel, _campaign(L.c.campaign_id), first_day)
    )


def retention_select(dialect: str, lo: date | None) -> Select[Any]:
    """rollup_retention rows (active users by sign-up day and age 0..90) for active days
    from lo."""
    signup_day = day_of(U.c.signed_up_at, dialect)
    age = days_between(A.c.date, signup_day, dialect)
    query = (
        select(
            signup_day.label("signup_day"),
            U.c.channel,
            _campaign(U.c.campaign_id).label("campaign_id"),
            age.label("age"),
            A.c.date.label("active_day"),
            func.count().label("active_users"),
        )
        .select_from(A.join(U, U.c.id == A.c.user_id))
        .where(age >= 0, age <= MAX_RETENTION_DAY)
        .group_by(signup_day, U.c.channel, _campaign(U.c.campaign_id), age, A.c.date)
    )
    if lo is not None:
        query = query.where(A.c.date >= lo)
    return query


def customer_days_select(dialect: str, lo: date | None) -> Select[Any]:
    """rollup_customer_days rows (customer, day, orders, two previous order days) from day lo."""
    order_day = day_of(O.c.ordered_at, dialect)
    per_day = select(O.c.user_id, order_day.label("day"), func.count().label("orders")).group_by(
        O.c.user_id, order_day
    )
    if lo is not None:
        # Only customers with orders from lo on can have changed rows.
        touched = select(O.c.user_id).where(O.c.ordered_at >= _ts(lo))
        per_day = per_day.where(O.c.user_id.in_(touched))
    days = per_day.subquery("days")
    window = {"partition_by": days.c.user_id, "order_by": days.c.day}
    lagged = select(
        days.c.user_id,
        days.c.day,
        days.c.orders,
        func.lag(days.c.day, 1).over(**window).label("prev_day"),
        func.lag(days.c.orders, 1).over(**window).label("prev_orders"),
        func.lag(days.c.day, 2).over(**window).label("prev2_day"),
    ).subquery("lagged")
    query = select(
        lagged.c.day,
        lagged.c.user_id,
        U.c.channel,
        _campaign(U.c.campaign_id).label("campaign_id"),
        lagged.c.orders,
        lagged.c.prev_day,
        lagged.c.prev_orders,
        lagged.c.prev2_day,
    ).select_from(lagged.join(U, U.c.id == lagged.c.user_id))
    if lo is not None:
        query = query.where(lagged.c.day >= lo)
    return query


def repeat_windows(
    state: Connection, lo: date | None, first: date | None, last: date | None
) -> None:
    """Replace the rollup_repeat_windows rows of the windows ending on day lo or later (all
    when lo is None), for the data days first..last, from the refreshed rollup_customer_days.

    A customer-day row (day d, previous order days p and p2, with no previous day counting as
    before everything) counts a customer with 1+ orders in every window [s, e] with
    p < s <= d <= e, and with 2+ orders when it also has 2+ orders, or in the windows with
    p2 < s <= p < d <= e when p had a single order and d is the second order day. So a window's
    counts are its counts ending the day before plus the rows of its end day: windows ending
    from lo on are built from the windows ending on lo - 1 and the rows from lo on only."""
    state.execute(delete(RW) if lo is None else delete(RW).where(RW.c.end_day >= lo))
    if first is None or last is None:
        return
    block_start = 0 if lo is None else (lo - first).days
    final = (last - first).days
    base = _window_base(state, first, block_start) if block_start > 0 else {}
    while block_start <= final:
        block_end = min(block_start + _WINDOW_BLOCK_DAYS - 1, final)
        base = _window_block(state, first, block_start, block_end, base)
        block_start = block_end + 1


Combo = tuple[str, str]


def _window_base(state: Connection, first: date, block_start: int) -> dict[Combo, np.ndarray]:
    """The counts of the windows ending the day before block_start (as day numbers from
    first), per channel and campaign: [measure, start - (block_start - width + 1)]."""
    width = REPEAT_WINDOW_DAYS
    origin = block_start - width + 1
    start = days_between(RW.c.start_day, literal(first, Date), state.dialect.name)
    rows = state.execute(
        select(
            RW.c.channel,
            RW.c.campaign_id,
            start,
            RW.c.ordering_customers,
            RW.c.repeat_customers,
        ).where(RW.c.end_day == first + timedelta(days=block_start - 1))
    )
    base: dict[Combo, np.ndarray] = {}
    for channel, campaign, day, ordering, repeat in rows:
        # The window of `width` days ending on block_start - 1 cannot be extended.
        if day - origin >= 0:
            counts = base.setdefault((channel, campaign), np.zeros((2, width - 1), np.int64))
            counts[:, day - origin] = (ordering, repeat)
    return base


def _window_block(
    state: Connection,
    first: date,
    block_start: int,
    block_end: int,
    base: dict[Combo, np.ndarray],
) -> dict[Combo, np.ndarray]:
    """Write the windows ending on block_start..block_end (day numbers from first); returns
    the base of the next block (the windows ending on block_end)."""
    width = REPEAT_WINDOW_DAYS
    dialect = state.dialect.name
    # Start days from `origin` on: the earliest start of a window ending in this block.
    origin = block_start - width + 1
    ends, starts = block_end - block_start + 1, block_end - origin + 1
    zero = literal(first, Date)
    query = select(
        RC.c.channel,
        RC.c.campaign_id,
        days_between(RC.c.day, zero, dialect),
        days_between(RC.c.prev_day, zero, dialect),
        days_between(RC.c.prev2_day, zero, dialect),
        RC.c.orders,
        RC.c.prev_orders,
    ).where(
        RC.c.day >= first + timedelta(days=block_start),
        RC.c.day <= first + timedelta(days=block_end),
    )
    # Per channel and campaign, [measure, end day, start day] steps: +1 where a row starts
    # counting, -1 past where it stops; summing over start days, then end days, gives counts.
    steps: dict[Combo, np.ndarray] = {}
    result = state.execute(query)
    names = ["channel", "campaign", "day", "prev", "prev2", "orders", "prev_orders"]
    while chunk := result.fetchmany(200_000):
        # Column by column: pandas probes every Row object for attributes otherwise.
        frame = pd.DataFrame(dict(zip(names, zip(*chunk, strict=True), strict=True)))
        day = frame["day"].to_numpy(np.int64)
        prev = frame["prev"].fillna(-1).to_numpy(np.int64)
        prev2 = frame["prev2"].fillna(-1).to_numpy(np.int64)
        # Windows ending on day or later that are at most `width` long start from here.
        floor = np.maximum(day - width + 1, 0)
        single = (frame["prev_orders"].fillna(0).to_numpy(np.int64) == 1) & (prev >= 0)
        multi = frame["orders"].to_numpy(np.int64) >= 2
        spans = (
            (0, np.ones(len(frame), bool), np.maximum(prev + 1, floor), day),
            (1, multi, np.maximum(prev + 1, floor), day),
            (1, single, np.maximum(prev2 + 1, floor), prev),
        )
        for combo, index in frame.groupby(["channel", "campaign"]).indices.items():
            step = steps.get(combo)
            if step is None:
                step = steps[combo] = np.zeros((2, ends, starts + 1), np.int64)
            end = day[index] - block_start
            for measure, chosen, low, high in spans:
                keep = chosen[index] & (low[index] <= high[index])
                rows = end[keep]
                np.add.at(step[measure], (rows, low[index][keep] - origin), 1)
                np.add.at(step[measure], (rows, high[index][keep] + 1 - origin), -1)
    end_index = np.repeat(np.arange(ends), width)
    start_index = end_index + np.tile(np.arange(width), ends)
    # No window starts before the first data day: the engine asks for such periods from the
    # first day on, which counts the same customers since no order precedes it.
    valid = start_index + origin >= 0
    end_index, start_index = end_index[valid], start_index[valid]
    frames, following = [], {}
    for combo in sorted(set(steps) | set(base)):
        step = steps.get(combo)
        if step is None:
            counts = np.zeros((2, ends, starts), np.int64)
        else:
            counts = np.cumsum(np.cumsum(step, axis=2)[:, :, :starts], axis=1)
        if combo in base:
            counts[:, :, : width - 1] += base[combo][:, None, :]
        following[combo] = counts[:, -1, ends:]
        ordering = counts[0, end_index, start_index]
        kept = ordering > 0
        if not kept.any():
            continue
        frames.append(
            pd.DataFrame(
                {
                    "end_day": np.datetime64(first) + (end_index[kept] + block_start),
                    "start_day": np.datetime64(first) + (start_index[kept] + origin),
                    "channel": combo[0],
                    "campaign_id": combo[1],
                    "ordering_customers": ordering[kept],
                    "repeat_customers": counts[1, end_index, start_index][kept],
                }
            )
        )
    if frames:
        insert_frame(state, RW, pd.concat(frames, ignore_index=True))
    return following


def _copy(
    state: Connection,
    analytics: Connection,
    table: Any,
    query: Select[Any],
    same_database: bool,
) -> None:
    columns = [column.name for column in query.selected_columns]
    if same_database:
        state.execute(insert(table).from_select(columns, query))
        return
    # Another database: aggregate there, then bulk-write here (rows are already aggregated).
    result = analytics.execute(query)
    integers = [name for name in columns if isinstance(table.c[name].type, Integer)]
    floats = [name for name in columns if isinstance(table.c[name].type, Float)]
    while chunk := result.fetchmany(100_000):
        frame = pd.DataFrame(chunk, columns=columns)
        # Nullable integer columns would otherwise come back as floats ("1.0"), and sums of
        # NUMERIC as Decimal, which SQLite cannot bind.
        frame[integers] = frame[integers].astype("Int64")
        frame[floats] = frame[floats].astype("float64")
        insert_frame(state, table, frame)


def _copy_catalog(state: Connection, analytics: Connection) -> None:
    channels = analytics.execute(
        select(Channel.key, Channel.name, Channel.kind).order_by(Channel.key)
    ).all()
    campaigns = analytics.execute(
        select(Campaign.id, Campaign.channel, Campaign.name).order_by(Campaign.id)
    ).all()
    state.execute(delete(RollupChannel))
    state.execute(delete(RollupCampaign))
    if channels:
        state.execute(insert(RollupChannel), [dict(row._mapping) for row in channels])
    if campaigns:
        state.execute(insert(RollupCampaign), [dict(row._mapping) for row in campaigns])


def _lock_state(state: Connection) -> RollupState | None:
    query = select(RollupState.__table__).where(RollupState.name == ROLLUPS)
    if state.dialect.name == "postgresql":
        # Two refreshes at once would both delete and insert the same days: serialise them.
        query = query.with_for_update()
    row = state.execute(query).first()
    if row is None:
        # The first refresh ever: two may start together, so the row is claimed race-free.
        dialect_insert = pg_insert if state.dialect.name == "postgresql" else sqlite_insert
        state.execute(
            dialect_insert(RollupState)
            .values(name=ROLLUPS, stale=True)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        row = state.execute(query).first()
    return row  # type: ignore[return-value]


def refresh(
    settings: Settings,
    db: Database,
    clock: Clock = SYSTEM_CLOCK,
    full: bool = False,
    progress: Callable[[str], None] | None = None,
) -> RefreshReport:
    """Bring the rollups up to date: the stale days only, everything when `full` or when the
    metric parameters changed since the last build."""
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    params = _Params.of(settings)
    same = db.analytics is db.state
    with db.write() as session:
        state = session.connection()
        mark = _lock_state(state)
        meta_row = state.execute(
            select(RollupMeta.__table__).where(RollupMeta.name == META)
        ).first()
        meta = RollupMeta(**meta_row._mapping) if meta_row is not None else None
        stale, stale_from = bool(mark.stale), mark.stale_from  # type: ignore[union-attr]
        rebuild = full or not params.matches(meta) or (stale and stale_from is None)
        if not rebuild and not stale:
            return RefreshReport("none", None, time.perf_counter() - started, _through(meta))
        analytics = state if same else db.analytics.connect()
        try:
            first_day, data_through = data_range(analytics)
            # Facts replaced from their first day on (demo-data --replace), or a first day
            # that moved, leave nothing worth keeping: rebuild everything.
            moved = meta is None or meta.first_day != first_day
            if moved or (stale_from is not None and first_day and stale_from <= first_day):
                rebuild = True
            lo = None if rebuild else stale_from
            _rebuild(state, analytics, params, lo, same, say, (first_day, data_through))
            values = {
                "ltv_horizon_days": params.horizon,
                "roi_window_days": params.roi_window,
                "lead_window_days": params.lead_window,
                "first_day": first_day,
                "data_through": data_through,
                "built_at": clock.now().replace(tzinfo=None),
            }
            state.execute(delete(RollupMeta).where(RollupMeta.name == META))
            state.execute(insert(RollupMeta).values(name=META, **values))
            # Clear the mark only if no import widened it while we worked (PostgreSQL lets
            # imports commit meanwhile; they will be picked up by the next refresh).
            state.execute(
                RollupState.__table__.update()
                .where(RollupState.name == ROLLUPS)
                .where(_same_mark(mark))
                .values(
                    stale=False, stale_from=None, stale_to=None, refreshed_at=values["built_at"]
                )
            )
        finally:
            if not same:
                analytics.close()
    # The channel and campaign lists the parser matches words against may have changed.
    forget_catalog(db.analytics)
    seconds = time.perf_counter() - started
    report = RefreshReport("full" if lo is None else "incremental", lo, seconds, data_through)
    log.info("%s", report)
    return report


def _same_mark(mark: Any) -> Any:
    table = RollupState.__table__
    if mark.marked_at is None:
        return table.c.marked_at.is_(None)
    return table.c.marked_at == mark.marked_at


def _through(meta: RollupMeta | None) -> date | None:
    return meta.data_through if meta is not None else None


def _rebuild(
    state: Connection,
    analytics: Connection,
    params: _Params,
    lo: date | None,
    same: bool,
    say: Callable[[str], None],
    days: tuple[date | None, date | None],
) -> None:
    """Replace every rollup row that facts from day lo on can reach (everything when lo is
    None): rows keyed by a fact day from lo, then the cohort sums of rollup_daily over the
    windows before lo and the repeat-rate windows ending from lo (`days`: the data's first
    and last day)."""
    dialect = analytics.dialect.name
    say("copying channels and campaigns")
    _copy_catalog(state, analytics)
    steps = (
        ("cohort revenue (LTV)", LP, LP.c.order_day, ltv_parts_select(dialect, params, lo)),
        ("cohort revenue (ROI)", RP, RP.c.order_day, roi_parts_select(dialect, params, lo)),
        (
            "lead conversions",
            LDP,
            or_(LDP.c.lead_day >= lo, LDP.c.first_day >= lo) if lo else None,
            lead_parts_select(dialect, params, lo),
        ),
        ("retention", RR, RR.c.active_day, retention_select(dialect, lo)),
        ("customer days", RC, RC.c.day, customer_days_select(dialect, lo)),
        ("daily measures", RD, RD.c.day, daily_select(dialect, lo)),
    )
    for label, table, anchor, query in steps:
        say(f"rebuilding {label}" + (f" from {lo}" if lo else ""))
        if lo is None:
            state.execute(delete(table))
        elif isinstance(anchor, Column):
            state.execute(delete(table).where(anchor >= lo))
        else:
            state.execute(delete(table).where(anchor))
        _copy(state, analytics, table, query, same)
    say("summing cohort measures")
    sums = (
        ("ltv_revenue", LP, LP.c.first_day, LP.c.revenue, params.horizon),
        ("roi_revenue", RP, RP.c.signup_day, RP.c.revenue, params.roi_window),
        ("converted_leads", LDP, LDP.c.lead_day, LDP.c.converted, params.lead_window),
    )
    for column, table, anchor, value, window in sums:
        total = (
            select(func.sum(value))
            .where(
                anchor == RD.c.day,
                table.c.channel == RD.c.channel,
                table.c.campaign_id == RD.c.campaign_id,
            )
            .scalar_subquery()
        )
        update = RD.update().values({column: func.coalesce(total, 0)})
        if lo is not None:
            # Facts from lo on reach cohorts anchored up to `window` days earlier.
            update = update.where(RD.c.day >= lo - timedelta(days=window))
        state.execute(update)
    say("counting repeat customers per window" + (f" from {lo}" if lo else ""))
    repeat_windows(state, lo, *days)
    if lo is None:
        for table in (LP, RP, LDP, RR, RC, RD, RW):
            # Fresh planner statistics after a full rebuild, so answers use the indexes.
            state.exec_driver_sql(f"ANALYZE {table.name}")


def data_through(db: Database) -> date | None:
    """The latest day of loaded facts as of the last refresh (None before the first)."""
    with db.state.connect() as connection:
        return connection.execute(
            select(RollupMeta.data_through).where(RollupMeta.name == META)
        ).scalar()


def needs_refresh(settings: Settings, db: Database) -> bool:
    """True when facts changed since the last refresh, the rollups were never built, or the
    metric parameters (LTV_HORIZON_DAYS ...) differ from the ones they were built with."""
    with db.state.connect() as connection:
        return freshness(connection, settings)[0]


def notice_new_fact_days(
    db: Database,
    built_first: date | None,
    built_through: date | None,
    clock: Clock = SYSTEM_CLOCK,
    analytics: Connection | None = None,
) -> bool:
    """Mark the rollups stale when the facts now reach past the days they were built from
    (`built_first`..`built_through`, as `freshness` read them); True when they were marked.

    Imports mark their own days; this catches rows appended to the facts directly (a team's
    own warehouse behind ANALYTICS_DATABASE_URL) with a few min/max index lookups, on
    `analytics` when the caller already has a connection to the facts. Rows written inside
    the built range that way wait for the hourly refresh or `warroom rollups`.
    """
    if built_first is None or built_through is None:
        return False
    if analytics is None:
        with db.analytics.connect() as own:
            first_day, data_through = data_range(own)
    else:
        first_day, data_through = data_range(analytics)
    if first_day is None or data_through is None:
        return False
    if first_day >= built_first and data_through <= built_through:
        return False
    # The last built day itself may have gained rows too, so it is marked with the new ones.
    start = min(first_day, built_through)
    with db.write() as session:
        mark_stale(session, start, max(data_through, built_through), clock.now())
    return True


def freshness(connection: Connection, settings: Settings) -> tuple[bool, date | None, date | None]:
    """(needs a refresh?, first day of data, last day of data) in one read of the state store."""
    stale = connection.execute(select(RollupState.stale).where(RollupState.name == ROLLUPS)).first()
    meta = connection.execute(
        select(
            RollupMeta.ltv_horizon_days,
            RollupMeta.roi_window_days,
            RollupMeta.lead_window_days,
            RollupMeta.first_day,
            RollupMeta.data_through,
        ).where(RollupMeta.name == META)
    ).first()
    if stale is None or meta is None:
        return True, None, None
    params = _Params.of(settings)
    matches = tuple(meta[:3]) == (params.horizon, params.roi_window, params.lead_window)
    return bool(stale.stale) or not matches, meta.first_day, meta.data_through
