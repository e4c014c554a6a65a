"""Who may do what with a proposal: approvers decide proposals they are not involved in, the
submitter withdraws and edits, the people involved and admins complete, admins set budgets.
The checks raise FundError with the reason; `refusal` asks them ahead of a form."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.orm import Session

from bot.core.context import Context
from bot.core.i18n import N_, Msg
from bot.fund import wording
from bot.fund.errors import FundError
from bot.fund.reading import load
from bot.fund.views import view_of
from bot.models import TEAMS, Proposal, TeamMember
from bot.models.fund import ProposalStatus

OUTSIDER = Msg(
    "Only fund approvers can decide proposals; an admin adds approvers with /warroom team."
)
NOT_COMPLETER = Msg("Only the submitter, a sponsor or an admin can complete this proposal.")
NOT_ADMIN = Msg("Only admins can set the fund's budget; ask a workspace admin or a War Room admin.")
# What only the submitter may do, as said in "Only the submitter can ... this proposal."
SUBMITTER_ONLY = {
    "withdraw": N_("Only the submitter can withdraw this proposal."),
    "edit and resubmit": N_("Only the submitter can edit and resubmit this proposal."),
}

Action = Literal["decide", "edit", "complete"]
# The verbs of "you cannot ... it", and the requirements of an edit ("Only ...; #7 is ...").
VERBS = {
    "approve": N_("approve"),
    "reject": N_("reject"),
    "send back": N_("send back"),
    "decide on": N_("decide on"),
}
EDIT_REQUIREMENTS = {
    "edited": N_("a proposal with changes requested can be edited"),
    "resubmitted": N_("a proposal with changes requested can be resubmitted"),
}
# What the submitter may still withdraw.
OPEN_STATES: tuple[ProposalStatus, ...] = ("pending", "changes_requested")


def involved(row: Proposal, user_id: str | None) -> bool:
    """True for the submitter and the two sponsors of the proposal."""
    return user_id in (row.submitter, row.marketing_sponsor, row.operations_sponsor)


def check_admin(ctx: Context) -> None:
    """FundError unless the actor is an admin (may ask Slack: call it outside a transaction)."""
    if not ctx.is_admin:
        raise FundError(NOT_ADMIN)


def check_submitter(row: Proposal, actor: str, what: str) -> None:
    """FundError unless `actor` submitted the proposal (only they may `what` it)."""
    if row.submitter != actor:
        raise FundError(Msg(SUBMITTER_ONLY[what]))


def check_open_for_decision(row: Proposal) -> None:
    """FundError saying who decided, unless the proposal is still pending."""
    if row.status != "pending":
        raise FundError(wording.decided(view_of(row)))


def check_withdrawable(row: Proposal, actor: str) -> None:
    """FundError unless the actor submitted the proposal and it is not decided yet."""
    check_submitter(row, actor, "withdraw")
    if row.status not in OPEN_STATES:
        raise FundError(wording.decided(view_of(row)))


def check_decider(session: Session, row: Proposal, actor: str, verb: str) -> TeamMember:
    """The actor's team membership, when they may `verb` the proposal: an approver of a team
    who neither submitted nor sponsors it; FundError otherwise."""
    # Being involved is the more useful answer, so it is checked before being an approver.
    if actor in (row.marketing_sponsor, row.operations_sponsor):
        raise FundError(
            Msg("You sponsor this proposal, so you cannot {verb} it.", verb=Msg(VERBS[verb]))
        )
    if actor == row.submitter:
        raise FundError(
            Msg("You submitted this proposal, so you cannot {verb} it.", verb=Msg(VERBS[verb]))
        )
    person = session.get(TeamMember, (row.workspace_id, actor))
    if person is None or not person.is_approver or person.team not in TEAMS:
        raise FundError(OUTSIDER)
    return person


def check_team_has_not_approved(row: Proposal, team: str, actor: str) -> None:
    """FundError when `team` has already approved this round (by the actor or a colleague)."""
    earlier = next((a for a in row.approvals if a.team == team), None)
    if earlier is not None and earlier.user_id == actor:
        raise FundError(Msg("You already approved this proposal; it needs the other team now."))
    if earlier is not None:
        other = next(t for t in TEAMS if t != team)
        raise FundError(wording.team_already_approved(team, earlier.user_id, other))


def check_editable(row: Proposal, actor: str, verb: str) -> None:
    """FundError unless the actor submitted the proposal and changes were requested of it."""
    check_submitter(row, actor, "edit and resubmit")
    if row.status != "changes_requested":
        raise FundError(wording.only_when(EDIT_REQUIREMENTS[verb], row.id, row.status))


def check_completer(ctx: Context, row: Proposal) -> None:
    """FundError unless the actor may mark the proposal completed and it is approved.

    Asks `ctx.is_admin` only for someone not involved; it may call Slack, so a writer asks it
    before its transaction (see `ask_admin_if_needed`)."""
    if not involved(row, ctx.actor) and not ctx.is_admin:
        raise FundError(NOT_COMPLETER)
    if row.status != "approved":
        raise FundError(
            wording.only_when(N_("an approved proposal can be completed"), row.id, row.status)
        )


def ask_admin_if_needed(ctx: Context, row: Proposal) -> None:
    """Settle `ctx.is_admin` now when completing would need it (it is cached afterwards)."""
    if not involved(row, ctx.actor):
        _ = ctx.is_admin


def refusal(ctx: Context, proposal_id: int, action: Action) -> str | None:
    """Why the actor may not start `action` ("decide", "edit", "complete") now, or None.

    Read-only: used after a modal has opened, so a person who may not act is told at once
    instead of after filling in the form. The write itself checks again.
    """
    actor = ctx.actor or ""
    with ctx.db.session() as session:
        try:
            row = load(session, ctx.workspace_id, proposal_id)
            if action == "decide":
                check_open_for_decision(row)
                check_decider(session, row, actor, "decide on")
            elif action == "edit":
                check_editable(row, actor, "edited")
            elif action == "complete":
                check_completer(ctx, row)
        except FundError as error:
            return error.args[0] if error.args else str(error)
    return None
