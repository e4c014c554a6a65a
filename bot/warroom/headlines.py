"""The headline numbers per channel over the last complete days (App Home's table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.context import Context
from bot.metrics import Filters, Metric, Period, Query, answer, find_metric

HOME_METRICS = ("spend", "new_customers", "cac", "revenue", "roi", "ltv_cac")
HOME_DAYS = 30


@dataclass(frozen=True)
class ChannelRow:
    """One channel's headline numbers, in HOME_METRICS order."""

    key: str
    label: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Headlines:
    """The headline metrics per channel over the last complete days."""

    period: Period
    metrics: tuple[Metric, ...]
    rows: tuple[ChannelRow, ...]
    total: tuple[float | None, ...]
    data_through: date | None
    note: str | None = None


def channel_headlines(ctx: Context, days: int = HOME_DAYS) -> Headlines:
    """Spend, new customers, CAC, revenue, ROI and LTV/CAC per channel, last `days` days."""
    settings = ctx.settings
    end = ctx.clock.yesterday(settings.tz)
    period = Period(end - timedelta(days=days - 1), end, f"last {days} days")
    metrics = tuple(m for m in (find_metric(name) for name in HOME_METRICS) if m is not None)
    labels: dict[str, str] = {}
    values: dict[str, dict[str, float | None]] = {}
    total: list[float | None] = []
    through = None
    note = None
    for metric in metrics:
        query = Query(metric=metric, period=period, filters=Filters(), by="channel", compare="none")
        result = answer(query, settings, ctx.db, ctx.clock)
        total.append(result.value)
        through = through or result.data_through
        if result.value is None and note is None:
            note = result.note
        for row in result.breakdown:
            labels.setdefault(row.key, row.label)
            values.setdefault(row.key, {})[metric.name] = row.value
    rows = tuple(
        ChannelRow(key, labels[key], tuple(values[key].get(m.name) for m in metrics))
        for key in sorted(labels, key=lambda k: labels[k].lower())
    )
    return Headlines(period, metrics, rows, tuple(total), through, note)
