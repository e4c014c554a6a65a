"""The daily digest as data: per-channel numbers beside their trend, LTV/CAC, open alerts,
stand-up updates and who has not posted. Rendering lives in bot/warroom/render.py.

The digest of date D reports D-1 ("yesterday") against the seven days before it. Additive
numbers (spend, new customers, revenue) are compared with their daily average; ratios (CAC,
ROI, retention) with the ratio over those seven days, never an average of daily ratios.
Next-day retention of D-1's sign-ups is not known until D ends, so the retention column shows
the latest complete sign-up day, D-2. A number whose facts are not loaded for the day says
"not loaded yet", never zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from bot.core.clock import SYSTEM_CLOCK, Clock
from bot.core.db import Database
from bot.core.settings import Settings
from bot.metrics import Filters, Metric, Period, Query, answer, find_metric
from bot.models import Channel
from bot.warroom.alerts import Alert, facts_loaded_through, open_alerts
from bot.warroom.standup import StandupDay, standup_day

# The columns of the per-channel table, and the fact tables each needs for a day.
COLUMNS: tuple[str, ...] = ("spend", "new_customers", "cac", "revenue", "roi", "retention")
NEEDS: dict[str, tuple[str, ...]] = {
    "spend": ("spend",),
    "new_customers": ("orders",),
    "cac": ("spend", "orders"),
    "revenue": ("orders",),
    "roi": ("spend", "users", "orders"),
    "retention": ("users", "activity"),
}
TREND_DAYS = 7
CHART_DAYS = 14
# At most this many cells are marked as having moved most, and only if they moved this much.
MOVERS = 3
MOVER_MIN_CHANGE = 0.25
NOT_LOADED = "not loaded yet"
# Yesterday's ROI counts only the revenue of one day since sign-up; it is shown, not ranked.
MOVER_COLUMNS = ("spend", "new_customers", "cac", "revenue", "retention")
PAID_ONLY = ("spend", "cac", "roi")


@dataclass(frozen=True)
class Cell:
    """One number of the table: the reported day's value beside its trailing average."""

    value: float | None
    average: float | None
    note: str | None = None
    moved: bool = False

    @property
    def change(self) -> float | None:
        """Relative change against the average (0.3 = 30% above), None when undefined."""
        if self.value is None or not self.average:
            return None
        return (self.value - self.average) / abs(self.average)


@dataclass(frozen=True)
class ChannelLine:
    """One channel's row (or the all-channels total when key is "all")."""

    key: str
    name: str
    kind: str
    cells: dict[str, Cell]
    ltv_cac: float | None = None


@dataclass
class Digest:
    """Everything one day's digest shows."""

    workspace_id: str
    date: date
    day: date
    retention_day: date
    currency: str
    channels: list[ChannelLine] = field(default_factory=list)
    total: ChannelLine | None = None
    loaded: dict[str, date | None] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    standups: StandupDay | None = None
    trend_period: Period | None = None
    # metric -> channel key -> [(day, value)], for the chart in the thread.
    trend: dict[str, dict[str, list[tuple[date, float | None]]]] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    # The fund's lines (pool, pending proposals), as the fund renders them.
    fund_lines: list[str] = field(default_factory=list)

    @property
    def has_numbers(self) -> bool:
        """True when any fact table is loaded at all."""
        return any(self.loaded.values())

    def missing_tables(self) -> list[str]:
        """Fact tables not loaded through the reported day."""
        return [
            name
            for name, through in self.loaded.items()
            if name != "leads" and (through is None or through < self.day)
        ]


def _metric(name: str) -> Metric:
    metric = find_metric(name)
    assert metric is not None, name
    return metric


def _by_channel(
    metric: Metric, period: Period, settings: Settings, db: Database, clock: Clock
) -> tuple[dict[str, float | None], float | None, dict[str, str]]:
    """(value per channel, total, channel names) for one metric over one period."""
    query = Query(
        metric=metric,
        period=period,
        by="channel",
        compare="none",
        day_n=1 if metric.takes_day_n else None,
    )
    result = answer(query, settings, db, clock)
    values = {row.key: row.value for row in result.breakdown}
    names = {row.key: row.label for row in result.breakdown}
    return values, result.value, names


def _average(metric: Metric, value: float | None) -> float | None:
    # Additive numbers become a daily average; ratios already are over the whole window.
    if value is None or metric.denominator is not None:
        return value
    return value / TREND_DAYS


def _loaded_for(name: str, day: date, loaded: dict[str, date | None]) -> bool:
    needed_day = day + timedelta(days=1) if name == "retention" else day
    for table in NEEDS[name]:
        through = loaded.get(table)
        wanted = needed_day if table == "activity" else day
        if through is None or through < wanted:
            return False
    return True


