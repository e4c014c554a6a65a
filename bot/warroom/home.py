"""The App Home: the pieces a person sees on the bot's Home tab, gathered from the core.

The view is a list of sections. Each section provider takes the Invocation (who is looking,
in which workspace) and returns its blocks, built by its own bot/render module. To add a
section (the fund's pool and proposals, the war room's stand-ups), append one provider to
HOME_SECTIONS. A provider that fails is logged and shown as a short note; the rest still show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from slack_sdk.models.blocks import Block

from bot.commands import Invocation
from bot.metrics.query import Filters, Period, Query
from bot.metrics.registry import Metric, find_metric

log = logging.getLogger(__name__)

HOME_METRICS = ("spend", "new_customers", "cac", "revenue", "roi", "ltv_cac")
HOME_DAYS = 30

HomeSection = Callable[[Invocation], list[Block]]


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


def channel_headlines(invocation: Invocation, days: int = HOME_DAYS) -> Headlines:
    """Spend, new customers, CAC, revenue, ROI and LTV/CAC per channel, last `days` days."""
    from bot.metrics.engine import answer

    settings = invocation.settings
    end = invocation.clock.yesterday(settings.tz)
    period = Period(end - timedelta(days=days - 1), end, f"last {days} days")
    metrics = tuple(m for m in (find_metric(name) for name in HOME_METRICS) if m is not None)
    labels: dict[str, str] = {}
    values: dict[str, dict[str, float | None]] = {}
    total: list[float | None] = []
    through = None
    note = None
    for metric in metrics:
        query = Query(metric=metric, period=period, filters=Filters(), by="channel", compare="none")
        result = answer(query, settings, invocation.db, invocation.clock)
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


def _metrics_section(invocation: Invocation) -> list[Block]:
    from bot.warroom.render_home import headlines_section

    return headlines_section(channel_headlines(invocation), invocation.settings.currency)


def _alerts_section(invocation: Invocation) -> list[Block]:
    from bot.warroom.alerts import open_alerts
    from bot.warroom.render_home import alerts_section

    return alerts_section(open_alerts(invocation.db, invocation.workspace_id))


def _fund_section(invocation: Invocation) -> list[Block]:
    from bot.fund.commands import home_section

    return home_section(invocation)


# The fund's and the war room's sections are appended here by their modules' providers.
HOME_SECTIONS: list[tuple[str, HomeSection]] = [
    ("metrics", _metrics_section),
    ("alerts", _alerts_section),
    ("fund", _fund_section),
]


def home_view(invocation: Invocation) -> dict[str, Any]:
    """The Home tab for the person in `invocation`, as a views.publish payload."""
    from bot.warroom.render_home import home_view as render_home
    from bot.warroom.render_home import section_failed

    sections: list[list[Block]] = []
    for name, provider in HOME_SECTIONS:
        try:
            blocks = provider(invocation)
        except Exception:
            log.exception("Home section %s failed for user %s", name, invocation.user_id)
            blocks = section_failed(name)
        if blocks:
            sections.append(blocks)
    return render_home(sections)
