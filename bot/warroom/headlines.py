"""The headline numbers per channel over the last complete days (App Home's table).

ROI and LTV/CAC of the last days' young cohorts are shown as their projections to the full
window (and marked so), never as values so far beside complete ones; a count with nothing to
count is 0."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.context import Context
from bot.core.i18n import Msg, Text
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
    note: Text | None = None
    # Per metric: True when its numbers are projections of young cohorts.
    projected: tuple[bool, ...] = ()


def channel_headlines(ctx: Context, days: int = HOME_DAYS) -> Headlines:
    """Spend, new customers, CAC, revenue, ROI and LTV/CAC per channel, last `days` days."""
    settings = ctx.settings
    end = ctx.clock.yesterday(settings.tz)
    period = Period(end - timedelta(days=days - 1), end, Msg("last {days} days", days=days))
    metrics = tuple(m for m in (find_metric(name) for name in HOME_METRICS) if m is not None)
    labels: dict[str, str] = {}
    values: dict[str, dict[str, float | None]] = {}
    total: list[float | None] = []
    projected: list[bool] = []
    missing: dict[str, float | None] = {}
    through = None
    note = None
    for metric in metrics:
        query = Query(metric=metric, period=period, filters=Filters(), by="channel", compare="none")
        result = answer(query, settings, ctx.db, ctx.clock)
        total.append(result.projected_value if result.so_far else result.value)
        projected.append(result.so_far)
        # A channel without a row counted nothing: 0 for a sum over loaded days.
        counted = metric.denominator is None and result.value is not None
        missing[metric.name] = 0 if counted else None
        through = through or result.data_through
        if result.value is None and note is None:
            note = result.note
        for row in result.breakdown:
            labels.setdefault(row.key, row.label)
            shown = row.projected_value if result.so_far else row.value
            values.setdefault(row.key, {})[metric.name] = shown
    rows = tuple(
        ChannelRow(
            key,
            labels[key],
            tuple(values[key].get(m.name, missing[m.name]) for m in metrics),
        )
        for key in sorted(labels, key=lambda k: labels[k].lower())
    )
    return Headlines(period, metrics, rows, tuple(total), through, note, tuple(projected))
