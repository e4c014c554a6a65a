"""The joint innovation fund: budgets, proposals, decisions and their audit trail. No Slack here.

Every ledger write is one transaction that first locks the fund row (PostgreSQL
`SELECT ... FOR UPDATE`; SQLite takes its write lock at BEGIN through Database.write()), so all
writers of one fund are serialised. On top of that each proposal transition is a conditional
UPDATE from the expected state and the fund's `approved` moves only through a guarded UPDATE
that cannot pass the pool (backed by the CHECK constraint): a double click, two approvers at
the same instant or a retried request can never approve twice or overspend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Numeric, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.clock import naive_utc
from bot.core.context import Context
from bot.core.money import MoneyError, cents, money_text, parse_decimal
from bot.core.settings import Settings
from bot.core.workspace import ensure_workspace
from bot.metrics.registry import find_metric
from bot.models import PROPOSAL_STATES, TEAMS, Fund, Proposal, ProposalApproval, ProposalEvent
from bot.models import TeamMember as TeamMemberRow

# The proposal form's fields; the modal uses them as block ids and errors are keyed by them.
FIELDS = (
    "title",
    "problem",
    "plan",
    "amount",
    "impact_metric",
    "impact_target",
    "marketing_sponsor",
    "operations_sponsor",
    "start_date",
    "end_date",
)
TITLE_MAX = 200
TEXT_MAX = 3000
OPEN_STATES = ("pending", "changes_requested")

OUTSIDER = "Only fund approvers can decide proposals; an admin adds approvers with /warroom team."
NOT_COMPLETER = "Only the submitter, a sponsor or an admin can complete this proposal."
NOT_ADMIN = "Only admins can set the fund's budget; ask a workspace admin or a War Room admin."

_EXACT = Numeric(18, 2, asdecimal=True)


class FundError(ValueError):
    """A fund action that cannot be done; the message says why and what to change."""


class InvalidInput(FundError):
    """Form input with problems, field by field (`errors` maps a field to its message)."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(" ".join(errors.values()))


# ----------------------------------------------------------------------------- snapshots


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
    from_state: str | None
    to_state: str | None
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
    status: str
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


@dataclass
class ProposalDraft:
    """The proposal form as typed: every value a string (or None when left empty)."""

    title: str | None = None
    problem: str | None = None
    plan: str | None = None
    amount: str | None = None
    impact_metric: str | None = None
    impact_target: str | None = None
    marketing_sponsor: str | None = None
    operations_sponsor: str | None = None
    start_date: str | None = None
    end_date: str | None = None

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> ProposalDraft:
        """The form as submitted: the modal's values by block id (the FIELDS)."""
        return cls(**{name: _text_or_none(values.get(name)) for name in FIELDS})

    @classmethod
    def of(cls, proposal: ProposalView) -> ProposalDraft:
        """The form filled with a stored proposal (for editing)."""
        return cls(
            title=proposal.title,
            problem=proposal.problem,
            plan=proposal.plan,
            amount=f"{cents(proposal.amount)}".removesuffix(".00"),
            impact_metric=proposal.impact_metric,
            impact_target=f"{proposal.impact_target:g}",
            marketing_sponsor=proposal.marketing_sponsor,
            operations_sponsor=proposal.operations_sponsor,
            start_date=proposal.start_date.isoformat(),
            end_date=proposal.end_date.isoformat(),
        )


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class ProposalInput:
    """A validated proposal form."""

    title: str
    problem: str
    plan: str
    amount: Decimal
    impact_metric: str
    impact_target: float
    marketing_sponsor: str
    operations_sponsor: str
    start_date: date
    end_date: date
    fund_id: int

    def columns(self) -> dict[str, Any]:
        """The proposal columns this input sets."""
        values = {name: getattr(self, name) for name in FIELDS}
        values["amount"] = float(self.amount)
        values["fund_id"] = self.fund_id
        return values


@dataclass(frozen=True)
class CompletionInput:
    """What a completed proposal reports: actual spend, the metric's value then, a note."""

    actual_spend: Decimal
    metric_value: float | None
    note: str


