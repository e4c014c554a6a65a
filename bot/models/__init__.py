"""Every table in one place: the growth facts, then the bot's own state.

Naive timestamps in the growth facts are wall-clock time in the workspace time zone
(TIMEZONE); the importer converts zoned timestamps to it. So a timestamp's calendar day
is simply its date.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(64)
KEY = String(64)
# Money is exact in the database (NUMERIC on PostgreSQL) and a float in Python.
MONEY = Numeric(18, 2, asdecimal=False)

CHANNEL_KINDS = ("paid", "organic")
TEAMS = ("marketing", "operations")
PROPOSAL_STATES = (
    "pending",
    "approved",
    "rejected",
    "changes_requested",
    "withdrawn",
    "completed",
)
RUN_STATES = ("claimed", "posted", "failed")
ALERT_STATES = ("open", "resolved")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --------------------------------------------------------------------------- growth facts


class Channel(Base):
    __tablename__ = "channels"
    __table_args__ = (
        CheckConstraint(_in("kind", CHANNEL_KINDS), name="kind"),
        CheckConstraint("roi_benchmark IS NULL OR roi_benchmark >= 0", name="roi_benchmark"),
    )

    key: Mapped[str] = mapped_column(KEY, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    roi_benchmark: Mapped[float | None] = mapped_column(Float)


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("budget IS NULL OR budget >= 0", name="budget"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        Index(None, "channel"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    channel: Mapped[str] = mapped_column(ForeignKey("channels.key"))
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    budget: Mapped[float | None] = mapped_column(MONEY)
    owner: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str | None] = mapped_column(String(32))


class Spend(Base):
    """Daily spend per channel and campaign; campaign_id is "" for spend outside a campaign."""

    __tablename__ = "spend"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint("impressions >= 0", name="impressions"),
        CheckConstraint("clicks >= 0", name="clicks"),
        Index(None, "channel", "date"),
    )

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(ForeignKey("channels.key"), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ID, primary_key=True, default="")
    amount: Mapped[float] = mapped_column(MONEY)
    impressions: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        Index(None, "signed_up_at"),
        Index(None, "channel", "signed_up_at"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    signed_up_at: Mapped[datetime] = mapped_column(DateTime)
    channel: Mapped[str] = mapped_column(ForeignKey("channels.key"))
    campaign_id: Mapped[str | None] = mapped_column(ForeignKey("campaigns.id"))


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        Index(None, "created_at"),
        Index(None, "user_id"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    channel: Mapped[str] = mapped_column(ForeignKey("channels.key"))
    campaign_id: Mapped[str | None] = mapped_column(ForeignKey("campaigns.id"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount"),
        Index(None, "user_id", "ordered_at"),
        Index(None, "ordered_at"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    ordered_at: Mapped[datetime] = mapped_column(DateTime)
    amount: Mapped[float] = mapped_column(MONEY)


class Activity(Base):
    """One row per user per active day."""

    __tablename__ = "activity"
    __table_args__ = (Index(None, "date"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)


FACT_TABLES: tuple[type[Base], ...] = (Channel, Campaign, Spend, User, Lead, Order, Activity)


# ------------------------------------------------------------------------------ bot state


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
    __table_args__ = (CheckConstraint(_in("team", TEAMS), name="team"),)

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team: Mapped[str] = mapped_column(String(16))
    is_approver: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    added_by: Mapped[str | None] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class RollupState(Base):
    """Which fact days the rollups no longer reflect; the refresh clears it."""

    __tablename__ = "rollup_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    stale: Mapped[bool] = mapped_column(Boolean, default=True)
    stale_from: Mapped[date | None] = mapped_column(Date)
    stale_to: Mapped[date | None] = mapped_column(Date)
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime)
    marked_at: Mapped[datetime | None] = mapped_column(DateTime)


class ImportRun(Base):
    """One `warroom import` (or demo load): what came in, and what was rejected."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(500))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    min_date: Mapped[date | None] = mapped_column(Date)
    max_date: Mapped[date | None] = mapped_column(Date)
    finished_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class JobRun(Base):
    """A claimed scheduled send (digest, stand-up prompt): unique per workspace, job and period."""

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("workspace_id", "job", "period"),
        CheckConstraint(_in("state", RUN_STATES), name="state"),
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


