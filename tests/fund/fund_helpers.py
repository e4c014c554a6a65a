"""Shared set-up for the fund tests: a team with approvers and sponsors, a budget, drafts."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import fund
from bot.core.clock import Clock, ManualClock
from bot.core.context import Context
from bot.core.db import Database
from bot.core.settings import Settings
from bot.warroom.team import add_member

WS = "default"
YEAR = 2027
# Marketing approvers, operations approvers, sponsors (not approvers), an admin.
MKT1, MKT2 = "UMKT1", "UMKT2"
OPS1, OPS2 = "UOPS1", "UOPS2"
MSPONSOR, OSPONSOR = "UMSPONSOR", "UOSPONSOR"
SUBMITTER = "USUBMIT"
ADMIN = "UADMIN"
OUTSIDER = "UOUTSIDE"


# In the middle of the fund year before YEAR.
START = datetime(YEAR - 1, 11, 2, 9, 0, tzinfo=UTC)


def clock() -> ManualClock:
    """A clock standing at START."""
    return ManualClock(START)


def as_(
    db: Database,
    settings: Settings,
    who: str | None,
    clock: Clock | None = None,
    *,
    workspace_id: str = WS,
    slack_admin: bool = False,
) -> Context:
    """A Slack context acting as `who` (a Slack workspace admin when `slack_admin`), with the
    fund clock unless another is given."""
    return Context(
        env=settings,
        db=db,
        clock=clock or ManualClock(START),
        workspace_id=workspace_id,
        actor=who,
        surface="slack",
        slack_admin_check=lambda: slack_admin,
    )


def make_team(db: Database) -> None:
    """Two approvers per team, a sponsor per team and an admin."""
    add_member(db, WS, MKT1, "marketing", approver=True)
    add_member(db, WS, MKT2, "marketing", approver=True)
    add_member(db, WS, OPS1, "operations", approver=True)
    add_member(db, WS, OPS2, "operations", approver=True)
    add_member(db, WS, MSPONSOR, "marketing")
    add_member(db, WS, OSPONSOR, "operations")
    add_member(db, WS, ADMIN, "operations", admin=True)


def with_budget(db: Database, settings: Settings, budget: str = "12m") -> fund.FundSummary:
    """Set YEAR's budget (a 12,000,000 budget gives a 1,800,000 pool)."""
    return fund.set_budget(as_(db, settings, ADMIN), YEAR, budget)


def draft(**changes: str | None) -> fund.ProposalDraft:
    """A valid proposal form, with `changes` applied."""
    values: dict[str, str | None] = {
        "title": "Douyin live-stream onboarding",
        "problem": "D1 retention of douyin sign-ups fell three days running.",
        "plan": "Marketing rewrites the hook; operations fixes the first-session checklist.",
        "amount": "200k",
        "impact_metric": "retention",
        "impact_target": "35%",
        "marketing_sponsor": MSPONSOR,
        "operations_sponsor": OSPONSOR,
        "start_date": f"{YEAR}-01-10",
        "end_date": f"{YEAR}-03-31",
    }
    values.update(changes)
    return fund.ProposalDraft(**values)
