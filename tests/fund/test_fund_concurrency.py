"""Many approvers clicking at once: the pool is never passed and nothing is approved twice."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from bot import fund
from bot.core.db import Database
from bot.core.settings import Settings
from bot.models import Fund, Proposal, ProposalApproval, ProposalEvent
from tests.fund.fund_helpers import (
    ADMIN,
    MKT1,
    MKT2,
    OPS1,
    OPS2,
    SUBMITTER,
    YEAR,
    as_,
    draft,
    make_team,
)

POOL = 1_000_000
# 50 amounts between 26k and 54k that add up to twice the pool.
AMOUNTS = [40_000 + (i % 5 - 2) * 7_000 for i in range(50)]
THREADS = 8


@pytest.mark.parametrize("mode", ["two-key", "single"])
def test_racing_approvals_never_overspend(db: Database, settings: Settings, mode: str) -> None:
    assert sum(AMOUNTS) == 2 * POOL
    settings = settings.model_copy(update={"fund_approval": mode, "fund_pool_pct": 10.0})
    make_team(db)
    fund.set_budget(as_(db, settings, ADMIN), YEAR, "10m")
    ids = [
        fund.submit_proposal(as_(db, settings, SUBMITTER), draft(amount=str(a))).id for a in AMOUNTS
    ]
    # Every approver clicks every proposal twice (a double click, or Slack retrying).
    clicks = [(pid, who) for pid in ids for who in (MKT1, MKT2, OPS1, OPS2) for _ in range(2)]
    random.Random(6).shuffle(clicks)
    start = threading.Barrier(THREADS)
    unexpected: list[BaseException] = []
    results: Counter[str] = Counter()
    lock = threading.Lock()

    def work(share: list[tuple[int, str]]) -> None:
        start.wait()
        for pid, who in share:
            try:
                outcome = fund.approve(as_(db, settings, who), pid)
                kind = "final" if outcome.final else "partial"
            except fund.FundError as refused:
                kind = "no room" if "left in the" in str(refused) else "refused"
            except BaseException as error:  # noqa: BLE001 - reported to the main thread
                with lock:
                    unexpected.append(error)
                continue
            with lock:
                results[kind] += 1

    threads = [threading.Thread(target=work, args=(clicks[i::THREADS],)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert unexpected == []
    assert sum(results.values()) == len(clicks)

    with db.session() as session:
        row = session.scalars(select(Fund)).one()
        proposals = session.scalars(select(Proposal).order_by(Proposal.id)).all()
        approvals = Counter(
            session.scalars(select(ProposalApproval.proposal_id)).all()
        )  # proposal id -> approval rows
        events = session.scalars(select(ProposalEvent).order_by(ProposalEvent.id)).all()
        approved_sum = session.scalar(
            select(func.coalesce(func.sum(Proposal.amount), 0)).where(Proposal.status == "approved")
        )

    approved = [p for p in proposals if p.status == "approved"]
    pending = [p for p in proposals if p.status == "pending"]
    assert len(approved) + len(pending) == len(AMOUNTS)
    assert float(row.pool) == POOL
    assert float(row.approved) <= POOL
    assert float(row.approved) == pytest.approx(float(approved_sum))
    assert results["final"] == len(approved)
    remaining = POOL - float(row.approved)
    # Refusals were right: whatever is still pending no longer fits what is left.
    assert all(float(p.amount) > remaining for p in pending)
    assert len(approved) >= POOL // max(AMOUNTS)

    by_proposal: dict[int, list[ProposalEvent]] = {}
    for event in events:
        by_proposal.setdefault(event.proposal_id, []).append(event)
    needed = 2 if mode == "two-key" else 1
    for proposal in proposals:
        trail = by_proposal[proposal.id]
        actions = Counter(e.action for e in trail)
        assert trail[-1].to_state == proposal.status
        assert actions["approved"] == (1 if proposal.status == "approved" else 0)
        # One approval row per team and round, one audit line for each.
        assert actions["approval"] + actions["approved"] == approvals[proposal.id]
        if proposal.status == "approved":
            assert approvals[proposal.id] == needed
        assert approvals[proposal.id] <= needed
