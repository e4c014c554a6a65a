"""Playbook alerts: the rules, their evaluation over complete loaded data, and stored state.

An alert is one (rule, subject) pair, the subject being a channel key or "all". It is
posted when it opens and when it resolves, listed in the digest while open, and never
re-posted in between: the state lives in alert_states, and every transition is made in one
serialised write transaction (SQLite's write lock, a PostgreSQL advisory lock), so two
processes evaluating at once cannot open the same alert twice.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import case, func, select, text, update

from bot.core.clock import SYSTEM_CLOCK, Clock
from bot.core.db import Database
from bot.core.facts import fact_day_ranges
from bot.core.settings import Settings
from bot.metrics.query import Filters, Period, Query
from bot.metrics.registry import find_metric
from bot.models import AlertState, Channel, User

log = logging.getLogger(__name__)

ALL = "all"
# Below this many sign-ups in the hour a "surge" is noise, whatever the average says.
SURGE_MIN_SIGNUPS = 20
SURGE_LEVELS = (
    "Level 1 (operations): throttle promotions and protect high-value users' orders",
    "Level 2 (marketing): pause the weakest channels and campaigns",
    "Level 3 (operations with engineering): scale out the infrastructure",
)


@dataclass(frozen=True)
class Rule:
    """One playbook rule: who owns the response and what it is."""

    name: str
    title: str
    owners: tuple[str, ...]
    action: str


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule(
            "ltv_cac_low",
            "LTV/CAC under target",
            ("marketing", "operations"),
            "start a joint marketing-operations review",
        ),
        Rule(
            "retention_drop",
            "D1 retention falling",
            ("marketing", "operations"),
            "marketing: adjust content; operations: fix onboarding",
        ),
        Rule(
            "roi_below_benchmark",
            "ROI under benchmark",
            ("operations",),
            "operations: start an alternative-plan test for this channel",
        ),
        Rule(
            "traffic_surge",
            "Traffic surge",
            ("operations", "marketing"),
            "run the three-level response",
        ),
    )
}


@dataclass(frozen=True)
class Finding:
    """The verdict of one rule for one subject over the latest complete data."""

    rule: str
    subject: str
    firing: bool
    summary: str
    command: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Alert:
    """A stored alert."""

    id: int
    workspace_id: str
    rule: str
    subject: str
    state: str
    details: dict[str, Any]
    opened_at: datetime
    resolved_at: datetime | None
    opened_ts: str | None
    resolved_ts: str | None

    @property
    def playbook(self) -> Rule:
        """The rule this alert comes from."""
        return RULES[self.rule]

    @property
    def summary(self) -> str:
        """What the numbers said when it opened (or last changed)."""
        return str(self.details.get("summary", ""))

    @property
    def command(self) -> str:
        """The command that shows the numbers behind the alert."""
        return str(self.details.get("command", ""))


@dataclass(frozen=True)
class Change:
    """An alert that opened or resolved in one evaluation."""

    kind: Literal["opened", "resolved"]
    alert: Alert


# ------------------------------------------------------------------------- loaded data


def facts_loaded_through(db: Database) -> dict[str, date | None]:
    """The latest day present in each growth-fact table (None: nothing loaded)."""
    with db.analytics.connect() as connection:
        return {name: last for name, (_first, last) in fact_day_ranges(connection).items()}


def _last_complete(
    loaded: dict[str, date | None], tables: tuple[str, ...], today: date
) -> date | None:
    days = [loaded.get(name) for name in tables]
    if any(day is None for day in days):
        return None
    return min([today - timedelta(days=1), *days])  # type: ignore[list-item]


# ------------------------------------------------------------------------- the rules


def _answer(query: Query, settings: Settings, db: Database, clock: Clock) -> Any:
    from bot.metrics.engine import answer

    return answer(query, settings, db, clock)


def _metric(name: str) -> Any:
    metric = find_metric(name)
    assert metric is not None, name
    return metric


def _channels(db: Database) -> list[tuple[str, str, str, float | None]]:
    with db.analytics.connect() as connection:
        rows = connection.execute(
            select(Channel.key, Channel.name, Channel.kind, Channel.roi_benchmark).order_by(
                Channel.key
            )
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def check_ltv_cac(settings: Settings, db: Database, clock: Clock, end: date) -> list[Finding]:
    """LTV/CAC under ALERT_LTV_CAC_MIN over the trailing 30 days, per paid channel."""
    period = Period(end - timedelta(days=29), end)
    query = Query(
        metric=_metric("ltv_cac"),
        period=period,
        filters=Filters(kind="paid"),
        by="channel",
        compare="none",
    )
    result = _answer(query, settings, db, clock)
    threshold = settings.alert_ltv_cac_min
    findings = []
    for row in result.breakdown:
        if row.value is None:
            continue
        findings.append(
            Finding(
                "ltv_cac_low",
                row.key,
                row.value < threshold,
                f"LTV/CAC {_fmt(row.value)} over {period.start} to {period.end} "
                f"(target {_fmt(threshold)} or more)",
                f"/metric ltv_cac channel={row.key} from={period.start} to={period.end}",
                {"value": row.value, "threshold": threshold},
            )
        )
    return findings


def _strictly_falling(values: list[float | None]) -> bool:
    if any(v is None for v in values):
        return False
    return all(b < a for a, b in zip(values, values[1:], strict=False))  # type: ignore[operator]


def check_retention(settings: Settings, db: Database, clock: Clock, last: date) -> list[Finding]:
    """D1 retention down ALERT_RETENTION_DROP_DAYS days in a row, per channel and overall.

    `last` is the latest sign-up day whose next day is fully loaded.
    """
    days = settings.alert_retention_drop_days
    period = Period(last - timedelta(days=days), last)
    findings = []
    subjects = [(ALL, Filters())] + [(key, Filters(channels=(key,))) for key, *_ in _channels(db)]
    for subject, filters in subjects:
        query = Query(
            metric=_metric("retention"),
            period=period,
            filters=filters,
            grain="day",
            compare="none",
            day_n=1,
        )
        result = _answer(query, settings, db, clock)
        values = [point.value for point in result.series]
        if len(values) != days + 1 or any(v is None for v in values):
            continue
        shown = " → ".join(f"{v * 100:.1f}%" for v in values)  # type: ignore[operator]
        where = "" if subject == ALL else f" channel={subject}"
        findings.append(
            Finding(
                "retention_drop",
                subject,
                _strictly_falling(values),
                f"D1 retention {shown} for sign-ups {period.start} to {period.end}",
                f"/retention d=1{where} from={period.start} to={period.end} grain=day",
                {"values": values, "days": days},
            )
        )
    return findings


def complete_weeks(end: date, count: int) -> list[Period]:
    """The last `count` complete ISO weeks (Monday to Sunday) ending on or before `end`."""
    last_sunday = end - timedelta(days=(end.weekday() + 1) % 7)
    weeks = []
    for back in range(count - 1, -1, -1):
        sunday = last_sunday - timedelta(weeks=back)
        weeks.append(Period(sunday - timedelta(days=6), sunday))
    return weeks


def check_roi(settings: Settings, db: Database, clock: Clock, end: date) -> list[Finding]:
    """ROI under the channel's benchmark in each of the last ALERT_ROI_WEEKS complete weeks."""
    benchmarks = {key: bench for key, _n, _k, bench in _channels(db) if bench is not None}
    if not benchmarks:
        return []
    weeks = complete_weeks(end, settings.alert_roi_weeks)
    weekly: dict[str, list[float | None]] = {key: [] for key in benchmarks}
    for week in weeks:
        query = Query(
            metric=_metric("roi"),
            period=week,
            filters=Filters(channels=tuple(sorted(benchmarks))),
            by="channel",
            compare="none",
        )
        values = {row.key: row.value for row in _answer(query, settings, db, clock).breakdown}
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
                "roi_below_benchmark",
                key,
                all(v < bench for v in values),  # type: ignore[operator]
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


