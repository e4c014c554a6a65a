"""The set-based aggregate SQL that builds each rollup table from the facts, from day lo on
(everything when lo is None). Each select reads the analytics store; the refresh writes its
rows into the state store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Double,
    Integer,
    Select,
    Table,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)

from bot.core.settings import Settings
from bot.core.warehouse import family
from bot.metrics.registry import DAILY_MEASURES, MAX_RETENTION_DAY
from bot.metrics.sql import day_of, days_between, minutes_between, previous
from bot.models import (
    Activity,
    Lead,
    Order,
    RollupCustomerDay,
    RollupDaily,
    RollupLeadPart,
    RollupLeadResponse,
    RollupLtvPart,
    RollupMeta,
    RollupRepeatWindow,
    RollupRetention,
    RollupRoiPart,
    Spend,
    User,
)

# The rollup_daily measures, as the registry declares them.
DAILY_COLUMNS = DAILY_MEASURES

S, U, L, A = Spend.__table__, User.__table__, Lead.__table__, Activity.__table__
O = Order.__table__  # noqa: E741 (the orders table, beside S, U, L, A)
RD, RR, RC = RollupDaily.__table__, RollupRetention.__table__, RollupCustomerDay.__table__
RW = RollupRepeatWindow.__table__
# rollup_repeat_windows holds every window of up to this many days (a quarter, twelve weeks,
# any month, week or day); the engine scans rollup_customer_days for longer periods. Changing
# it needs `warroom rollups --full`.
REPEAT_WINDOW_DAYS = 100
LP, RP, LDP = RollupLtvPart.__table__, RollupRoiPart.__table__, RollupLeadPart.__table__
RLR = RollupLeadResponse.__table__


@dataclass(frozen=True)
class Params:
    """The metric parameters the rollups are built with (a change rebuilds everything)."""

    horizon: int
    roi_window: int
    lead_window: int

    @classmethod
    def of(cls, settings: Settings) -> Params:
        """The parameters the settings ask for."""
        return cls(settings.ltv_horizon_days, settings.roi_window_days, settings.lead_window_days)

    def matches(self, meta: RollupMeta | None) -> bool:
        """True when the rollups described by `meta` were built with these parameters."""
        return meta is not None and (
            meta.ltv_horizon_days,
            meta.roi_window_days,
            meta.lead_window_days,
        ) == (self.horizon, self.roi_window, self.lead_window)


def _ts(day: date | None) -> datetime | None:
    return None if day is None else datetime(day.year, day.month, day.day)


def _zeros(present: dict[str, Any]) -> list[Any]:
    return [present.get(name, literal_column("0")).label(name) for name in DAILY_COLUMNS]


def _money(total: Any) -> Any:
    # A double, as the rollups keep it (FLOAT is single precision on DuckDB and MySQL): a
    # union of exact decimal sums and zeros has no common type on ClickHouse.
    return cast(total, Double)


def _campaign(column: Any) -> Any:
    # A literal, not a bound parameter: PostgreSQL must see the same expression in GROUP BY.
    return func.coalesce(column, literal_column("''"))


def _first_orders(lo: date | None, first_from_lo: bool = False) -> Any:
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
    fo = _first_orders(lo, first_from_lo=True)
    first_day = day_of(fo.c.first_at, dialect)
    lead_day = day_of(L.c.created_at, dialect)

    spend = select(
        S.c.date.label("day"),
        S.c.channel.label("channel"),
        S.c.campaign_id.label("campaign_id"),
        *_zeros(
            {
                "spend": _money(func.sum(S.c.amount)),
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
            *_zeros({"revenue": _money(func.sum(O.c.amount)), "orders": func.count()}),
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


def ltv_parts_select(dialect: str, params: Params, lo: date | None) -> Select[Any]:
    """rollup_ltv_parts rows for order days from lo: each cohort's revenue within the horizon.
    A customer whose first order moves on or after lo has every order on or after lo."""
    fo = _first_orders(lo)
    first_day = day_of(fo.c.first_at, dialect)
    order_day = day_of(O.c.ordered_at, dialect)
    query = (
        select(
            first_day.label("first_day"),
            U.c.channel,
            _campaign(U.c.campaign_id).label("campaign_id"),
            order_day.label("order_day"),
            _money(func.sum(O.c.amount)).label("revenue"),
        )
        .select_from(O.join(fo, fo.c.user_id == O.c.user_id).join(U, U.c.id == O.c.user_id))
        .where(days_between(order_day, first_day, dialect) <= params.horizon)
        .group_by(first_day, U.c.channel, _campaign(U.c.campaign_id), order_day)
    )
    if lo is not None:
        query = query.where(O.c.ordered_at >= _ts(lo))
    return query


def roi_parts_select(dialect: str, params: Params, lo: date | None) -> Select[Any]:
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
            _money(func.sum(O.c.amount)).label("revenue"),
        )
        .select_from(O.join(U, U.c.id == O.c.user_id))
        .where(age >= 0, age <= params.roi_window)
        .group_by(signup_day, U.c.channel, _campaign(U.c.campaign_id), order_day)
    )
    if lo is not None:
        query = query.where(O.c.ordered_at >= _ts(lo))
    return query


def lead_parts_select(dialect: str, params: Params, lo: date | None) -> Select[Any]:
    """rollup_lead_parts rows whose lead day or first-order day is lo or later: a converted
    lead's first order is on or after its lead day, so both come from customers whose first
    order is on or after lo."""
    fo = _first_orders(lo, first_from_lo=True)
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


def lead_response_select(dialect: str, lo: date | None) -> Select[Any]:
    """rollup_lead_response rows for lead days from lo: the leads with a first contact (not
    before the lead), by whole minutes from the lead to it and the contact's day."""
    lead_day = day_of(L.c.created_at, dialect)
    contact_day = day_of(L.c.first_contact_at, dialect)
    minutes = minutes_between(L.c.first_contact_at, L.c.created_at, dialect)
    campaign = _campaign(L.c.campaign_id)
    query = (
        select(
            lead_day.label("lead_day"),
            L.c.channel,
            campaign.label("campaign_id"),
            contact_day.label("contact_day"),
            minutes.label("minutes"),
            func.count().label("leads"),
        )
        .where(L.c.first_contact_at.is_not(None), L.c.first_contact_at >= L.c.created_at)
        .group_by(lead_day, L.c.channel, campaign, contact_day, minutes)
    )
    if lo is not None:
        query = query.where(L.c.created_at >= _ts(lo))
    return query


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


