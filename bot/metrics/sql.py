"""The few SQL expressions that differ between databases: a timestamp's day, days between."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, cast, func, literal, literal_column, type_coerce
from sqlalchemy.sql.elements import ColumnElement


def day_of(column: Any, dialect: str) -> ColumnElement[Any]:
    """The calendar day of a naive timestamp (timestamps are wall-clock workspace time)."""
    if dialect == "sqlite":
        # CAST(... AS DATE) has numeric affinity on SQLite; date() keeps the ISO text.
        return func.date(column, type_=Date)
    return cast(column, Date)


def days_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[Any]:
    """Whole calendar days from `earlier` to `later` (both already days)."""
    if dialect == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return type_coerce(later - earlier, Integer)


def bucket_start(day: Any, grain: str, period_start: date, dialect: str) -> ColumnElement[Any]:
    """The first day of the grain bucket holding `day` (ISO week from Monday, calendar
    month), clipped to the period's first day. Arithmetic, so it costs the same per row
    whatever the number of buckets."""
    start = literal(period_start, Date)
    if dialect == "sqlite":
        # 'weekday 1' moves forward to a Monday, so step back six days first.
        modifiers = ("-6 days", "weekday 1") if grain == "week" else ("start of month",)
        first = func.date(day, *[literal_column(f"'{m}'") for m in modifiers], type_=Date)
        return func.max(first, start, type_=Date)
    unit = literal_column("'week'") if grain == "week" else literal_column("'month'")
    return func.greatest(cast(func.date_trunc(unit, day), Date), start, type_=Date)