class AlertState(Base):
    """A playbook alert for one subject (a channel, or "all"); posted on open and on resolve."""

    __tablename__ = "alert_states"
    __table_args__ = (
        CheckConstraint(_in("state", ALERT_STATES), name="state"),
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
        CheckConstraint(_in("team", TEAMS), name="team"),
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


class Okr(Base):
    """A shared objective; its key results are metric queries, so progress is live."""

    __tablename__ = "okrs"
    __table_args__ = (
        CheckConstraint(f"owner_team IS NULL OR {_in('owner_team', TEAMS)}", name="owner_team"),
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
    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(_in("status", PROPOSAL_STATES), name="status"),
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
    status: Mapped[str] = mapped_column(String(24), default="pending")
    channel: Mapped[str | None] = mapped_column(String(64))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    actual_spend: Mapped[float | None] = mapped_column(MONEY)
    result_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, server_default=func.now(), onupdate=func.now()
    )


class ProposalApproval(Base):
    """One approval per team per proposal round: the primary key makes a second one fail."""

    __tablename__ = "proposal_approvals"
    __table_args__ = (CheckConstraint(_in("team", TEAMS), name="team"),)

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    team: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    approved_at: Mapped[datetime] = mapped_column(DateTime)


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
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)


class SlackEvent(Base):
    """Events API deliveries already handled, so Slack's retries are not handled twice."""

    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


# ---------------------------------------------------------------------------- metric rollups
# Built from the growth facts by bot.metrics.rollups; answers read only these (and they live in
# the state store, so answers never need the analytics store). campaign_id "" means no campaign.


class RollupChannel(Base):
    """The channels as they were at the last refresh (labels, aliases, kind for filters)."""

    __tablename__ = "rollup_channels"

    key: Mapped[str] = mapped_column(KEY, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))


class RollupCampaign(Base):
    """The campaigns as they were at the last refresh."""

    __tablename__ = "rollup_campaigns"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    channel: Mapped[str] = mapped_column(KEY)
    name: Mapped[str] = mapped_column(String(200))


class RollupDaily(Base):
    """Additive measures per day, channel and campaign. Each measure sits on its anchor day:
    spend/revenue/orders on their own day, new_customers and ltv_revenue on the first-order
    day, signups and roi_revenue on the sign-up day, leads and converted_leads on the lead day."""

    __tablename__ = "rollup_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(KEY, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ID, primary_key=True)
    spend: Mapped[float] = mapped_column(Float, default=0)
    impressions: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    signups: Mapped[int] = mapped_column(Integer, default=0)
    new_customers: Mapped[int] = mapped_column(Integer, default=0)
    revenue: Mapped[float] = mapped_column(Float, default=0)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    ltv_revenue: Mapped[float] = mapped_column(Float, default=0)
    roi_revenue: Mapped[float] = mapped_column(Float, default=0)
    leads: Mapped[int] = mapped_column(Integer, default=0)
    converted_leads: Mapped[int] = mapped_column(Integer, default=0)


class RollupRetention(Base):
    """Users active exactly `age` days after signing up (age 0..90), per sign-up day; the
    active day (sign-up day + age) lets a refresh replace just the days that changed."""

    __tablename__ = "rollup_retention"
    __table_args__ = (Index(None, "age", "signup_day"), Index(None, "active_day"))

    signup_day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(KEY, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ID, primary_key=True)
    age: Mapped[int] = mapped_column(Integer, primary_key=True)
    active_day: Mapped[date] = mapped_column(Date)
    active_users: Mapped[int] = mapped_column(Integer, default=0)


class RollupLtvPart(Base):
    """Revenue of each first-order-day cohort per order day, within LTV_HORIZON_DAYS: a new
    order day only replaces its own rows, then rollup_daily.ltv_revenue is summed from here."""

    __tablename__ = "rollup_ltv_parts"
    __table_args__ = (Index(None, "order_day"),)

    first_day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(KEY, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ID, primary_key=True)
    order_day: Mapped[date] = mapped_column(Date, primary_key=True)
    revenue: Mapped[float] = mapped_column(Float, default=0)