# ----------------------------------------------------------------------------- helpers


def _now(ctx: Context) -> datetime:
    return naive_utc(ctx.clock.now())


def _amount_param(amount: Decimal) -> Any:
    # Bound as NUMERIC so PostgreSQL adds exactly; round() keeps SQLite's REAL column on cents.
    return bindparam(None, amount, type_=_EXACT)


def _fund_for_year(session: Session, workspace_id: str, year: int, lock: bool) -> Fund | None:
    statement = select(Fund).where(Fund.workspace_id == workspace_id, Fund.year == year)
    if lock:
        statement = statement.with_for_update()
    return session.scalars(statement.execution_options(populate_existing=True)).first()


def _pending_of(session: Session, fund_id: int) -> tuple[float, int]:
    total, count = session.execute(
        select(func.coalesce(func.sum(Proposal.amount), 0), func.count()).where(
            Proposal.fund_id == fund_id, Proposal.status == "pending"
        )
    ).one()
    return float(total or 0), int(count or 0)


def _summary(session: Session, fund: Fund) -> FundSummary:
    pending, count = _pending_of(session, fund.id)
    return FundSummary(
        year=fund.year,
        budget=float(fund.budget),
        pool_pct=float(fund.pool_pct),
        pool=float(fund.pool),
        approved=float(fund.approved),
        pending=pending,
        pending_count=count,
    )


def _view(session: Session, row: Proposal) -> ProposalView:
    approvals = session.scalars(
        select(ProposalApproval)
        .where(ProposalApproval.proposal_id == row.id)
        .order_by(ProposalApproval.approved_at, ProposalApproval.team)
        .execution_options(populate_existing=True)
    ).all()
    last = session.scalars(
        select(ProposalEvent)
        .where(ProposalEvent.proposal_id == row.id)
        .order_by(ProposalEvent.id.desc())
        .limit(1)
    ).first()
    year = session.scalar(select(Fund.year).where(Fund.id == row.fund_id))
    return ProposalView(
        id=row.id,
        workspace_id=row.workspace_id,
        year=int(year or row.start_date.year),
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
        approvals=tuple(Approval(a.team, a.user_id, a.approved_at) for a in approvals),
        last_event=_event(last) if last else None,
    )


def _event(row: ProposalEvent) -> Event:
    return Event(row.actor, row.at, row.action, row.from_state, row.to_state, row.note)


def _load(session: Session, workspace_id: str, proposal_id: int) -> Proposal:
    row = session.scalars(
        select(Proposal)
        .where(Proposal.id == proposal_id, Proposal.workspace_id == workspace_id)
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise FundError(f"There is no proposal #{proposal_id}; /fund list shows them.")
    return row


def _lock(session: Session, workspace_id: str, proposal_id: int) -> tuple[Proposal, Fund]:
    """The proposal and its fund, with the fund row locked for the rest of the transaction."""
    # A resubmission may move a proposal to another year's fund; re-read after the lock.
    for _ in range(3):
        fund_id = _load(session, workspace_id, proposal_id).fund_id
        fund = session.scalars(
            select(Fund)
            .where(Fund.id == fund_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        row = _load(session, workspace_id, proposal_id)
        if row.fund_id == fund_id:
            return row, fund
    raise FundError("The proposal is being changed right now; try again in a moment.")


def _check_submitter(row: Proposal, actor: str, what: str) -> None:
    """FundError unless `actor` submitted the proposal (only they may `what` it)."""
    if row.submitter != actor:
        raise FundError(f"Only the submitter can {what} this proposal.")


def _involved(row: Proposal, actor: str | None) -> bool:
    return actor in (row.submitter, row.marketing_sponsor, row.operations_sponsor)


def _check_completer(ctx: Context, row: Proposal) -> None:
    """FundError unless the actor may mark the proposal completed and it is approved."""
    if not _involved(row, ctx.actor) and not ctx.is_admin:
        raise FundError(NOT_COMPLETER)
    if row.status != "approved":
        raise FundError(
            f"Only an approved proposal can be completed; #{row.id} is "
            f"{row.status.replace('_', ' ')}."
        )


def _record(
    session: Session,
    proposal_id: int,
    actor: str,
    now: datetime,
    action: str,
    from_state: str | None,
    to_state: str | None,
    note: str | None = None,
) -> None:
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
    proposal_id: int,
    expected: str,
    to_state: str,
    now: datetime,
    **values: Any,
) -> bool:
    """The conditional transition: True only when the proposal was still in `expected`."""
    moved = session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id, Proposal.status == expected)
        .values(status=to_state, updated_at=now, **values)
        .returning(Proposal.id)
        .execution_options(synchronize_session=False)
    ).first()
    return moved is not None


