"""Messages that must go out once however many processes try (an alert's opening or
resolution, a proposal's fund-channel message): one row in slack_posts per (workspace, key).

A process reserves the row first (INSERT ... ON CONFLICT DO NOTHING), marks it "sending" just
before posting, and records the message's channel and ts. A reservation whose process died
is taken over once it is STALE_AFTER old (a compare-and-set on its attempt count); when that
process had reached "sending", the taker looks the message up by its metadata before posting
(bot.core.posting). A send that cannot be checked stays "uncertain": nothing posts it again.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from slack_sdk import WebClient
from sqlalchemy import delete, func, select, update

from bot.core.clock import naive_utc
from bot.core.db import Database
from bot.core.dedupe import insert_if_absent
from bot.core.posting import Tag, Uncertain, error_code, post_once
from bot.core.runs import TakenOver
from bot.models import SlackPost

log = logging.getLogger(__name__)

# A reservation older than this without an outcome is abandoned (its process died).
STALE_AFTER = timedelta(minutes=10)

Status = Literal["posted", "found", "done", "busy", "uncertain", "still_uncertain", "failed"]


def worker_name() -> str:
    """Who reserves a post or claims a run: host and process (named when one is taken over)."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Slot:
    """The right to post one message, held by the process whose reservation went in."""

    id: int
    workspace_id: str
    key: str
    attempts: int
    sending_at: datetime | None = None


@dataclass(frozen=True)
class Sent:
    """What send_once did: posted (or found an earlier post of) the message, found it done
    before, left it to a busy process, made it uncertain (now) or found it uncertain
    (still), or failed (nothing went out)."""

    status: Status
    channel: str | None = None
    ts: str | None = None
    error: str | None = None


def reserve(db: Database, workspace_id: str, key: str, worker: str, now: datetime) -> Slot | Sent:
    """Reserve the message `key`: a Slot to post it with, or what stands in the way."""
    at = naive_utc(now)
    statement = (
        insert_if_absent(db.state.dialect.name, SlackPost, ["workspace_id", "key"])
        .values(
            workspace_id=workspace_id,
            key=key,
            state="reserved",
            claimed_by=worker,
            claimed_at=at,
            attempts=1,
        )
        .returning(SlackPost.id)
    )
    with db.state.begin() as connection:
        inserted = connection.execute(statement).scalar()
        if inserted is not None:
            return Slot(inserted, workspace_id, key, 1)
        row = connection.execute(
            select(SlackPost).where(SlackPost.workspace_id == workspace_id, SlackPost.key == key)
        ).first()
    if row is None:
        return Sent("busy")
    post = row._mapping
    if post["state"] == "posted":
        return Sent("done", post["channel"], post["ts"])
    if post["state"] == "uncertain":
        return Sent("still_uncertain", error=post["error"])
    if at - post["claimed_at"] < STALE_AFTER:
        return Sent("busy")
    log.warning(
        "post %s of %s reserved by %s at %s never finished; taking it over",
        key,
        workspace_id,
        post["claimed_by"],
        post["claimed_at"],
    )
    taken = (
        update(SlackPost)
        .where(SlackPost.id == post["id"], SlackPost.attempts == post["attempts"])
        .values(claimed_by=worker, claimed_at=at, attempts=SlackPost.attempts + 1)
        .returning(SlackPost.attempts, SlackPost.sending_at)
    )
    with db.state.begin() as connection:
        won = connection.execute(taken).first()
    if won is None:
        return Sent("busy")
    return Slot(post["id"], workspace_id, key, won.attempts, won.sending_at)


def _set(db: Database, slot: Slot, **values: Any) -> bool:
    statement = (
        update(SlackPost)
        .where(SlackPost.id == slot.id, SlackPost.attempts == slot.attempts)
        .values(**values)
        .returning(SlackPost.id)
    )
    with db.state.begin() as connection:
        return connection.execute(statement).first() is not None


def mark_sending(db: Database, slot: Slot, now: datetime) -> None:
    """From now on the message may exist (kept from the first attempt that got this far).
    Raises TakenOver when the reservation is no longer this slot's: nothing may be posted."""
    at = naive_utc(now)
    sending = func.coalesce(SlackPost.sending_at, at)
    if not _set(db, slot, state="sending", sending_at=sending):
        raise TakenOver(f"post {slot.key} was taken over")


def mark_posted(db: Database, slot: Slot, channel: str, ts: str) -> bool:
    """The message is out: where it is."""
    return _set(db, slot, state="posted", channel=channel, ts=ts, error=None)


def mark_uncertain(db: Database, slot: Slot, why: str) -> bool:
    """It may have gone out and Slack could not be asked: nothing posts it again."""
    return _set(db, slot, state="uncertain", error=why[:2000])


def release(db: Database, slot: Slot) -> None:
    """Nothing went out (Slack refused, or the lookup found nothing): a later try starts over."""
    with db.state.begin() as connection:
        connection.execute(
            delete(SlackPost).where(SlackPost.id == slot.id, SlackPost.attempts == slot.attempts)
        )


def send_once(
    db: Database,
    client: WebClient,
    workspace_id: str,
    key: str,
    channel: str,
    message: Mapping[str, Any],
    tag: Tag,
    now: datetime,
    *,
    worker: str,
    thread_ts: str | None = None,
) -> Sent:
    """Post `message` (tagged `tag`) to `channel` once for (workspace, `key`), however many
    processes try and whatever Slack answers; what happened."""
    slot = reserve(db, workspace_id, key, worker, now)
    if isinstance(slot, Sent):
        return slot
    try:
        posted = post_once(
            client,
            channel,
            message,
            tag,
            may_exist=slot.sending_at is not None,
            since=slot.sending_at or now,
            thread_ts=thread_ts,
            before_post=lambda: mark_sending(db, slot, now),
        )
    except TakenOver:
        return Sent("busy")
    except Uncertain as why:
        log.error("%s may have been posted and Slack cannot be asked: %s", tag, why)
        mark_uncertain(db, slot, str(why))
        return Sent("uncertain", error=str(why))
    except Exception as error:  # noqa: BLE001 (Slack refused, or nothing went out)
        release(db, slot)
        return Sent("failed", error=error_code(error))
    mark_posted(db, slot, posted.channel, posted.ts)
    return Sent("found" if posted.found else "posted", posted.channel, posted.ts)
