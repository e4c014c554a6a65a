"""Reading proposals costs a fixed number of SQL statements, however many proposals there are:
each ProposalView needs its fund, approvals and latest event, loaded in batches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, select

from bot import fund
from bot.core.context import Context
from bot.core.db import Database
from bot.core.settings import Settings
from bot.models import Fund, Proposal, ProposalApproval, ProposalEvent
from tests.fund.fund_helpers import (
    MKT1,
    MSPONSOR,
    OPS1,
    OSPONSOR,
    SUBMITTER,
    WS,
    YEAR,
    as_,
    make_team,
    with_budget,
)

MANY = 200
# One for the proposals (with their fund joined), one each for approvals and events, and the
# BEGIN SQLite's driver is sent as a statement.
MOST_STATEMENTS = 5
AT = datetime(YEAR - 1, 12, 1, 9, 0)


def _seed(db: Database, count: int) -> None:
    """`count` pending proposals; every other one has a marketing approval (two events)."""
    with db.session() as session, session.begin():
        fund_id = session.scalars(select(Fund.id).where(Fund.year == YEAR)).one()
        for number in range(count):
            row = Proposal(
                workspace_id=WS,
                fund_id=fund_id,
                title=f"Proposal {number}",
                problem="A problem.",
                plan="A plan.",
                amount=1000,
                impact_metric="retention",
                impact_target=0.35,
                marketing_sponsor=MSPONSOR,
                operations_sponsor=OSPONSOR,
                submitter=SUBMITTER,
                start_date=date(YEAR, 1, 10),
                end_date=date(YEAR, 3, 31),
                status="pending",
                created_at=AT,
                updated_at=AT,
            )
            session.add(row)
            session.flush()
            session.add(
                ProposalEvent(
                    proposal_id=row.id,
                    actor=SUBMITTER,
                    at=AT,
                    action="submitted",
                    to_state="pending",
                )
            )
            if number % 2:
                session.add(
                    ProposalApproval(
                        proposal_id=row.id, team="marketing", user_id=MKT1, approved_at=AT
                    )
                )
                session.add(
                    ProposalEvent(
                        proposal_id=row.id,
                        actor=MKT1,
                        at=AT,
                        action="approval",
                        from_state="pending",
                        to_state="pending",
                    )
                )


@contextmanager
def _counting(db: Database) -> Iterator[list[str]]:
    """The SQL statements the state engine runs inside the block."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(db.state, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.state, "before_cursor_execute", count)


def _statements(db: Database, read: Any) -> tuple[int, Any]:
    with _counting(db) as statements:
        result = read()
    return len(statements), result


def _reader(db: Database, settings: Settings, who: str | None) -> Context:
    ctx = as_(db, settings, who)
    _ = ctx.settings  # the workspace's settings are read once per context, not per proposal
    return ctx


def test_listing_10_or_200_proposals_costs_the_same_few_statements(
    db: Database, settings: Settings
) -> None:
    make_team(db)
    with_budget(db, settings)
    _seed(db, MANY)
    ctx = _reader(db, settings, None)

    few_count, few = _statements(db, lambda: fund.list_proposals(ctx, limit=10))
    many_count, many = _statements(db, lambda: fund.list_proposals(ctx, limit=MANY))
    assert (len(few), len(many)) == (10, MANY)
    assert few_count == many_count <= MOST_STATEMENTS
    # The views are whole: year, approvals and latest event of every proposal.
    assert {p.year for p in many} == {YEAR}
    assert sum(1 for p in many if p.approvals) == MANY // 2
    assert {p.last_event.action for p in many if p.last_event} == {"submitted", "approval"}
    assert all(p.last_event for p in many)

    by_year_count, by_year = _statements(
        db, lambda: fund.list_proposals(ctx, status="pending", year=YEAR, limit=MANY)
    )
    assert len(by_year) == MANY and by_year_count == many_count


def test_what_awaits_an_approver_costs_the_same_few_statements(
    db: Database, settings: Settings
) -> None:
    make_team(db)
    with_budget(db, settings)
    _seed(db, 10)
    ops = _reader(db, settings, OPS1)
    few_count, few = _statements(db, lambda: fund.awaiting(ops))
    _seed(db, MANY - 10)
    many_count, many = _statements(db, lambda: fund.awaiting(ops))
    assert (len(few), len(many)) == (10, MANY)
    # The approver's membership is one more statement.
    assert few_count == many_count <= MOST_STATEMENTS + 1
    marketing = _reader(db, settings, MKT1)
    assert len(fund.awaiting(marketing)) == MANY // 2
