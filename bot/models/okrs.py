"""Shared objectives, their key results (metric queries or manual numbers, each with a target)
and the check-ins on them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import TEAMS, Base, one_of

# An objective is owned by marketing, operations or both ("joint").
OKR_TEAMS = (*TEAMS, "joint")
# A metric key result's value is its query, live; a manual one's is its latest check-in.
KR_KINDS = ("metric", "manual")


class Okr(Base):
    """A shared objective for one quarter (period_start..period_end); its key results say how
    far it has come. `channel` and `message_ts` name its message, which check-ins thread under."""

    __tablename__ = "okrs"
    __table_args__ = (
        CheckConstraint(one_of("team", OKR_TEAMS), name="team"),
        CheckConstraint("period_end >= period_start", name="period"),
        Index(None, "workspace_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    objective: Mapped[str] = mapped_column(String(300))
    team: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime | None] = mapped_column(DateTime)
    channel: Mapped[str | None] = mapped_column(String(64))
    message_ts: Mapped[str | None] = mapped_column(String(32))


class KeyResult(Base):
    """One key result: a metric query (kind "metric") or a number people report (kind
    "manual", named by its title), with its target and an optional baseline."""

    __tablename__ = "key_results"
    __table_args__ = (
        CheckConstraint(one_of("kind", KR_KINDS), name="kind"),
        CheckConstraint(
            "(kind = 'metric' AND query IS NOT NULL) OR (kind = 'manual' AND title IS NOT NULL)",
            name="described",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    okr_id: Mapped[int] = mapped_column(ForeignKey("okrs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="metric")
    title: Mapped[str | None] = mapped_column(String(300))
    query: Mapped[str | None] = mapped_column(String(500))
    target: Mapped[float] = mapped_column(Float)
    baseline: Mapped[float | None] = mapped_column(Float)


class KeyResultCheckin(Base):
    """A check-in on a key result: how confident its owner is (0 to 1), a note, and for a
    manual key result its value now."""

    __tablename__ = "key_result_checkins"
    __table_args__ = (
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence"),
        Index(None, "key_result_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_result_id: Mapped[int] = mapped_column(ForeignKey("key_results.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime)
