"""The typed query a person's words are parsed into (see parser.py for the words)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from bot.core.i18n import N_, Msg, Text
from bot.metrics.registry import Metric

Grain = Literal["day", "week", "month"]
Compare = Literal["prev", "yoy", "none"]
Dimension = Literal["channel", "campaign", "kind"]


class QueryError(ValueError):
    """A query a person typed cannot be answered; the message says what to change."""


@dataclass(frozen=True)
class Period:
    """An inclusive range of calendar days in the workspace time zone."""

    start: date
    end: date
    # What the period is called ("last week"): a marked constant or a message.
    label: Text = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise QueryError(
                Msg(
                    "the period ends ({end}) before it starts ({start}); swap from= and to=",
                    end=self.end,
                    start=self.start,
                )
            )

    @property
    def days(self) -> int:
        """How many days the period covers."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end, N_("previous period"))

    def year_ago(self) -> Period:
        """The same days one year earlier (29 February becomes 28 February)."""

        def back(day: date) -> date:
            try:
                return day.replace(year=day.year - 1)
            except ValueError:
                return day.replace(year=day.year - 1, day=28)

        return Period(back(self.start), back(self.end), N_("a year earlier"))


def buckets(period: Period, grain: Grain) -> list[tuple[date, date]]:
    """The grain's buckets inside the period: days, ISO weeks (Monday first) or calendar
    months, each clipped to the period and labelled by its first day."""
    out: list[tuple[date, date]] = []
    start = period.start
    while start <= period.end:
        if grain == "day":
            end = start
        elif grain == "week":
            end = start + timedelta(days=6 - start.weekday())
        else:
            end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        end = min(end, period.end)
        out.append((start, end))
        start = end + timedelta(days=1)
    return out


@dataclass(frozen=True)
class Filters:
    """Which channels, campaigns and kind of channel a query is limited to (empty: all)."""

    channels: tuple[str, ...] = ()
    campaigns: tuple[str, ...] = ()
    kind: Literal["paid", "organic"] | None = None

    def as_dict(self) -> dict[str, object]:
        """The filters that are set, for JSON and display."""
        out: dict[str, object] = {}
        if self.channels:
            out["channel"] = list(self.channels)
        if self.campaigns:
            out["campaign"] = list(self.campaigns)
        if self.kind:
            out["kind"] = self.kind
        return out


@dataclass(frozen=True)
class Query:
    """One metric question: what, when, for whom, split how, compared with what."""

    metric: Metric
    period: Period
    filters: Filters = field(default_factory=Filters)
    by: Dimension | None = None
    grain: Grain | None = None
    compare: Compare = "prev"
    day_n: int | None = None
    text: str = ""
    # Said with the answer, e.g. that a period still running was cut at yesterday.
    note: Text | None = None

    def comparison_period(self) -> Period | None:
        """The period this one is compared with, or None for vs=none."""
        if self.compare == "prev":
            return self.period.previous()
        if self.compare == "yoy":
            return self.period.year_ago()
        return None
