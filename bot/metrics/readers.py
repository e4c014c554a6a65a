"""Reading declared measures from the rollups with SQLAlchemy Core.

How a measure is read follows from how the rollups keep it (`Measure.kept`): one reader
per way of keeping, in KEPT, and no reader knows any measure by name. Every reader returns
{measure name: {key: sum}}, where the key is None (the total), a channel, campaign or kind,
or a grain bucket's first day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Date, and_, case, func, literal, or_, select

from bot.metrics.query import Filters, Period, buckets
from bot.metrics.registry import Kept, Measure, get_measure
from bot.metrics.rollups import RC, RD, RR, RW, selects
from bot.metrics.sql import bucket_start
from bot.models import RollupCampaign, RollupChannel

CH = RollupChannel.__table__

Key = Any  # None (the total), a dimension value, or a bucket's first day
Sums = dict[str, dict[Key, float]]


@dataclass(frozen=True)
class Scope:
    """Where the numbers come from: one period, the filters, the day N, yesterday."""

    period: Period
    filters: Filters
    day_n: int
    yesterday: date

    @property
    def day_n_cutoff(self) -> date:
        """The last sign-up day whose day N has already happened."""
        return self.yesterday - timedelta(days=self.day_n)


class RollupReader:
    """Runs the rollup queries on one connection, for rollups built from the data days
    first_day..through."""

    def __init__(self, connection: Connection, first_day: date | None, through: date | None):
        self.connection = connection
        self.first_day = first_day
        self.through = through

    def read(
        self, measures: Sequence[Measure], scope: Scope, group: str | None, grain: str | None
    ) -> Sums:
        """The sums of `measures` per key: grouped by `group` ("channel", "campaign", "kind",
        "bucket" of `grain`), or one total when `group` is None."""
        sums: Sums = {}
        for kept, keeping in KEPT.items():
            chosen = [measure for measure in measures if measure.kept == kept]
            if chosen:
                sums.update(keeping.read(self, chosen, scope, group, grain))
        return sums

    def maturity(self, scope: Scope, horizon: int) -> float | None:
        """Share of the period's new customers whose LTV horizon is fully observed."""
        cutoff = scope.yesterday - timedelta(days=horizon)
        mature = case((RD.c.day <= cutoff, RD.c.new_customers), else_=0)
        inner = (
            select(RD.c.new_customers.label("all"), mature.label("mature"))
            .select_from(self.joined(RD, scope, None))
            .where(*self.where(RD, RD.c.day, scope, scope.period.end))
        )
        sums = self.run(inner, ["all", "mature"], None)
        total = sums["all"].get(None, 0.0)
        return sums["mature"].get(None, 0.0) / total if total else None

    def labels(self, by: str) -> dict[Key, str]:
        """The names of the channels or campaigns, by key (none for kinds)."""
        if by == "channel":
            rows = self.connection.execute(select(RollupChannel.key, RollupChannel.name))
        elif by == "campaign":
            rows = self.connection.execute(select(RollupCampaign.id, RollupCampaign.name))
        else:
            return {}
        return {key: name for key, name in rows}

    # ------------------------------------------------------------- query parts

    def key(self, table: Any, anchor: Any, scope: Scope, group: str | None, grain: str | None):
        """The expression a query groups by, or None for one total."""
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

    def joined(self, table: Any, scope: Scope, group: str | None) -> Any:
        """The table, joined to the channels when the kind filters or groups."""
        if scope.filters.kind or group == "kind":
            return table.outerjoin(CH, CH.c.key == table.c.channel)
        return table

    def where(self, table: Any, anchor: Any, scope: Scope, last: date) -> list[Any]:
        """Anchor days from the period's start to `last`, and the filters."""
        conditions = [anchor >= scope.period.start, anchor <= last]
        return conditions + self.filters(table, scope)

    def filters(self, table: Any, scope: Scope) -> list[Any]:
        """The conditions of the channel, campaign and kind filters."""
        conditions = []
        filters = scope.filters
        if filters.channels:
            conditions.append(table.c.channel.in_(filters.channels))
        if filters.campaigns:
            conditions.append(table.c.campaign_id.in_(filters.campaigns))
        if filters.kind:
            conditions.append(CH.c.kind == filters.kind)
        return conditions

    def run(self, inner: Any, names: list[str], group: str | None) -> Sums:
        """Sum the `names` columns of `inner`, per its `key` column when grouped."""
        sub = inner.subquery("facts")
        sums = [func.coalesce(func.sum(sub.c[name]), 0).label(name) for name in names]
        query = select(*sums) if group is None else select(sub.c.key, *sums).group_by(sub.c.key)
        out: Sums = {name: {} for name in names}
        for row in self.connection.execute(query):
            key = row.key if group is not None else None
            for name in names:
                out[name][key] = float(row._mapping[name] or 0)
        return out

    def summed(
        self,
        table: Any,
        anchor: Any,
        measures: Sequence[Measure],
        scope: Scope,
        group: str | None,
        grain: str | None,
        last: date,
        *conditions: Any,
    ) -> Sums:
        """The measures' columns of `table` summed over anchor days up to `last`."""
        key = self.key(table, anchor, scope, group, grain)
        columns = [table.c[measure.column].label(measure.name) for measure in measures]
        if key is not None:
            columns.insert(0, key.label("key"))
        inner = (
            select(*columns)
            .select_from(self.joined(table, scope, group))
            .where(*conditions, *self.where(table, anchor, scope, last))
        )
        return self.run(inner, [measure.name for measure in measures], group)


# --------------------------------------------------------------------- readers


