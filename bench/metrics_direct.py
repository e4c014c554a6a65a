"""The metric benchmark's other side: the same questions as direct SQL on the raw tables, as an
analyst would write them in a BI tool (the value, and the breakdown when one is asked for)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal_column, select

from bot.core.clock import ManualClock
from bot.core.settings import Settings
from bot.metrics.catalog import load_catalog
from bot.metrics.parser import parse
from bot.metrics.query import Query
from bot.metrics.sql import day_of, days_between
from bot.models import Activity, Channel, Lead, Order, Spend, User

# Direct SQL on 1M users takes seconds a question; past this budget the rest are skipped
# (and the table says how many ran).
DIRECT_SECONDS = float(os.environ.get("BENCH_DIRECT_SECONDS", "900"))

S, U, L, A, CH = (
    Spend.__table__,
    User.__table__,
    Lead.__table__,
    Activity.__table__,
    Channel.__table__,
)
O = Order.__table__  # noqa: E741 (the orders table, beside S, U, L, A)


class DirectSQL:
    """The same questions as an analyst writes them against the raw tables: the value, and
    the breakdown when one is asked for (no previous period and no series, which only
    favours this side)."""

    def __init__(self, connection: Any, settings: Settings, yesterday: date) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self.settings = settings
        self.yesterday = yesterday

    def answer(self, query: Query) -> float | None:
        value = self.value(query, query.period.start, query.period.end, None)
        if query.by:
            self.value(query, query.period.start, query.period.end, query.by)
        return value

    def value(self, query: Query, start: date, end: date, by: str | None) -> float | None:
        metric = query.metric
        num = self._measure(metric.numerator, query, start, end, by)
        if metric.denominator is None:
            return num.get(None, 0.0) if by is None else None
        den = self._measure(metric.denominator, query, start, end, by)
        if by is not None:
            return None
        total, under = num.get(None, 0.0), den.get(None, 0.0)
        margin = self.settings.gross_margin if metric.margin else 1.0
        return None if not under else margin * total / under

    # Each measure is one aggregate query over the raw facts.
    def _measure(
        self, name: str, query: Query, start: date, end: date, by: str | None
    ) -> dict[Any, float]:
        builders = {
            "spend": self._spend,
            "revenue": self._revenue,
            "new_customers": self._new_customers,
            "ltv_revenue": self._ltv_revenue,
            "roi_revenue": self._roi_revenue,
            "retained": self._signups,
            "eligible": self._signups,
            "leads": self._leads,
            "converted_leads": self._leads,
            "repeat_customers": self._repeat,
            "ordering_customers": self._repeat,
        }
        window = _Window(
            start,
            end,
            datetime.combine(start, datetime.min.time()),
            datetime.combine(end + timedelta(days=1), datetime.min.time()),
        )
        table, source, value, where = builders[name](name, query, window)
        filters = query.filters
        if filters.channels:
            where.append(table.c.channel.in_(filters.channels))
        if filters.campaigns:
            where.append(
                func.coalesce(table.c.campaign_id, literal_column("''")).in_(filters.campaigns)
            )
        if filters.kind or by == "kind":
            source = source.join(CH, CH.c.key == table.c.channel)
            if filters.kind:
                where.append(CH.c.kind == filters.kind)
        key = {"channel": table.c.channel, "campaign": table.c.campaign_id, "kind": CH.c.kind}.get(
            by or ""
        )
        columns = [value.label("value")] if key is None else [key.label("key"), value]
        statement = select(*columns).select_from(source).where(*where)
        if key is not None:
            statement = statement.group_by(key)
        out: dict[Any, float] = {}
        for row in self.connection.execute(statement):
            out[row[0] if key is not None else None] = float(row[-1] or 0)
        return out

    # Each builder gives (the table with channel and campaign, FROM, the value, WHERE).

    def _spend(self, _name: str, _query: Query, w: _Window) -> _Parts:
        return S, S, func.sum(S.c.amount), [S.c.date.between(w.start, w.end)]

    def _revenue(self, _name: str, _query: Query, w: _Window) -> _Parts:
        where = [O.c.ordered_at >= w.lo, O.c.ordered_at < w.hi]
        return U, O.join(U, U.c.id == O.c.user_id), func.sum(O.c.amount), where

    def _new_customers(self, _name: str, _query: Query, w: _Window) -> _Parts:
        first = _first_orders()
        where = [first.c.first_at >= w.lo, first.c.first_at < w.hi]
        return U, first.join(U, U.c.id == first.c.user_id), func.count(), where

    def _ltv_revenue(self, _name: str, _query: Query, w: _Window) -> _Parts:
        d, first = self.dialect, _first_orders()
        source = O.join(first, first.c.user_id == O.c.user_id).join(U, U.c.id == O.c.user_id)
        age = days_between(day_of(O.c.ordered_at, d), day_of(first.c.first_at, d), d)
        where = [
            first.c.first_at >= w.lo,
            first.c.first_at < w.hi,
            age <= self.settings.ltv_horizon_days,
        ]
        return U, source, func.sum(O.c.amount), where

    def _roi_revenue(self, _name: str, _query: Query, w: _Window) -> _Parts:
        d = self.dialect
        age = days_between(day_of(O.c.ordered_at, d), day_of(U.c.signed_up_at, d), d)
        where = [
            U.c.signed_up_at >= w.lo,
            U.c.signed_up_at < w.hi,
            age >= 0,
            age <= self.settings.roi_window_days,
        ]
        return U, O.join(U, U.c.id == O.c.user_id), func.sum(O.c.amount), where

    def _signups(self, name: str, query: Query, w: _Window) -> _Parts:
        """Eligible sign-ups (day N has happened), or those of them active on day N."""
        n = query.day_n or 1
        last = min(w.end, self.yesterday - timedelta(days=n))
        last_ts = datetime.combine(last + timedelta(days=1), datetime.min.time())
        where = [U.c.signed_up_at >= w.lo, U.c.signed_up_at < last_ts]
        if name == "eligible":
            return U, U, func.count(), where
        age = days_between(A.c.date, day_of(U.c.signed_up_at, self.dialect), self.dialect)
        return U, U.join(A, and_(A.c.user_id == U.c.id, age == n)), func.count(), where

    def _leads(self, name: str, _query: Query, w: _Window) -> _Parts:
        d, first = self.dialect, _first_orders()
        source = L.outerjoin(first, first.c.user_id == L.c.user_id)
        age = days_between(day_of(first.c.first_at, d), day_of(L.c.created_at, d), d)
        window = self.settings.lead_window_days
        converted = case((and_(age >= 0, age <= window), 1), else_=0)
        value = func.count() if name == "leads" else func.sum(converted)
        return L, source, value, [L.c.created_at >= w.lo, L.c.created_at < w.hi]

    def _repeat(self, name: str, _query: Query, w: _Window) -> _Parts:
        per_user = (
            select(O.c.user_id, U.c.channel, U.c.campaign_id, func.count().label("n"))
            .select_from(O.join(U, U.c.id == O.c.user_id))
            .where(O.c.ordered_at >= w.lo, O.c.ordered_at < w.hi)
            .group_by(O.c.user_id, U.c.channel, U.c.campaign_id)
            .subquery("per_user")
        )
        value = (
            func.sum(case((per_user.c.n >= 2, 1), else_=0))
            if name == "repeat_customers"
            else func.count()
        )
        return per_user, per_user, value, []


@dataclass(frozen=True)
class _Window:
    """The asked days, and the timestamps bounding them (lo inclusive, hi exclusive)."""

    start: date
    end: date
    lo: datetime
    hi: datetime


_Parts = tuple[Any, Any, Any, list[Any]]


def _first_orders() -> Any:
    return (
        select(O.c.user_id, func.min(O.c.ordered_at).label("first_at"))
        .group_by(O.c.user_id)
        .subquery("first_orders")
    )


def time_direct(
    engine: Any,
    settings: Settings,
    clock: ManualClock,
    texts: list[str],
    engine_values: list[float | None],
) -> tuple[list[float], int]:
    """Milliseconds per question as direct SQL (within DIRECT_SECONDS), and how many
    answers agree with the engine's."""
    direct_ms: list[float] = []
    agree = 0
    catalog = load_catalog(engine)
    today = clock.today(settings.tz)
    deadline = time.perf_counter() + DIRECT_SECONDS
    with engine.connect() as connection:
        direct = DirectSQL(connection, settings, clock.yesterday(settings.tz))
        for question, mine in zip(texts, engine_values, strict=True):
            if time.perf_counter() > deadline:
                break
            query = parse(question, catalog, today)
            started = time.perf_counter()
            theirs = direct.answer(query)
            direct_ms.append((time.perf_counter() - started) * 1000)
            if (mine is None and theirs is None) or (
                mine is not None
                and theirs is not None
                and abs(mine - theirs) <= 1e-6 * max(1, abs(theirs))
            ):
                agree += 1
    return direct_ms, agree
