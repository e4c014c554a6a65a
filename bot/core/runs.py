"""Scheduled sends that happen exactly once: a job run row is claimed before anything is posted.

Every scheduled send (the digest, the stand-up prompt) is one row in job_runs, unique on
(workspace, job, period). A process may post only after its INSERT ... ON CONFLICT DO NOTHING
returned the row; everyone else backs off. A run that failed, or that stayed "claimed" longer
than STALE_AFTER (its process died mid-post), is taken over later by a conditional UPDATE that
matches the state and attempt count it saw, so two processes can never both win a re-claim.

Just before posting, a run records `sending_at`: from then on an attempt may have posted, so
every later attempt looks the message up by its metadata before posting again
(bot.core.posting), and a run whose lookup is impossible becomes "uncertain": no claim takes
it over until a person forces the send (`warroom digest --send --force`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from bot.core.clock import naive_utc
from bot.core.db import Database
from bot.core.dedupe import insert_if_absent
from bot.models import JobRun

log = logging.getLogger(__name__)

# A claim older than this without an outcome is treated as abandoned (the process died).
STALE_AFTER = timedelta(minutes=10)
# A failed run is retried after 1, 2, 4 ... minutes, at most 30 apart, at most this often.
MAX_ATTEMPTS = 6
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(minutes=30)


class TakenOver(Exception):
    """The claim was taken over by another process (this one looked dead): stop, post
    nothing."""


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
    sending_at: datetime | None = None

    @property
    def is_retry(self) -> bool:
        """True when an earlier attempt ran."""
        return self.attempts > 1

    @property
    def may_have_posted(self) -> bool:
        """True when an earlier attempt got as far as posting (it may have gone out)."""
        return self.sending_at is not None and self.message_ts is None


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
    sending_at: datetime | None = None


def backoff(attempts: int) -> timedelta:
    """How long after its `attempts`-th failure a run may be tried again."""
    delay = FIRST_BACKOFF * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_BACKOFF)


def claim(
    db: Database,
    workspace_id: str,
    job: str,
    period: date,
    worker: str,
    now: datetime,
    *,
    manual: bool = False,
    force: bool = False,
) -> Claim | None:
    """Claim the run (workspace, job, period); None when it is done, running, backing off
    or uncertain.

    `manual` (a person asked for it) skips the failure backoff and the attempt limit, but
    never takes over a fresh claim and never repeats a posted or uncertain run. `force` (a
    person decided to post it again) takes over any run except a fresh claim.
    """
    at = naive_utc(now)
    statement = (
        insert_if_absent(db.state.dialect.name, JobRun, ["workspace_id", "job", "period"])
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
    return _take_over(db, workspace_id, job, period, worker, at, manual or force, force)


def _take_over(
    db: Database,
    workspace_id: str,
    job: str,
    period: date,
    worker: str,
    at: datetime,
    manual: bool,
    force: bool = False,
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
    if run["state"] in ("posted", "uncertain") and not force:
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
        .returning(JobRun.attempts, JobRun.message_ts, JobRun.channel, JobRun.sending_at)
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
        message_ts=None if force else won.message_ts,
        channel=None if force else won.channel,
        sending_at=None if force else won.sending_at,
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


def mark_sending(db: Database, held: Claim, now: datetime) -> None:
    """From now on the run may have posted (the first such moment is kept, for lookups).
    Raises TakenOver when the run is no longer this claim's: then nothing may be posted."""
    if not _finish(db, held, sending_at=func.coalesce(JobRun.sending_at, naive_utc(now))):
        raise TakenOver(f"run {held.job} {held.period} was taken over")


def mark_uncertain(db: Database, held: Claim, now: datetime, why: str) -> bool:
    """The run may have posted and Slack cannot be asked: no claim takes it over until a
    person forces the send."""
    values = {"state": "uncertain", "finished_at": naive_utc(now), "error": why[:2000]}
    return _finish(db, held, **values)


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


def mark_failed(
    db: Database,
    held: Claim,
    now: datetime,
    error: str,
    final: bool = False,
    nothing_sent: bool = False,
) -> bool:
    """The attempt failed; retried with backoff unless `final` (retrying cannot fix it).
    `nothing_sent`: it is known that no message went out (the next attempt need not look)."""
    values: dict[str, Any] = {
        "state": "failed",
        "finished_at": naive_utc(now),
        "error": error[:2000],
    }
    if final:
        values["attempts"] = max(held.attempts, MAX_ATTEMPTS)
    if nothing_sent:
        values["sending_at"] = None
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
            row.sending_at,
        )


def is_posted(db: Database, workspace_id: str, job: str, period: date) -> bool:
    """True when the run for this period went out."""
    info = run_info(db, workspace_id, job, period)
    return info is not None and info.state == "posted"
