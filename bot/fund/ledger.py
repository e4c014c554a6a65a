"""The fund's writes: budgets, proposals and every transition of a proposal. No Slack here.

Every ledger write is one transaction that first locks the fund row (PostgreSQL
`SELECT ... FOR UPDATE`; SQLite takes its write lock at BEGIN through Database.write()), so all
writers of one fund are serialised. On top of that each proposal transition is a conditional
UPDATE from the expected state and the fund's `approved` moves only through a guarded UPDATE
that cannot pass the pool (backed by the CHECK constraint): a double click, two approvers at
the same instant or a retried request can never approve twice or overspend.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Numeric, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.clock import naive_utc
from bot.core.context import Context
from bot.core.i18n import Language, Msg
from bot.core.money import Money, MoneyError, cents, parse_decimal
from bot.core.workspace import ensure_workspace
from bot.fund import wording
from bot.fund.errors import FundError
from bot.fund.forms import (
    CompletionInput,
    ProposalDraft,
    check_reason,
    validate_completion,
    validate_proposal,
)
from bot.fund.policy import (
    ask_admin_if_needed,
    check_admin,
    check_completer,
    check_decider,
    check_editable,
    check_open_for_decision,
    check_team_has_not_approved,
    check_withdrawable,
)
from bot.fund.reading import fund_for_year, load, summary_in, view_in
from bot.fund.views import FundSummary, Outcome, ProposalView
from bot.metrics import find_metric
from bot.models import TEAMS, Fund, Proposal, ProposalApproval, ProposalEvent
from bot.models.fund import ProposalStatus

_EXACT = Numeric(18, 2, asdecimal=True)


def _now(ctx: Context) -> datetime:
    return naive_utc(ctx.clock.now())


def _amount_param(amount: Decimal) -> Any:
    # Bound as NUMERIC so PostgreSQL adds exactly; round() keeps SQLite's REAL column on cents.
    return bindparam(None, amount, type_=_EXACT)


def _lock(session: Session, workspace_id: str, proposal_id: int) -> tuple[Proposal, Fund]:
    """The proposal (with its parts) and its fund, with the fund row locked for the rest of
    the transaction."""
    # A resubmission may move a proposal to another year's fund; re-read after the lock.
    for _ in range(3):
        fund_id = load(session, workspace_id, proposal_id, parts=False).fund_id
        fund = session.scalars(
            select(Fund)
            .where(Fund.id == fund_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        row = load(session, workspace_id, proposal_id)
        if row.fund_id == fund_id:
            return row, fund
    raise FundError(Msg("The proposal is being changed right now; try again in a moment."))


def _record(
    session: Session,
    proposal_id: int,
    actor: str,
    now: datetime,
    action: str,
    moved: tuple[ProposalStatus | None, ProposalStatus],
    note: str | None = None,
) -> None:
    """Add a line to the audit trail: `moved` is (from state, to state)."""
    from_state, to_state = moved
    session.add(
        ProposalEvent(
            proposal_id=proposal_id,
            actor=actor,
            at=now,
            action=action,
            from_state=from_state,
            to_state=to_state,
            note=note,
        )
    )
    session.flush()


def _move(
    session: Session,
    row: Proposal,
    expected: ProposalStatus,
    to_state: ProposalStatus,
    now: datetime,
    **values: Any,
) -> None:
    """The conditional transition from `expected`; FundError saying who was faster when the
    proposal had already left it."""
    moved = session.execute(
        update(Proposal)
        .where(Proposal.id == row.id, Proposal.status == expected)
        .values(status=to_state, updated_at=now, **values)
        .returning(Proposal.id)
        .execution_options(synchronize_session=False)
    ).first()
    if moved is None:
        raise FundError(wording.decided(view_in(session, row.workspace_id, row.id)))


def _left(fund: Fund) -> Decimal:
    return cents(fund.pool) - cents(fund.approved)


# ----------------------------------------------------------------------------- budget


def pool_of(budget: Decimal, pool_pct: float) -> Decimal:
    """The pool a budget gives: `pool_pct` percent of it, in cents."""
    return (budget * Decimal(str(pool_pct)) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


def set_budget(ctx: Context, year: int, amount: str | float | Decimal) -> FundSummary:
    """Set `year`'s growth budget (admins); refused when the pool would fall below approved."""
    if not 2000 <= int(year) <= 2100:
        raise FundError(Msg("{year} is not a budget year; use a year such as 2027.", year=year))
    try:
        budget = amount if isinstance(amount, Decimal) else parse_decimal(str(amount))
    except MoneyError as error:
        raise FundError(Msg("Budget: {problem}", problem=error.args[0])) from None
    pool = pool_of(budget, ctx.settings.fund_pool_pct)
    # Asked before the write transaction: the answer may come from Slack (users.info).
    check_admin(ctx)
    ensure_workspace(ctx.db, ctx.workspace_id)
    for attempt in range(2):
        try:
            with ctx.db.write() as session:
                return _write_budget(ctx, session, year, budget, pool)
        except IntegrityError:
            # Two admins created the same year at once; the second one updates it instead.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _write_budget(
    ctx: Context, session: Session, year: int, budget: Decimal, pool: Decimal
) -> FundSummary:
    settings = ctx.settings
    fund = fund_for_year(session, ctx.workspace_id, year, lock=True)
    if fund is not None and cents(fund.approved) > pool:
        raise FundError(
            wording.budget_too_low(
                year,
                float(budget),
                float(pool),
                float(fund.approved),
                settings.fund_pool_pct,
                settings.currency,
            )
        )
    if fund is None:
        fund = Fund(workspace_id=ctx.workspace_id, year=year, approved=0)
        session.add(fund)
    fund.budget = float(budget)
    fund.pool_pct = settings.fund_pool_pct
    fund.pool = float(pool)
    fund.updated_by = ctx.actor or ctx.surface
    fund.updated_at = _now(ctx)
    session.flush()
    return summary_in(session, fund)


