"""Scheduled sends that happen exactly once: a job run row is claimed before anything is posted.

Every scheduled send (the digest, the stand-up prompt) is one row in job_runs, unique on
(workspace, job, period). A process may post only after its INSERT ... ON CONFLICT DO NOTHING
returned the row; everyone else backs off. A run that failed, or that stayed "claimed" longer
than STALE_AFTER (its process died mid-post), is taken over later by a conditional UPDATE that
matches the state and attempt count it saw, so two processes can never both win a re-claim.

The remaining window: a process that dies after Slack accepted the message but before the
message ts was recorded. The digest job closes most of it by posting with message metadata
that names the run and, on a re-claim without a stored ts, looking for that message first
(see jobs/digest.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from bot.core.clock import naive_utc
from bot.core.db import Database
from bot.models import JobRun

log = logging.getLogger(__name__)

# A claim older than this without an outcome is treated as abandoned (the process died).
STALE_AFTER = timedelta(minutes=10)
# A failed run is retried after 1, 2, 4 ... minutes, at most 30 apart, at most this often.
MAX_ATTEMPTS = 6
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(minutes=30)


@dataclass(frozen=True)
class Claim:
    """The right to perform one run: held by the process whose insert or takeover succeeded."""

    id: int
    workspace_id: str
    job: str
    period: date
    attempts: int
    worker: str
    message_ts: str | None = None
    channel: str | None = None
    previous_claimed_at: datetime | None = None

    @property
    def is_retry(self) -> bool:
        """True when an earlier attempt ran (and may have posted before it died)."""
        return self.attempts > 1


@dataclass(frozen=True)
class RunInfo:
    """What is known about a run, for status lines and tests."""

    state: str
    attempts: int
    claimed_by: str | None
    claimed_at: datetime
    channel: str | None
    message_ts: str | None
    error: str | None
    finished_at: datetime | None


def backoff(attempts: int) -> timedelta:
    """How long after its `attempts`-th failure a run may be tried again."""
    delay = FIRST_BACKOFF * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_BACKOFF)


def _insert_if_absent(dialect: str) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(JobRun).on_conflict_do_nothing(
            index_elements=["workspace_id", "job", "period"]
        )
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(JobRun).on_conflict_do_nothing(
            index_elements=["workspace_id", "job", "period"]
        )
    return insert(JobRun)


def claim(
    db: Database,
    workspace_id: str,
    job: str,
    period: date,
    worker: str,
    now: datetime,
    *,
    manual: bool = False,
) -> Claim | None:
    """Claim the run (workspace, job, period); None when it is done, running or backing off.

    `manual` (a person asked for it) skips the failure backoff and the attempt limit, but
    never takes over a fresh claim and never repeats a posted run.
    """
    at = naive_utc(now)
    statement = (
        _insert_if_absent(db.state.dialect.name)
        .values(
            workspace_id=workspace_id,
            job=job,
            period=period,
            state="claimed",
            claimed_by=worker,
            claimed_at=at,
            attempts=1,
        )
        .returning(JobRun.id)
    )
    # The insert commits on its own, so the claim is visible to every other process at once.
    with db.state.begin() as connection:
        inserted = connection.execute(statement).scalar()
    if inserted is not None:
        return Claim(inserted, workspace_id, job, period, 1, worker)
    return _take_over(db, workspace_id, job, period, worker, at, manual)


def _take_over(
    db: Database,
    workspace_id: str,
    job: str,
    period: date,
    worker: str,
    at: datetime,
    manual: bool,
) -> Claim | None:
    with db.state.begin() as connection:
        row = connection.execute(
            select(JobRun).where(
                JobRun.workspace_id == workspace_id, JobRun.job == job, JobRun.period == period
            )
        ).first()
    if row is None:
        return None
    run = row._mapping
    if run["state"] == "posted":
        return None
    if run["state"] == "claimed" and at - run["claimed_at"] < STALE_AFTER:
        return None
    if run["state"] == "failed" and not manual:
        if run["attempts"] >= MAX_ATTEMPTS:
            return None
        failed_at = run["finished_at"] or run["claimed_at"]
        if at - failed_at < backoff(run["attempts"]):
            return None
    if run["state"] == "claimed":
        log.warning(
            "run %s %s %s claimed by %s at %s never finished; taking it over",
            workspace_id,
            job,
            period,
            run["claimed_by"],
            run["claimed_at"],
        )
    # Matching the state and attempt count we saw makes the takeover a compare-and-set.
    taken = (
        update(JobRun)
        .where(
            JobRun.id == run["id"],
            JobRun.state == run["state"],
            JobRun.attempts == run["attempts"],
        )
        .values(
            state="claimed",
            claimed_by=worker,
            claimed_at=at,
            attempts=JobRun.attempts + 1,
            error=None,
            finished_at=None,
        )
        .returning(JobRun.attempts, JobRun.message_ts, JobRun.channel)
    )
    with db.state.begin() as connection:
        won = connection.execute(taken).first()
    if won is None:
        return None
    return Claim(
        run["id"],
        workspace_id,
        job,
        period,
        won.attempts,
        worker,
        message_ts=won.message_ts,
        channel=won.channel,
        previous_claimed_at=run["claimed_at"],
    )


def _finish(db: Database, held: Claim, **values: Any) -> bool:
    statement = (
        update(JobRun)
        .where(
            JobRun.id == held.id,
            JobRun.state == "claimed",
            JobRun.attempts == held.attempts,
        )
        .values(**values)
        .returning(JobRun.id)
    )
    with db.state.begin() as connection:
        done = connection.execute(statement).first() is not None
    if not done:
        log.warning(
            "run %s %s %s attempt %s was taken over before it finished",
            held.workspace_id,
            held.job,
            held.period,
            held.attempts,
        )
    return done


def record_message(db: Database, held: Claim, channel: str, ts: str) -> bool:
    """Store the posted message's channel and ts at once, before any follow-up work."""
    return _finish(db, held, channel=channel, message_ts=ts)


def mark_posted(
    db: Database, held: Claim, now: datetime, channel: str | None = None, ts: str | None = None
) -> bool:
    """The run is done: state posted (with the message ts when given)."""
    values: dict[str, Any] = {"state": "posted", "finished_at": naive_utc(now), "error": None}
    if channel is not None:
        values["channel"] = channel
    if ts is not None:
        values["message_ts"] = ts
    return _finish(db, held, **values)


def mark_failed(db: Database, held: Claim, now: datetime, error: str, final: bool = False) -> bool:
    """The attempt failed; retried with backoff unless `final` (retrying cannot fix it)."""
    values: dict[str, Any] = {
        "state": "failed",
        "finished_at": naive_utc(now),
        "error": error[:2000],
    }
    if final:
        values["attempts"] = max(held.attempts, MAX_ATTEMPTS)
    return _finish(db, held, **values)


def run_info(db: Database, workspace_id: str, job: str, period: date) -> RunInfo | None:
    """The run's current state, or None when nobody claimed it yet."""
    with db.session() as session:
        row = session.scalar(
            select(JobRun).where(
                JobRun.workspace_id == workspace_id, JobRun.job == job, JobRun.period == period
            )
        )
        if row is None:
            return None
        return RunInfo(
            row.state,
            row.attempts,
            row.claimed_by,
            row.claimed_at,
            row.channel,
            row.message_ts,
            row.error,
            row.finished_at,
        )


def is_posted(db: Database, workspace_id: str, job: str, period: date) -> bool:
    """True when the run for this period went out."""
    info = run_info(db, workspace_id, job, period)
    return info is not None and info.state == "posted"
