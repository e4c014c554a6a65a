"""Snapshots of the fund as plain data: a year's pool, a proposal with its approvals and its
audit trail, and what an action did. Built from rows the reads loaded; no queries here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.core.money import cents
from bot.models import TEAMS, Fund, Proposal, ProposalEvent
from bot.models.fund import ProposalStatus

__all__ = [
    "Approval",
    "Event",
    "FundSummary",
    "Outcome",
    "ProposalStatus",
    "ProposalView",
    "event_of",
    "summary_of",
    "view_of",
]


@dataclass(frozen=True)
class FundSummary:
    """One year's pool: approved is committed money, pending is what proposals still ask."""

    year: int
    budget: float
    pool_pct: float
    pool: float
    approved: float
    pending: float
    pending_count: int = 0

    @property
    def remaining(self) -> float:
        """What may still be approved: pool minus approved."""
        return float(cents(self.pool) - cents(self.approved))

    @property
    def used_share(self) -> float:
        """Approved as a share of the pool (0 for an empty pool)."""
        return self.approved / self.pool if self.pool > 0 else 0.0


@dataclass(frozen=True)
class Approval:
    """One team's approval of a proposal."""

    team: str
    user_id: str
    approved_at: datetime


@dataclass(frozen=True)
class Event:
    """One line of a proposal's audit trail."""

    actor: str
    at: datetime
    action: str
    from_state: ProposalStatus | None
    to_state: ProposalStatus | None
    note: str | None


@dataclass(frozen=True)
class ProposalView:
    """A proposal as it stands, with its approvals and its latest event."""

    id: int
    workspace_id: str
    year: int
    title: str
    problem: str
    plan: str
    amount: float
    impact_metric: str
    impact_target: float
    marketing_sponsor: str
    operations_sponsor: str
    submitter: str
    start_date: date
    end_date: date
    status: ProposalStatus
    channel: str | None
    message_ts: str | None
    actual_spend: float | None
    result_note: str | None
    created_at: datetime | None
    approvals: tuple[Approval, ...] = ()
    last_event: Event | None = None

    def approval_of(self, team: str) -> Approval | None:
        """This round's approval by `team`, if any."""
        return next((a for a in self.approvals if a.team == team), None)

    def waiting_for(self, mode: str) -> list[str]:
        """The teams whose approval is still needed (empty once decided)."""
        if self.status != "pending":
            return []
        if mode == "single":
            return [] if self.approvals else ["marketing or operations"]
        return [team for team in TEAMS if self.approval_of(team) is None]


@dataclass(frozen=True)
class Outcome:
    """What an action did: the proposal after it, and a line for the person who acted."""

    proposal: ProposalView
    message: str
    final: bool = False
    released: float = 0.0


def summary_of(fund: Fund, pending: float, pending_count: int) -> FundSummary:
    """A fund row as its summary, with what pending proposals ask of it."""
    return FundSummary(
        year=fund.year,
        budget=float(fund.budget),
        pool_pct=float(fund.pool_pct),
        pool=float(fund.pool),
        approved=float(fund.approved),
        pending=pending,
        pending_count=pending_count,
    )


def event_of(row: ProposalEvent) -> Event:
    """An audit-trail row as an Event."""
    return Event(row.actor, row.at, row.action, row.from_state, row.to_state, row.note)


def view_of(row: Proposal) -> ProposalView:
    """A proposal row, loaded with its fund, approvals and events, as a ProposalView."""
    return ProposalView(
        id=row.id,
        workspace_id=row.workspace_id,
        year=row.fund.year,
        title=row.title,
        problem=row.problem,
        plan=row.plan,
        amount=float(row.amount),
        impact_metric=row.impact_metric,
        impact_target=float(row.impact_target),
        marketing_sponsor=row.marketing_sponsor,
        operations_sponsor=row.operations_sponsor,
        submitter=row.submitter,
        start_date=row.start_date,
        end_date=row.end_date,
        status=row.status,
        channel=row.channel,
        message_ts=row.message_ts,
        actual_spend=None if row.actual_spend is None else float(row.actual_spend),
        result_note=row.result_note,
        created_at=row.created_at,
        approvals=tuple(Approval(a.team, a.user_id, a.approved_at) for a in row.approvals),
        last_event=event_of(row.events[-1]) if row.events else None,
    )