def _seeked_history(dialect: str, lo: date) -> Any:
    """Per customer with orders from lo on, their order days from lo on and, standing in
    for their history, their last two order days before lo (with the orders of the last):
    four index seeks per customer instead of reading all their orders."""
    lo_ts = _ts(lo)
    # Driven from the new orders' index: the customers through their key, their new orders
    # through (user_id, ordered_at).
    buyers = select(O.c.user_id).where(O.c.ordered_at >= lo_ts)
    touched = select(U.c.id.label("user_id")).where(U.c.id.in_(buyers)).subquery("touched")
    user = touched.c.user_id
    before = O.alias("before")
    last_at = (
        select(func.max(before.c.ordered_at))
        .where(before.c.user_id == user, before.c.ordered_at < lo_ts)
        .scalar_subquery()
    )
    # Materialized: each seek once, however often its result is used below.
    last = select(user.label("user_id"), last_at.label("last_at")).cte("last")
    last = last.prefix_with("MATERIALIZED")
    last_day = day_of(last.c.last_at, dialect)
    # The first moment of the last day (ISO text sorts before the times of that day).
    last_start = (
        func.date(last.c.last_at) if family(dialect) == "sqlite" else cast(last_day, DateTime)
    )
    on_day, earlier = O.alias("on_day"), O.alias("earlier")
    last_orders = (
        select(func.count())
        .where(
            on_day.c.user_id == last.c.user_id,
            on_day.c.ordered_at >= last_start,
            on_day.c.ordered_at < lo_ts,
        )
        .scalar_subquery()
    )
    second_at = (
        select(func.max(earlier.c.ordered_at))
        .where(earlier.c.user_id == last.c.user_id, earlier.c.ordered_at < last_start)
        .scalar_subquery()
    )
    known = (
        select(
            last.c.user_id,
            last_day.label("last_day"),
            last_orders.label("last_orders"),
            day_of(second_at, dialect).label("second_day"),
        )
        .where(last.c.last_at.is_not(None))
        .cte("known")
        .prefix_with("MATERIALIZED")
    )
    order_day = day_of(O.c.ordered_at, dialect)
    return union_all(
        select(O.c.user_id, order_day.label("day"), func.count().label("orders"))
        .where(O.c.user_id.in_(buyers), O.c.ordered_at >= lo_ts)
        .group_by(O.c.user_id, order_day),
        select(known.c.user_id, known.c.last_day, known.c.last_orders),
        select(known.c.user_id, known.c.second_day, literal(0, Integer)).where(
            known.c.second_day.is_not(None)
        ),
    ).subquery("days")


