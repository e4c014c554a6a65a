"""Requests Slack (or a person, or a replay) may deliver more than once, handled once.

Events API deliveries are retried by Slack: each event_id is claimed once (slack_events).
Interactive requests that change something (a modal submitted, an Approve click) are claimed
in handled_requests, unique on (kind, key): the key names the request (a view's id and hash, a
click's action and time), so a double click, ten concurrent twins or a replay are handled once,
across processes.

A request claim is written before the work ("pending") and marked "done" inside the work's
first write transaction, so the change and the mark commit together: a process that dies
before its commit leaves a pending claim that a later delivery takes over once it is stale,
and one that dies after it leaves the work done and marked. Work that fails (invalid input in
a modal) gives its claim back, so the corrected resubmission of the same view is handled.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from bot.core.clock import naive_utc
from bot.core.context import Context
from bot.core.db import Database
from bot.models import HandledRequest, SlackEvent

T = TypeVar("T")

# A pending claim older than this is abandoned (its process died): a later delivery takes
# it over. Work behind a request takes seconds; Slack waits 3 s for a modal's answer.
STALE_REQUEST = timedelta(seconds=60)
# How long a twin waits for the first delivery to finish before answering "busy".
TWIN_WAIT_SECONDS = 2.0
TWIN_POLL_SECONDS = 0.02


def insert_if_absent(dialect: str, model: Any, keys: list[str]) -> Any:
    """An INSERT that does nothing when a row with the same `keys` exists (PostgreSQL and
    SQLite; a plain INSERT, raising on the duplicate, elsewhere)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model).on_conflict_do_nothing(index_elements=keys)
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(model).on_conflict_do_nothing(index_elements=keys)
    return insert(model)


# ----------------------------------------------------------------------------- events


def first_delivery(db: Database, event_id: str, now: datetime) -> bool:
    """Claim `event_id`; True only for the first delivery (a retry or a twin gets False)."""
    statement = (
        insert_if_absent(db.state.dialect.name, SlackEvent, ["event_id"])
        .values(event_id=event_id, received_at=naive_utc(now))
        .returning(SlackEvent.event_id)
    )
    # RETURNING tells reliably whether the row went in (rowcount is -1 on some drivers).
    with db.state.begin() as connection:
        return connection.execute(statement).first() is not None


def forget_before(db: Database, moment: datetime) -> int:
    """Drop event and request claims older than `moment` (Slack retries within minutes, and
    refuses requests signed more than 5 minutes ago); returns how many."""
    at = naive_utc(moment)
    with db.state.begin() as connection:
        events = connection.execute(
            delete(SlackEvent).where(SlackEvent.received_at < at).returning(SlackEvent.event_id)
        ).all()
        requests = connection.execute(
            delete(HandledRequest)
            .where(HandledRequest.claimed_at < at)
            .returning(HandledRequest.key)
        ).all()
    return len(events) + len(requests)


# ----------------------------------------------------------------------------- requests


class AlreadyHandled(Exception):
    """The request was handled before: a double click, a concurrent twin or a replay."""


class StillHandling(Exception):
    """A twin of this request is still being handled elsewhere; its text asks the person to
    try again shortly."""

    def __init__(self) -> None:
        super().__init__("This is being saved already; wait a moment, then submit it again.")


@dataclass(frozen=True)
class RequestClaim:
    """The right to handle one request, held by the delivery whose claim went in."""

    kind: str
    key: str
    token: str


def _claim_once(db: Database, workspace_id: str, kind: str, key: str, at: datetime) -> Any:
    """One try: a RequestClaim, or the state of the row that is in the way."""
    token = secrets.token_hex(8)
    statement = (
        insert_if_absent(db.state.dialect.name, HandledRequest, ["kind", "key"])
        .values(
            kind=kind,
            key=key,
            workspace_id=workspace_id,
            state="pending",
            token=token,
            claimed_at=at,
        )
        .returning(HandledRequest.key)
    )
    with db.state.begin() as connection:
        if connection.execute(statement).first() is not None:
            return RequestClaim(kind, key, token)
        row = connection.execute(
            select(HandledRequest.state, HandledRequest.token, HandledRequest.claimed_at).where(
                HandledRequest.kind == kind, HandledRequest.key == key
            )
        ).first()
        if row is None or row.state == "done" or at - row.claimed_at < STALE_REQUEST:
            return None if row is None else row.state
        # Abandoned by a process that died: take it over (compare-and-set on its token).
        taken = connection.execute(
            update(HandledRequest)
            .where(
                HandledRequest.kind == kind,
                HandledRequest.key == key,
                HandledRequest.token == row.token,
            )
            .values(token=token, claimed_at=at)
            .returning(HandledRequest.key)
        ).first()
    return RequestClaim(kind, key, token) if taken is not None else "pending"


