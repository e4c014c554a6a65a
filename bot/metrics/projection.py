"""Young cohorts carried to their full window by the chain-ladder method.

A cohort measure (LTV revenue, ROI revenue) grows for a window of days after each cohort's
day. For a cohort a days old, the development factor to the full window W is, per channel,
the sum over that channel's cohorts that have reached W of their value at W, divided by the
same cohorts' value at age a (volume-weighted). The projection of a young cohort is its value
so far times that factor. A channel with too little mature history (fewer than
MIN_MATURE_MEMBERS members in the cohorts that reached W) uses all channels' curve; with no
cohort that reached W at all there is no projection.

The curves depend only on the rollups and the day they are read as of, so they are read once
per rollup build and kept in memory.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, literal_column, select

from bot.metrics.readers import PARTS, RD, DayKey, Key, RollupReader, Scope
from bot.metrics.registry import Measure, get_measure
from bot.metrics.rollups.refresh import META
from bot.metrics.sql import days_between
from bot.models import RollupMeta

# A channel needs this many members (customers, sign-ups) in its cohorts that have reached
# the window before its own curve is used; below it, all channels' curve is.
MIN_MATURE_MEMBERS = 30
# Curves kept per database (a few measures and as-of days at a time).
_KEPT_CURVES = 16


@dataclass(frozen=True)
class Curve:
    """The cumulative value at each age 0..W of the cohorts that reached W, and their members."""

    cumulative: tuple[float, ...]
    members: float

    def factor(self, age: int) -> float | None:
        """Value at W / value at `age`; None when those cohorts had nothing by that age."""
        base = self.cumulative[max(0, min(age, len(self.cumulative) - 1))]
        return self.cumulative[-1] / base if base > 0 else None


@dataclass(frozen=True)
class Curves:
    """The development curves of one cohort measure: per channel, and of all channels."""

    window: int
    channels: dict[str, Curve]
    overall: Curve | None

    def factor(self, channel: str, age: int) -> float | None:
        """The factor from `age` to the window for a cohort of `channel` (None: unknown)."""
        own = self.channels.get(channel)
        if own is not None and own.members >= MIN_MATURE_MEMBERS:
            factor = own.factor(age)
            if factor is not None:
                return factor
        return self.overall.factor(age) if self.overall is not None else None


def build_curves(
    by_age: dict[str, dict[int, float]], members: dict[str, float], window: int
) -> Curves:
    """Curves from the value per channel and age (0..window) and the members per channel."""
    channels = {}
    overall = [0.0] * (window + 1)
    for channel, ages in by_age.items():
        running, cumulative = 0.0, []
        for age in range(window + 1):
            running += ages.get(age, 0.0)
            cumulative.append(running)
            overall[age] += running
        channels[channel] = Curve(tuple(cumulative), members.get(channel, 0.0))
    has_history = overall[-1] > 0
    whole = Curve(tuple(overall), sum(members.values())) if has_history else None
    return Curves(window, channels, whole)


@dataclass(frozen=True)
class Projected:
    """What projecting the young cohorts of a period adds to its measure, per (channel,
    campaign) (campaign "" unless asked by campaign), and their members.

    `complete`: every cohort had its whole window already (nothing is added).
    `added` None: some cohorts are young and no cohort has reached the window to learn from."""

    window: int
    complete: bool
    added: dict[Key, float] | None
    young_members: float = 0.0


def project(
    reader: RollupReader,
    measure: Measure,
    scope: Scope,
    as_of: date,
    by_campaign: bool = False,
) -> Projected:
    """The growth still ahead of the period's cohorts that are younger than the window on
    `as_of` (the last day of data): each one's value so far times its factor less one."""
    cohort = measure.cohort
    assert cohort is not None, measure.name
    window = reader.windows[measure.name]
    young_from = max(scope.period.start, as_of - timedelta(days=window - 1))
    if young_from > min(scope.period.end, as_of):
        return Projected(window, True, {})
    curves = curves_for(reader, measure, as_of)
    members = get_measure(cohort.members)
    young = young_days(reader, measure, members, scope, young_from, by_campaign)
    young_members = sum(count for _value, count in young.values())
    if curves.overall is None:
        return Projected(window, False, None, young_members)
    added: dict[Key, float] = {}
    for (channel, campaign, day), (value, _count) in young.items():
        if not value:
            continue
        factor = curves.factor(channel, (as_of - day).days)
        if factor is None:
            return Projected(window, False, None, young_members)
        key = (channel, campaign)
        added[key] = added.get(key, 0.0) + value * (factor - 1)
    return Projected(window, False, added, young_members)


