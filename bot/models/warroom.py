"""The war room's state: playbook alerts and stand-up updates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import ID, TEAMS, Base, one_of

ALERT_STATES = ("open", "resolved")


class AlertState(Base):
    """A playbook alert for one subject (a channel, or "all"); posted on open and on resolve."""

    __tablename__ = "alert_states"
    __table_args__ = (
        CheckConstraint(one_of("state", ALERT_STATES), name="state"),
        Index(None, "workspace_id", "rule", "subject", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="open")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    opened_ts: Mapped[str | None] = mapped_column(String(32))
    resolved_ts: Mapped[str | None] = mapped_column(String(32))


class StandupUpdate(Base):
    """One person's stand-up update for one day; editable until the digest goes out."""

    __tablename__ = "standup_updates"
    __table_args__ = (
        UniqueConstraint("workspace_id", "user_id", "date"),
        CheckConstraint(one_of("team", TEAMS), name="team"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    date: Mapped[date] = mapped_column(Date)
    team: Mapped[str] = mapped_column(String(16))
    campaign_id: Mapped[str | None] = mapped_column(ID)
    shipped: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    resources: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    blockers: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, server_default=func.now(), onupdate=func.now()
    )