def check_surge(settings: Settings, db: Database, now: datetime) -> list[Finding]:
    """Sign-ups in the latest complete loaded hour above ALERT_SURGE_FACTOR times the mean of
    the same hour over the 7 days before."""
    with db.analytics.connect() as connection:
        latest = connection.execute(select(func.max(User.signed_up_at))).scalar()
    if latest is None:
        return []
    if isinstance(latest, str):
        latest = datetime.fromisoformat(latest)
    local_now = now.astimezone(settings.tz).replace(tzinfo=None)
    hour = local_now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    if latest < hour:
        # Sign-ups are not loaded live: take the last hour that is surely complete, the one
        # before the hour of the newest sign-up.
        hour = latest.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    count, before = hourly_signups(db, hour)
    mean = sum(before) / len(before)
    factor = settings.alert_surge_factor
    firing = count >= SURGE_MIN_SIGNUPS and count > factor * mean
    label = f"{hour:%Y-%m-%d %H}:00"
    return [
        Finding(
            "traffic_surge",
            ALL,
            firing,
            f"{count} sign-ups in the hour from {label}, "
            f"{count / mean:.1f}x the 7-day average of {mean:.1f} for that hour"
            if mean
            else f"{count} sign-ups in the hour from {label} (none in that hour before)",
            "/metric new_customers since=14d grain=day",
            {"count": count, "before": before, "mean": mean, "factor": factor, "hour": label},
        )
    ]


