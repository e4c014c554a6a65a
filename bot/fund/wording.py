"""The fund's sentences that carry data: who decided, whose approval is missing, how much is
left. Plain data in, messages out (Msg: said in the reader's language where they are shown;
people as Slack mentions); the ledger, the policy and the forms word their refusals with these,
so no domain module builds markup itself."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from bot.core.blocks import mention
from bot.core.i18n import N_, Msg
from bot.core.money import Money, cents
from bot.fund.views import ProposalView

STATE_WORDS = {
    "pending": N_("pending"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "changes_requested": N_("changes requested"),
    "withdrawn": N_("withdrawn"),
    "completed": N_("completed"),
}
TEAM_WORDS = {
    "marketing": N_("marketing"),
    "operations": N_("operations"),
    "marketing or operations": N_("marketing or operations"),
}


def state_text(status: str) -> Msg:
    """A status as words: "changes requested"."""
    return Msg(STATE_WORDS.get(status, status.replace("_", " ")))


def team_text(team: str) -> Msg:
    """A team as words: "marketing" (市场)."""
    return Msg(TEAM_WORDS.get(team, team))


def _and(items: list[str]) -> str:
    return " and ".join(items) if len(items) <= 2 else ", ".join(items[:-1]) + " and " + items[-1]


def decided(proposal: ProposalView) -> Msg:
    """What a late clicker is told once the proposal has left pending: who decided it."""
    event = proposal.last_event
    who: str = mention(event.actor) if event else Msg("someone")
    names = [mention(a.user_id) for a in proposal.approvals]
    approvers = _and(names) or who
    status = proposal.status
    if status == "approved":
        return Msg("Already approved by {people}.", people=approvers)
    if status == "completed":
        return Msg("Already approved by {people} and completed.", people=approvers)
    if status == "rejected":
        return Msg("Already rejected by {person}.", person=who)
    if status == "changes_requested":
        return Msg(
            "Changes were already requested by {person}; the submitter can edit and resubmit.",
            person=who,
        )
    if status == "withdrawn":
        return Msg("The submitter withdrew this proposal.")
    return Msg("This proposal is {state}.", state=state_text(status))


def team_already_approved(team: str, user_id: str, waiting_for: str) -> Msg:
    """A second approver of a team that has approved: who did, and which team is awaited."""
    return Msg(
        "{team} already approved (by {person}); waiting for {other}.",
        team=Msg(team.capitalize()),
        person=mention(user_id),
        other=team_text(waiting_for),
    )


def not_a_team_sponsor(user_id: str, team: str, their_team: str | None) -> Msg:
    """A sponsor picked for `team` who is in another team (`their_team`) or in none."""
    if their_team:
        return Msg(
            "{person} is in {their_team}; pick a {team} member (an admin adds members with "
            "/warroom team).",
            person=mention(user_id),
            their_team=team_text(their_team),
            team=team_text(team),
        )
    return Msg(
        "{person} is not in the growth team; pick a {team} member (an admin adds members with "
        "/warroom team).",
        person=mention(user_id),
        team=team_text(team),
    )


def only_when(requirement: str, proposal_id: int, status: str) -> Msg:
    """A transition from the wrong state: "Only {requirement}; #7 is rejected."; the
    requirement is a marked constant."""
    return Msg(
        "Only {requirement}; #{id} is {state}.",
        requirement=Msg(requirement),
        id=proposal_id,
        state=state_text(status),
    )


def no_budget(year: int) -> Msg:
    """What the fund says before an admin sets the year's budget."""
    return Msg(
        "No budget is set for {year} yet; an admin sets it with /fund budget {year} AMOUNT",
        year=year,
    )


def ask_at_most(left: float, year: int, currency: str) -> Msg:
    """A form asking for more than the pool has left."""
    return Msg(
        "Only {left} is left in the {year} pool; ask for at most that.",
        left=Money(left, currency),
        year=year,
    )


def no_room(year: int, left: float, amount: float, currency: str) -> Msg:
    """An approval the pool cannot pay for any more."""
    return Msg(
        "Not enough left: only {left} left in the {year} pool, and this proposal needs {amount}.",
        left=Money(left, currency),
        year=year,
        amount=Money(amount, currency),
    )


def budget_too_low(
    year: int, budget: float, pool: float, approved: float, pool_pct: float, currency: str
) -> Msg:
    """A budget whose pool would fall below what is approved, with the least budget that fits."""
    values = {
        "year": year,
        "budget": Money(budget, currency),
        "pool": Money(pool, currency),
        "approved": Money(approved, currency),
    }
    if pool_pct > 0:
        needed = (cents(approved) * 100 / Decimal(str(pool_pct))).quantize(
            Decimal(1), ROUND_CEILING
        )
        return Msg(
            "A {year} budget of {budget} gives a pool of {pool}, below the {approved} already "
            "approved; the budget must be at least {needed}.",
            needed=Money(float(needed), currency),
            **values,
        )
    return Msg(
        "A {year} budget of {budget} gives a pool of {pool}, below the {approved} already "
        "approved.",
        **values,
    )
