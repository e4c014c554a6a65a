"""Reading declared measures from the rollups with SQLAlchemy Core.

How a measure is read follows from how the rollups keep it (`Measure.kept`): one reader
per way of keeping, in KEPT, and no reader knows any measure by name. Every reader returns
{measure name: {key: sum}}, where the key is None (the total), a channel, campaign or kind,
a (channel, campaign) pair ("cell"), or a grain bucket's first day.

A scope with `as_of` counts only the facts dated up to that day: a cohort measure
(`Measure.cohort`) of a cohort that had not had its whole window by then is summed from its
parts table (PARTS), which keeps it by the day of each fact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from bot.core.i18n import Msg, Text
from bot.metrics.query import Filters, Period, buckets
from bot.metrics.registry import Kept, Measure, PartsTable, get_measure
from bot.metrics.rollups import RC, RD, RR, RW, selects
from bot.metrics.sql import bucket_start
from bot.metrics.statistics import STATISTICS
from bot.models import RollupCampaign, RollupChannel

CH = RollupChannel.__table__

# None (the total), a dimension value, a (channel, campaign) pair or a bucket's first day
Key = Any
Sums = dict[str, dict[Key, float]]
# A (channel, campaign, anchor day) of a cohort measure.
DayKey = tuple[str, str, date]


@dataclass(frozen=True)
class Parts:
    """A table keeping a cohort measure by the day of each fact: the cohort's anchor day, the
    fact's day and the value (their difference in days is the cohort's age at the fact)."""

    table: Any
    anchor: Any
    fact: Any
    value: Any


PARTS: dict[PartsTable, Parts] = {
    "ltv": Parts(selects.LP, selects.LP.c.first_day, selects.LP.c.order_day, selects.LP.c.revenue),
    "roi": Parts(selects.RP, selects.RP.c.signup_day, selects.RP.c.order_day, selects.RP.c.revenue),
    "lead": Parts(
        selects.LDP, selects.LDP.c.lead_day, selects.LDP.c.first_day, selects.LDP.c.converted
    ),
}


@dataclass(frozen=True)
class Scope:
    """Where the numbers come from: one period, the filters, the day N, yesterday, and the
    last day whose facts count (None: every loaded fact)."""

    period: Period
    filters: Filters
    day_n: int
    yesterday: date
    as_of: date | None = None

    @property
    def last(self) -> date:
        """The last anchor day counted: the period's end, or as_of when that is earlier."""
        return self.period.end if self.as_of is None else min(self.period.end, self.as_of)

    @property
    def day_n_cutoff(self) -> date:
        """The last sign-up day whose day N has already happened (by as_of, when set)."""
        known = self.yesterday if self.as_of is None else min(self.yesterday, self.as_of)
        return known - timedelta(days=self.day_n)

    def young_from(self, window: int) -> date | None:
        """The first anchor day of the period whose cohort had not had all its `window` days
        by as_of; None when there is none or as_of is not set."""
        if self.as_of is None:
            return None
        first = max(self.period.start, self.as_of - timedelta(days=window - 1))
        return first if first <= self.last else None

    def at(self, period: Period) -> Scope:
        """The same scope over another period (a grain bucket)."""
        return Scope(period, self.filters, self.day_n, self.yesterday, self.as_of)