def claim_request(
    db: Database,
    workspace_id: str,
    kind: str,
    key: str,
    now: datetime,
    wait: float = TWIN_WAIT_SECONDS,
) -> RequestClaim:
    """Claim the request (kind, key) for this delivery.

    Raises AlreadyHandled when it was handled, and StillHandling when a twin is still at
    work after `wait` seconds; a twin whose work failed gave its claim back, so this delivery
    then takes it (and gets the same answer, e.g. the same validation errors).
    """
    at = naive_utc(now)
    deadline = time.monotonic() + wait
    while True:
        outcome = _claim_once(db, workspace_id, kind, key, at)
        if isinstance(outcome, RequestClaim):
            return outcome
        if outcome == "done":
            raise AlreadyHandled(f"{kind} {key} was handled already")
        if outcome == "pending" and time.monotonic() >= deadline:
            raise StillHandling()
        # The twin is at work (or just gave its claim back): look again shortly.
        time.sleep(TWIN_POLL_SECONDS)


def _mark_done(connection: Any, held: RequestClaim) -> None:
    done = connection.execute(
        update(HandledRequest)
        .where(
            HandledRequest.kind == held.kind,
            HandledRequest.key == held.key,
            HandledRequest.token == held.token,
        )
        .values(state="done")
        .returning(HandledRequest.key)
    ).first()
    if done is None:
        # Taken over after this delivery was thought dead: the other one does the work.
        raise AlreadyHandled(f"{held.kind} {held.key} was taken over by another delivery")


def mark_done(db: Database, held: RequestClaim) -> None:
    """The request's work is done (raises AlreadyHandled when the claim was taken over)."""
    with db.state.begin() as connection:
        _mark_done(connection, held)


def release(db: Database, held: RequestClaim) -> None:
    """Give the claim back: the work failed and changed nothing (a later delivery retries)."""
    with db.state.begin() as connection:
        connection.execute(
            delete(HandledRequest).where(
                HandledRequest.kind == held.kind,
                HandledRequest.key == held.key,
                HandledRequest.token == held.token,
                HandledRequest.state == "pending",
            )
        )


class _MarkingDatabase(Database):
    """The stores of `inner`, whose first write transaction also marks the request done."""

    def __init__(self, inner: Database, held: RequestClaim) -> None:
        super().__init__(state=inner.state, analytics=inner.analytics)
        self._held = held
        self.marked = False

    @contextmanager
    def write(self) -> Iterator[Session]:
        """Database.write(), marking the request done in the first such transaction."""
        first = not self.marked
        with super().write() as session:
            if first:
                _mark_done(session, self._held)
            yield session
        if first:
            self.marked = True


def handle_once(ctx: Context, kind: str, key: str, work: Callable[[Context], T]) -> T:
    """Run `work` for the request (kind, key) once, whatever the number of deliveries.

    `work` gets a Context whose first `db.write()` transaction also marks the request done,
    so the change and the mark commit together. Raises AlreadyHandled for a delivery whose
    twin did the work and StillHandling when the twin is still at it; any error of `work`
    gives the claim back and propagates.
    """
    held = claim_request(ctx.db, ctx.workspace_id, kind, key, ctx.clock.now())
    marking = _MarkingDatabase(ctx.db, held)
    try:
        result = work(replace(ctx, db=marking))
    except AlreadyHandled:
        raise
    except BaseException:
        release(ctx.db, held)
        raise
    if not marking.marked:
        # The work wrote nothing through db.write() (or wrote through another path).
        mark_done(ctx.db, held)
    return result
