"""The daily digest job: claim the day's run, post once, record the message, add the chart.

Order of work, chosen so neither a crash at any point nor any answer from Slack ever leads to
a second digest:
1. claim the (workspace, "digest", date) run row (only one process wins);
2. a run that knows its message's ts updates it in place (chat.update can be repeated);
3. otherwise the digest is posted once (bot.core.posting): the run records `sending_at`
   first, a later attempt after one that got that far looks for the message by its metadata
   before posting, and an answer that leaves it open (500, time-out) is checked the same way;
   when that lookup is impossible the run becomes "uncertain", the admins are told once, and
   only `warroom digest --send --force` posts it;
4. store channel + ts at once, upload the chart into the thread (a retried run first looks
   whether it is there), then mark the run posted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from slack_sdk import WebClient

from bot.core import checkpoints, runs
from bot.core.clock import moment_at
from bot.core.context import Context
from bot.core.outbox import worker_name
from bot.core.posting import Posted, Tag, Uncertain, post_once, resolve_channel
from bot.core.render import Reply
from bot.core.settings import Settings, parse_hhmm
from bot.warroom.commands import digest_refusal
from bot.warroom.compose import digest_payload
from jobs.alerts import alerts_job
from jobs.slack import client_for, is_permanent, notify_admins, slack_error

log = logging.getLogger(__name__)

JOB = "digest"
METADATA_EVENT = "warroom_digest"


@dataclass(frozen=True)
class Outcome:
    """What a send did: posted, skipped (not due, or done elsewhere), failed, or left
    uncertain (it may have gone out and Slack could not be asked)."""

    status: Literal["posted", "skipped", "failed", "uncertain"]
    message: str
    channel: str | None = None
    ts: str | None = None


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
        return Outcome("skipped", ctx.words._("no digest is due now"))
    if runs.is_posted(ctx.db, ctx.workspace_id, JOB, day):
        return Outcome("skipped", ctx.words._("the digest for {day} went out already", day=day))
    return send_digest(ctx, now, day=day)


def send_now(ctx: Context) -> Reply:
    """`/warroom digest now`: post today's digest (once) for a team member or an admin; the
    console, which has no Slack to post to, prints it instead."""
    problem = digest_refusal(ctx)
    if problem:
        return Reply.error(problem)
    if ctx.surface == "console":
        _digest, message = digest_payload(ctx)
        return Reply(message=message)
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
    """Post the digest of `day` once: claimed first, never twice (unless `force`: a person
    decided it must go out again, or resolved an uncertain run)."""
    settings, workspace_id = ctx.settings, ctx.workspace_id
    day = day or now.astimezone(settings.tz).date()
    checkpoints.reached("digest:before-claim")
    held = runs.claim(
        ctx.db, workspace_id, JOB, day, worker or worker_name(), now, manual=manual, force=force
    )
    if held is None:
        info = runs.run_info(ctx.db, workspace_id, JOB, day)
        status = "uncertain" if info is not None and info.state == "uncertain" else "skipped"
        return Outcome(status, _why_not(ctx, day, info))
    checkpoints.reached("digest:claimed")
    try:
        client = client or client_for(ctx)
        _alerts_first(ctx, client)
        digest, message = digest_payload(ctx, day)
        posted = _deliver(ctx, client, day, held, message)
        checkpoints.reached("digest:posted")
        runs.record_message(ctx.db, held, posted.channel, posted.ts)
        if posted.found:
            # An earlier attempt posted it: bring that message up to date, not a new one.
            client.chat_update(channel=posted.channel, ts=posted.ts, **_content(message))
        _upload_chart(client, settings, digest, posted, look_first=held.is_retry)
        runs.mark_posted(ctx.db, held, ctx.clock.now(), posted.channel, posted.ts)
    except runs.TakenOver:
        return Outcome(
            "skipped",
            ctx.words._("The digest for {day} was taken over by another process.", day=day),
        )
    except Uncertain as why:
        return _uncertain(ctx, day, held, client, why)
    except _NothingSent as failed:
        return _failed(ctx, day, held, client, failed.error, nothing_sent=True)
    except Exception as error:
        return _failed(ctx, day, held, client, error)
    channel, ts = posted.channel, posted.ts
    log.info("digest for %s %s posted to %s (ts %s)", workspace_id, day, channel, ts)
    said = ctx.words._(
        "Digest for {day} posted to {channel}.", day=day, channel=settings.digest_channel
    )
    return Outcome("posted", said, channel, ts)


def _alerts_first(ctx: Context, client: WebClient) -> None:
    """Evaluate the playbook (and post what opened) so the digest lists current alerts."""
    try:
        alerts_job(ctx, client)
    except Exception:
        log.exception("alerts before the digest of %s failed; the digest goes on", ctx.workspace_id)


class _NothingSent(Exception):
    """The post failed and nothing went out (Slack refused it, or the lookup found nothing)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def digest_tag(workspace_id: str, day: date) -> Tag:
    """The metadata naming the digest of `day` (found again by it after a doubtful post)."""
    return Tag(METADATA_EVENT, {"workspace": workspace_id, "date": day.isoformat()})


def _content(message: dict[str, Any]) -> dict[str, Any]:
    return {"blocks": message["blocks"], "text": message["text"]}