class RollupReader:
    """Runs the rollup queries on one connection, for rollups built from the data days
    first_day..through; `windows` holds each cohort measure's window in days."""

    def __init__(
        self,
        connection: Connection,
        first_day: date | None,
        through: date | None,
        windows: dict[str, int] | None = None,
    ):
        self.connection = connection
        self.first_day = first_day
        self.through = through
        self.windows = windows or {}

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

    def maturity(self, scope: Scope, window: int, members: Measure) -> float | None:
        """Share of the period's cohort members (new customers, sign-ups) whose `window` days
        after their cohort's day are all yesterday or earlier."""
        cutoff = scope.yesterday - timedelta(days=window)
        column = RD.c[members.column]
        mature = case((RD.c.day <= cutoff, column), else_=0)
        inner = (
            select(column.label("all"), mature.label("mature"))
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

    def key(
        self, table: Any, anchor: Any, scope: Scope, group: str | None, grain: str | None
    ) -> list[Any]:
        """The labelled expressions a query groups by ("key"; "key2" for a cell, and "key3"
        for its bucket with "cell_bucket"); none for one total."""
        if group is None:
            return []
        if group in ("cell", "cell_bucket"):
            keys = [table.c.channel.label("key"), table.c.campaign_id.label("key2")]
            if group == "cell_bucket":
                bucket = self.key(table, anchor, scope, "bucket", grain)
                keys += [key.label("key3") for key in bucket]
            return keys
        if group == "channel":
            key = table.c.channel
        elif group == "campaign":
            key = table.c.campaign_id
        elif group == "kind":
            key = func.coalesce(CH.c.kind, "unknown")
        elif grain == "day":
            key = anchor
        else:
            dialect = self.connection.dialect.name
            key = bucket_start(anchor, grain, scope.period.start, dialect)  # type: ignore[arg-type]
        return [key.label("key")]

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
        """Sum the `names` columns of `inner`, per its key columns when grouped."""
        sub = inner.subquery("facts")
        sums = [func.coalesce(func.sum(sub.c[name]), 0).label(name) for name in names]
        keys = [] if group is None else [sub.c.key, *([sub.c.key2] if group == "cell" else [])]
        query = select(*keys, *sums).group_by(*keys) if keys else select(*sums)
        out: Sums = {name: {} for name in names}
        for row in self.connection.execute(query):
            key = None if not keys else tuple(row[: len(keys)]) if len(keys) > 1 else row[0]
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
        inner = self.rows(table, anchor, measures, scope, group, grain, last, *conditions)
        return self.run(inner, [measure.name for measure in measures], group)

    def rows(
        self,
        table: Any,
        anchor: Any,
        measures: Sequence[Measure],
        scope: Scope,
        group: str | None,
        grain: str | None,
        last: date,
        *conditions: Any,
    ) -> Any:
        """The select of the rows `summed` adds up: their keys and the measures' columns."""
        keys = self.key(table, anchor, scope, group, grain)
        columns = [table.c[measure.column].label(measure.name) for measure in measures]
        return (
            select(*keys, *columns)
            .select_from(self.joined(table, scope, group))
            .where(*conditions, *self.where(table, anchor, scope, last))
        )

    def read_cells_and_buckets(
        self, measures: Sequence[Measure], scope: Scope, grain: str
    ) -> tuple[Sums, Sums]:
        """read() per (channel, campaign) cell and per grain bucket together: one query for
        each way of keeping whose rows can be selected (Keeping.rows), which selects them
        once and adds them up both ways."""
        cells: Sums = {}
        buckets_: Sums = {}
        for kept, keeping in KEPT.items():
            chosen = [measure for measure in measures if measure.kept == kept]
            if not chosen:
                continue
            if keeping.rows is None:
                cells.update(keeping.read(self, chosen, scope, "cell", None))
                buckets_.update(keeping.read(self, chosen, scope, "bucket", grain))
                continue
            names = [measure.name for measure in chosen]
            facts = keeping.rows(self, chosen, scope, "cell_bucket", grain).cte("facts")

            def sums(names: list[str] = names, facts: Any = facts) -> list[Any]:
                return [func.coalesce(func.sum(facts.c[n]), 0).label(n) for n in names]

            by_cell = select(
                literal_column("0").label("tag"),
                cast(null(), Date).label("day_key"),
                facts.c.key,
                facts.c.key2,
                *sums(),
            ).group_by(facts.c.key, facts.c.key2)
            by_bucket = select(
                literal_column("1").label("tag"),
                facts.c.key3.label("day_key"),
                cast(null(), String).label("key"),
                cast(null(), String).label("key2"),
                *sums(),
            ).group_by(facts.c.key3)
            for name in names:
                cells[name], buckets_[name] = {}, {}
            for row in self.connection.execute(union_all(by_cell, by_bucket)):
                into, key = (
                    (cells, (row.key, row.key2)) if row.tag == 0 else (buckets_, row.day_key)
                )
                for name in names:
                    into[name][key] = float(row._mapping[name] or 0)
        return cells, buckets_


# --------------------------------------------------------------------- readers


def _daily(
    rollups: RollupReader,
    measures: Sequence[Measure],
    scope: Scope,
    group: str | None,
    grain: str | None,
) -> Sums:
    inner = _daily_rows(rollups, measures, scope, group, grain)
    return rollups.run(inner, [measure.name for measure in measures], group)


def _daily_rows(
    rollups: RollupReader,
    measures: Sequence[Measure],
    scope: Scope,
    group: str | None,
    grain: str | None,
) -> Any:
    young = {}
    for measure in measures:
        if measure.cohort is not None:
            first = scope.young_from(rollups.windows[measure.name])
            if first is not None:
                young[measure.name] = first
    if not young:
        return rollups.rows(RD, RD.c.day, measures, scope, group, grain, scope.last)
    return _daily_as_of(rollups, measures, scope, group, grain, young)


def _daily_as_of(
    rollups: RollupReader,
    measures: Sequence[Measure],
    scope: Scope,
    group: str | None,
    grain: str | None,
    young: dict[str, date],
) -> Any:
    """The rows of the measures as of scope.as_of: each cohort measure from rollup_daily for
    the cohorts that had their whole window by then, and from its parts, facts dated up to
    as_of, for the cohorts anchored from young[name] on."""
    zero = literal_column("0")
    columns = []
    for measure in measures:
        column = RD.c[measure.column]
        if measure.name in young:
            column = case((RD.c.day < young[measure.name], column), else_=zero)
        columns.append(column.label(measure.name))
    selects_ = [
        select(*rollups.key(RD, RD.c.day, scope, group, grain), *columns)
        .select_from(rollups.joined(RD, scope, group))
        .where(*rollups.where(RD, RD.c.day, scope, scope.last))
    ]
    for measure in measures:
        if measure.name not in young:
            continue
        kept = PARTS[measure.cohort.parts]  # type: ignore[union-attr]
        values = [
            (kept.value if other is measure else zero).label(other.name) for other in measures
        ]
        selects_.append(
            select(*rollups.key(kept.table, kept.anchor, scope, group, grain), *values)
            .select_from(rollups.joined(kept.table, scope, group))
            .where(
                kept.anchor >= young[measure.name],
                kept.anchor <= scope.last,
                kept.fact <= scope.as_of,
                *rollups.filters(kept.table, scope),
            )
        )
    return union_all(*selects_)


def _eligible_rows(
    rollups: RollupReader,
    measures: Sequence[Measure],
    scope: Scope,
    group: str | None,
    grain: str | None,
) -> Any:
    # Only sign-up days whose day N is already complete count.
    last = min(scope.last, scope.day_n_cutoff)
    return rollups.rows(RD, RD.c.day, measures, scope, group, grain, last)


def _retained_rows(
    rollups: RollupReader,
    measures: Sequence[Measure],
    scope: Scope,
    group: str | None,
    grain: str | None,
) -> Any:
    last = min(scope.last, scope.day_n_cutoff)
    age = RR.c.age == scope.day_n
    return rollups.rows(RR, RR.c.signup_day, measures, scope, group, grain, last, age)


def _summing(rows: RowsOf) -> Reader:
    """The reader that sums what a rows builder selects."""

    def read(
        rollups: RollupReader,
        measures: Sequence[Measure],
        scope: Scope,
        group: str | None,
        grain: str | None,
    ) -> Sums:
        inner = rows(rollups, measures, scope, group, grain)
        return rollups.run(inner, [measure.name for measure in measures], group)

    return read


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
        counts = _repeat_counts(rollups, measures, scope.at(Period(start, end)), None)
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
    start, end = max(scope.period.start, first), min(scope.last, last)
    if start > end:
        return {measure.name: ({} if group else {None: 0.0}) for measure in measures}
    if (end - start).days >= selects.REPEAT_WINDOW_DAYS:
        return _repeat_scan(rollups, measures, scope, group)
    # A window this short was counted by the refresh: one indexed lookup per channel and
    # campaign instead of one index entry per customer and order day.
    keys = rollups.key(RW, None, scope, group, None)
    columns = [RW.c[measure.column].label(measure.name) for measure in measures]
    inner = (
        select(*keys, *columns)
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
    keys = rollups.key(RC, RC.c.day, scope, group, None)
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
    inner = (
        select(*keys, *columns)
        .select_from(rollups.joined(RC, scope, group))
        .where(*rollups.where(RC, RC.c.day, scope, scope.last))
    )
    return rollups.run(inner, [measure.name for measure in measures], group)


def _distribution(
    rollups: RollupReader,
    measures: Sequence[Measure],
    scope: Scope,
    group: str | None,
    grain: str | None,
) -> Sums:
    """Each measure of a distribution per key, summarised by its statistic (the count of
    values, or their median) from the counts per value of the whole key, read in one query:
    only counts per distinct value come back. A scope with `as_of` counts only the contacts
    made by then. A key with no value has no entry (a median of nothing is no number)."""
    table = selects.RLR
    keys = rollups.key(table, table.c.lead_day, scope, group, grain)
    known = [] if scope.as_of is None else [table.c.contact_day <= scope.as_of]
    counts = {measure.column for measure in measures}
    assert len(counts) == 1, "one distribution per read"
    column = table.c[counts.pop()]
    inner = (
        select(*keys, table.c.minutes.label("value"), column.label("n"))
        .select_from(rollups.joined(table, scope, group))
        .where(*known, *rollups.where(table, table.c.lead_day, scope, scope.last))
        .subquery("facts")
    )
    key_columns = []
    if group is not None:
        key_columns = [inner.c.key, *([inner.c.key2] if group == "cell" else [])]
    query = select(*key_columns, inner.c.value, func.sum(inner.c.n).label("n")).group_by(
        *key_columns, inner.c.value
    )
    histograms: dict[Key, list[tuple[float, int]]] = {}
    for row in rollups.connection.execute(query):
        width = len(key_columns)
        key = None if not width else tuple(row[:width]) if width > 1 else row[0]
        histograms.setdefault(key, []).append((float(row.value), int(row.n or 0)))
    return {
        measure.name: {
            key: STATISTICS[measure.statistic](counts_) * measure.scale
            for key, counts_ in histograms.items()
        }
        for measure in measures
    }


def _day_n_not_yet(denominator: Measure, scope: Scope, words: Text) -> Msg | None:
    """Why a denominator of sign-ups whose day N has happened is empty, when the period
    reaches days whose day N is still ahead (None otherwise)."""
    cutoff = scope.day_n_cutoff
    if scope.period.end <= cutoff:
        return None
    # The rows counted are those of the column's own measure ("sign-ups").
    counted = Msg(get_measure(denominator.column).noun)
    if scope.period.start > cutoff:
        return Msg(
            "day {n} has not happened yet for {counted}{scope} in this period",
            n=scope.day_n,
            counted=counted,
            scope=words,
        )
    return Msg(
        "no {counted}{scope} whose day {n} has happened in this period",
        n=scope.day_n,
        counted=counted,
        scope=words,
    )


Reader = Callable[[RollupReader, Sequence[Measure], Scope, "str | None", "str | None"], Sums]
# Builds the select of the rows a reader sums (their keys and the measures' columns).
RowsOf = Callable[[RollupReader, Sequence[Measure], Scope, "str | None", "str | None"], Any]
Explain = Callable[[Measure, Scope, Text], "Msg | None"]


@dataclass(frozen=True)
class Keeping:
    """How measures kept one way are read, whether their sums add up over days, and what
    more to say when one of them is an empty denominator."""

    read: Reader
    # Builds the rows `read` sums, when it is such a sum (several groupings of them are then
    # read in one query).
    rows: RowsOf | None = None
    # Distinct customers do not add up over days: a period's count is read, not summed.
    additive: bool = True
    explain: Explain | None = None
    # Counted only for sign-up days whose day N has happened (by as_of, when set).
    by_day_n: bool = False
    # Counted by the day of a later fact (a lead by its first contact's): read as of a day,
    # the later facts are left out.
    later_facts: bool = False


KEPT: dict[Kept, Keeping] = {
    "daily": Keeping(_daily, _daily_rows),
    "eligible": Keeping(
        _summing(_eligible_rows), _eligible_rows, explain=_day_n_not_yet, by_day_n=True
    ),
    "retained": Keeping(_summing(_retained_rows), _retained_rows, by_day_n=True),
    "repeat": Keeping(_repeat, additive=False),
    "distribution": Keeping(_distribution, additive=False, later_facts=True),
}