def _mention(user_id: str) -> str:
    return f"<@{user_id}>"


def _and(items: list[str]) -> str:
    return " and ".join(items) if len(items) <= 2 else ", ".join(items[:-1]) + " and " + items[-1]


def _decided_message(session: Session, row: Proposal) -> str:
    """What a second clicker is told once the proposal has left pending."""
    view = _view(session, row)
    who = _mention(view.last_event.actor) if view.last_event else "someone"
    approvers = _and([_mention(a.user_id) for a in view.approvals]) or who
    if row.status == "approved":
        return f"Already approved by {approvers}."
    if row.status == "completed":
        return f"Already approved by {approvers} and completed."
    if row.status == "rejected":
        return f"Already rejected by {who}."
    if row.status == "changes_requested":
        return f"Changes were already requested by {who}; the submitter can edit and resubmit."
    if row.status == "withdrawn":
        return "The submitter withdrew this proposal."
    return f"This proposal is {row.status.replace('_', ' ')}."


def _no_room(fund: Fund, amount: float, currency: str) -> str:
    left = float(cents(fund.pool) - cents(fund.approved))
    return (
        f"Not enough left: only {money_text(left, currency)} left in the {fund.year} pool, "
        f"and this proposal needs {money_text(amount, currency)}."
    )


def _team_label(team: str) -> str:
    return team.capitalize()


# ----------------------------------------------------------------------------- budget


