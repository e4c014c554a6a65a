"""The set-based aggregate SQL that builds each rollup table from the facts, from day lo on
(everything when lo is None). Each select reads the analytics store; the refresh writes its
rows into the state store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, literal_column, select, union_all

from bot.core.settings import Settings
from bot.metrics.registry import DAILY_MEASURES, MAX_RETENTION_DAY
from bot.metrics.sql import day_of, days_between
from bot.models import (
    Activity,
    Lead,
    Order,
    RollupCustomerDay,
    RollupDaily,
    RollupLeadPart,
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
            func.sum(O.c.amount).label("revenue"),
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
            func.sum(O.c.amount).label("revenue"),
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
