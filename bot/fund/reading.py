"""Reading the fund: a year's pool, one proposal, its audit trail, lists and what waits for
someone. Proposals are always read with their fund, approvals and events in the same few
queries whether a list holds 10 proposals or 200."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from bot.core.context import Context
from bot.core.i18n import N_, Msg
from bot.fund.errors import FundError
from bot.fund.views import Event, FundSummary, ProposalView, event_of, summary_of, view_of
from bot.models import PROPOSAL_STATES, Fund, Proposal, ProposalApproval, TeamMember
from bot.models.fund import ProposalStatus

# Everything a ProposalView needs: the fund joined, and one query per collection for up to
# 500 proposals (selectinload's batch; lists stop at 200).
WITH_PARTS = (
    joinedload(Proposal.fund),
    selectinload(Proposal.approvals),
    selectinload(Proposal.events),
)
LIST_HELP = N_("use status=pending|approved|..., mine, or a year")
STATUS_ALIASES: dict[str, ProposalStatus] = {
    "changes": "changes_requested",
    "done": "completed",
    "open": "pending",
}


def fund_for_year(session: Session, workspace_id: str, year: int, *, lock: bool) -> Fund | None:
    """The fund row of `year`; with `lock`, locked for the rest of the transaction."""
    statement = select(Fund).where(Fund.workspace_id == workspace_id, Fund.year == year)
    if lock:
        statement = statement.with_for_update()
    return session.scalars(statement.execution_options(populate_existing=True)).first()


def summary_in(session: Session, fund: Fund) -> FundSummary:
    """The fund's summary, with the sum and count of its pending proposals."""
    total, count = session.execute(
        select(func.coalesce(func.sum(Proposal.amount), 0), func.count()).where(
            Proposal.fund_id == fund.id, Proposal.status == "pending"
        )
    ).one()
    return summary_of(fund, float(total or 0), int(count or 0))


def load(session: Session, workspace_id: str, proposal_id: int, *, parts: bool = True) -> Proposal:
    """The proposal as stored now (with its parts unless `parts` is False); FundError when the
    workspace has no such proposal."""
    statement = select(Proposal).where(
        Proposal.id == proposal_id, Proposal.workspace_id == workspace_id
    )
    if parts:
        statement = statement.options(*WITH_PARTS)
    row = session.scalars(statement.execution_options(populate_existing=True)).first()
    if row is None:
        raise FundError(Msg("There is no proposal #{id}; /fund list shows them.", id=proposal_id))
    return row


def view_in(session: Session, workspace_id: str, proposal_id: int) -> ProposalView:
    """The proposal as it stands now, read again inside `session`'s transaction."""
    return view_of(load(session, workspace_id, proposal_id))


def _views(session: Session, statement: Select[tuple[Proposal]]) -> list[ProposalView]:
    rows = session.scalars(statement.options(*WITH_PARTS)).all()
    return [view_of(row) for row in rows]


def fund_summary(ctx: Context, year: int) -> FundSummary | None:
    """The pool of `year`, or None when no budget is set for it."""
    with ctx.db.session() as session:
        fund = fund_for_year(session, ctx.workspace_id, year, lock=False)
        return summary_in(session, fund) if fund else None


def current_year(ctx: Context) -> int:
    """This year in the workspace's time zone."""
    return ctx.clock.today(ctx.settings.tz).year


def get_proposal(ctx: Context, proposal_id: int) -> ProposalView:
    """One proposal; FundError when the workspace has no such proposal."""
    with ctx.db.session() as session:
        return view_in(session, ctx.workspace_id, proposal_id)


def proposal_history(ctx: Context, proposal_id: int) -> tuple[ProposalView, list[Event]]:
    """A proposal and its audit trail, oldest first."""
    with ctx.db.session() as session:
        row = load(session, ctx.workspace_id, proposal_id)
        return view_of(row), [event_of(e) for e in row.events]


@dataclass
class ListFilter:
    """Which proposals `/fund list` shows."""

    status: ProposalStatus | None = None
    mine: bool = False
    year: int | None = None


def status_named(word: str) -> ProposalStatus | None:
    """The status a word names ("pending"), or None."""
    return next((status for status in PROPOSAL_STATES if status == word), None)


def parse_list_filter(text: str) -> ListFilter:
    """`status=pending mine 2027` as a filter; FundError names a word it does not know."""
    result = ListFilter()
    for word in text.split():
        key, has_value, value = word.partition("=")
        key, value = key.lower(), value.strip().lower().replace("-", "_").replace(" ", "_")
        if has_value and key in ("status", "state"):
            value = STATUS_ALIASES.get(value, value)
            result.status = status_named(value)
            if result.status is None:
                raise FundError(
                    Msg(
                        'Unknown status "{status}"; use one of {states}.',
                        status=value,
                        states=", ".join(PROPOSAL_STATES),
                    )
                )
        elif has_value and key == "year" and value.isdigit():
            result.year = int(value)
        elif not has_value and key in ("mine", "me", "my"):
            result.mine = True
        elif not has_value and key.isdigit() and len(key) == 4:
            result.year = int(key)
        elif not has_value and key in PROPOSAL_STATES:
            result.status = status_named(key)
        else:
            raise FundError(
                Msg('"{word}" is not a /fund list option; {help}.', word=word, help=Msg(LIST_HELP))
            )
    return result


def list_proposals(
    ctx: Context,
    status: ProposalStatus | None = None,
    user_id: str | None = None,
    year: int | None = None,
    limit: int = 40,
) -> list[ProposalView]:
    """Proposals newest first, optionally by status, by year, or involving `user_id`."""
    statement = select(Proposal).where(Proposal.workspace_id == ctx.workspace_id)
    if status:
        statement = statement.where(Proposal.status == status)
    if user_id:
        statement = statement.where(
            or_(
                Proposal.submitter == user_id,
                Proposal.marketing_sponsor == user_id,
                Proposal.operations_sponsor == user_id,
            )
        )
    if year:
        statement = statement.join(Fund, Fund.id == Proposal.fund_id).where(Fund.year == year)
    statement = statement.order_by(Proposal.id.desc()).limit(limit)
    with ctx.db.session() as session:
        return _views(session, statement)


def awaiting(ctx: Context) -> list[ProposalView]:
    """Pending proposals the actor may approve: they approve for a team still needed."""
    workspace_id, user_id = ctx.workspace_id, ctx.actor or ""
    mode = ctx.settings.fund_approval
    with ctx.db.session() as session:
        person = session.get(TeamMember, (workspace_id, user_id))
        if person is None or not person.is_approver:
            return []
        approved_by_team = (
            select(ProposalApproval.proposal_id)
            .where(
                and_(
                    ProposalApproval.proposal_id == Proposal.id,
                    ProposalApproval.team == person.team,
                )
            )
            .exists()
        )
        views = _views(
            session,
            select(Proposal)
            .where(
                Proposal.workspace_id == workspace_id,
                Proposal.status == "pending",
                Proposal.submitter != user_id,
                Proposal.marketing_sponsor != user_id,
                Proposal.operations_sponsor != user_id,
                ~approved_by_team,
            )
            .order_by(Proposal.id),
        )
    return [v for v in views if mode != "single" or not v.approvals]
