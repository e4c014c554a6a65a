"""The bot's own state about a workspace: its saved settings, the growth team, the claimed
scheduled sends (job runs), the messages that must go out once (slack_posts), and the Events
API deliveries and interactive requests already handled."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import TEAMS, Base, one_of

# uncertain: a post may have gone out and Slack could not be asked; nothing is posted until
# a person resolves it (`warroom digest --send --force`).
RUN_STATES = ("claimed", "posted", "failed", "uncertain")
POST_STATES = ("reserved", "sending", "posted", "uncertain")
REQUEST_STATES = ("pending", "done")


class Workspace(Base):
    """A Slack workspace; `settings` holds the values changed in Slack, which win over .env."""

    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, server_default=func.now(), onupdate=func.now()
    )


class TeamMember(Base):
    __tablename__ = "team_members"
    __table_args__ = (CheckConstraint(one_of("team", TEAMS), name="team"),)

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team: Mapped[str] = mapped_column(String(16))
    is_approver: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    added_by: Mapped[str | None] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class JobRun(Base):
    """A claimed scheduled send (digest, stand-up prompt): unique per workspace, job and period."""

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("workspace_id", "job", "period"),
        CheckConstraint(one_of("state", RUN_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    job: Mapped[str] = mapped_column(String(32))
    period: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="claimed")
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    channel: Mapped[str | None] = mapped_column(String(64))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set just before the message is posted: from then on an attempt may have posted it, so
    # a later attempt looks for it before posting.
    sending_at: Mapped[datetime | None] = mapped_column(DateTime)


class SlackPost(Base):
    """A message that must go out once (an alert, a proposal's fund-channel message), reserved
    before it is posted: unique per workspace and key."""

    __tablename__ = "slack_posts"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        CheckConstraint(one_of("state", POST_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default="reserved")
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    sending_at: Mapped[datetime | None] = mapped_column(DateTime)
    channel: Mapped[str | None] = mapped_column(String(64))
    ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)


class SlackEvent(Base):
    """Events API deliveries already handled, so Slack's retries are not handled twice."""

    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class HandledRequest(Base):
    """An interactive request (a modal submission, a button click) claimed by the process
    handling it, so a double click, a concurrent twin or a replay is handled once."""

    __tablename__ = "handled_requests"
    __table_args__ = (CheckConstraint(one_of("state", REQUEST_STATES), name="state"),)

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    token: Mapped[str] = mapped_column(String(32))
    claimed_at: Mapped[datetime] = mapped_column(DateTime, index=True)