def pool_of(budget: Decimal, pool_pct: float) -> Decimal:
    """The pool a budget gives: `pool_pct` percent of it, in cents."""
    return (budget * Decimal(str(pool_pct)) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _budget_too_low(
    settings: Settings, year: int, budget: Decimal, pool: Decimal, approved: float
) -> str:
    currency = settings.currency
    message = (
        f"A {year} budget of {money_text(float(budget), currency)} gives a pool of "
        f"{money_text(float(pool), currency)}, below the {money_text(approved, currency)} "
        "already approved"
    )
    if settings.fund_pool_pct > 0:
        needed = (cents(approved) * 100 / Decimal(str(settings.fund_pool_pct))).quantize(
            Decimal(1), ROUND_CEILING
        )
        message += f"; the budget must be at least {money_text(float(needed), currency)}"
    return message + "."


def set_budget(ctx: Context, year: int, amount: str | float | Decimal) -> FundSummary:
    """Set `year`'s growth budget (admins); refused when the pool would fall below approved."""
    if not 2000 <= int(year) <= 2100:
        raise FundError(f"{year} is not a budget year; use a year such as 2027.")
    try:
        budget = amount if isinstance(amount, Decimal) else parse_decimal(str(amount))
    except MoneyError as error:
        raise FundError(f"Budget: {error}") from None
    settings, workspace_id = ctx.settings, ctx.workspace_id
    pool = pool_of(budget, settings.fund_pool_pct)
    # Asked before the write transaction: the answer may come from Slack (users.info).
    if not ctx.is_admin:
        raise FundError(NOT_ADMIN)
    ensure_workspace(ctx.db, workspace_id)
    for attempt in range(2):
        try:
            with ctx.db.write() as session:
                fund = _fund_for_year(session, workspace_id, year, lock=True)
                if fund is not None and cents(fund.approved) > pool:
                    raise FundError(_budget_too_low(settings, year, budget, pool, fund.approved))
                if fund is None:
                    fund = Fund(workspace_id=workspace_id, year=year, approved=0)
                    session.add(fund)
                fund.budget = float(budget)
                fund.pool_pct = settings.fund_pool_pct
                fund.pool = float(pool)
                fund.updated_by = ctx.actor or ctx.surface
                fund.updated_at = _now(ctx)
                session.flush()
                return _summary(session, fund)
        except IntegrityError:
            # Two admins created the same year at once; the second one updates it instead.
            if attempt:
                raise
    raise AssertionError("unreachable")


def fund_summary(ctx: Context, year: int) -> FundSummary | None:
    """The pool of `year`, or None when no budget is set for it."""
    with ctx.db.session() as session:
        fund = _fund_for_year(session, ctx.workspace_id, year, lock=False)
        return _summary(session, fund) if fund else None


def current_year(ctx: Context) -> int:
    """This year in the workspace's time zone."""
    return ctx.clock.today(ctx.settings.tz).year


# ----------------------------------------------------------------------------- proposing


def _clean_text(value: str | None) -> str:
    return (value or "").strip()


def parse_number(text: str) -> float:
    """A target value as typed: "3.5", "1,200", "35%" (a percent becomes 0.35)."""
    raw = text.strip().replace(",", "").replace("_", "")
    percent = raw.endswith("%")
    raw = raw.removesuffix("%").strip()
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", raw):
        raise ValueError(f'"{text.strip()}" is not a number; write e.g. 3.5, 1200 or 35%.')
    value = float(raw)
    return value / 100 if percent else value


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def validate_proposal(
    ctx: Context, draft: ProposalDraft, session: Session | None = None
) -> ProposalInput:
    """The checked form, or InvalidInput with one message per field that needs a change."""
    if session is None:
        with ctx.db.session() as own:
            return validate_proposal(ctx, draft, own)
    settings, workspace_id = ctx.settings, ctx.workspace_id
    errors: dict[str, str] = {}
    title, problem, plan = (_clean_text(v) for v in (draft.title, draft.problem, draft.plan))
    for name, value, label in (
        ("title", title, "a title"),
        ("problem", problem, "the problem this solves"),
        ("plan", plan, "the plan"),
    ):
        limit = TITLE_MAX if name == "title" else TEXT_MAX
        if not value:
            errors[name] = f"Enter {label}."
        elif len(value) > limit:
            errors[name] = f"Keep it under {limit} characters (now {len(value)})."

    start, end = _parse_date(draft.start_date), _parse_date(draft.end_date)
    if start is None:
        errors["start_date"] = "Pick the start date."
    if end is None:
        errors["end_date"] = "Pick the end date."
    elif start is not None and end <= start:
        errors["end_date"] = "The end date must be after the start date."

    amount: Decimal | None = None
    fund: Fund | None = None
    try:
        amount = parse_decimal(draft.amount or "")
    except MoneyError as error:
        errors["amount"] = str(error)
    if amount is not None and start is not None:
        fund = _fund_for_year(session, workspace_id, start.year, lock=False)
        if fund is None:
            errors["amount"] = (
                f"No budget is set for {start.year} yet; an admin sets it with "
                f"/fund budget {start.year} AMOUNT"
            )
        else:
            left = cents(fund.pool) - cents(fund.approved)
            if amount > left:
                errors["amount"] = (
                    f"Only {money_text(float(left), settings.currency)} is left in the "
                    f"{start.year} pool; ask for at most that."
                )

    metric = find_metric(draft.impact_metric or "") if draft.impact_metric else None
    if not draft.impact_metric:
        errors["impact_metric"] = "Pick the metric this should move."
    elif metric is None:
        errors["impact_metric"] = f'"{draft.impact_metric}" is not a known metric; pick one.'
    target: float | None = None
    if not (draft.impact_target or "").strip():
        errors["impact_target"] = "Enter the value you expect the metric to reach."
    else:
        try:
            target = parse_number(draft.impact_target or "")
        except ValueError as error:
            errors["impact_target"] = str(error)

    sponsors: dict[str, str] = {}
    for team in TEAMS:
        name = f"{team}_sponsor"
        user = _clean_text(getattr(draft, name))
        if not user:
            errors[name] = f"Pick the {team} sponsor."
            continue
        row = session.get(TeamMemberRow, (workspace_id, user))
        if row is None or row.team != team:
            where = f"in {row.team}" if row else "not in the growth team"
            errors[name] = (
                f"{_mention(user)} is {where}; pick a {team} member "
                "(an admin adds members with /warroom team)."
            )
            continue
        sponsors[team] = user
    if (
        "marketing" in sponsors
        and sponsors.get("marketing") == sponsors.get("operations")
        and "operations_sponsor" not in errors
    ):
        errors["operations_sponsor"] = "The two sponsors must be different people."

    if errors:
        raise InvalidInput(errors)
    assert amount is not None and fund is not None and metric is not None and target is not None
    assert start is not None and end is not None
    return ProposalInput(
        title=title,
        problem=problem,
        plan=plan,
        amount=amount,
        impact_metric=metric.name,
        impact_target=target,
        marketing_sponsor=sponsors["marketing"],
        operations_sponsor=sponsors["operations"],
        start_date=start,
        end_date=end,
        fund_id=fund.id,
    )


def submit_proposal(ctx: Context, draft: ProposalDraft) -> ProposalView:
    """Check the form and store it as the actor's pending proposal (InvalidInput names each
    problem)."""
    now = _now(ctx)
    submitter = ctx.actor or ctx.surface
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
        _record(session, row.id, submitter, now, "submitted", None, "pending")
        return _view(session, row)


def resubmit_proposal(ctx: Context, proposal_id: int, draft: ProposalDraft) -> ProposalView:
    """Store the submitter's edit of a proposal with changes requested; it is pending again."""
    now = _now(ctx)
    workspace_id, actor = ctx.workspace_id, ctx.actor or ""
    with ctx.db.write() as session:
        row, _fund = _lock(session, workspace_id, proposal_id)
        _check_submitter(row, actor, "edit and resubmit")
        if row.status != "changes_requested":
            raise FundError(
                f"Only a proposal with changes requested can be resubmitted; #{row.id} is "
                f"{row.status.replace('_', ' ')}."
            )
        checked = validate_proposal(ctx, draft, session)
        if checked.fund_id != row.fund_id:
            session.scalars(select(Fund).where(Fund.id == checked.fund_id).with_for_update()).one()
        if not _move(session, row.id, "changes_requested", "pending", now, **checked.columns()):
            raise FundError("The proposal changed meanwhile; open it again.")
        # A new round: approvals given to the old version do not carry over.
        session.execute(delete(ProposalApproval).where(ProposalApproval.proposal_id == row.id))
        _record(session, row.id, actor, now, "resubmitted", "changes_requested", "pending")
        return _view(session, _load(session, workspace_id, row.id))


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


def _check_decider(session: Session, row: Proposal, actor: str, verb: str) -> TeamMemberRow:
    # Being involved is the more useful answer, so it is checked before being an approver.
    if actor in (row.marketing_sponsor, row.operations_sponsor):
        raise FundError(f"You sponsor this proposal, so you cannot {verb} it.")
    if actor == row.submitter:
        raise FundError(f"You submitted this proposal, so you cannot {verb} it.")
    person = session.get(TeamMemberRow, (row.workspace_id, actor))
    if person is None or not person.is_approver or person.team not in TEAMS:
        raise FundError(OUTSIDER)
    return person


def approve(ctx: Context, proposal_id: int) -> Outcome:
    """Record the actor's approval; the last one needed commits the amount from the pool."""
    now = _now(ctx)
    settings, workspace_id, actor = ctx.settings, ctx.workspace_id, ctx.actor or ""
    currency = settings.currency
    with ctx.db.write() as session:
        row, fund = _lock(session, workspace_id, proposal_id)
        if row.status != "pending":
            raise FundError(_decided_message(session, row))
        person = _check_decider(session, row, actor, "approve")
        team = person.team
        existing = session.get(ProposalApproval, (row.id, team))
        if existing is not None:
            if existing.user_id == actor:
                raise FundError("You already approved this proposal; it needs the other team now.")
            other = "operations" if team == "marketing" else "marketing"
            raise FundError(
                f"{_team_label(team)} already approved (by {_mention(existing.user_id)}); "
                f"waiting for {other}."
            )
        amount = cents(row.amount)
        if amount > cents(fund.pool) - cents(fund.approved):
            raise FundError(_no_room(fund, float(row.amount), currency))
        others = session.scalars(
            select(ProposalApproval.team).where(ProposalApproval.proposal_id == row.id)
        ).all()
        final = settings.fund_approval == "single" or len(set(others) | {team}) == len(TEAMS)
        session.add(ProposalApproval(proposal_id=row.id, team=team, user_id=actor, approved_at=now))
        session.flush()
        if not final:
            waiting = next(t for t in TEAMS if t not in set(others) | {team})
            note = f"{team} approved; waiting for {waiting}"
            _record(session, row.id, actor, now, "approval", "pending", "pending", note)
            return Outcome(
                proposal=_view(session, row),
                message=f"You approved for {team}; waiting for {waiting}.",
            )
        if not _move(session, row.id, "pending", "approved", now):
            raise FundError(_decided_message(session, _load(session, workspace_id, row.id)))
        new_total = func.round(Fund.approved + _amount_param(amount), 2)
        added = session.execute(
            update(Fund)
            .where(Fund.id == fund.id, new_total <= Fund.pool)
            .values(approved=new_total)
            .returning(Fund.approved)
            .execution_options(synchronize_session=False)
        ).first()
        if added is None:
            # Unreachable while the fund row is locked; raising rolls the approval back, so
            # the pool can never be passed even if a lock were missed.
            raise FundError(_no_room(fund, float(row.amount), currency))
        _record(
            session,
            row.id,
            actor,
            now,
            "approved",
            "pending",
            "approved",
            f"{money_text(float(amount), currency)} committed from the {fund.year} pool",
        )
        view = _view(session, _load(session, workspace_id, row.id))
        return Outcome(
            proposal=view,
            message=f"Approved: {money_text(float(amount), currency)} committed from the "
            f"{fund.year} pool.",
            final=True,
        )


def _check_reason(reason: str | None, what: str) -> str:
    text = _clean_text(reason)
    if not text:
        raise InvalidInput({"reason": f"Say why, so the submitter knows {what}."})
    if len(text) > TEXT_MAX:
        raise InvalidInput({"reason": f"Keep it under {TEXT_MAX} characters (now {len(text)})."})
    return text


def _decide(
    ctx: Context, proposal_id: int, reason: str | None, to_state: str, verb: str
) -> Outcome:
    text = _check_reason(
        reason, "what to change" if to_state == "changes_requested" else "what happened"
    )
    now = _now(ctx)
    workspace_id, actor = ctx.workspace_id, ctx.actor or ""
    with ctx.db.write() as session:
        row, _fund = _lock(session, workspace_id, proposal_id)
        if row.status != "pending":
            raise FundError(_decided_message(session, row))
        _check_decider(session, row, actor, verb)
        if not _move(session, row.id, "pending", to_state, now):
            raise FundError(_decided_message(session, _load(session, workspace_id, row.id)))
        _record(session, row.id, actor, now, to_state, "pending", to_state, text)
        view = _view(session, _load(session, workspace_id, row.id))
    done = "Rejected" if to_state == "rejected" else "Changes requested"
    return Outcome(proposal=view, message=f"{done}; the submitter gets a DM.", final=True)


def reject(ctx: Context, proposal_id: int, reason: str | None) -> Outcome:
    """Reject a pending proposal with a reason (approvers who are not involved)."""
    return _decide(ctx, proposal_id, reason, "rejected", "reject")


def request_changes(ctx: Context, proposal_id: int, reason: str | None) -> Outcome:
    """Send a pending proposal back to its submitter with what to change."""
    return _decide(ctx, proposal_id, reason, "changes_requested", "decide on")


def withdraw(ctx: Context, proposal_id: int) -> Outcome:
    """The submitter takes back a proposal that is not decided yet."""
    now = _now(ctx)
    workspace_id, actor = ctx.workspace_id, ctx.actor or ""
    with ctx.db.write() as session:
        row, _fund = _lock(session, workspace_id, proposal_id)
        _check_submitter(row, actor, "withdraw")
        if row.status not in OPEN_STATES:
            raise FundError(_decided_message(session, row))
        before = row.status
        if not _move(session, row.id, before, "withdrawn", now):
            raise FundError(_decided_message(session, _load(session, workspace_id, row.id)))
        _record(session, row.id, actor, now, "withdrawn", before, "withdrawn")
        view = _view(session, _load(session, workspace_id, row.id))
    return Outcome(proposal=view, message=f"Proposal #{row.id} is withdrawn.", final=True)


def validate_completion(
    amount: float, actual_spend: str | None, metric_value: str | None, note: str | None
) -> CompletionInput:
    """The checked completion form, or InvalidInput naming each field to change."""
    errors: dict[str, str] = {}
    spend: Decimal | None = None
    try:
        spend = parse_decimal(actual_spend or "", allow_zero=True)
    except MoneyError as error:
        errors["actual_spend"] = str(error)
    if spend is not None and spend > cents(amount):
        errors["actual_spend"] = (
            f"The actual spend cannot be more than the approved {cents(amount):,} "
            "(it was the limit)."
        )
    value: float | None = None
    if (metric_value or "").strip():
        try:
            value = parse_number(metric_value or "")
        except ValueError as error:
            errors["metric_value"] = str(error)
    text = _clean_text(note)
    if not text:
        errors["note"] = "Say what came of it."
    elif len(text) > TEXT_MAX:
        errors["note"] = f"Keep it under {TEXT_MAX} characters (now {len(text)})."
    if errors:
        raise InvalidInput(errors)
    assert spend is not None
    return CompletionInput(actual_spend=spend, metric_value=value, note=text)


def complete(
    ctx: Context,
    proposal_id: int,
    actual_spend: str | None,
    metric_value: str | None,
    note: str | None,
) -> Outcome:
    """Mark an approved proposal completed; the unspent part goes back to the pool."""
    now = _now(ctx)
    workspace_id, actor = ctx.workspace_id, ctx.actor or ""
    currency = ctx.settings.currency
    with ctx.db.session() as session:
        if not _involved(_load(session, workspace_id, proposal_id), actor):
            # Asked before the write transaction: the answer may come from Slack (users.info).
            _ = ctx.is_admin
    with ctx.db.write() as session:
        row, fund = _lock(session, workspace_id, proposal_id)
        _check_completer(ctx, row)
        done = validate_completion(float(row.amount), actual_spend, metric_value, note)
        unspent = cents(row.amount) - done.actual_spend
        metric = find_metric(row.impact_metric)
        label = metric.label if metric else row.impact_metric
        summary = f"Spent {money_text(float(done.actual_spend), currency)}"
        if done.metric_value is not None:
            summary += f"; {label} then: {done.metric_value:g} (target {row.impact_target:g})"
        result_note = f"{summary}. {done.note}"
        if not _move(
            session,
            row.id,
            "approved",
            "completed",
            now,
            actual_spend=float(done.actual_spend),
            result_note=result_note,
        ):
            raise FundError(_decided_message(session, _load(session, workspace_id, row.id)))
        if unspent > 0:
            new_total = func.round(Fund.approved - _amount_param(unspent), 2)
            session.execute(
                update(Fund)
                .where(Fund.id == fund.id, new_total >= 0)
                .values(approved=new_total)
                .execution_options(synchronize_session=False)
            )
        released = f"; {money_text(float(unspent), currency)} back to the {fund.year} pool"
        _record(
            session,
            row.id,
            actor,
            now,
            "completed",
            "approved",
            "completed",
            result_note + (released if unspent > 0 else ""),
        )
        view = _view(session, _load(session, workspace_id, row.id))
    message = f"Proposal #{row.id} is completed"
    message += released + "." if unspent > 0 else "."
    return Outcome(proposal=view, message=message, final=True, released=float(unspent))


# ----------------------------------------------------------------------------- reading


def get_proposal(ctx: Context, proposal_id: int) -> ProposalView:
    """One proposal; FundError when the workspace has no such proposal."""
    with ctx.db.session() as session:
        return _view(session, _load(session, ctx.workspace_id, proposal_id))


def proposal_history(ctx: Context, proposal_id: int) -> tuple[ProposalView, list[Event]]:
    """A proposal and its audit trail, oldest first."""
    with ctx.db.session() as session:
        row = _load(session, ctx.workspace_id, proposal_id)
        events = session.scalars(
            select(ProposalEvent)
            .where(ProposalEvent.proposal_id == row.id)
            .order_by(ProposalEvent.id)
        ).all()
        return _view(session, row), [_event(e) for e in events]


@dataclass
class ListFilter:
    """Which proposals `/fund list` shows."""

    status: str | None = None
    mine: bool = False
    year: int | None = None
    words: list[str] = field(default_factory=list)


def parse_list_filter(text: str) -> ListFilter:
    """`status=pending mine 2027` as a filter; FundError names a word it does not know."""
    result = ListFilter()
    for word in text.split():
        key, has_value, value = word.partition("=")
        key, value = key.lower(), value.strip().lower().replace("-", "_").replace(" ", "_")
        if has_value and key in ("status", "state"):
            aliases = {"changes": "changes_requested", "done": "completed", "open": "pending"}
            value = aliases.get(value, value)
            if value not in PROPOSAL_STATES:
                raise FundError(
                    f'Unknown status "{value}"; use one of {", ".join(PROPOSAL_STATES)}.'
                )
            result.status = value
        elif has_value and key == "year" and value.isdigit():
            result.year = int(value)
        elif not has_value and key in ("mine", "me", "my"):
            result.mine = True
        elif not has_value and key.isdigit() and len(key) == 4:
            result.year = int(key)
        elif not has_value and key in PROPOSAL_STATES:
            result.status = key
        else:
            raise FundError(
                f'"{word}" is not a /fund list option; use status=pending|approved|..., '
                "mine, or a year."
            )
    return result


def list_proposals(
    ctx: Context,
    status: str | None = None,
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
        return [_view(session, row) for row in session.scalars(statement).all()]


def awaiting(ctx: Context) -> list[ProposalView]:
    """Pending proposals the actor may approve: they approve for a team still needed."""
    workspace_id, user_id = ctx.workspace_id, ctx.actor or ""
    mode = ctx.settings.fund_approval
    with ctx.db.session() as session:
        person = session.get(TeamMemberRow, (workspace_id, user_id))
        if person is None or not person.is_approver:
            return []
        team = person.team
        rows = session.scalars(
            select(Proposal)
            .where(
                Proposal.workspace_id == workspace_id,
                Proposal.status == "pending",
                Proposal.submitter != user_id,
                Proposal.marketing_sponsor != user_id,
                Proposal.operations_sponsor != user_id,
                ~select(ProposalApproval.proposal_id)
                .where(
                    and_(
                        ProposalApproval.proposal_id == Proposal.id,
                        ProposalApproval.team == team,
                    )
                )
                .exists(),
            )
            .order_by(Proposal.id)
        ).all()
        views = [_view(session, row) for row in rows]
    return [v for v in views if mode != "single" or not v.approvals]


def refusal(ctx: Context, proposal_id: int, action: str) -> str | None:
    """Why `user_id` may not start `action` ("decide", "edit", "complete") now, or None.

    Read-only: used after a modal has opened, so a person who may not act is told at once
    instead of after filling in the form. The write itself checks again.
    """
    workspace_id, user_id = ctx.workspace_id, ctx.actor or ""
    with ctx.db.session() as session:
        try:
            row = _load(session, workspace_id, proposal_id)
            if action == "decide":
                if row.status != "pending":
                    return _decided_message(session, row)
                _check_decider(session, row, user_id, "decide on")
            elif action == "edit":
                _check_submitter(row, user_id, "edit and resubmit")
                if row.status != "changes_requested":
                    return (
                        f"Only a proposal with changes requested can be edited; #{row.id} is "
                        f"{row.status.replace('_', ' ')}."
                    )
            elif action == "complete":
                _check_completer(ctx, row)
        except FundError as error:
            return str(error)
    return None