# ----------------------------------------------------------------------------- proposing


def submit_proposal(ctx: Context, draft: ProposalDraft) -> ProposalView:
    """Check the form and store it as the actor's pending proposal (InvalidInput names each
    problem)."""
    now = _now(ctx)
    submitter = ctx.actor or ctx.surface
    _ = ctx.settings  # read before the write transaction takes its lock
    with ctx.db.write() as session:
        checked = validate_proposal(ctx, draft, session)
        row = Proposal(
            workspace_id=ctx.workspace_id,
            submitter=submitter,
            status="pending",
            created_at=now,
            updated_at=now,
            **checked.columns(),
        )
        session.add(row)
        session.flush()
        _record(session, row.id, submitter, now, "submitted", (None, "pending"))
        return view_in(session, ctx.workspace_id, row.id)


def resubmit_proposal(ctx: Context, proposal_id: int, draft: ProposalDraft) -> ProposalView:
    """Store the submitter's edit of a proposal with changes requested; it is pending again."""
    now = _now(ctx)
    actor = ctx.actor or ""
    _ = ctx.settings  # read before the write transaction takes its lock
    with ctx.db.write() as session:
        row, _fund = _lock(session, ctx.workspace_id, proposal_id)
        check_editable(row, actor, "resubmitted")
        checked = validate_proposal(ctx, draft, session)
        if checked.fund_id != row.fund_id:
            session.scalars(select(Fund).where(Fund.id == checked.fund_id).with_for_update()).one()
        _move(session, row, "changes_requested", "pending", now, **checked.columns())
        # A new round: approvals given to the old version do not carry over.
        session.execute(delete(ProposalApproval).where(ProposalApproval.proposal_id == row.id))
        _record(session, row.id, actor, now, "resubmitted", ("changes_requested", "pending"))
        return view_in(session, ctx.workspace_id, row.id)


