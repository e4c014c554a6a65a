"""The few SQL expressions that differ between databases: a timestamp's day, days between,
the previous value in a window, a grain bucket's first day. Each takes the dialect name of
the connection it runs on (SQLite, PostgreSQL, DuckDB, ClickHouse or a MySQL-protocol engine)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, cast, extract, func, literal, literal_column, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from bot.core.warehouse import family


def day_of(column: Any, dialect: str) -> ColumnElement[Any]:
    """The calendar day of a naive timestamp (timestamps are wall-clock workspace time)."""
    kind = family(dialect)
    if kind == "sqlite":
        # CAST(... AS DATE) has numeric affinity on SQLite; date() keeps the ISO text.
        return func.date(column, type_=Date)
    if kind == "clickhouse":
        # CAST of a NULL (an outer join's missing row) to Date is an error there.
        return func.toDate(column, type_=Date)
    return cast(column, Date)


def days_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[Any]:
    """Whole calendar days from `earlier` to `later` (both already days)."""
    kind = family(dialect)
    if kind == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    if kind == "mysql":
        # date - date is a number of the form YYYYMMDD there, not days.
        return func.datediff(later, earlier, type_=Integer)
    if kind == "clickhouse":
        # toDate: a day given as a literal may be rendered as text there.
        unit = literal_column("'day'")
        return func.dateDiff(unit, func.toDate(earlier), func.toDate(later), type_=Integer)
    return type_coerce(later - earlier, Integer)


def minutes_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[Any]:
    """Whole minutes from the timestamp `earlier` to `later` (rounded down; both naive wall
    clock time). Constants are literals, so the expression can be grouped by."""
    kind = family(dialect)
    sixty = literal_column("60")
    if kind == "sqlite":
        # Seconds since 1970 as text; whole seconds, then whole minutes (integer division).
        seconds = literal_column("'%s'")
        later_s = cast(func.strftime(seconds, later), Integer)
        earlier_s = cast(func.strftime(seconds, earlier), Integer)
        return type_coerce((later_s - earlier_s) // sixty, Integer)
    if kind == "mysql":
        return func.timestampdiff(literal_column("MINUTE"), earlier, later, type_=Integer)
    if kind == "clickhouse":
        unit = literal_column("'second'")
        return func.intDiv(func.dateDiff(unit, earlier, later), sixty, type_=Integer)
    # PostgreSQL and DuckDB: the interval's seconds.
    elapsed = extract("epoch", later - earlier)
    return cast(func.floor(elapsed / sixty), Integer)


def previous(column: Any, offset: int, partition: Any, order: Any, dialect: str) -> Any:
    """The value of `column` `offset` rows before, in the window of `partition` ordered by
    `order`; NULL when there is none."""
    if family(dialect) == "clickhouse":
        # ClickHouse's lag gives the type's default (0, 1970-01-01) for a missing row;
        # lagInFrame over a nullable value gives NULL, within a frame that reaches back.
        return func.lagInFrame(func.toNullable(column), offset, type_=column.type).over(
            partition_by=partition, order_by=order, rows=(None, 0)
        )
    return func.lag(column, offset).over(partition_by=partition, order_by=order)


def bucket_start(day: Any, grain: str, period_start: date, dialect: str) -> ColumnElement[Any]:
    """The first day of the grain bucket holding `day` (ISO week from Monday, calendar
    month), clipped to the period's first day. Arithmetic, so it costs the same per row
    whatever the number of buckets."""
    start = literal(period_start, Date)
    if family(dialect) == "sqlite":
        # 'weekday 1' moves forward to a Monday, so step back six days first.
        modifiers = ("-6 days", "weekday 1") if grain == "week" else ("start of month",)
        first = func.date(day, *[literal_column(f"'{m}'") for m in modifiers], type_=Date)
        return func.max(first, start, type_=Date)
    unit = literal_column("'week'") if grain == "week" else literal_column("'month'")
    return func.greatest(cast(func.date_trunc(unit, day), Date), start, type_=Date)
