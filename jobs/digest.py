"""The daily digest job: claim the day's run, post once, record the message, add the chart.

Order of work, chosen so a crash at any point never leads to a second digest:
1. claim the (workspace, "digest", date) run row (only one process wins);
2. on a retried run, find the earlier attempt's message: by its stored ts, or by the
   metadata every digest carries (conversations.history), and update it in place;
3. otherwise post it and store channel + ts at once;
4. upload the chart into the thread, then mark the run posted.
What is left: a crash after Slack accepted the post but before step 3 committed, when the
history lookup is not possible (the app lacks channels:history, or Slack is down at retry
time). That window is one database round trip long.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from slack_sdk import WebClient

from bot.core import runs
from bot.core.clock import moment_at
from bot.core.context import Context
from bot.core.render import Reply
from bot.core.settings import Settings, parse_hhmm
from bot.warroom.commands import digest_refusal
from bot.warroom.compose import digest_payload
from jobs.alerts import alerts_job
from jobs.slack import channel_id, client_for, is_permanent, notify_admins, slack_error

log = logging.getLogger(__name__)

JOB = "digest"
METADATA_EVENT = "warroom_digest"


@dataclass(frozen=True)
class Outcome:
    """What a send did: posted, skipped (not due, or done elsewhere) or failed."""

    status: Literal["posted", "skipped", "failed"]
    message: str
    channel: str | None = None
    ts: str | None = None


def worker_name() -> str:
    """Who claims a run: host and process (shown in logs when a run is taken over)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def due_at(settings: Settings, day: date, hhmm: str) -> datetime:
    """The aware moment of `hhmm` on `day` in the workspace time zone."""
    return moment_at(day, parse_hhmm(hhmm), settings.tz)


def is_digest_day(settings: Settings, day: date) -> bool:
    """True when a digest goes out on `day` (weekdays only, or every day)."""
    return not (settings.digest_weekdays_only and day.weekday() >= 5)


def due_day(settings: Settings, now: datetime, hhmm: str) -> date | None:
    """The day whose send at `hhmm` is due at `now`: after its time, within the grace."""
    day = now.astimezone(settings.tz).date()
    if not is_digest_day(settings, day):
        return None
    start = due_at(settings, day, hhmm)
    if start <= now <= start + timedelta(hours=settings.digest_grace_hours):
        return day
    return None


def digest_job(ctx: Context, now: datetime) -> Outcome:
    """The scheduled (and catch-up) entry: post today's digest if due and not out yet."""
    settings = ctx.settings
    day = due_day(settings, now, settings.digest_time)
    if day is None:
        return Outcome("skipped", "no digest is due now")
    if runs.is_posted(ctx.db, ctx.workspace_id, JOB, day):
        return Outcome("skipped", f"the digest for {day} went out already")
    return send_digest(ctx, now, day=day)


def send_now(ctx: Context) -> Reply:
    """`/warroom digest now`: post today's digest (once) for a team member or an admin."""
    problem = digest_refusal(ctx)
    if problem:
        return Reply.error(problem)
    return Reply.text(send_digest(ctx, ctx.clock.now(), manual=True).message)


def send_digest(
    ctx: Context,
    now: datetime,
    *,
    day: date | None = None,
    client: WebClient | None = None,
    manual: bool = False,
    force: bool = False,
    worker: str | None = None,
) -> Outcome:
    """Post the digest of `day` once: claimed first, never twice (unless `force`)."""
    settings, workspace_id = ctx.settings, ctx.workspace_id
    day = day or now.astimezone(settings.tz).date()
    held: runs.Claim | None = None
    if not force:
        held = runs.claim(
            ctx.db, workspace_id, JOB, day, worker or worker_name(), now, manual=manual
        )
        if held is None:
            return Outcome("skipped", _why_not(ctx, day))
    try:
        client = client or client_for(ctx)
        _alerts_first(ctx, client)
        digest, message = digest_payload(ctx, day)
        channel, ts = _deliver(client, settings, workspace_id, day, held, message)
        if held is not None:
            runs.record_message(ctx.db, held, channel, ts)
        _upload_chart(client, settings, digest, channel, ts)
        if held is not None:
            runs.mark_posted(ctx.db, held, ctx.clock.now(), channel, ts)
    except Exception as error:
        return _failed(ctx, day, held, client, error)
    log.info("digest for %s %s posted to %s (ts %s)", workspace_id, day, channel, ts)
    return Outcome("posted", f"Digest for {day} posted to {settings.digest_channel}.", channel, ts)


def _alerts_first(ctx: Context, client: WebClient) -> None:
    """Evaluate the playbook (and post what opened) so the digest lists current alerts."""
    try:
        alerts_job(ctx, client)
    except Exception:
        log.exception("alerts before the digest of %s failed; the digest goes on", ctx.workspace_id)