def set_message(ctx: Context, proposal_id: int, channel: str, ts: str) -> None:
    """Remember where the proposal's fund-channel message is, for updates in place."""
    with ctx.db.session() as session, session.begin():
        session.execute(
            update(Proposal)
            .where(Proposal.id == proposal_id)
            .values(channel=channel, message_ts=ts)
            .execution_options(synchronize_session=False)
        )


# ----------------------------------------------------------------------------- deciding


def approve(ctx: Context, proposal_id: int) -> Outcome:
    """Record the actor's approval; the last one needed commits the amount from the pool."""
    now = _now(ctx)
    actor = ctx.actor or ""
    settings = ctx.settings  # read before the write transaction takes its lock
    with ctx.db.write() as session:
        row, fund = _lock(session, ctx.workspace_id, proposal_id)
        check_open_for_decision(row)
        team = check_decider(session, row, actor, "approve").team
        check_team_has_not_approved(row, team, actor)
        if cents(row.amount) > _left(fund):
            raise FundError(
                wording.no_room(fund.year, float(_left(fund)), row.amount, settings.currency)
            )
        teams = {a.team for a in row.approvals} | {team}
        session.add(ProposalApproval(proposal_id=row.id, team=team, user_id=actor, approved_at=now))
        session.flush()
        if settings.fund_approval == "single" or len(teams) == len(TEAMS):
            return _commit_approval(ctx, session, row, fund, now)
        waiting = next(t for t in TEAMS if t not in teams)
        teams_said = {"team": wording.team_text(team), "other": wording.team_text(waiting)}
        note = Msg("{team} approved; waiting for {other}", **teams_said)
        stored = note.say(settings.language)
        _record(session, row.id, actor, now, "approval", ("pending", "pending"), stored)
        return Outcome(
            proposal=view_in(session, ctx.workspace_id, row.id),
            message=Msg("You approved for {team}; waiting for {other}.", **teams_said),
        )


def _commit_approval(
    ctx: Context, session: Session, row: Proposal, fund: Fund, now: datetime
) -> Outcome:
    """The last approval: the proposal is approved and its amount leaves the pool."""
    currency = ctx.settings.currency
    amount = cents(row.amount)
    _move(session, row, "pending", "approved", now)
    new_total = func.round(Fund.approved + _amount_param(amount), 2)
    added = session.execute(
        update(Fund)
        .where(Fund.id == fund.id, new_total <= Fund.pool)
        .values(approved=new_total)
        .returning(Fund.approved)
        .execution_options(synchronize_session=False)
    ).first()
    if added is None:
        # Unreachable while the fund row is locked; raising rolls the approval back, so the
        # pool can never be passed even if a lock were missed.
        raise FundError(wording.no_room(fund.year, float(_left(fund)), row.amount, currency))
    committed = Msg(
        "{amount} committed from the {year} pool",
        amount=Money(float(amount), currency),
        year=fund.year,
    )
    stored = committed.say(ctx.settings.language)
    _record(session, row.id, ctx.actor or "", now, "approved", ("pending", "approved"), stored)
    return Outcome(
        proposal=view_in(session, ctx.workspace_id, row.id),
        message=Msg("Approved: {committed}.", committed=committed),
        final=True,
    )


def _decide(
    ctx: Context, proposal_id: int, reason: str | None, to_state: ProposalStatus, verb: str
) -> Outcome:
    text = check_reason(reason, to_state == "changes_requested")
    now = _now(ctx)
    actor = ctx.actor or ""
    with ctx.db.write() as session:
        row, _fund = _lock(session, ctx.workspace_id, proposal_id)
        check_open_for_decision(row)
        check_decider(session, row, actor, verb)
        _move(session, row, "pending", to_state, now)
        _record(session, row.id, actor, now, to_state, ("pending", to_state), text)
        view = view_in(session, ctx.workspace_id, row.id)
    if to_state == "rejected":
        message = Msg("Rejected; the submitter gets a DM.")
    else:
        message = Msg("Changes requested; the submitter gets a DM.")
    return Outcome(proposal=view, message=message, final=True)


