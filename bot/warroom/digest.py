"""The daily digest as data: per-channel numbers beside their trend, LTV/CAC, open alerts,
stand-up updates and who has not posted. Rendering lives in bot/warroom/render.py.

The digest of date D reports D-1 ("yesterday") against the seven days before it. Additive
numbers (spend, new customers, revenue) are compared with their daily average; ratios (CAC,
ROI, retention) with the ratio over those seven days, never an average of daily ratios.
Next-day retention of D-1's sign-ups is not known until D ends, so the retention column shows
the latest complete sign-up day, D-2. A number whose facts are not loaded for the day says
"not loaded yet", never zero; a count with nothing to count is 0.

Every number is complete or marked projected: ROI and LTV/CAC of young cohorts are their
projections to the full window (never a value so far beside a complete one). The numbers that
moved most carry their drivers (by campaign for a channel, by channel for the total).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from bot.core.clock import SYSTEM_CLOCK, Clock
from bot.core.db import Database
from bot.core.i18n import N_
from bot.core.settings import Settings
from bot.metrics import (
    Driver,
    Filters,
    Metric,
    Period,
    Query,
    Result,
    answer,
    explain_change,
    find_metric,
    top_drivers,
)
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
NOT_LOADED = N_("not loaded yet")
NO_PROJECTION = N_("no projection yet")
# Yesterday's ROI counts only the revenue of one day since sign-up; it is shown, not ranked.
MOVER_COLUMNS = ("spend", "new_customers", "cac", "revenue", "retention")
PAID_ONLY = ("spend", "cac", "roi")


@dataclass(frozen=True)
class Cell:
    """One number of the table: the reported day's value beside its trailing average (both
    projections to the full window when `projected`), and the drivers of the difference."""

    value: float | None
    average: float | None
    note: str | None = None
    moved: bool = False
    projected: bool = False
    drivers: tuple[Driver, ...] = ()

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
    # True when ltv_cac is the projection of young cohorts to the LTV horizon.
    ltv_cac_projected: bool = False


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
    # The OKRs at risk, and the journey step whose conversion fell most (when it fell far).
    okr_lines: list[str] = field(default_factory=list)
    journey_lines: list[str] = field(default_factory=list)

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


@dataclass(frozen=True)
class _Column:
    """One metric over one period by channel: the values shown (projections of young cohorts
    for a projected metric), the total, the channels' names and each row's parts."""

    values: dict[str, float | None]
    total: float | None
    names: dict[str, str]
    projected: bool
    parts: dict[str, tuple[float, float | None]]
    # Set when the cohorts are young and cannot be projected: the numbers are left out.
    note: str | None = None
    # The value of a channel without a row: 0 for a count or sum over loaded days.
    missing: float | None = None


def _by_channel(
    metric: Metric, period: Period, settings: Settings, db: Database, clock: Clock
) -> _Column:
    """One metric over one period, per channel and in total."""
    query = Query(
        metric=metric,
        period=period,
        by="channel",
        compare="none",
        day_n=1 if metric.takes_day_n else None,
    )
    result = answer(query, settings, db, clock)
    names = {row.key: row.label for row in result.breakdown}
    parts = {row.key: (row.numerator, row.denominator) for row in result.breakdown}
    if result.so_far:
        values = {row.key: row.projected_value for row in result.breakdown}
        note = NO_PROJECTION if result.projected_value is None else None
        return _Column(values, result.projected_value, names, True, parts, note=note)
    values = {row.key: row.value for row in result.breakdown}
    # A channel with nothing to count in a loaded period counted 0, not "no data".
    missing = 0 if metric.denominator is None and result.value is not None else None
    return _Column(values, result.value, names, False, parts, missing=missing)


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
    columns: dict[str, tuple[_Column, _Column]] = {}
    names: dict[str, str] = {}
    for name in COLUMNS:
        metric = digest.metrics[name]
        target = retention_day if name == "retention" else day
        window = Period(target - timedelta(days=TREND_DAYS), target - timedelta(days=1))
        now = _by_channel(metric, Period(target, target), settings, db, clock)
        trend = _by_channel(metric, window, settings, db, clock)
        names.update(now.names)
        names.update(trend.names)
        columns[name] = (now, trend)
    kinds = _kinds(db)
    ltv = _by_channel(
        _metric("ltv_cac"), Period(day - timedelta(days=29), day), settings, db, clock
    )

    def cells(key: str | None) -> dict[str, Cell]:
        out = {}
        for name in COLUMNS:
            target = retention_day if name == "retention" else day
            if not _loaded_for(name, target, loaded):
                out[name] = Cell(None, None, NOT_LOADED)
                continue
            now, trend = columns[name]
            note = now.note or trend.note
            if note:
                out[name] = Cell(None, None, note, projected=True)
                continue
            metric = digest.metrics[name]
            if key is None:
                value, average = now.total, _average(metric, trend.total)
            else:
                value = now.values.get(key, now.missing)
                average = _average(metric, trend.values.get(key, trend.missing))
            out[name] = Cell(value, average, projected=now.projected)
        return out

    keys = sorted(set(names), key=lambda k: (kinds.get(k, "paid") != "paid", k))
    lines = [
        ChannelLine(
            key,
            names.get(key, key),
            kinds.get(key, ""),
            cells(key),
            ltv.values.get(key),
            ltv.projected,
        )
        for key in keys
    ]
    digest.channels = _mark_movers(lines)
    _add_drivers(digest, columns, names, settings, db, clock)
    total = ChannelLine("all", N_("All channels"), "", cells(None), ltv.total, ltv.projected)
    digest.total = _total_drivers(total, digest, columns, names)
    digest.trend_period = Period(day - timedelta(days=CHART_DAYS - 1), day)
    digest.trend = _trend(digest.trend_period, keys, settings, db, clock)
    return digest


def _explain(
    metric: Metric,
    by: str,
    now: dict[str, tuple[float, float | None]],
    trend: dict[str, tuple[float, float | None]],
    labels: dict[str, str],
) -> tuple[Driver, ...]:
    """The drivers of a day's number against its trend: a sum against the daily average of
    the seven days, a ratio against the ratio over them."""
    if metric.denominator is None:
        trend = {key: (num / TREND_DAYS, den) for key, (num, den) in trend.items()}
    elif not sum(den or 0 for _, den in now.values()) or not sum(
        den or 0 for _, den in trend.values()
    ):
        return ()
    return tuple(top_drivers(explain_change(by, now, trend, metric, labels), by))


def _total_drivers(
    total: ChannelLine,
    digest: Digest,
    columns: dict[str, tuple[_Column, _Column]],
    names: dict[str, str],
) -> ChannelLine:
    """The all-channels line, its numbers that moved as much as a mover carrying their
    drivers by channel."""
    cells = dict(total.cells)
    for name in MOVER_COLUMNS:
        cell = cells[name]
        if cell.change is None or abs(cell.change) < MOVER_MIN_CHANGE or cell.projected:
            continue
        now, trend = columns[name]
        drivers = _explain(digest.metrics[name], "channel", now.parts, trend.parts, names)
        cells[name] = Cell(cell.value, cell.average, cell.note, True, False, drivers)
    return ChannelLine(
        total.key, total.name, total.kind, cells, total.ltv_cac, total.ltv_cac_projected
    )


def _add_drivers(
    digest: Digest,
    columns: dict[str, tuple[_Column, _Column]],
    names: dict[str, str],
    settings: Settings,
    db: Database,
    clock: Clock,
) -> None:
    """Give each marked cell the drivers of its move, by the channel's campaigns."""
    for index, line in enumerate(digest.channels):
        cells = dict(line.cells)
        for name, cell in line.cells.items():
            if not cell.moved:
                continue
            metric = digest.metrics[name]
            target = digest.retention_day if name == "retention" else digest.day
            window = Period(target - timedelta(days=TREND_DAYS), target - timedelta(days=1))
            now = _campaigns(metric, Period(target, target), line.key, settings, db, clock)
            trend = _campaigns(metric, window, line.key, settings, db, clock)
            labels = {row.key: row.label for row in (*now.breakdown, *trend.breakdown)}
            drivers = _explain(metric, "campaign", _parts(now), _parts(trend), labels)
            cells[name] = Cell(cell.value, cell.average, cell.note, True, cell.projected, drivers)
        digest.channels[index] = ChannelLine(
            line.key, line.name, line.kind, cells, line.ltv_cac, line.ltv_cac_projected
        )


def _campaigns(
    metric: Metric, period: Period, channel: str, settings: Settings, db: Database, clock: Clock
) -> Result:
    query = Query(
        metric=metric,
        period=period,
        filters=Filters(channels=(channel,)),
        by="campaign",
        compare="none",
        day_n=1 if metric.takes_day_n else None,
    )
    return answer(query, settings, db, clock)


def _parts(result: Result) -> dict[str, tuple[float, float | None]]:
    return {row.key: (row.numerator, row.denominator) for row in result.breakdown}


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
            name: Cell(cell.value, cell.average, cell.note, (index, name) in marked, cell.projected)
            for name, cell in line.cells.items()
        }
        out.append(
            ChannelLine(
                line.key, line.name, line.kind, new_cells, line.ltv_cac, line.ltv_cac_projected
            )
        )
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
