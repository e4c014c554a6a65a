"""A demo team, fund budget and proposal beside the demo data, so that `/fund`, stand-ups and
approvals show something on the first run. All are marked as demo (added by "demo", people
U0DEMO...): a real team replaces them with `warroom team remove` / `add`, and a real budget
with `warroom fund budget`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot import fund
from bot.core.context import Context
from bot.warroom.team import add_member, list_members

DEMO = "demo"
# (user id, team, approver, admin). "console" is the person at the local console: a
# marketing approver and admin, so the console can post a stand-up and decide proposals.
DEMO_MEMBERS = (
    ("console", "marketing", True, True),
    ("U0DEMOMKT", "marketing", False, False),
    ("U0DEMOOPS1", "operations", True, False),
    ("U0DEMOOPS2", "operations", False, False),
)
DEMO_BUDGET = "12000000"
DEMO_PROPOSAL = fund.ProposalDraft(
    title="Douyin live-stream pilot with a member coupon",
    problem="Douyin sign-ups convert to first orders less often than other channels.",
    plan="Three weekly live streams with a first-order coupon; operations staffs support.",
    amount="80000",
    impact_metric="ltv_cac",
    impact_target="3.5",
    marketing_sponsor="U0DEMOMKT",
    operations_sponsor="U0DEMOOPS2",
)


def seed_demo_state(ctx: Context, today: date) -> list[str]:
    """Seed the demo team, this year's budget and one pending proposal into a workspace that
    has no team and no budget yet; what was done, one line each ([] when nothing)."""
    if list_members(ctx.db, ctx.workspace_id):
        return []
    done = []
    for user, team, approver, admin in DEMO_MEMBERS:
        add_member(ctx.db, ctx.workspace_id, user, team, approver=approver, admin=admin, by=DEMO)
    done.append(f"Demo team: {', '.join(user for user, *_ in DEMO_MEMBERS)} (added by demo)")
    if fund.fund_summary(ctx, today.year) is None:
        summary = fund.set_budget(replace(ctx, actor=DEMO), today.year, DEMO_BUDGET)
        done.append(f"Demo fund budget {today.year}: {DEMO_BUDGET} (pool {summary.pool:,.0f})")
    draft = replace(
        DEMO_PROPOSAL,
        start_date=today.isoformat(),
        end_date=(today + timedelta(days=45)).isoformat(),
    )
    proposal = fund.submit_proposal(replace(ctx, actor="U0DEMOMKT"), draft)
    done.append(f"Demo proposal #{proposal.id}, pending approval")
    return done