def evaluate_rules(settings: Settings, db: Database, clock: Clock = SYSTEM_CLOCK) -> list[Finding]:
    """Every rule over the latest complete, loaded periods (rules without data say nothing)."""
    loaded = facts_loaded_through(db)
    today = clock.today(settings.tz)
    findings: list[Finding] = []
    checks = (
        ("ltv_cac_low", ("spend", "orders"), check_ltv_cac, 0),
        ("roi_below_benchmark", ("spend", "orders", "users"), check_roi, 0),
        # D1 of a sign-up day needs the whole next day of activity.
        ("retention_drop", ("users", "activity"), check_retention, 1),
    )
    for name, tables, check, lag in checks:
        end = _last_complete(loaded, tables, today)
        if end is None:
            continue
        if lag and loaded["activity"] is not None:
            end = min(end, loaded["activity"] - timedelta(days=lag))
        try:
            findings.extend(check(settings, db, clock, end))
        except Exception:
            log.exception("playbook rule %s could not be evaluated", name)
    try:
        findings.extend(check_surge(settings, db, clock.now()))
    except Exception:
        log.exception("playbook rule traffic_surge could not be evaluated")
    return findings


# ------------------------------------------------------------------------- stored state


def _alert(row: AlertState) -> Alert:
    return Alert(
        row.id,
        row.workspace_id,
        row.rule,
        row.subject,
        row.state,
        dict(row.details or {}),
        row.opened_at,
        row.resolved_at,
        row.opened_ts,
        row.resolved_ts,
    )


