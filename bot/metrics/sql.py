"""The few SQL expressions that differ between databases: a timestamp's day, days between."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Integer, cast, func, type_coerce
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