def reject(ctx: Context, proposal_id: int, reason: str | None) -> Outcome:
    """Reject a pending proposal with a reason (approvers who are not involved)."""
    return _decide(ctx, proposal_id, reason, "rejected", "reject")


def request_changes(ctx: Context, proposal_id: int, reason: str | None) -> Outcome:
    """Send a pending proposal back to its submitter with what to change."""
    return _decide(ctx, proposal_id, reason, "changes_requested", "decide on")


def withdraw(ctx: Context, proposal_id: int) -> Outcome:
    """The submitter takes back a proposal that is not decided yet."""
    now = _now(ctx)
    actor = ctx.actor or ""
    with ctx.db.write() as session:
        row, _fund = _lock(session, ctx.workspace_id, proposal_id)
        check_withdrawable(row, actor)
        before = row.status
        _move(session, row, before, "withdrawn", now)
        _record(session, row.id, actor, now, "withdrawn", (before, "withdrawn"))
        view = view_in(session, ctx.workspace_id, row.id)
    return Outcome(
        proposal=view, message=Msg("Proposal #{id} is withdrawn.", id=view.id), final=True
    )


def _result_note(row: Proposal, done: CompletionInput, currency: str, language: Language) -> str:
    """The result as kept with the proposal, in the workspace's language."""
    metric = find_metric(row.impact_metric)
    spent = Money(float(done.actual_spend), currency)
    if done.metric_value is None:
        summary = Msg("Spent {amount}", amount=spent)
    else:
        summary = Msg(
            "Spent {amount}; {metric} then: {value:g} (target {target:g})",
            amount=spent,
            metric=Msg(metric.label) if metric else row.impact_metric,
            value=done.metric_value,
            target=row.impact_target,
        )
    return f"{summary.say(language)}. {done.note}"


def complete(
    ctx: Context,
    proposal_id: int,
    actual_spend: str | None,
    metric_value: str | None,
    note: str | None,
) -> Outcome:
    """Mark an approved proposal completed; the unspent part goes back to the pool."""
    now = _now(ctx)
    actor = ctx.actor or ""
    currency = ctx.settings.currency
    with ctx.db.session() as session:
        # Asked before the write transaction: the answer may come from Slack (users.info).
        ask_admin_if_needed(ctx, load(session, ctx.workspace_id, proposal_id, parts=False))
    with ctx.db.write() as session:
        row, fund = _lock(session, ctx.workspace_id, proposal_id)
        check_completer(ctx, row)
        done = validate_completion(float(row.amount), actual_spend, metric_value, note)
        unspent = cents(row.amount) - done.actual_spend
        result_note = _result_note(row, done, currency, ctx.settings.language)
        spent = float(done.actual_spend)
        _move(
            session, row, "approved", "completed", now, actual_spend=spent, result_note=result_note
        )
        released = Msg(
            "; {amount} back to the {year} pool",
            amount=Money(float(unspent), currency),
            year=fund.year,
        )
        if unspent > 0:
            new_total = func.round(Fund.approved - _amount_param(unspent), 2)
            session.execute(
                update(Fund)
                .where(Fund.id == fund.id, new_total >= 0)
                .values(approved=new_total)
                .execution_options(synchronize_session=False)
            )
        trail = result_note + (released.say(ctx.settings.language) if unspent > 0 else "")
        _record(session, row.id, actor, now, "completed", ("approved", "completed"), trail)
        view = view_in(session, ctx.workspace_id, row.id)
    message = Msg(
        "Proposal #{id} is completed{released}.",
        id=view.id,
        released=released if unspent > 0 else "",
    )
    return Outcome(proposal=view, message=message, final=True, released=float(unspent))