def young_days(
    reader: RollupReader,
    measure: Measure,
    members: Measure,
    scope: Scope,
    since: date,
    by_campaign: bool,
) -> dict[DayKey, tuple[float, float]]:
    """A cohort measure and its cohorts' members, per channel (and campaign when
    `by_campaign`, else "") and anchor day, from `since` to the scope's last day."""
    value, count = func.sum(RD.c[measure.column]), func.sum(RD.c[members.column])
    campaign = RD.c.campaign_id if by_campaign else literal_column("''")
    keys = [RD.c.channel, RD.c.day, *([campaign] if by_campaign else [])]
    query = (
        select(RD.c.channel, campaign.label("campaign"), RD.c.day, value, count)
        .select_from(reader.joined(RD, scope, None))
        .where(RD.c.day >= since, RD.c.day <= scope.last, *reader.filters(RD, scope))
        .group_by(*keys)
    )
    rows = reader.connection.execute(query)
    return {
        (channel, campaign, day): (float(v or 0), float(n or 0))
        for channel, campaign, day, v, n in rows
    }


def by_age(
    reader: RollupReader, measure: Measure, mature_through: date
) -> tuple[dict[str, dict[int, float]], dict[str, float]]:
    """For every cohort anchored on `mature_through` or earlier: a cohort measure per
    channel and age (days from the cohort's day to the fact's), and the cohorts' members
    per channel."""
    cohort = measure.cohort
    assert cohort is not None, measure.name
    kept = PARTS[cohort.parts]
    age = days_between(kept.fact, kept.anchor, reader.connection.dialect.name).label("age")
    table = kept.table
    query = (
        select(table.c.channel, age, func.sum(kept.value))
        .where(kept.anchor <= mature_through)
        .group_by(table.c.channel, age)
    )
    out: dict[str, dict[int, float]] = {}
    for channel, days, value in reader.connection.execute(query):
        out.setdefault(channel, {})[int(days)] = float(value or 0)
    column = RD.c[get_measure(cohort.members).column]
    members = select(RD.c.channel, func.sum(column)).where(RD.c.day <= mature_through)
    counted = reader.connection.execute(members.group_by(RD.c.channel))
    return out, {channel: float(count or 0) for channel, count in counted}


_curves: weakref.WeakKeyDictionary[Engine, dict[tuple[Any, ...], Curves]] = (
    weakref.WeakKeyDictionary()
)
_curves_lock = threading.Lock()


def curves_for(reader: RollupReader, measure: Measure, as_of: date) -> Curves:
    """The measure's curves as of `as_of`, read once per rollup build."""
    window = reader.windows[measure.name]
    connection = reader.connection
    built = connection.execute(select(RollupMeta.built_at).where(RollupMeta.name == META))
    key = (_stamp(built.scalar()), measure.name, window, as_of)
    with _curves_lock:
        kept = _curves.setdefault(connection.engine, {})
        if key in kept:
            return kept[key]
    ages, members = by_age(reader, measure, as_of - timedelta(days=window))
    curves = build_curves(ages, members, window)
    with _curves_lock:
        if len(kept) >= _KEPT_CURVES:
            kept.clear()
        kept[key] = curves
    return curves


def _stamp(built_at: datetime | str | None) -> str:
    return "" if built_at is None else str(built_at)


def forget_curves() -> None:
    """Drop every kept curve (tests that rebuild rollups at the same instant use this)."""
    with _curves_lock:
        _curves.clear()
