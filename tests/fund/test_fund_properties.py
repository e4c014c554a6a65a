"""Property-based tests of the ledger: whatever anyone clicks, the books balance, the pool is
never passed, nothing is approved twice, and nobody decides a proposal they are involved in."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from bot import fund
from bot.core.db import Database
from bot.core.settings import Settings
from bot.models import Fund, Proposal, ProposalApproval, ProposalEvent
from bot.warroom.team import add_member
from tests.fund.fund_helpers import (
    ADMIN,
    MKT1,
    MKT2,
    MSPONSOR,
    OPS1,
    OPS2,
    OSPONSOR,
    OUTSIDER,
    SUBMITTER,
    WS,
    YEAR,
    as_,
    draft,
    make_team,
)

PEOPLE = (MKT1, MKT2, OPS1, OPS2, MSPONSOR, OSPONSOR, SUBMITTER, ADMIN, OUTSIDER)
amounts = st.integers(min_value=1, max_value=9_000).map(lambda k: Decimal(k) * 100 + Decimal("0.5"))
proposal_ix = st.integers(min_value=0, max_value=7)
person = st.sampled_from(PEOPLE)
# Approvers sponsor too, so being involved (not being a non-approver) is what must stop them.
marketing_sponsor = st.sampled_from((MSPONSOR, MKT1))
operations_sponsor = st.sampled_from((OSPONSOR, OPS1))
DECISIONS = ("approve", "reject", "changes")

submits = st.tuples(st.just("submit"), amounts, person, marketing_sponsor, operations_sponsor)
operations = st.one_of(
    submits,
    st.tuples(st.just("approve"), proposal_ix, person),
    st.tuples(st.just("approve"), proposal_ix, person),
    st.tuples(st.just("reject"), proposal_ix, person),
    st.tuples(st.just("changes"), proposal_ix, person),
    st.tuples(st.just("resubmit"), proposal_ix, amounts),
    st.tuples(st.just("withdraw"), proposal_ix, person),
    st.tuples(st.just("complete"), proposal_ix, st.floats(min_value=0, max_value=1.2)),
    st.tuples(st.just("budget"), st.integers(min_value=1, max_value=60).map(lambda m: m * 100_000)),
)


def _reset(db: Database) -> None:
    with db.session() as session, session.begin():
        for table in (ProposalEvent, ProposalApproval, Proposal, Fund):
            session.execute(delete(table))


def _state(db: Database, settings: Settings, proposal_id: int) -> tuple[str, tuple]:  # type: ignore[type-arg]
    proposal = fund.get_proposal(as_(db, settings, None), proposal_id)
    return proposal.status, proposal.approvals


def _decide(
    db: Database, settings: Settings, kind: str, proposal_id: int, who: str, seen: Counter[str]
) -> None:
    """One click on Approve, Reject or Request changes; someone involved is always refused."""
    ctx = as_(db, settings, who)
    proposal = fund.get_proposal(ctx, proposal_id)
    involved = who in (
        proposal.submitter,
        proposal.marketing_sponsor,
        proposal.operations_sponsor,
    )
    before = _state(db, settings, proposal_id)
    try:
        if kind == "approve":
            fund.approve(ctx, proposal_id)
        elif kind == "reject":
            fund.reject(ctx, proposal_id, "No.")
        else:
            fund.request_changes(ctx, proposal_id, "Smaller.")
    except fund.FundError as refused:
        if involved:
            event(f"{kind} by someone involved refused")
            assert _state(db, settings, proposal_id) == before
            if proposal.status == "pending":
                assert "this proposal, so you cannot" in str(refused)
                seen[f"{kind} of a pending proposal by someone involved"] += 1
        raise
    assert not involved, f"{who} may not {kind} #{proposal_id}: they are involved"


def _apply(
    db: Database,
    settings: Settings,
    ids: list[int],
    op: tuple,  # type: ignore[type-arg]
    seen: Counter[str],
) -> None:
    kind = op[0]
    if kind == "submit":
        _, amount, submitter, msponsor, osponsor = op
        form = draft(amount=str(amount), marketing_sponsor=msponsor, operations_sponsor=osponsor)
        ids.append(fund.submit_proposal(as_(db, settings, submitter), form).id)
        return
    if kind == "budget":
        fund.set_budget(as_(db, settings, ADMIN), YEAR, op[1])
        return
    if not ids:
        return
    pid = ids[op[1] % len(ids)]
    if kind in DECISIONS:
        _decide(db, settings, kind, pid, op[2], seen)
        return
    proposal = fund.get_proposal(as_(db, settings, None), pid)
    if kind == "resubmit":
        form = draft(
            amount=str(op[2]),
            marketing_sponsor=proposal.marketing_sponsor,
            operations_sponsor=proposal.operations_sponsor,
        )
        fund.resubmit_proposal(as_(db, settings, proposal.submitter), pid, form)
    elif kind == "withdraw":
        fund.withdraw(as_(db, settings, op[2]), pid)
    elif kind == "complete":
        spend = round(proposal.amount * op[2], 2)
        fund.complete(as_(db, settings, proposal.submitter), pid, str(spend), "", "Done.")


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _check_books(db: Database, settings: Settings, mode: str) -> None:
    summary = fund.fund_summary(as_(db, settings, None), YEAR)
    assert summary is not None
    with db.session() as session:
        proposals = session.scalars(select(Proposal)).all()
        approvals = session.scalars(select(ProposalApproval)).all()
        events = session.scalars(select(ProposalEvent).order_by(ProposalEvent.id)).all()
    last_state = {e.proposal_id: e.to_state for e in events}
    approved_events = Counter(e.proposal_id for e in events if e.action == "approved")

    committed = sum(
        (_money(p.amount) for p in proposals if p.status == "approved"), Decimal(0)
    ) + sum((_money(p.actual_spend or 0) for p in proposals if p.status == "completed"), Decimal(0))
    pending = sum((_money(p.amount) for p in proposals if p.status == "pending"), Decimal(0))
    approved, pool = _money(summary.approved), _money(summary.pool)
    assert approved == committed
    assert approved <= pool  # the pool is never passed
    assert approved + _money(summary.remaining) == pool
    assert min(approved, pool, _money(summary.pending)) >= 0
    assert _money(summary.pending) == pending
    by_id = {p.id: p for p in proposals}
    for approval in approvals:
        owner = by_id[approval.proposal_id]
        assert approval.user_id not in (
            owner.submitter,
            owner.marketing_sponsor,
            owner.operations_sponsor,
        )
    for proposal in proposals:
        assert proposal.amount > 0
        assert last_state[proposal.id] == proposal.status
        # Approved once at most: a decided proposal never goes back to pending.
        assert approved_events[proposal.id] <= 1
        teams = [a.team for a in approvals if a.proposal_id == proposal.id]
        assert len(teams) <= (2 if mode == "two-key" else 1)
        if proposal.status in ("approved", "completed"):
            assert approved_events[proposal.id] == 1
            assert len(teams) == (2 if mode == "two-key" else 1)
        if proposal.status == "completed":
            assert 0 <= (proposal.actual_spend or 0) <= proposal.amount


@pytest.mark.parametrize("mode", ["two-key", "single"])
def test_the_books_always_balance(db: Database, settings: Settings, mode: str) -> None:
    settings = settings.model_copy(update={"fund_approval": mode})
    make_team(db)
    for who, team in ((MSPONSOR, "marketing"), (OSPONSOR, "operations"), (SUBMITTER, "operations")):
        add_member(db, WS, who, team, approver=True)

    seen: Counter[str] = Counter()

    @hypothesis_settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    # A few proposals first, so the clicks that follow have something to decide.
    @given(st.lists(submits, min_size=2, max_size=3), st.lists(operations, min_size=5, max_size=15))
    def run(first: list[tuple], ops: list[tuple]) -> None:  # type: ignore[type-arg]
        _reset(db)
        fund.set_budget(as_(db, settings, ADMIN), YEAR, "4m")
        ids: list[int] = []
        for op in first + ops:
            try:
                _apply(db, settings, ids, op, seen)
                event(f"{op[0]} done")
            except fund.FundError:
                event(f"{op[0]} refused")  # a valid outcome; the books must still balance
            _check_books(db, settings, mode)

    run()
    # The examples did put involved people in front of pending proposals, for every decision.
    assert all(seen[f"{kind} of a pending proposal by someone involved"] for kind in DECISIONS), (
        seen
    )
