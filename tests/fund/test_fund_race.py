"""The fund-row lock on PostgreSQL, proven by a forced interleaving: the marketing and the
operations approver approve the same pending proposal at the same instant.

Each approval reads the proposal's approvals after locking the fund row. A listener on the
state engine stops each thread right after that read until the other thread is either blocked
waiting for a lock (pg_stat_activity, from a third connection) or has made the same read. With
the lock the second approver blocks, the first commits, and the second then sees the first
approval and completes the proposal. Without the lock both read "no approval yet", both record
a partial approval, and the proposal stays pending with two approvals: an approval is lost.
"""

from __future__ import annotations

import os
import re
import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text

from bot import fund
from bot.core.context import Context
from bot.core.db import Database, make_engine
from bot.core.settings import Settings
from bot.models import Fund, ProposalEvent
from tests.fund.fund_helpers import MKT1, OPS1, SUBMITTER, YEAR, as_, draft, make_team, with_budget

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL"),
        reason="the row-lock race runs on PostgreSQL (TEST_DATABASE_URL is not set)",
    ),
    pytest.mark.parametrize("backend", ["postgresql"], indirect=True),
]

# The read of a proposal's approvals (selectinload), the first one after the fund row's lock.
APPROVALS_READ = re.compile(r"FROM proposal_approvals\s+WHERE proposal_approvals\.proposal_id IN")
DEADLINE_SECONDS = 20


class Interleaving:
    """Holds each approver after its approvals read until the other one is blocked on a lock
    or has made its own read; records which of the two it was."""

    def __init__(self, engine: Engine, watcher: Engine) -> None:
        self.engine = engine
        self.watcher = watcher
        self.guard = threading.Lock()
        self.backend_pids: dict[int, int] = {}
        self.arrived: dict[int, threading.Event] = {}
        self.outcomes: list[str] = []

    def join(self) -> None:
        """Called by each approver thread before it starts."""
        with self.guard:
            self.arrived[threading.get_ident()] = threading.Event()

    def before(self, _conn: Any, cursor: Any, *_args: Any) -> None:
        me = threading.get_ident()
        if me in self.arrived:
            self.backend_pids[me] = cursor.connection.info.backend_pid

    def after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        me = threading.get_ident()
        mine = self.arrived.get(me)
        if mine is None or mine.is_set() or not APPROVALS_READ.search(statement):
            return
        mine.set()
        (other,) = (ident for ident in self.arrived if ident != me)
        self.outcomes.append(self._wait_for(other))

    def _wait_for(self, other: int) -> str:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if self.arrived[other].is_set():
                return "other read too"
            if self._blocked(self.backend_pids.get(other)):
                return "other blocked"
            self.arrived[other].wait(0.01)
        return "timed out"

    def _blocked(self, pid: int | None) -> bool:
        if pid is None:
            return False
        with self.watcher.connect() as connection:
            waiting = connection.execute(
                text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": pid},
            ).scalar()
        return waiting == "Lock"

    def __enter__(self) -> Interleaving:
        event.listen(self.engine, "before_cursor_execute", self.before)
        event.listen(self.engine, "after_cursor_execute", self.after)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self.before)
        event.remove(self.engine, "after_cursor_execute", self.after)


def test_two_approvers_at_the_same_instant_approve_once(db: Database, settings: Settings) -> None:
    make_team(db)
    with_budget(db, settings)
    proposal = fund.submit_proposal(as_(db, settings, SUBMITTER), draft(amount="200k"))
    approvers = [as_(db, settings, MKT1), as_(db, settings, OPS1)]
    for ctx in approvers:
        _ = ctx.settings  # read before the race, so each thread only approves
    watcher = make_engine(settings.database_url)
    errors: list[BaseException] = []
    start = threading.Barrier(len(approvers))

    with Interleaving(db.state, watcher) as interleaving:

        def approve(ctx: Context) -> None:
            interleaving.join()
            start.wait()
            try:
                fund.approve(ctx, proposal.id)
            except BaseException as error:  # noqa: BLE001 - reported to the main thread
                errors.append(error)

        threads = [threading.Thread(target=approve, args=(ctx,)) for ctx in approvers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=DEADLINE_SECONDS * 2)
    watcher.dispose()
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    after = fund.get_proposal(as_(db, settings, None), proposal.id)
    assert after.status == "approved", "an approval was lost: both approvers saw none"
    assert {(a.team, a.user_id) for a in after.approvals} == {
        ("marketing", MKT1),
        ("operations", OPS1),
    }
    with db.session() as session:
        assert session.scalar(select(Fund.approved).where(Fund.year == YEAR)) == 200_000
        actions = session.scalars(
            select(ProposalEvent.action).where(ProposalEvent.proposal_id == proposal.id)
        ).all()
    assert sorted(actions) == ["approval", "approved", "submitted"]
    # The interleaving happened: the first approver held on until the second was blocked.
    assert interleaving.outcomes == ["other blocked", "other read too"]