def _deliver(
    ctx: Context, client: WebClient, day: date, held: runs.Claim, message: dict[str, Any]
) -> Posted:
    """The digest's message: the known one updated, one an earlier attempt posted (found by
    its metadata), or a new post."""
    if held.channel and held.message_ts:
        client.chat_update(channel=held.channel, ts=held.message_ts, **_content(message))
        return Posted(held.channel, held.message_ts)
    try:
        return post_once(
            client,
            ctx.settings.digest_channel,
            {**_content(message), "unfurl_links": False},
            digest_tag(ctx.workspace_id, day),
            may_exist=held.may_have_posted,
            since=held.sending_at or ctx.clock.now(),
            before_post=lambda: runs.mark_sending(ctx.db, held, ctx.clock.now()),
        )
    except (Uncertain, runs.TakenOver):
        raise
    except Exception as error:
        raise _NothingSent(error) from error


def _chart_there(client: WebClient, posted: Posted, filename: str) -> bool:
    """True when the digest's thread already holds the chart (or that cannot be checked:
    a missing chart is better than two)."""
    try:
        channel = resolve_channel(client, posted.channel) or posted.channel
        replies = client.conversations_replies(channel=channel, ts=posted.ts, limit=200)
    except Exception as error:  # noqa: BLE001
        log.warning("cannot look for the digest's chart (%s); not uploading it", slack_error(error))
        return True
    return any(
        item.get("name") == filename
        for reply in replies.get("messages") or []
        for item in reply.get("files") or []
    )


def _upload_chart(
    client: WebClient, settings: Settings, digest: Any, posted: Posted, look_first: bool
) -> None:
    """The 14-day trend chart in the digest's thread; a failed chart never fails the digest,
    and a retried run uploads it only when it is not there yet."""
    try:
        if not any(digest.trend.values()) or digest.trend_period is None:
            return
        filename = f"war-room-{digest.date.isoformat()}.png"
        if look_first and _chart_there(client, posted, filename):
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
            channel=posted.channel,
            thread_ts=posted.ts,
            content=png,
            filename=filename,
            title=f"Revenue and spend by channel, 14 days to {digest.day.isoformat()}",
        )
    except Exception as error:  # noqa: BLE001
        log.warning("digest chart not uploaded: %s", slack_error(error))


def _uncertain(
    ctx: Context, day: date, held: runs.Claim, client: WebClient | None, why: Uncertain
) -> Outcome:
    """The digest may be out and Slack cannot be asked: post nothing more, tell the admins
    (once: no claim takes an uncertain run over)."""
    channel = ctx.settings.digest_channel
    runs.mark_uncertain(ctx.db, held, ctx.clock.now(), f"uncertain: {why}")
    advice = _uncertain_advice(ctx, day, channel, str(why))
    log.error("digest for %s %s: %s", ctx.workspace_id, day, advice)
    if client is not None:
        notify_admins(
            ctx, client, f":warning: {advice}", topic=f"digest:{day.isoformat()}:uncertain"
        )
    return Outcome("uncertain", advice)


def _uncertain_advice(ctx: Context, day: date, channel: str, why: str) -> str:
    return ctx.words._(
        "The war-room digest for {day} may have been posted to {channel}, and Slack could not "
        "be asked ({why}), so it is not posted again. Look in {channel}: if it is not there, "
        "run `warroom digest --send --force --date {day}`.",
        day=day,
        channel=channel,
        why=why,
    )


def _failed(
    ctx: Context,
    day: date,
    held: runs.Claim,
    client: WebClient | None,
    error: Exception,
    nothing_sent: bool = False,
) -> Outcome:
    code = slack_error(error)
    final = is_permanent(error)
    workspace_id, settings = ctx.workspace_id, ctx.settings
    runs.mark_failed(ctx.db, held, ctx.clock.now(), code, final=final, nothing_sent=nothing_sent)
    if final:
        advice = _advice(ctx, code, settings.digest_channel)
        log.error("digest for %s %s not posted: %s. %s", workspace_id, day, code, advice)
        if client is not None:
            notify_admins(
                ctx,
                client,
                ctx.words._(
                    ":warning: The war-room digest for {day} could not be posted: {advice}",
                    day=day,
                    advice=advice,
                ),
                topic=f"digest:{day.isoformat()}:failed:{held.attempts}",
            )
        said = ctx.words._("Digest for {day} not posted: {advice}", day=day, advice=advice)
        return Outcome("failed", said)
    log.exception("digest for %s %s failed (%s); it will be retried", workspace_id, day, code)
    said = ctx.words._("Digest for {day} failed ({code}); it will be retried.", day=day, code=code)
    return Outcome("failed", said)


def _advice(ctx: Context, code: str, channel: str) -> str:
    t = ctx.words
    if code in ("not_in_channel", "channel_not_found"):
        return t._(
            "the bot is not in {channel} ({code}). Invite it with `/invite @War Room` in that "
            "channel, or choose another channel in `/warroom settings`; then run "
            "`/warroom digest now`.",
            channel=channel,
            code=code,
        )
    if code == "is_archived":
        return t._(
            "{channel} is archived; choose another channel in `/warroom settings`.",
            channel=channel,
        )
    return t._(
        "Slack refused the post ({code}); check the app's installation and scopes.", code=code
    )


def _why_not(ctx: Context, day: date, info: runs.RunInfo | None) -> str:
    t = ctx.words
    if info is None:
        return t._("The digest for {day} is not claimed.", day=day)
    if info.state == "posted":
        return t._("The digest for {day} went out already (use --force to post it again).", day=day)
    if info.state == "claimed":
        return t._(
            "The digest for {day} is being posted right now by {worker}.",
            day=day,
            worker=info.claimed_by,
        )
    if info.state == "uncertain":
        why = (info.error or "").removeprefix("uncertain: ")
        return _uncertain_advice(ctx, day, ctx.settings.digest_channel, why)
    return t._(
        "The digest for {day} failed ({error}); it will be retried after a pause.",
        day=day,
        error=info.error,
    )
