"""The fund's sentences that carry data: who decided, whose approval is missing, how much is
left. Plain data in, text out (people as Slack mentions); the ledger, the policy and the forms
word their refusals with these, so no domain module builds markup itself."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from bot.core.blocks import mention
from bot.core.money import cents, format_money
from bot.fund.views import ProposalView


def state_text(status: str) -> str:
    """A status as words: "changes requested"."""
    return status.replace("_", " ")


def _and(items: list[str]) -> str:
    return " and ".join(items) if len(items) <= 2 else ", ".join(items[:-1]) + " and " + items[-1]


def decided(proposal: ProposalView) -> str:
    """What a late clicker is told once the proposal has left pending: who decided it."""
    event = proposal.last_event
    who = mention(event.actor) if event else "someone"
    approvers = _and([mention(a.user_id) for a in proposal.approvals]) or who
    status = proposal.status
    if status == "approved":
        return f"Already approved by {approvers}."
    if status == "completed":
        return f"Already approved by {approvers} and completed."
    if status == "rejected":
        return f"Already rejected by {who}."
    if status == "changes_requested":
        return f"Changes were already requested by {who}; the submitter can edit and resubmit."
    if status == "withdrawn":
        return "The submitter withdrew this proposal."
    return f"This proposal is {state_text(status)}."


def team_already_approved(team: str, user_id: str, waiting_for: str) -> str:
    """A second approver of a team that has approved: who did, and which team is awaited."""
    return (
        f"{team.capitalize()} already approved (by {mention(user_id)}); waiting for {waiting_for}."
    )


def not_a_team_sponsor(user_id: str, team: str, their_team: str | None) -> str:
    """A sponsor picked for `team` who is in another team (`their_team`) or in none."""
    where = f"in {their_team}" if their_team else "not in the growth team"
    return (
        f"{mention(user_id)} is {where}; pick a {team} member "
        "(an admin adds members with /warroom team)."
    )


def only_when(requirement: str, proposal_id: int, status: str) -> str:
    """A transition from the wrong state: "Only {requirement}; #7 is rejected."."""
    return f"Only {requirement}; #{proposal_id} is {state_text(status)}."


def no_budget(year: int) -> str:
    """What the fund says before an admin sets the year's budget."""
    return f"No budget is set for {year} yet; an admin sets it with /fund budget {year} AMOUNT"


def ask_at_most(left: float, year: int, currency: str) -> str:
    """A form asking for more than the pool has left."""
    return f"Only {format_money(left, currency)} is left in the {year} pool; ask for at most that."


def no_room(year: int, left: float, amount: float, currency: str) -> str:
    """An approval the pool cannot pay for any more."""
    return (
        f"Not enough left: only {format_money(left, currency)} left in the {year} pool, "
        f"and this proposal needs {format_money(amount, currency)}."
    )


def budget_too_low(
    year: int, budget: float, pool: float, approved: float, pool_pct: float, currency: str
) -> str:
    """A budget whose pool would fall below what is approved, with the least budget that fits."""
    message = (
        f"A {year} budget of {format_money(budget, currency)} gives a pool of "
        f"{format_money(pool, currency)}, below the {format_money(approved, currency)} "
        "already approved"
    )
    if pool_pct > 0:
        needed = (cents(approved) * 100 / Decimal(str(pool_pct))).quantize(
            Decimal(1), ROUND_CEILING
        )
        message += f"; the budget must be at least {format_money(float(needed), currency)}"
    return message + "."