class RollupRoiPart(Base):
    """Revenue of each sign-up-day cohort per order day, within ROI_WINDOW_DAYS."""

    __tablename__ = "rollup_roi_parts"
    __table_args__ = (Index(None, "order_day"),)

    signup_day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(KEY, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ID, primary_key=True)
    order_day: Mapped[date] = mapped_column(Date, primary_key=True)
    revenue: Mapped[float] = mapped_column(Float, default=0)


class RollupLeadPart(Base):
    """Converted leads per lead day and first-order day of the lead's user (within
    LEAD_WINDOW_DAYS)."""

    __tablename__ = "rollup_lead_parts"
    __table_args__ = (Index(None, "first_day"),)

    lead_day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(KEY, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ID, primary_key=True)
    first_day: Mapped[date] = mapped_column(Date, primary_key=True)
    converted: Mapped[int] = mapped_column(Integer, default=0)


class RollupCustomerDay(Base):
    """One row per customer per day with orders, with the customer's two previous order days.

    Distinct customers are not additive over days; these columns let one indexed COUNT find,
    for any date range, the customers with 1+ orders in it (rows whose previous order day is
    before the range) and with 2+ (see bot.metrics.engine). The refresh counts every window up
    to REPEAT_WINDOW_DAYS long from here into rollup_repeat_windows; longer periods are counted
    here when asked."""

    __tablename__ = "rollup_customer_days"
    __table_args__ = (
        # Covers the repeat-rate count, so it never touches the table itself.
        Index(
            "ix_rollup_customer_days_scan",
            "day",
            "channel",
            "campaign_id",
            "prev_day",
            "prev_orders",
            "prev2_day",
            "orders",
        ),
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[str] = mapped_column(ID, primary_key=True)
    channel: Mapped[str] = mapped_column(KEY)
    campaign_id: Mapped[str] = mapped_column(ID)
    orders: Mapped[int] = mapped_column(Integer)
    prev_day: Mapped[date | None] = mapped_column(Date)
    prev_orders: Mapped[int | None] = mapped_column(Integer)
    prev2_day: Mapped[date | None] = mapped_column(Date)


class RollupRepeatWindow(Base):
    """Repeat-rate customer counts for every window of up to REPEAT_WINDOW_DAYS days (from
    start_day to end_day, both included), per channel and campaign.

    Distinct customers do not add up over days, so a period cannot be summed from daily rows;
    counting them per window up front turns any period, grain bucket or breakdown row of that
    length into one indexed lookup instead of a scan of rollup_customer_days. Each customer has
    one channel and campaign, so the rows of a window do add up over channels and campaigns.
    Windows with no ordering customers have no row."""

    __tablename__ = "rollup_repeat_windows"

    # end_day first: a refresh replaces the windows ending on the days that changed.
    end_day: Mapped[date] = mapped_column(Date, primary_key=True)
    start_day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(KEY, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ID, primary_key=True)
    ordering_customers: Mapped[int] = mapped_column(Integer)
    repeat_customers: Mapped[int] = mapped_column(Integer)


class RollupMeta(Base):
    """The parameters the rollups were built with; a refresh rebuilds fully when they change."""

    __tablename__ = "rollup_meta"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    ltv_horizon_days: Mapped[int] = mapped_column(Integer)
    roi_window_days: Mapped[int] = mapped_column(Integer)
    lead_window_days: Mapped[int] = mapped_column(Integer)
    first_day: Mapped[date | None] = mapped_column(Date)
    data_through: Mapped[date | None] = mapped_column(Date)
    built_at: Mapped[datetime | None] = mapped_column(DateTime)


# slack_sdk's own installation and OAuth state tables, created by our migrations so that one
# history owns the whole schema. The stores build identical Table objects on their own.
SLACK_INSTALLATIONS = SQLAlchemyInstallationStore.build_installations_table(
    Base.metadata, SQLAlchemyInstallationStore.default_installations_table_name
)
SLACK_BOTS = SQLAlchemyInstallationStore.build_bots_table(
    Base.metadata, SQLAlchemyInstallationStore.default_bots_table_name
)
SLACK_OAUTH_STATES = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    Base.metadata, SQLAlchemyOAuthStateStore.default_table_name
)