def _serialise(session: Any, workspace_id: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"alerts:{workspace_id}".encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def apply_findings(
    db: Database, workspace_id: str, findings: list[Finding], now: datetime
) -> list[Change]:
    """Open alerts that started firing, resolve those that stopped; the changes made."""
    at = now.astimezone(UTC).replace(tzinfo=None)
    changes: list[Change] = []
    with db.write() as session:
        _serialise(session, workspace_id)
        rows = session.scalars(
            select(AlertState).where(
                AlertState.workspace_id == workspace_id, AlertState.state == "open"
            )
        ).all()
        open_rows = {(row.rule, row.subject): row for row in rows}
        for finding in findings:
            row = open_rows.get((finding.rule, finding.subject))
            details = {**finding.details, "summary": finding.summary, "command": finding.command}
            if finding.firing and row is None:
                row = AlertState(
                    workspace_id=workspace_id,
                    rule=finding.rule,
                    subject=finding.subject,
                    state="open",
                    details=details,
                    opened_at=at,
                )
                session.add(row)
                session.flush()
                changes.append(Change("opened", _alert(row)))
            elif finding.firing and row is not None:
                # Still firing: keep the latest numbers for the digest, post nothing.
                row.details = {**details, "opened_summary": row.details.get("summary")}
            elif not finding.firing and row is not None:
                row.state = "resolved"
                row.resolved_at = at
                row.details = {**row.details, "resolved_summary": finding.summary}
                session.flush()
                changes.append(Change("resolved", _alert(row)))
    return changes


def evaluate(
    settings: Settings, db: Database, workspace_id: str, clock: Clock = SYSTEM_CLOCK
) -> list[Change]:
    """Evaluate every rule with the workspace's thresholds and store the transitions."""
    return apply_findings(db, workspace_id, evaluate_rules(settings, db, clock), clock.now())


def open_alerts(db: Database, workspace_id: str) -> list[Alert]:
    """The workspace's open alerts, oldest first."""
    with db.session() as session:
        rows = session.scalars(
            select(AlertState)
            .where(AlertState.workspace_id == workspace_id, AlertState.state == "open")
            .order_by(AlertState.opened_at, AlertState.id)
        ).all()
        return [_alert(row) for row in rows]


# ------------------------------------------------------------------------- notifications

PENDING = "pending"


def unposted(db: Database, workspace_id: str) -> list[tuple[str, Alert]]:
    """Transitions not posted yet: ("opened", alert) and ("resolved", alert), oldest first."""
    with db.session() as session:
        rows = session.scalars(
            select(AlertState)
            .where(
                AlertState.workspace_id == workspace_id,
                (AlertState.opened_ts.is_(None))
                | ((AlertState.state == "resolved") & AlertState.resolved_ts.is_(None)),
            )
            .order_by(AlertState.opened_at, AlertState.id)
        ).all()
        alerts = [_alert(row) for row in rows]
    out: list[tuple[str, Alert]] = []
    for alert in alerts:
        if alert.opened_ts is None:
            out.append(("opened", alert))
        elif alert.state == "resolved" and alert.resolved_ts is None:
            out.append(("resolved", alert))
    return out


def _ts_column(kind: str) -> Any:
    return AlertState.opened_ts if kind == "opened" else AlertState.resolved_ts


def claim_post(db: Database, alert_id: int, kind: str) -> bool:
    """Reserve the right to post this transition (one process wins)."""
    column = _ts_column(kind)
    statement = (
        update(AlertState)
        .where(AlertState.id == alert_id, column.is_(None))
        .values({column.key: PENDING})
        .returning(AlertState.id)
    )
    with db.state.begin() as connection:
        return connection.execute(statement).first() is not None


def record_post(db: Database, alert_id: int, kind: str, ts: str | None) -> None:
    """Store the posted message's ts (None gives the reservation back, to retry later)."""
    column = _ts_column(kind)
    with db.state.begin() as connection:
        connection.execute(
            update(AlertState)
            .where(AlertState.id == alert_id, column == PENDING)
            .values({column.key: ts})
        )


def preview(
    settings: Settings, db: Database, workspace_id: str, clock: Clock = SYSTEM_CLOCK
) -> list[Alert]:
    """The alerts that would be open after an evaluation now, without storing anything
    (for `warroom digest --dry-run`)."""
    findings = evaluate_rules(settings, db, clock)
    stored = {(a.rule, a.subject): a for a in open_alerts(db, workspace_id)}
    verdict = {(f.rule, f.subject): f for f in findings}
    out = [a for key, a in stored.items() if key not in verdict or verdict[key].firing]
    at = clock.now().astimezone(UTC).replace(tzinfo=None)
    for key, finding in verdict.items():
        if finding.firing and key not in stored:
            details = {**finding.details, "summary": finding.summary, "command": finding.command}
            out.append(
                Alert(
                    0,
                    workspace_id,
                    finding.rule,
                    finding.subject,
                    "open",
                    details,
                    at,
                    None,
                    None,
                    None,
                )
            )
    return out
