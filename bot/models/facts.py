"""The growth facts (loaded by `warroom import`, or read from the team's warehouse) and the
record of each import.

Naive timestamps in the growth facts are wall-clock time in the workspace time zone
(TIMEZONE); the importer converts zoned timestamps to it. So a timestamp's calendar day is
simply its date."""

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
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import ID, KEY, MONEY, Base, one_of

CHANNEL_KINDS = ("paid", "organic")


class Channel(Base):
    __tablename__ = "channels"
    __table_args__ = (
        CheckConstraint(one_of("kind", CHANNEL_KINDS), name="kind"),
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
    # When operations first contacted the lead (NULL: not yet, or not recorded).
    first_contact_at: Mapped[datetime | None] = mapped_column(DateTime)


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


# The built-in journey touchpoints, counted from the tables above: never imported as touchpoints.
BUILT_IN_TOUCHPOINTS = (
    "impressions",
    "clicks",
    "leads",
    "sign_ups",
    "activated",
    "first_orders",
    "repeat_customers",
)


class Touchpoint(Base):
    """Optional: how often a journey touchpoint the other tables do not record happened per
    day and channel (landing-page views, coupon claims, add-to-carts ...), from the team's
    analytics tool. `touchpoint` is the key the journey file gives it."""

    __tablename__ = "touchpoints"
    __table_args__ = (
        CheckConstraint("count >= 0", name="count"),
        Index(None, "touchpoint", "date"),
    )

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(ForeignKey("channels.key"), primary_key=True)
    touchpoint: Mapped[str] = mapped_column(KEY, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


FACT_TABLES: tuple[type[Base], ...] = (
    Channel,
    Campaign,
    Spend,
    User,
    Lead,
    Order,
    Activity,
    Touchpoint,
)


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
