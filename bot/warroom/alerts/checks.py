"""The checks behind the playbook rules: each reads the metrics over the latest complete days
and gives one Finding per subject (a channel key or "all"). The comparisons themselves are
small pure functions, so their boundaries can be tested on their own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from bot.core.clock import Clock, complete_weeks
from bot.core.db import Database
from bot.core.settings import Settings
from bot.metrics import Filters, Metric, Period, Query, Result, answer, find_metric
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


# ------------------------------------------------------------------------- the checks


def check_ltv_cac(inputs: Inputs) -> list[Finding]:
    """LTV/CAC under the threshold over the trailing 30 days, per paid channel."""
    end = inputs.end
    period = Period(end - timedelta(days=29), end)
    query = Query(
        metric=_metric("ltv_cac"),
        period=period,
        filters=Filters(kind="paid"),
        by="channel",
        compare="none",
    )
    threshold = inputs.threshold
    findings = []
    for row in _answer(inputs, query).breakdown:
        if row.value is None:
            continue
        findings.append(
            Finding(
                inputs.rule,
                row.key,
                ltv_cac_low(row.value, threshold),
                f"LTV/CAC {_fmt(row.value)} over {period.start} to {period.end} "
                f"(target {_fmt(threshold)} or more)",
                f"/metric ltv_cac channel={row.key} from={period.start} to={period.end}",
                {"value": row.value, "threshold": threshold},
            )
        )
    return findings


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
        findings.append(
            Finding(
                inputs.rule,
                subject,
                strictly_falling(values),
                f"D1 retention {shown} for sign-ups {period.start} to {period.end}",
                f"/retention d=1{where} from={period.start} to={period.end} grain=day",
                {"values": values, "days": days},
            )
        )
    return findings


def check_roi(inputs: Inputs) -> list[Finding]:
    """ROI under the channel's benchmark in each of the threshold's number of complete weeks."""
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
        values = {row.key: row.value for row in _answer(inputs, query).breakdown}
        for key in benchmarks:
            weekly[key].append(values.get(key))
    findings = []
    for key, values in weekly.items():
        if any(v is None for v in values):
            continue
        bench = benchmarks[key]
        shown = ", ".join(f"1:{v:.2f}" for v in values)  # type: ignore[str-format]
        findings.append(
            Finding(
                inputs.rule,
                key,
                under_every_week(values, bench),  # type: ignore[arg-type]
                f"ROI {shown} in the weeks of {', '.join(str(w.start) for w in weeks)} "
                f"(benchmark 1:{bench:.2f})",
                f"/roi channel={key} from={weeks[0].start} to={weeks[-1].end} grain=week",
                {"values": values, "benchmark": bench},
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
    return [
        Finding(
            inputs.rule,
            ALL,
            is_surge(count, mean, factor),
            f"{count} sign-ups in the hour from {label}, "
            f"{count / mean:.1f}x the 7-day average of {mean:.1f} for that hour"
            if mean
            else f"{count} sign-ups in the hour from {label} (none in that hour before)",
            "/metric new_customers since=14d grain=day",
            {"count": count, "before": before, "mean": mean, "factor": factor, "hour": label},
        )
    ]
