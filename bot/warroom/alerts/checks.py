"""The checks behind the playbook rules: each reads the metrics over the latest complete days
and gives one Finding per subject (a channel key or "all"). The comparisons themselves are
small pure functions, so their boundaries can be tested on their own.

Cohort numbers are judged when complete: LTV/CAC and ROI of young cohorts on their projection
to the full window, never on their value so far. Each finding carries the drivers of the
number it reports (details["drivers"], as JSON), and the metric they are in
(details["metric"]; None for sign-up counts)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select

from bot.core.clock import Clock, complete_weeks
from bot.core.db import Database
from bot.core.i18n import Msg
from bot.core.settings import Settings
from bot.metrics import (
    Driver,
    Filters,
    Metric,
    Period,
    Query,
    Result,
    Row,
    answer,
    find_metric,
    top_drivers,
)
from bot.models import Channel, User

ALL = "all"
# Below this many sign-ups in the hour a "surge" is noise, whatever the average says.
SURGE_MIN_SIGNUPS = 20


@dataclass(frozen=True)
class Inputs:
    """What a check works from: the rule's name, the settings, the stores and the clock, the
    last day whose facts are complete, and the value of the rule's threshold setting."""

    rule: str
    settings: Settings
    db: Database
    clock: Clock
    end: date
    threshold: float


@dataclass(frozen=True)
class Finding:
    """The verdict of one rule for one subject over the latest complete data."""

    rule: str
    subject: str
    firing: bool
    # What the numbers say, as a message said in the reader's language (str: its English).
    summary: str
    command: str
    details: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------- the comparisons


def ltv_cac_low(value: float, minimum: float) -> bool:
    """LTV/CAC is under target: strictly below the minimum (the minimum itself is fine)."""
    return value < minimum


def strictly_falling(values: list[float | None]) -> bool:
    """Each value strictly lower than the one before (an equal day breaks the fall)."""
    if any(v is None for v in values):
        return False
    return all(b < a for a, b in zip(values, values[1:], strict=False))  # type: ignore[operator]


def under_every_week(values: list[float], benchmark: float) -> bool:
    """ROI strictly under the benchmark in every one of the weeks."""
    return all(value < benchmark for value in values)


def is_surge(count: int, mean: float, factor: float) -> bool:
    """Enough sign-ups to matter, and more than `factor` times the usual."""
    return count >= SURGE_MIN_SIGNUPS and count > factor * mean


# ------------------------------------------------------------------------- reading the metrics


def _answer(inputs: Inputs, query: Query) -> Result:
    return answer(query, inputs.settings, inputs.db, inputs.clock)


def _metric(name: str) -> Metric:
    metric = find_metric(name)
    assert metric is not None, name
    return metric


def _channels(db: Database) -> list[tuple[str, float | None]]:
    """Every channel's key and ROI benchmark."""
    with db.analytics.connect() as connection:
        rows = connection.execute(
            select(Channel.key, Channel.roi_benchmark).order_by(Channel.key)
        ).all()
    return [(row[0], row[1]) for row in rows]


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def complete_value(result: Result, row: Row | None = None) -> float | None:
    """The answer's (or its row's) value once its cohorts are complete: the value itself when
    they are, the projection when some are young, None when they are young and cannot be
    projected."""
    value = result.value if row is None else row.value
    projected = result.projected_value if row is None else row.projected_value
    return projected if result.so_far else value


def _drivers(inputs: Inputs, query: Query) -> list[dict[str, Any]]:
    """The top drivers of `query`'s change against its previous period, as JSON."""
    result = _answer(inputs, replace(query, compare="prev", by=None, grain=None))
    return [_driver_json(driver) for driver in top_drivers(result.drivers, None)]


def _driver_json(driver: Driver) -> dict[str, Any]:
    return {**driver.as_json(), "words": driver.words}


# ------------------------------------------------------------------------- the checks


def check_ltv_cac(inputs: Inputs) -> list[Finding]:
    """LTV/CAC under the threshold, per paid channel: of the cohorts of the trailing 30 days,
    projected to the LTV horizon; for a channel whose cohorts cannot be projected, of the 30
    days of cohorts that most recently reached the horizon."""
    end = inputs.end
    horizon = inputs.settings.ltv_horizon_days
    recent = Period(end - timedelta(days=29), end)
    mature_end = end - timedelta(days=horizon)
    mature = Period(mature_end - timedelta(days=29), mature_end)
    young = _ltv_cac_rows(inputs, recent)
    old = _ltv_cac_rows(inputs, mature)
    findings = []
    for key in sorted(set(young) | set(old)):
        period, judged = recent, young.get(key)
        if judged is None or judged[0] is None:
            period, judged = mature, old.get(key)
        if judged is None or judged[0] is None:
            continue
        value, so_far, maturity = judged
        threshold = inputs.threshold
        command = f"/metric ltv_cac channel={key} from={period.start} to={period.end}"
        words = _ltv_cac_words(value, so_far, maturity, horizon, period is mature)
        findings.append(
            Finding(
                inputs.rule,
                key,
                ltv_cac_low(value, threshold),
                Msg(
                    "LTV/CAC {value} for the customers of {start} to {end} (target {target} or "
                    "more)",
                    value=words,
                    start=period.start,
                    end=period.end,
                    target=_fmt(threshold),
                ),
                command,
                {
                    "value": value,
                    "threshold": threshold,
                    "so_far": so_far,
                    "maturity": maturity,
                    "projected": so_far is not None,
                    "metric": "ltv_cac",
                    "drivers": _drivers(inputs, _ltv_cac_query(period, Filters(channels=(key,)))),
                },
            )
        )
    return findings