def customer_days_select(dialect: str, lo: date | None) -> Select[Any]:
    """rollup_customer_days rows (customer, day, orders, two previous order days) from day lo."""
    order_day = day_of(O.c.ordered_at, dialect)
    per_day = select(O.c.user_id, order_day.label("day"), func.count().label("orders")).group_by(
        O.c.user_id, order_day
    )
    if lo is not None and family(dialect) in ("sqlite", "postgresql"):
        # Indexed stores seek each customer's last days before lo instead.
        days = _seeked_history(dialect, lo)
    else:
        if lo is not None:
            # Only customers with orders from lo on can have changed rows.
            touched = select(O.c.user_id).where(O.c.ordered_at >= _ts(lo))
            per_day = per_day.where(O.c.user_id.in_(touched))
        days = per_day.subquery("days")
    window = (days.c.user_id, days.c.day)
    lagged = select(
        days.c.user_id,
        days.c.day,
        days.c.orders,
        previous(days.c.day, 1, *window, dialect).label("prev_day"),
        previous(days.c.orders, 1, *window, dialect).label("prev_orders"),
        previous(days.c.day, 2, *window, dialect).label("prev2_day"),
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


def _at_least(value: Any, floor: Any) -> Any:
    return case((value < floor, floor), else_=value)


def repeat_steps_select(
    dialect: str, lo: date | None, first: date, days: Table | Any | None = None
) -> Select[Any]:
    """The steps the repeat-rate windows are counted from, per channel, campaign, measure (0:
    ordering customers, 1: repeat customers), end day and start day (both as day numbers
    from `first`, the first data day): +1 where a customer-day row starts counting in the
    windows ending on its day, -1 past where it stops. Read from `days` (rollup_customer_days
    when it sits beside the facts, else the customer days computed from the facts), for the
    rows from day lo on (all when lo is None).

    A row of day d whose previous order day is p (p2 before that) counts a customer with 1+
    orders in every window [s, d..] with p < s <= d, and with 2+ orders when it has 2+ orders,
    or for p2 < s <= p when p had one order. Windows are at most REPEAT_WINDOW_DAYS long and
    start on or after the first day, so start days are clipped to that floor (a step clipped
    on both sides cancels out)."""
    source = (days if days is not None else customer_days_select(dialect, lo)).alias("days")
    zero = literal(first, Date)
    day = days_between(source.c.day, zero, dialect)
    prev = days_between(source.c.prev_day, zero, dialect)
    prev2 = days_between(source.c.prev2_day, zero, dialect)
    floor = _at_least(day - (REPEAT_WINDOW_DAYS - 1), 0)
    low = case((source.c.prev_day.is_(None), floor), else_=_at_least(prev + 1, floor))
    low2 = case((source.c.prev2_day.is_(None), floor), else_=_at_least(prev2 + 1, floor))
    # Six kinds of step per row, one pass over the rows: (measure, start day, sign).
    kinds = union_all(*[select(literal(k, Integer).label("k")) for k in range(6)]).subquery("k")
    k = kinds.c.k
    measure = case((k < 2, 0), else_=1)
    start = case(
        (k.in_([0, 2]), low),
        (k.in_([1, 3]), day + 1),
        (k == 4, low2),
        else_=_at_least(prev + 1, floor),
    )
    sign = case((k.in_([0, 2, 4]), 1), else_=-1)
    wanted = or_(
        k < 2,
        and_(k < 4, source.c.orders >= 2),
        and_(k >= 4, source.c.prev_orders == 1),
    )
    query = (
        select(
            source.c.channel,
            source.c.campaign_id,
            measure.label("measure"),
            day.label("end_day"),
            start.label("start_day"),
            func.sum(sign).label("step"),
        )
        .select_from(source.join(kinds, true()))
        .where(wanted)
        .group_by(source.c.channel, source.c.campaign_id, measure, day, start)
    )
    if lo is not None and days is not None:
        query = query.where(source.c.day >= lo)
    return query
