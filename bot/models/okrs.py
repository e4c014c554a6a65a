"""Shared objectives and their key results (metric queries with a target)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import TEAMS, Base, one_of


class Okr(Base):
    """A shared objective; its key results are metric queries, so progress is live."""

    __tablename__ = "okrs"
    __table_args__ = (
        CheckConstraint(f"owner_team IS NULL OR {one_of('owner_team', TEAMS)}", name="owner_team"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    objective: Mapped[str] = mapped_column(String(300))
    owner_team: Mapped[str | None] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str | None] = mapped_column(String(32))


class KeyResult(Base):
    __tablename__ = "key_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    okr_id: Mapped[int] = mapped_column(ForeignKey("okrs.id", ondelete="CASCADE"), index=True)
    query: Mapped[str] = mapped_column(String(500))
    target: Mapped[float] = mapped_column(Float)
    baseline: Mapped[float | None] = mapped_column(Float)
