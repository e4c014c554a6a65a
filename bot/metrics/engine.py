"""Answers: a Query in, a Result out, read from the rollups with SQLAlchemy Core.

Every ratio is sum(numerator) / sum(denominator) over the whole period, grain bucket or
breakdown row. An empty denominator gives value None and a note saying why; never NaN,
inf or a division by zero.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Date, and_, case, func, literal, or_, select

from bot.core.clock import SYSTEM_CLOCK, Clock
from bot.core.db import Database
from bot.core.settings import Settings
from bot.metrics import rollups
from bot.metrics.parser import is_metric_list, load_catalog, parse
from bot.metrics.query import Filters, Period, Query, QueryError
from bot.metrics.registry import Metric
from bot.metrics.result import Point, Result, Row
from bot.metrics.sql import bucket_start
from bot.models import RollupCampaign, RollupChannel

log = logging.getLogger(__name__)

__all__ = ["QueryError", "answer", "ask", "buckets", "is_metric_list"]

RD, RR, RC, RW = rollups.RD, rollups.RR, rollups.RC, rollups.RW
CH = RollupChannel.__table__
DAILY = set(rollups.DAILY_COLUMNS)
REPEAT = {"repeat_customers", "ordering_customers"}

Key = Any  # None (the total), a dimension value, or a bucket's first day


def ask(text: str, settings: Settings, db: Database, clock: Clock = SYSTEM_CLOCK) -> Result:
    """Answer what a person typed ("/ltv channel=tiktok"); raises QueryError for bad input."""
    catalog = load_catalog(db.analytics)
    query = parse(text, catalog, clock.today(settings.tz))
    return answer(query, settings, db, clock)


def buckets(period: Period, grain: str) -> list[tuple[date, date]]:
    """The grain's buckets inside the period: days, ISO weeks (Monday first) or calendar
    months, each clipped to the period and labelled by its first day."""
    out: list[tuple[date, date]] = []
    start = period.start
    while start <= period.end:
        if grain == "day":
            end = start
        elif grain == "week":
            end = start + timedelta(days=6 - start.weekday())
        else:
            end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        end = min(end, period.end)
        out.append((start, end))
        start = end + timedelta(days=1)
    return out


@dataclass(frozen=True)
class _Scope:
    """Where the numbers come from: one period, the filters, the day N, yesterday."""

    period: Period
    filters: Filters
    day_n: int
    yesterday: date


def answer(query: Query, settings: Settings, db: Database, clock: Clock = SYSTEM_CLOCK) -> Result:
    """Answer an already built Query from the rollups (refreshing them first when stale)."""
    yesterday = clock.yesterday(settings.tz)
    metric = query.metric
    with db.state.connect() as connection:
        stale, first_day, through = rollups.freshness(connection, settings)
        if not stale:
            # Facts appended outside `warroom import` (a team's own warehouse) count too;
            # when they share the state store, this connection reads them.
            facts = connection if db.analytics is db.state else None
            stale = rollups.notice_new_fact_days(db, first_day, through, clock, facts)
        if stale:
            # Never answer from rollups an import has outdated: bring them up to date first.
            log.info("metric rollups are stale; refreshing before answering %r", query.text)
            connection.rollback()
            rollups.refresh(settings, db, clock)
            _, first_day, through = rollups.freshness(connection, settings)
        calc = _Calculator(
            connection, metric, settings, query.day_n or 1, yesterday, (first_day, through)
        )
        scope = _Scope(query.period, query.filters, query.day_n or 1, yesterday)
        notes: list[str] = [query.note] if query.note else []
        loaded = _loaded(query.period, first_day, through)
        by_key: dict[Key, tuple[float, float | None, float]] = {}
        series_sums: dict | None = None
        previous_sums: dict | None = None
        if loaded is not None:
            if query.by:
                # Every user, lead and spend row has exactly one channel, campaign and kind,
                # so even distinct counts add up over breakdown rows: one query gives both.
                by_key = calc.fetch(scope, query.by)
                num, den, sample = _add(by_key.values(), metric.denominator is not None)
            elif query.grain:
                # Series and total from one pass.
                series_sums, (num, den, sample) = calc.fetch_series(scope, query.grain)
            else:
                num, den, sample = calc.fetch(scope, None).get(None, (0.0, 0.0, 0.0))
            value, empty = calc.value(num, den, query.filters, query.period)
            if empty:
                notes.append(empty)
            if through is not None and query.period.end > through:
                notes.append(f"data loaded through {through}")
            if first_day is not None and query.period.start < first_day:
                notes.append(f"data starts {first_day}")
        else:
            num, den, sample, value = 0.0, 0.0, 0.0, None
            notes.append(_not_loaded(first_day, through))
        maturity = None
        if metric.margin and loaded is not None:
            maturity = calc.maturity(scope, settings.ltv_horizon_days)
            if maturity is not None and maturity < 1:
                notes.append(f"cohort {_percent(maturity)} mature")
        previous_value = None
        previous = query.comparison_period()
        # A previous period outside the loaded data has no value; one partly loaded is
        # compared, with a note, since its missing days may explain the change.
        compare = previous is not None and _loaded(previous, first_day, through) is not None
        if compare and loaded is not None and not _fully_loaded(previous, first_day, through):
            notes.append(f"the previous period is only partly loaded (data starts {first_day})")
        if compare:
            prev_scope = _Scope(previous, query.filters, scope.day_n, yesterday)
            if query.grain and loaded is not None:
                previous_sums, (p_num, p_den, _) = calc.fetch_series(prev_scope, query.grain)
            else:
                p_num, p_den, _ = calc.fetch(prev_scope, None).get(None, (0.0, 0.0, 0.0))
            previous_value, _ = calc.value(p_num, p_den, query.filters, previous)
        rows: tuple[Row, ...] = ()
        if query.by and loaded is not None:
            rows = calc.breakdown(scope, query.by, by_key)
        series: tuple[Point, ...] = ()
        previous_series: tuple[Point, ...] = ()
        if query.grain and loaded is not None:
            series = calc.series(scope, query.grain, first_day, through, series_sums)
            if compare:
                prev_scope = _Scope(previous, query.filters, scope.day_n, yesterday)
                previous_series = calc.series(
                    prev_scope, query.grain, first_day, through, previous_sums
                )
    if metric.sample is None:
        sample = float(query.period.days)
    margin = settings.gross_margin if metric.margin else 1.0
    return Result(
        query=query,
        value=value,
        numerator=num * margin,
        denominator=den if metric.denominator else None,
        previous_value=previous_value,
        sample_size=int(round(sample)),
        maturity=maturity,
        breakdown=rows,
        series=series,
        previous_series=previous_series,
        note="; ".join(notes) or None,
        data_through=through,
    )


def _add(parts: Any, has_denominator: bool) -> tuple[float, float | None, float]:
    num = den = sample = 0.0
    for part_num, part_den, part_sample in parts:
        num += part_num
        den += part_den or 0.0
        sample += part_sample
    return num, (den if has_denominator else None), sample


def _loaded(period: Period, first: date | None, through: date | None) -> Period | None:
    if first is None or through is None or period.start > through or period.end < first:
        return None
    return period


def _fully_loaded(period: Period, first: date | None, through: date | None) -> bool:
    return (
        first is not None and through is not None and first <= period.start <= period.end <= through
    )


def _not_loaded(first: date | None, through: date | None) -> str:
    if through is None:
        return "no data loaded yet (warroom import or warroom demo-data)"
    return f"no data loaded for this period (data runs from {first} to {through})"


def _percent(share: float) -> str:
    return f"{share * 100:.0f}%"


class _Calculator:
    """Runs the rollup queries for one metric on one connection."""

    def __init__(
        self,
        connection: Connection,
        metric: Metric,
        settings: Settings,
        day_n: int,
        yesterday: date,
        days: tuple[date | None, date | None] = (None, None),
    ) -> None:
        self.connection = connection
        self.metric = metric
        self.settings = settings
        self.day_n = day_n
        self.yesterday = yesterday
        # The first and last day of data the rollups were built from.
        self.first_day, self.through = days
        self.margin = settings.gross_margin if metric.margin else 1.0
        measures = [metric.numerator, metric.denominator, metric.sample]
        self.measures = list(dict.fromkeys(name for name in measures if name))

    # ------------------------------------------------------------------ values

    def value(
        self, num: float, den: float | None, filters: Filters, period: Period
    ) -> tuple[float | None, str | None]:
        """The metric's value from summed measures, or None and why."""
        metric = self.metric
        if metric.denominator is None:
            return (int(num) if metric.unit == "count" else float(num)), None
        if not den:
            return None, self.empty_note(filters, period)
        return num * self.margin / den, None

    def empty_note(self, filters: Filters, period: Period | None = None) -> str:
        """Why the denominator is empty ("no spend for tiktok in this period")."""
        scope = _scope_words(filters)
        what = {
            "spend": "no spend",
            "new_customers": "no new customers",
            "leads": "no leads",
            "converted_leads": "no converted leads",
            "ordering_customers": "no orders",
            "eligible": "no sign-ups",
        }[self.metric.denominator]  # type: ignore[index]
        if self.metric.denominator == "eligible" and period is not None:
            cutoff = self.yesterday - timedelta(days=self.day_n)
            if period.end > cutoff:
                return (
                    f"day {self.day_n} has not happened yet for sign-ups{scope} in this period"
                    if period.start > cutoff
                    else f"no sign-ups{scope} whose day {self.day_n} has happened in this period"
                )
        return f"{what}{scope} in this period"

    # ----------------------------------------------------------------- queries

    def fetch(self, scope: _Scope, group: str | None, grain: str | None = None) -> dict:
        """{key: (numerator, denominator, sample)} for the metric's measures."""
        return self._combine(self._sums(scope, group, grain))

    def fetch_series(self, scope: _Scope, grain: str) -> tuple[dict, tuple]:
        """The per-bucket sums and the period's total from one pass over the rollups."""
        sums = self._sums(scope, "bucket", grain, totals=True)
        totals = {}
        for name, values in sums.items():
            if name.endswith("_total"):
                continue
            # Distinct customers do not add up over buckets; their totals come separately.
            source = sums.get(f"{name}_total", values)
            totals[name] = {None: sum(source.values())}
        per_bucket = {k: v for k, v in sums.items() if not k.endswith("_total")}
        total = self._combine(totals).get(None, (0.0, 0.0, 0.0))
        return self._combine(per_bucket), total

    def _sums(
        self, scope: _Scope, group: str | None, grain: str | None, totals: bool = False
    ) -> dict[str, dict[Key, float]]:
        sums: dict[str, dict[Key, float]] = {}
        daily = [m for m in self.measures if m in DAILY]
        if daily:
            sums.update(self._daily(scope, daily, group, grain))
        if "eligible" in self.measures:
            sums["eligible"] = self._daily(scope, ["signups"], group, grain, eligible=True)[
                "signups"
            ]
        if "retained" in self.measures:
            sums["retained"] = self._retained(scope, group, grain)
        if REPEAT & set(self.measures):
            sums.update(self._repeat(scope, group, grain, totals))
        return sums

    def _combine(self, sums: dict[str, dict[Key, float]]) -> dict:
        keys: set[Key] = set()
        for values in sums.values():
            keys.update(values)
        metric = self.metric
        out = {}
        for key in keys:
            num = sums[metric.numerator].get(key, 0.0)
            den = sums[metric.denominator].get(key, 0.0) if metric.denominator else None
            sample = sums[metric.sample].get(key, 0.0) if metric.sample else 0.0
            out[key] = (num, den, sample)
        return out

    def _group(self, table: Any, anchor: Any, scope: _Scope, group: str | None, grain: str | None):
        if group is None:
            return None
        if group == "channel":
            return table.c.channel
        if group == "campaign":
            return table.c.campaign_id
        if group == "kind":
            return func.coalesce(CH.c.kind, "unknown")
        if grain == "day":
            return anchor
        return bucket_start(anchor, grain, scope.period.start, self.connection.dialect.name)  # type: ignore[arg-type]

    def _from(self, table: Any, scope: _Scope, group: str | None) -> Any:
        if scope.filters.kind or group == "kind":
            return table.outerjoin(CH, CH.c.key == table.c.channel)
        return table

    def _where(self, table: Any, anchor: Any, scope: _Scope, last: date) -> list[Any]:
        conditions = [anchor >= scope.period.start, anchor <= last]
        return conditions + self._filters(table, scope)

    def _filters(self, table: Any, scope: _Scope) -> list[Any]:
        conditions = []
        filters = scope.filters
        if filters.channels:
            conditions.append(table.c.channel.in_(filters.channels))
        if filters.campaigns:
            conditions.append(table.c.campaign_id.in_(filters.campaigns))
        if filters.kind:
            conditions.append(CH.c.kind == filters.kind)
        return conditions

    def _run(self, inner: Any, names: list[str], group: str | None) -> dict[str, dict[Key, float]]:
        sub = inner.subquery("facts")
        sums = [func.coalesce(func.sum(sub.c[name]), 0).label(name) for name in names]
        query = select(*sums) if group is None else select(sub.c.key, *sums).group_by(sub.c.key)
        out: dict[str, dict[Key, float]] = {name: {} for name in names}
        for row in self.connection.execute(query):
            key = row.key if group is not None else None
            for name in names:
                out[name][key] = float(row._mapping[name] or 0)
        return out

    def _daily(
        self,
        scope: _Scope,
        names: list[str],
        group: str | None,
        grain: str | None,
        eligible: bool = False,
    ) -> dict[str, dict[Key, float]]:
        last = scope.period.end
        if eligible:
            # Only sign-up days whose day N is already complete count.
            last = min(last, scope.yesterday - timedelta(days=scope.day_n))
        key = self._group(RD, RD.c.day, scope, group, grain)
        columns = [RD.c[name].label(name) for name in names]
        if key is not None:
            columns.insert(0, key.label("key"))
        inner = (
            select(*columns)
            .select_from(self._from(RD, scope, group))
            .where(*self._where(RD, RD.c.day, scope, last))
        )
        return self._run(inner, names, group)

    def _retained(self, scope: _Scope, group: str | None, grain: str | None) -> dict[Key, float]:
        last = min(scope.period.end, scope.yesterday - timedelta(days=scope.day_n))
        key = self._group(RR, RR.c.signup_day, scope, group, grain)
        columns = [RR.c.active_users.label("retained")]
        if key is not None:
            columns.insert(0, key.label("key"))
        inner = (
            select(*columns)
            .select_from(self._from(RR, scope, group))
            .where(RR.c.age == scope.day_n, *self._where(RR, RR.c.signup_day, scope, last))
        )
        return self._run(inner, ["retained"], group)["retained"]

    def _repeat(
        self, scope: _Scope, group: str | None, grain: str | None, totals: bool = False
    ) -> dict[str, dict[Key, float]]:
        names = ["ordering_customers", "repeat_customers"]
        if group != "bucket":
            return self._repeat_counts(scope, group)
        # One indexed range count per bucket, each with its own start as a constant: far
        # cheaper than computing every row's bucket and comparing against it.
        out: dict[str, dict[Key, float]] = {name: {} for name in names}
        for start, end in buckets(scope.period, grain):  # type: ignore[arg-type]
            bucket = _Scope(Period(start, end), scope.filters, scope.day_n, scope.yesterday)
            counts = self._repeat_counts(bucket, None)
            for name in names:
                out[name][start] = counts[name].get(None, 0.0)
        if totals:
            whole = self._repeat_counts(scope, None)
            for name in names:
                out[f"{name}_total"] = {None: whole[name].get(None, 0.0)}
        return out

    def _repeat_counts(self, scope: _Scope, group: str | None) -> dict[str, dict[Key, float]]:
        names = ["ordering_customers", "repeat_customers"]
        first, last = self.first_day, self.through
        if first is None or last is None:
            return self._repeat_scan(scope, group)
        # No order precedes the first data day or follows the last, so the period clipped to
        # them has the same customers.
        start, end = max(scope.period.start, first), min(scope.period.end, last)
        if start > end:
            return {name: ({} if group else {None: 0.0}) for name in names}
        if (end - start).days >= rollups.REPEAT_WINDOW_DAYS:
            return self._repeat_scan(scope, group)
        # A window this short was counted by the refresh: one indexed lookup per channel and
        # campaign instead of one index entry per customer and order day.
        key = self._group(RW, None, scope, group, None)
        columns = [RW.c[name].label(name) for name in names]
        if key is not None:
            columns.insert(0, key.label("key"))
        inner = (
            select(*columns)
            .select_from(self._from(RW, scope, group))
            .where(RW.c.end_day == end, RW.c.start_day == start, *self._filters(RW, scope))
        )
        return self._run(inner, names, group)

    def _repeat_scan(self, scope: _Scope, group: str | None) -> dict[str, dict[Key, float]]:
        # A customer's first order day inside [start, end] is the row whose previous order
        # day is before start; they have 2+ orders in it when that row has 2+ orders, or when
        # the next row's previous day is that first day (prev2 before start) with 1 order.
        key = self._group(RC, RC.c.day, scope, group, None)
        start = literal(scope.period.start, Date)
        first_in = or_(RC.c.prev_day.is_(None), RC.c.prev_day < start)
        second_in = and_(
            RC.c.prev_day >= start,
            or_(RC.c.prev2_day.is_(None), RC.c.prev2_day < start),
            RC.c.prev_orders == 1,
        )
        columns = [
            case((first_in, 1), else_=0).label("ordering_customers"),
            case((and_(first_in, RC.c.orders >= 2), 1), (second_in, 1), else_=0).label(
                "repeat_customers"
            ),
        ]
        if key is not None:
            columns.insert(0, key.label("key"))
        inner = (
            select(*columns)
            .select_from(self._from(RC, scope, group))
            .where(*self._where(RC, RC.c.day, scope, scope.period.end))
        )
        return self._run(inner, ["ordering_customers", "repeat_customers"], group)

    def maturity(self, scope: _Scope, horizon: int) -> float | None:
        """Share of the period's new customers whose LTV horizon is fully observed."""
        cutoff = self.yesterday - timedelta(days=horizon)
        mature = case((RD.c.day <= cutoff, RD.c.new_customers), else_=0)
        inner = (
            select(RD.c.new_customers.label("all"), mature.label("mature"))
            .select_from(self._from(RD, scope, None))
            .where(*self._where(RD, RD.c.day, scope, scope.period.end))
        )
        sums = self._run(inner, ["all", "mature"], None)
        total = sums["all"].get(None, 0.0)
        return sums["mature"].get(None, 0.0) / total if total else None

    # ------------------------------------------------------------- shapes

    def breakdown(self, scope: _Scope, by: str, sums: dict | None = None) -> tuple[Row, ...]:
        """One row per channel, campaign or kind with any data; empty denominators noted."""
        labels = self._labels(by)
        rows = []
        for key, (num, den, _sample) in (
            sums if sums is not None else self.fetch(scope, by)
        ).items():
            if not num and not den:
                continue
            shown = "none" if key in ("", None) else str(key)
            row_filters = _row_filters(scope.filters, by, key)
            value, note = self.value(num, den, row_filters, scope.period)
            rows.append(
                Row(
                    key=shown,
                    label=labels.get(key, "no campaign" if shown == "none" else shown),
                    value=value,
                    numerator=num * self.margin,
                    denominator=den,
                    note=note,
                )
            )
        good_up = self.metric.good == "up"
        rows.sort(
            key=lambda row: (
                row.value is None,
                -(row.value or 0) if good_up else (row.value or 0),
                row.key,
            )
        )
        return tuple(rows)

    def series(
        self,
        scope: _Scope,
        grain: str,
        first: date | None,
        through: date | None,
        values: dict | None = None,
    ) -> tuple[Point, ...]:
        """The metric per grain bucket over the period (every bucket, empty ones included;
        buckets outside the loaded data have no value, not zero)."""
        if values is None:
            values = self.fetch(scope, "bucket", grain)
        points = []
        for start, end in buckets(scope.period, grain):
            num, den, _ = values.get(start, (0.0, 0.0, 0.0))
            bucket = Period(start, end)
            value, _ = self.value(num, den, scope.filters, bucket)
            if _loaded(bucket, first, through) is None:
                value = None
            points.append(Point(start, value))
        return tuple(points)

    def _labels(self, by: str) -> dict[Key, str]:
        if by == "channel":
            rows = self.connection.execute(select(RollupChannel.key, RollupChannel.name))
        elif by == "campaign":
            rows = self.connection.execute(select(RollupCampaign.id, RollupCampaign.name))
        else:
            return {}
        return {key: name for key, name in rows}


def _row_filters(filters: Filters, by: str, key: Key) -> Filters:
    if by == "channel":
        return Filters(channels=(key,), campaigns=filters.campaigns, kind=filters.kind)
    if by == "campaign":
        return Filters(channels=filters.channels, campaigns=(key or "none",), kind=filters.kind)
    return Filters(channels=filters.channels, campaigns=filters.campaigns, kind=key)


def _scope_words(filters: Filters) -> str:
    parts = []
    if filters.channels:
        parts.append(", ".join(filters.channels))
    if filters.campaigns:
        names = ["no campaign" if c in ("", "none") else c for c in filters.campaigns]
        parts.append("campaign " + ", ".join(names))
    if filters.kind:
        parts.append(f"{filters.kind} channels")
    return " for " + " / ".join(parts) if parts else ""