def _ltv_cac_query(period: Period, filters: Filters) -> Query:
    return Query(metric=_metric("ltv_cac"), period=period, filters=filters, compare="none")


def _ltv_cac_rows(
    inputs: Inputs, period: Period
) -> dict[str, tuple[float | None, float | None, float | None]]:
    """Per paid channel over `period`: (value once complete, value so far when projected,
    maturity)."""
    query = replace(_ltv_cac_query(period, Filters(kind="paid")), by="channel")
    result = _answer(inputs, query)
    out = {}
    for row in result.breakdown:
        if row.value is None:
            continue
        so_far = row.value if result.so_far else None
        out[row.key] = (complete_value(result, row), so_far, result.maturity)
    return out


def _ltv_cac_words(
    value: float, so_far: float | None, maturity: float | None, horizon: int, mature: bool
) -> Msg:
    if so_far is None:
        if mature:
            return Msg(
                "{value} (of cohorts that reached {days} days)", value=_fmt(value), days=horizon
            )
        return Msg("{value} (at {days} days)", value=_fmt(value), days=horizon)
    grown = (
        Msg("{share:.0f}% mature", share=maturity * 100) if maturity is not None else Msg("young")
    )
    return Msg(
        "{value} projected at {days} days (so far {so_far}, {grown})",
        value=_fmt(value),
        days=horizon,
        so_far=_fmt(so_far),
        grown=grown,
    )


def check_retention(inputs: Inputs) -> list[Finding]:
    """D1 retention down on each of the threshold's number of days in a row, per channel and
    overall. `inputs.end` is the latest sign-up day whose next day is fully loaded."""
    days = int(inputs.threshold)
    # `days` drops need `days + 1` daily values.
    period = Period(inputs.end - timedelta(days=days), inputs.end)
    findings = []
    subjects = [(ALL, Filters())] + [
        (key, Filters(channels=(key,))) for key, _ in _channels(inputs.db)
    ]
    for subject, filters in subjects:
        query = Query(
            metric=_metric("retention"),
            period=period,
            filters=filters,
            grain="day",
            compare="none",
            day_n=1,
        )
        values = [point.value for point in _answer(inputs, query).series]
        if len(values) != days + 1 or any(v is None for v in values):
            continue
        shown = " → ".join(f"{v * 100:.1f}%" for v in values)  # type: ignore[operator]
        where = "" if subject == ALL else f" channel={subject}"
        # Why the last day moved against the day before it.
        last_day = replace(query, period=Period(period.end, period.end))
        findings.append(
            Finding(
                inputs.rule,
                subject,
                strictly_falling(values),
                Msg(
                    "D1 retention {values} for sign-ups {start} to {end}",
                    values=shown,
                    start=period.start,
                    end=period.end,
                ),
                f"/retention d=1{where} from={period.start} to={period.end} grain=day",
                {
                    "values": values,
                    "days": days,
                    "metric": "retention",
                    "drivers": _drivers(inputs, last_day),
                },
            )
        )
    return findings


def check_roi(inputs: Inputs) -> list[Finding]:
    """ROI under the channel's benchmark in each of the threshold's number of complete weeks,
    each week's sign-ups judged on their ROI projected to the full ROI window."""
    benchmarks = {key: bench for key, bench in _channels(inputs.db) if bench is not None}
    if not benchmarks:
        return []
    weeks = [
        Period(monday, sunday)
        for monday, sunday in complete_weeks(inputs.end, int(inputs.threshold))
    ]
    weekly: dict[str, list[float | None]] = {key: [] for key in benchmarks}
    for week in weeks:
        query = Query(
            metric=_metric("roi"),
            period=week,
            filters=Filters(channels=tuple(sorted(benchmarks))),
            by="channel",
            compare="none",
        )
        result = _answer(inputs, query)
        values = {row.key: complete_value(result, row) for row in result.breakdown}
        for key in benchmarks:
            weekly[key].append(values.get(key))
    findings = []
    for key, values in weekly.items():
        if any(v is None for v in values):
            continue
        bench = benchmarks[key]
        shown = ", ".join(f"1:{v:.2f}" for v in values)  # type: ignore[str-format]
        # Why the weeks under the benchmark moved against as many weeks before them.
        window = Query(
            metric=_metric("roi"),
            period=Period(weeks[0].start, weeks[-1].end),
            filters=Filters(channels=(key,)),
        )
        findings.append(
            Finding(
                inputs.rule,
                key,
                under_every_week(values, bench),  # type: ignore[arg-type]
                Msg(
                    "ROI {values} (projected to {days} days) in the weeks of {weeks} "
                    "(benchmark 1:{benchmark:.2f})",
                    values=shown,
                    days=inputs.settings.roi_window_days,
                    weeks=", ".join(str(w.start) for w in weeks),
                    benchmark=bench,
                ),
                f"/roi channel={key} from={weeks[0].start} to={weeks[-1].end} grain=week",
                {
                    "values": values,
                    "benchmark": bench,
                    "metric": "roi",
                    "drivers": _drivers(inputs, window),
                },
            )
        )
    return findings


