"""The metric rollups: the growth facts aggregated per day, channel and campaign, built by
bot.metrics.rollups. Answers read only these (and they live in the state store, so answers
never need the analytics store). campaign_id "" means no campaign."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import ID, KEY, Base


class RollupState(Base):
    """Which fact days the rollups no longer reflect; the refresh clears it."""

    __tablename__ = "rollup_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    stale: Mapped[bool] = mapped_column(Boolean, default=True)
    stale_from: Mapped[date | None] = mapped_column(Date)
    stale_to: Mapped[date | None] = mapped_column(Date)
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime)
    marked_at: Mapped[datetime | None] = mapped_column(DateTime)


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


class RollupLeadResponse(Base):
    """Leads per lead day, channel and campaign by the whole minutes from the lead to its
    first operations contact and the day of that contact (leads never contacted have no row):
    the distribution a median response time is read from, for any period, filter, breakdown
    or grain (the counts add up; the median does not)."""

    __tablename__ = "rollup_lead_response"

    lead_day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(KEY, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ID, primary_key=True)
    contact_day: Mapped[date] = mapped_column(Date, primary_key=True)
    minutes: Mapped[int] = mapped_column(Integer, primary_key=True)
    leads: Mapped[int] = mapped_column(Integer)


class RollupCustomerDay(Base):
    """One row per customer per day with orders, with the customer's two previous order days.

    Distinct customers are not additive over days; these columns let one indexed COUNT find,
    for any date range, the customers with 1+ orders in it (rows whose previous order day is
    before the range) and with 2+ (see bot.metrics.readers). The refresh counts every window up
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
