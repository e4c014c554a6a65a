"""The joint innovation fund: one pool per year, proposals, approvals and the audit trail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import MONEY, TEAMS, Base, one_of

ProposalStatus = Literal[
    "pending",
    "approved",
    "rejected",
    "changes_requested",
    "withdrawn",
    "completed",
]
PROPOSAL_STATES: tuple[ProposalStatus, ...] = get_args(ProposalStatus)
# Stored as VARCHAR(24), checked by the table's own named CHECK: the Enum only maps the column
# to ProposalStatus in Python and refuses an unknown status before it reaches the database.
STATUS = Enum(
    *PROPOSAL_STATES,
    name="proposal_status",
    native_enum=False,
    create_constraint=False,
    length=24,
    validate_strings=True,
)


class Fund(Base):
    """One year's innovation fund; approved can never pass the pool (and the CHECK says so)."""

    __tablename__ = "funds"
    __table_args__ = (
        UniqueConstraint("workspace_id", "year"),
        CheckConstraint("budget >= 0", name="budget"),
        CheckConstraint("pool_pct >= 0 AND pool_pct <= 100", name="pool_pct"),
        CheckConstraint("pool >= 0", name="pool"),
        CheckConstraint("approved >= 0 AND approved <= pool", name="approved"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    budget: Mapped[float] = mapped_column(MONEY)
    pool_pct: Mapped[float] = mapped_column(Float)
    pool: Mapped[float] = mapped_column(MONEY)
    approved: Mapped[float] = mapped_column(MONEY, default=0)
    updated_by: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, server_default=func.now(), onupdate=func.now()
    )


class Proposal(Base):
    """A request for money from one year's pool, with its approvals and its audit trail."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(one_of("status", PROPOSAL_STATES), name="status"),
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("actual_spend IS NULL OR actual_spend >= 0", name="actual_spend"),
        CheckConstraint("end_date >= start_date", name="dates"),
        Index(None, "workspace_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    plan: Mapped[str] = mapped_column(Text)
    amount: Mapped[float] = mapped_column(MONEY)
    impact_metric: Mapped[str] = mapped_column(String(64))
    impact_target: Mapped[float] = mapped_column(Float)
    marketing_sponsor: Mapped[str] = mapped_column(String(32))
    operations_sponsor: Mapped[str] = mapped_column(String(32))
    submitter: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[ProposalStatus] = mapped_column(STATUS, default="pending")
    channel: Mapped[str | None] = mapped_column(String(64))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    actual_spend: Mapped[float | None] = mapped_column(MONEY)
    result_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, server_default=func.now(), onupdate=func.now()
    )

    # Read with selectinload (bot.fund.reading); "raise" makes a forgotten option an error
    # instead of one query per proposal.
    fund: Mapped[Fund] = relationship(lazy="raise")
    approvals: Mapped[list[ProposalApproval]] = relationship(
        back_populates="proposal",
        order_by=lambda: (ProposalApproval.approved_at, ProposalApproval.team),
        lazy="raise",
        passive_deletes=True,
    )
    events: Mapped[list[ProposalEvent]] = relationship(
        back_populates="proposal",
        order_by=lambda: ProposalEvent.id,
        lazy="raise",
        passive_deletes=True,
    )


class ProposalApproval(Base):
    """One approval per team per proposal round: the primary key makes a second one fail."""

    __tablename__ = "proposal_approvals"
    __table_args__ = (CheckConstraint(one_of("team", TEAMS), name="team"),)

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    team: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    approved_at: Mapped[datetime] = mapped_column(DateTime)

    proposal: Mapped[Proposal] = relationship(back_populates="approvals", lazy="raise")


class ProposalEvent(Base):
    """The audit trail: every transition of a proposal (who, when, from, to, note)."""

    __tablename__ = "proposal_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    actor: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[ProposalStatus | None] = mapped_column(STATUS)
    to_state: Mapped[ProposalStatus | None] = mapped_column(STATUS)
    note: Mapped[str | None] = mapped_column(Text)

    proposal: Mapped[Proposal] = relationship(back_populates="events", lazy="raise")
