"""Property-based tests of the ledger: whatever happens, the books balance, nothing negative."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from bot.core.db import Database
from bot.core.settings import Settings
from bot.fund import ledger as fund
from bot.models import Fund, Proposal, ProposalApproval, ProposalEvent
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
    clock,
    draft,
    make_team,
)

PEOPLE = (MKT1, MKT2, OPS1, OPS2, MSPONSOR, OSPONSOR, SUBMITTER, ADMIN, OUTSIDER)
amounts = st.integers(min_value=1, max_value=9_000).map(lambda k: Decimal(k) * 100 + Decimal("0.5"))
proposal_ix = st.integers(min_value=0, max_value=7)
person = st.sampled_from(PEOPLE)

operations = st.one_of(
    st.tuples(st.just("submit"), amounts, person),
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


def _apply(db: Database, settings: Settings, ids: list[int], op: tuple) -> None:  # type: ignore[type-arg]
    kind = op[0]
    pick = (lambda i: ids[i % len(ids)]) if ids else None
    c = clock()
    if kind == "submit":
        view = fund.submit_proposal(db, settings, WS, op[2], draft(amount=str(op[1])), c)
        ids.append(view.id)
    elif kind == "budget":
        fund.set_budget(db, settings, WS, YEAR, op[1], ADMIN)
    elif pick is None:
        return
    elif kind == "approve":
        fund.approve(db, settings, WS, pick(op[1]), op[2], c)
    elif kind == "reject":
        fund.reject(db, settings, WS, pick(op[1]), op[2], "No.", c)
    elif kind == "changes":
        fund.request_changes(db, settings, WS, pick(op[1]), op[2], "Smaller.", c)
    elif kind == "resubmit":
        pid = pick(op[1])
        submitter = fund.get_proposal(db, WS, pid).submitter
        fund.resubmit_proposal(db, settings, WS, pid, submitter, draft(amount=str(op[2])), c)
    elif kind == "withdraw":
        fund.withdraw(db, settings, WS, pick(op[1]), op[2], c)
    elif kind == "complete":
        proposal = fund.get_proposal(db, WS, pick(op[1]))
        spend = round(proposal.amount * op[2], 2)
        fund.complete(
            db, settings, WS, proposal.id, proposal.submitter, str(spend), "", "Done.", clock=c
        )


def _check_books(db: Database, mode: str) -> None:
    summary = fund.fund_summary(db, WS, YEAR)
    assert summary is not None
    with db.session() as session:
        proposals = session.scalars(select(Proposal)).all()
        approvals = session.scalars(select(ProposalApproval)).all()
        last_state = {
            e.proposal_id: e.to_state
            for e in session.scalars(select(ProposalEvent).order_by(ProposalEvent.id))
        }
    cents = Decimal("0.01")

    def money(value: float) -> Decimal:
        return Decimal(str(value)).quantize(cents)

    committed = sum(
        (money(p.amount) for p in proposals if p.status == "approved"), Decimal(0)
    ) + sum((money(p.actual_spend or 0) for p in proposals if p.status == "completed"), Decimal(0))
    pending = sum((money(p.amount) for p in proposals if p.status == "pending"), Decimal(0))
    approved, pool, remaining = (
        money(summary.approved),
        money(summary.pool),
        money(summary.remaining),
    )
    assert approved == committed
    assert approved + remaining == pool
    assert min(approved, remaining, pool, money(summary.pending)) >= 0
    assert money(summary.pending) == pending
    for proposal in proposals:
        assert proposal.amount > 0
        assert last_state[proposal.id] == proposal.status
        teams = {a.team for a in approvals if a.proposal_id == proposal.id}
        if proposal.status in ("approved", "completed"):
            assert len(teams) == (2 if mode == "two-key" else 1)
        if proposal.status == "completed":
            assert 0 <= (proposal.actual_spend or 0) <= proposal.amount


@pytest.mark.parametrize("mode", ["two-key", "single"])
def test_the_books_always_balance(db: Database, settings: Settings, mode: str) -> None:
    settings = settings.model_copy(update={"fund_approval": mode})
    make_team(db)

    @hypothesis_settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(operations, min_size=1, max_size=25))
    def run(ops: list[tuple]) -> None:  # type: ignore[type-arg]
        _reset(db)
        fund.set_budget(db, settings, WS, YEAR, "4m", ADMIN)
        ids: list[int] = []
        for op in ops:
            try:
                _apply(db, settings, ids, op)
                event(f"{op[0]} done")
            except fund.FundError:
                event(f"{op[0]} refused")  # a valid outcome; the books must still balance
            _check_books(db, mode)

    run()
