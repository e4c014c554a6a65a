"""The alerts' stored state (alert_states): opening and resolving them from findings, the open
ones, the transitions not posted yet and the ts of those that were (the posts themselves are
reserved and made once by jobs/alerts.py through bot.core.outbox).

An alert is one (rule, subject) pair. It is posted when it opens and when it resolves, listed
in the digest while open, and never re-posted in between: every transition is made in one
serialised write transaction (SQLite's write lock, a PostgreSQL advisory lock), so two
processes evaluating at once cannot open the same alert twice.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select, text, update

from bot.core.clock import SYSTEM_CLOCK, Clock, naive_utc
from bot.core.db import Database
from bot.core.i18n import Msg
from bot.core.settings import Settings
from bot.models import AlertState
from bot.warroom.alerts.checks import Finding
from bot.warroom.alerts.rules import RULES, Rule, evaluate_rules


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


def _said(summary: str) -> dict[str, Any] | None:
    """A summary kept as a message, so it is shown in each reader's language."""
    return summary.as_json() if isinstance(summary, Msg) else None


def _details(finding: Finding) -> dict[str, Any]:
    """What an alert keeps of a finding: its numbers, summary (in English, and as a message
    for the other languages) and command."""
    return {
        **finding.details,
        "summary": str(finding.summary),
        "summary_msg": _said(finding.summary),
        "command": finding.command,
    }


def apply_findings(
    db: Database, workspace_id: str, findings: list[Finding], now: datetime
) -> list[Change]:
    """Open alerts that started firing, resolve those that stopped; the changes made."""
    at = naive_utc(now)
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
            details = _details(finding)
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
                row.details = {
                    **row.details,
                    "resolved_summary": str(finding.summary),
                    "resolved_summary_msg": _said(finding.summary),
                }
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


def record_post(db: Database, alert_id: int, kind: str, ts: str) -> None:
    """Store the ts of the message that posted this transition (kept if one is stored)."""
    column = _ts_column(kind)
    with db.state.begin() as connection:
        connection.execute(
            update(AlertState)
            .where(AlertState.id == alert_id, column.is_(None))
            .values({column.key: ts})
        )


# A previewed alert is not resolved and has no Slack messages.
_UNSET = (None, None, None)


def preview(
    settings: Settings, db: Database, workspace_id: str, clock: Clock = SYSTEM_CLOCK
) -> list[Alert]:
    """The alerts that would be open after an evaluation now, without storing anything
    (for `warroom digest --dry-run`)."""
    findings = evaluate_rules(settings, db, clock)
    stored = {(a.rule, a.subject): a for a in open_alerts(db, workspace_id)}
    verdict = {(f.rule, f.subject): f for f in findings}
    out = [a for key, a in stored.items() if key not in verdict or verdict[key].firing]
    at = naive_utc(clock.now())
    for key, finding in verdict.items():
        if finding.firing and key not in stored:
            details = _details(finding)
            out.append(
                Alert(0, workspace_id, finding.rule, finding.subject, "open", details, at, *_UNSET)
            )
    return out
