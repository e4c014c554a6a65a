"""Events API deliveries are retried by Slack; each event_id is handled once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert

from bot.core.clock import naive_utc
from bot.core.db import Database
from bot.models import SlackEvent


def _insert_ignoring_duplicates(dialect: str):  # type: ignore[no-untyped-def]
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(SlackEvent).on_conflict_do_nothing(index_elements=["event_id"])
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(SlackEvent).on_conflict_do_nothing(index_elements=["event_id"])
    return insert(SlackEvent)


def first_delivery(db: Database, event_id: str, now: datetime) -> bool:
    """Claim `event_id`; True only for the first delivery (a retry or a twin gets False)."""
    statement = (
        _insert_ignoring_duplicates(db.state.dialect.name)
        .values(event_id=event_id, received_at=naive_utc(now))
        .returning(SlackEvent.event_id)
    )
    # RETURNING tells reliably whether the row went in (rowcount is -1 on some drivers).
    with db.state.begin() as connection:
        return connection.execute(statement).first() is not None


def forget_before(db: Database, moment: datetime) -> int:
    """Drop claims older than `moment` (Slack retries within minutes); returns how many."""
    statement = (
        delete(SlackEvent)
        .where(SlackEvent.received_at < naive_utc(moment))
        .returning(SlackEvent.event_id)
    )
    with db.state.begin() as connection:
        return len(connection.execute(statement).all())