def build_digest(
    settings: Settings,
    db: Database,
    workspace_id: str,
    digest_date: date,
    clock: Clock = SYSTEM_CLOCK,
) -> Digest:
    """Gather the digest of `digest_date` (it reports the day before)."""
    day = digest_date - timedelta(days=1)
    retention_day = day - timedelta(days=1)
    loaded = facts_loaded_through(db)
    digest = Digest(
        workspace_id=workspace_id,
        date=digest_date,
        day=day,
        retention_day=retention_day,
        currency=settings.currency,
        loaded=loaded,
        alerts=open_alerts(db, workspace_id),
        standups=standup_day(db, workspace_id, digest_date),
        metrics={name: _metric(name) for name in COLUMNS},
    )
    if not digest.has_numbers:
        return digest
    columns: dict[str, tuple[dict[str, float | None], float | None]] = {}
    averages: dict[str, tuple[dict[str, float | None], float | None]] = {}
    names: dict[str, str] = {}
    for name in COLUMNS:
        metric = digest.metrics[name]
        target = retention_day if name == "retention" else day
        window = Period(target - timedelta(days=TREND_DAYS), target - timedelta(days=1))
        values, total, labels = _by_channel(metric, Period(target, target), settings, db, clock)
        trend, trend_total, more = _by_channel(metric, window, settings, db, clock)
        names.update(labels)
        names.update(more)
        columns[name] = (values, total)
        averages[name] = (
            {key: _average(metric, value) for key, value in trend.items()},
            _average(metric, trend_total),
        )
    kinds = _kinds(db)
    ltv_period = Period(day - timedelta(days=29), day)
    ltv_values, ltv_total, _ = _by_channel(_metric("ltv_cac"), ltv_period, settings, db, clock)

    def cells(key: str | None) -> dict[str, Cell]:
        out = {}
        for name in COLUMNS:
            target = retention_day if name == "retention" else day
            if not _loaded_for(name, target, loaded):
                out[name] = Cell(None, None, NOT_LOADED)
                continue
            values, total = columns[name]
            trend, trend_total = averages[name]
            if key is None:
                out[name] = Cell(total, trend_total)
            else:
                out[name] = Cell(values.get(key), trend.get(key))
        return out

    keys = sorted(set(names), key=lambda k: (kinds.get(k, "paid") != "paid", k))
    lines = [
        ChannelLine(key, names.get(key, key), kinds.get(key, ""), cells(key), ltv_values.get(key))
        for key in keys
    ]
    digest.channels = _mark_movers(lines)
    digest.total = ChannelLine("all", "All channels", "", cells(None), ltv_total)
    digest.trend_period = Period(day - timedelta(days=CHART_DAYS - 1), day)
    digest.trend = _trend(digest.trend_period, keys, settings, db, clock)
    return digest


def _kinds(db: Database) -> dict[str, str]:
    with db.analytics.connect() as connection:
        return {row[0]: row[1] for row in connection.execute(select(Channel.key, Channel.kind))}


def _mark_movers(lines: list[ChannelLine]) -> list[ChannelLine]:
    """Mark the few cells that moved most against their trend."""
    ranked = sorted(
        (
            (abs(cell.change), index, name)
            for index, line in enumerate(lines)
            for name, cell in line.cells.items()
            if name in MOVER_COLUMNS
            and cell.change is not None
            and abs(cell.change) >= MOVER_MIN_CHANGE
        ),
        reverse=True,
    )[:MOVERS]
    marked = {(index, name) for _size, index, name in ranked}
    out = []
    for index, line in enumerate(lines):
        new_cells = {
            name: Cell(cell.value, cell.average, cell.note, (index, name) in marked)
            for name, cell in line.cells.items()
        }
        out.append(ChannelLine(line.key, line.name, line.kind, new_cells, line.ltv_cac))
    return out


def _trend(
    period: Period, keys: list[str], settings: Settings, db: Database, clock: Clock
) -> dict[str, dict[str, list[tuple[date, float | None]]]]:
    """Daily revenue and spend per channel over the chart's period."""
    out: dict[str, dict[str, list[tuple[date, float | None]]]] = {}
    for name in ("revenue", "spend"):
        metric = _metric(name)
        per_channel: dict[str, list[tuple[date, float | None]]] = {}
        for key in keys:
            query = Query(
                metric=metric,
                period=period,
                filters=Filters(channels=(key,)),
                grain="day",
                compare="none",
            )
            series = answer(query, settings, db, clock).series
            if any(point.value for point in series):
                per_channel[key] = [(point.date, point.value) for point in series]
        out[name] = per_channel
    return out
