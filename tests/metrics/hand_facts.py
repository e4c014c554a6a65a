"""Compact writers of hand-made facts for the hand-worked metric tests: days are "MM-DD" in
2026, times are fixed (sign-ups at 09:00, orders at 12:00, leads at 08:00)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import insert

from bot.core.db import Database
from bot.models import Activity, Channel, Lead, Order, Spend, User


def day(text: str, year: int = 2026) -> date:
    """ "03-15" as 15 March 2026."""
    return date.fromisoformat(f"{year}-{text}")


def at(text: str, hour: int) -> datetime:
    """ "03-15" at `hour`:00."""
    return datetime.combine(day(text), datetime.min.time()).replace(hour=hour)


def _write(db: Database, table: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        with db.analytics.begin() as connection:
            connection.execute(insert(table), rows)


def channels(db: Database, *keys: str) -> None:
    """Paid channels with these keys (named as their keys)."""
    _write(db, Channel, [{"key": key, "name": key, "kind": "paid"} for key in keys])


def spend(db: Database, channel: str, *days_amounts: tuple[str, float]) -> None:
    """Spend outside any campaign: (day, amount) pairs."""
    _write(
        db,
        Spend,
        [
            {"date": day(when), "channel": channel, "campaign_id": "", "amount": amount}
            for when, amount in days_amounts
        ],
    )


def customer(db: Database, user: str, channel: str, signed_up: str, *orders: tuple[str, float]):  # type: ignore[no-untyped-def]
    """A user signing up on `signed_up` and ordering (day, amount) pairs."""
    _write(db, User, [{"id": user, "signed_up_at": at(signed_up, 9), "channel": channel}])
    _write(
        db,
        Order,
        [
            {"id": f"{user}-{n}", "user_id": user, "ordered_at": at(when, 12), "amount": amount}
            for n, (when, amount) in enumerate(orders)
        ],
    )


def customers(
    db: Database, prefix: str, count: int, channel: str, signed_up: str, *orders: tuple[str, float]
) -> None:
    """`count` identical customers (see customer)."""
    for n in range(count):
        customer(db, f"{prefix}{n}", channel, signed_up, *orders)


def lead(db: Database, lead_id: str, channel: str, created: str, user: str | None) -> None:
    """A lead created on `created`, of `user` (None: not signed up)."""
    _write(
        db,
        Lead,
        [{"id": lead_id, "created_at": at(created, 8), "channel": channel, "user_id": user}],
    )


def active(db: Database, user: str, *days: str) -> None:
    """`user` active on these days."""
    _write(db, Activity, [{"user_id": user, "date": day(when)} for when in days])