def hourly_signups(db: Database, hour: datetime, days: int = 7) -> tuple[int, list[int]]:
    """Sign-ups in the hour starting at `hour` (naive, workspace time), and in the same hour
    on each of the `days` days before (oldest first)."""
    starts = [hour - timedelta(days=back) for back in range(days, -1, -1)]
    columns = [
        func.sum(
            case(
                (
                    (User.signed_up_at >= start) & (User.signed_up_at < start + timedelta(hours=1)),
                    1,
                ),
                else_=0,
            )
        )
        for start in starts
    ]
    lows = User.signed_up_at >= starts[0]
    with db.analytics.connect() as connection:
        row = connection.execute(
            select(*columns).where(lows, User.signed_up_at < hour + timedelta(hours=1))
        ).one()
    counts = [int(value or 0) for value in row]
    return counts[-1], counts[:-1]


def _surge_hour(inputs: Inputs) -> datetime | None:
    """The latest complete hour of loaded sign-ups (naive, workspace time); None: none."""
    with inputs.db.analytics.connect() as connection:
        latest = connection.execute(select(func.max(User.signed_up_at))).scalar()
    if latest is None:
        return None
    if isinstance(latest, str):
        latest = datetime.fromisoformat(latest)
    local_now = inputs.clock.now().astimezone(inputs.settings.tz).replace(tzinfo=None)
    hour = local_now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    if latest < hour:
        # Sign-ups are not loaded live: take the last hour that is surely complete, the one
        # before the hour of the newest sign-up.
        hour = latest.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    return hour


def check_surge(inputs: Inputs) -> list[Finding]:
    """Sign-ups in the latest complete loaded hour above the threshold times the mean of the
    same hour over the 7 days before (`inputs.end` is not used: the hour is)."""
    hour = _surge_hour(inputs)
    if hour is None:
        return []
    count, before = hourly_signups(inputs.db, hour)
    mean = sum(before) / len(before)
    factor = inputs.threshold
    label = f"{hour:%Y-%m-%d %H}:00"
    drivers = [_driver_json(driver) for driver in surge_drivers(inputs.db, hour)]
    return [
        Finding(
            inputs.rule,
            ALL,
            is_surge(count, mean, factor),
            Msg(
                "{count} sign-ups in the hour from {hour}, {times:.1f}x the 7-day average of "
                "{mean:.1f} for that hour",
                count=count,
                hour=label,
                times=count / mean,
                mean=mean,
            )
            if mean
            else Msg(
                "{count} sign-ups in the hour from {hour} (none in that hour before)",
                count=count,
                hour=label,
            ),
            "/metric new_customers since=14d grain=day",
            {
                "count": count,
                "before": before,
                "mean": mean,
                "factor": factor,
                "hour": label,
                "metric": None,
                "drivers": drivers,
            },
        )
    ]


def surge_drivers(db: Database, hour: datetime, days: int = 7, count: int = 3) -> list[Driver]:
    """The channels that moved the hour's sign-ups most against their mean in the same hour
    of the `days` days before: each channel's count minus its mean (they add up to the
    hour's count minus the mean)."""
    start = hour - timedelta(days=days)
    in_hour = (User.signed_up_at >= hour) & (User.signed_up_at < hour + timedelta(hours=1))
    hours = [
        (User.signed_up_at >= start + timedelta(days=back))
        & (User.signed_up_at < start + timedelta(days=back, hours=1))
        for back in range(days)
    ]
    before = func.sum(case((or_(*hours), 1), else_=0))
    query = (
        select(User.channel, func.sum(case((in_hour, 1), else_=0)), before)
        .where(User.signed_up_at >= start, User.signed_up_at < hour + timedelta(hours=1))
        .group_by(User.channel)
    )
    with db.analytics.connect() as connection:
        rows = connection.execute(query).all()
    drivers = [
        Driver("channel", key, key, float(now or 0) - float(then or 0) / days)
        for key, now, then in rows
        if float(now or 0) - float(then or 0) / days
    ]
    drivers.sort(key=lambda driver: (-abs(driver.effect), driver.key))
    return drivers[:count]