def _deliver(
    client: WebClient,
    settings: Settings,
    workspace_id: str,
    day: date,
    held: runs.Claim | None,
    message: dict[str, Any],
) -> tuple[str, str]:
    channel, ts = (held.channel, held.message_ts) if held else (None, None)
    if held is not None and held.is_retry and ts is None:
        channel, ts = _find_earlier_post(client, settings, workspace_id, day, held)
    if channel and ts:
        # An earlier attempt posted it: bring that message up to date instead of a new one.
        client.chat_update(channel=channel, ts=ts, blocks=message["blocks"], text=message["text"])
        return channel, ts
    answer = client.chat_postMessage(
        channel=settings.digest_channel,
        blocks=message["blocks"],
        text=message["text"],
        unfurl_links=False,
        metadata={
            "event_type": METADATA_EVENT,
            "event_payload": {"workspace": workspace_id, "date": day.isoformat()},
        },
    )
    return str(answer["channel"]), str(answer["ts"])


def _find_earlier_post(
    client: WebClient,
    settings: Settings,
    workspace_id: str,
    day: date,
    held: runs.Claim,
) -> tuple[str | None, str | None]:
    """The message an earlier attempt posted but did not record, found by its metadata."""
    try:
        channel = held.channel or channel_id(client, settings.digest_channel)
        if channel is None:
            return None, None
        since = held.previous_claimed_at or datetime.combine(day, datetime.min.time())
        oldest = (since - timedelta(minutes=5)).replace(tzinfo=None)
        # Stored timestamps are naive UTC.
        epoch = (oldest - datetime(1970, 1, 1)).total_seconds()
        history = client.conversations_history(
            channel=channel, oldest=f"{epoch:.6f}", include_all_metadata=True, limit=200
        )
    except Exception as error:  # noqa: BLE001 (the lookup is best effort; see the module doc)
        log.warning("could not look for an earlier digest post: %s", slack_error(error))
        return None, None
    for item in history.get("messages") or []:
        metadata = item.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if (
            metadata.get("event_type") == METADATA_EVENT
            and payload.get("workspace") == workspace_id
            and payload.get("date") == day.isoformat()
        ):
            log.warning("digest for %s %s was posted before (ts %s)", workspace_id, day, item["ts"])
            return channel, str(item["ts"])
    return None, None


def _upload_chart(
    client: WebClient, settings: Settings, digest: Any, channel: str, ts: str
) -> None:
    """The 14-day trend chart in the digest's thread; a failed chart never fails the digest."""
    try:
        if not any(digest.trend.values()) or digest.trend_period is None:
            return
        panels = {
            # Channel keys, not names: the chart fonts may lack the names' script.
            f"{metric.capitalize()} ({settings.currency})": dict(lines)
            for metric, lines in digest.trend.items()
        }
        # Imported here: matplotlib costs 0.4 s at start-up and only the digest's chart needs it.
        from bot.metrics.charts import panels_chart_png

        png = panels_chart_png(
            "Revenue and spend by channel",
            panels,
            subtitle=f"{digest.trend_period.start} to {digest.trend_period.end}",
        )
        client.files_upload_v2(
            channel=channel,
            thread_ts=ts,
            content=png,
            filename=f"war-room-{digest.date.isoformat()}.png",
            title=f"Revenue and spend by channel, 14 days to {digest.day.isoformat()}",
        )
    except Exception as error:  # noqa: BLE001
        log.warning("digest chart not uploaded: %s", slack_error(error))


def _failed(
    ctx: Context, day: date, held: runs.Claim | None, client: WebClient | None, error: Exception
) -> Outcome:
    code = slack_error(error)
    final = is_permanent(error)
    workspace_id, settings = ctx.workspace_id, ctx.settings
    if held is not None:
        runs.mark_failed(ctx.db, held, ctx.clock.now(), code, final=final)
    if final:
        advice = _advice(code, settings.digest_channel)
        log.error("digest for %s %s not posted: %s. %s", workspace_id, day, code, advice)
        if client is not None:
            notify_admins(
                ctx,
                client,
                f":warning: The war-room digest for {day} could not be posted: {advice}",
            )
        return Outcome("failed", f"Digest for {day} not posted: {advice}")
    log.exception("digest for %s %s failed (%s); it will be retried", workspace_id, day, code)
    return Outcome("failed", f"Digest for {day} failed ({code}); it will be retried.")


def _advice(code: str, channel: str) -> str:
    if code in ("not_in_channel", "channel_not_found"):
        return (
            f"the bot is not in {channel} ({code}). Invite it with `/invite @War Room` in that "
            "channel, or choose another channel in `/warroom settings`; then run "
            "`/warroom digest now`."
        )
    if code == "is_archived":
        return f"{channel} is archived; choose another channel in `/warroom settings`."
    return f"Slack refused the post ({code}); check the app's installation and scopes."


def _why_not(ctx: Context, day: date) -> str:
    info = runs.run_info(ctx.db, ctx.workspace_id, JOB, day)
    if info is None:
        return f"The digest for {day} is not claimed."
    if info.state == "posted":
        return f"The digest for {day} went out already (use --force to post it again)."
    if info.state == "claimed":
        return f"The digest for {day} is being posted right now by {info.claimed_by}."
    return f"The digest for {day} failed ({info.error}); it will be retried after a pause."