def _daily(
    rollups: RollupReader,
    measures: Sequence[Measure],
    scope: Scope,
    group: str | None,
    grain: str | None,
) -> Sums:
    return rollups.summed(RD, RD.c.day, measures, scope, group, grain, scope.period.end)


def _eligible(
    rollups: RollupReader,
    measures: Sequence[Measure],
    scope: Scope,
    group: str | None,
    grain: str | None,
) -> Sums:
    # Only sign-up days whose day N is already complete count.
    last = min(scope.period.end, scope.day_n_cutoff)
    return rollups.summed(RD, RD.c.day, measures, scope, group, grain, last)


def _retained(
    rollups: RollupReader,
    measures: Sequence[Measure],
    scope: Scope,
    group: str | None,
    grain: str | None,
) -> Sums:
    last = min(scope.period.end, scope.day_n_cutoff)
    age = RR.c.age == scope.day_n
    return rollups.summed(RR, RR.c.signup_day, measures, scope, group, grain, last, age)


def _repeat(
    rollups: RollupReader,
    measures: Sequence[Measure],
    scope: Scope,
    group: str | None,
    grain: str | None,
) -> Sums:
    if group != "bucket":
        return _repeat_counts(rollups, measures, scope, group)
    # One indexed range count per bucket, each with its own start as a constant: far
    # cheaper than computing every row's bucket and comparing against it.
    out: Sums = {measure.name: {} for measure in measures}
    for start, end in buckets(scope.period, grain):  # type: ignore[arg-type]
        bucket = Scope(Period(start, end), scope.filters, scope.day_n, scope.yesterday)
        counts = _repeat_counts(rollups, measures, bucket, None)
        for measure in measures:
            out[measure.name][start] = counts[measure.name].get(None, 0.0)
    return out


def _repeat_counts(
    rollups: RollupReader, measures: Sequence[Measure], scope: Scope, group: str | None
) -> Sums:
    first, last = rollups.first_day, rollups.through
    if first is None or last is None:
        return _repeat_scan(rollups, measures, scope, group)
    # No order precedes the first data day or follows the last, so the period clipped to
    # them has the same customers.
    start, end = max(scope.period.start, first), min(scope.period.end, last)
    if start > end:
        return {measure.name: ({} if group else {None: 0.0}) for measure in measures}
    if (end - start).days >= selects.REPEAT_WINDOW_DAYS:
        return _repeat_scan(rollups, measures, scope, group)
    # A window this short was counted by the refresh: one indexed lookup per channel and
    # campaign instead of one index entry per customer and order day.
    key = rollups.key(RW, None, scope, group, None)
    columns = [RW.c[measure.column].label(measure.name) for measure in measures]
    if key is not None:
        columns.insert(0, key.label("key"))
    inner = (
        select(*columns)
        .select_from(rollups.joined(RW, scope, group))
        .where(RW.c.end_day == end, RW.c.start_day == start, *rollups.filters(RW, scope))
    )
    return rollups.run(inner, [measure.name for measure in measures], group)


def _repeat_scan(
    rollups: RollupReader, measures: Sequence[Measure], scope: Scope, group: str | None
) -> Sums:
    # A customer's first order day inside [start, end] is the row whose previous order
    # day is before start; they have 2+ orders in it when that row has 2+ orders, or when
    # the next row's previous day is that first day (prev2 before start) with 1 order.
    key = rollups.key(RC, RC.c.day, scope, group, None)
    start = literal(scope.period.start, Date)
    first_in = or_(RC.c.prev_day.is_(None), RC.c.prev_day < start)
    second_in = and_(
        RC.c.prev_day >= start,
        or_(RC.c.prev2_day.is_(None), RC.c.prev2_day < start),
        RC.c.prev_orders == 1,
    )
    # The rollup_repeat_windows columns, counted from the customer days.
    counted = {
        RW.c.ordering_customers.name: case((first_in, 1), else_=0),
        RW.c.repeat_customers.name: case(
            (and_(first_in, RC.c.orders >= 2), 1), (second_in, 1), else_=0
        ),
    }
    columns = [counted[measure.column].label(measure.name) for measure in measures]
    if key is not None:
        columns.insert(0, key.label("key"))
    inner = (
        select(*columns)
        .select_from(rollups.joined(RC, scope, group))
        .where(*rollups.where(RC, RC.c.day, scope, scope.period.end))
    )
    return rollups.run(inner, [measure.name for measure in measures], group)


def _day_n_not_yet(denominator: Measure, scope: Scope, words: str) -> str | None:
    """Why a denominator of sign-ups whose day N has happened is empty, when the period
    reaches days whose day N is still ahead (None otherwise)."""
    cutoff = scope.day_n_cutoff
    if scope.period.end <= cutoff:
        return None
    # The rows counted are those of the column's own measure ("sign-ups").
    counted = get_measure(denominator.column).noun
    if scope.period.start > cutoff:
        return f"day {scope.day_n} has not happened yet for {counted}{words} in this period"
    return f"no {counted}{words} whose day {scope.day_n} has happened in this period"


Reader = Callable[[RollupReader, Sequence[Measure], Scope, "str | None", "str | None"], Sums]
Explain = Callable[[Measure, Scope, str], "str | None"]


@dataclass(frozen=True)
class Keeping:
    """How measures kept one way are read, whether their sums add up over days, and what
    more to say when one of them is an empty denominator."""

    read: Reader
    # Distinct customers do not add up over days: a period's count is read, not summed.
    additive: bool = True
    explain: Explain | None = None


KEPT: dict[Kept, Keeping] = {
    "daily": Keeping(_daily),
    "eligible": Keeping(_eligible, explain=_day_n_not_yet),
    "retained": Keeping(_retained),
    "repeat": Keeping(_repeat, additive=False),
}
