"""The stand-up prompt: a "Post my update" button in the war-room channel, or in each DM.

Each prompt is a claimed run (bot/core/runs.py), so several bot processes post it once: one run
for the channel prompt, one per person in DM mode. The post itself goes out once whatever Slack
answers (bot.core.posting): a doubtful answer is checked against the channel's history, and a
run that cannot be checked is left uncertain (the digest follows without it).
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from slack_sdk import WebClient

from bot.core import runs
from bot.core.context import Context
from bot.core.outbox import worker_name
from bot.core.posting import Tag, Uncertain, post_once
from bot.warroom.render import standup_prompt_message
from bot.warroom.team import list_members
from jobs.digest import Outcome, due_day
from jobs.slack import client_for, is_permanent, notify_admins, slack_error

log = logging.getLogger(__name__)

JOB = "standup"
METADATA_EVENT = "warroom_standup_prompt"


def standup_job(ctx: Context, now: datetime) -> Outcome:
    """The scheduled (and catch-up) entry: prompt for today's updates if due and not done."""
    settings = ctx.settings
    day = due_day(settings, now, settings.standup_time)
    if day is None:
        return Outcome("skipped", ctx.words._("no stand-up prompt is due now"))
    # Past the digest, a prompt would only ask for updates that can no longer be shown.
    if runs.is_posted(ctx.db, ctx.workspace_id, "digest", day):
        return Outcome("skipped", ctx.words._("the digest for {day} went out already", day=day))
    return send_prompts(ctx, now, day=day)


def send_prompts(
    ctx: Context,
    now: datetime,
    *,
    day: date | None = None,
    client: WebClient | None = None,
) -> Outcome:
    """Post the day's stand-up prompt once: to the digest channel, or to each member's DM."""
    settings, workspace_id = ctx.settings, ctx.workspace_id
    day = day or now.astimezone(settings.tz).date()
    if settings.standup_mode == "dm":
        members = list_members(ctx.db, workspace_id)
        targets = [(f"{JOB}:{m.user_id}", m.user_id) for m in members]
    else:
        targets = [(JOB, settings.digest_channel)]
    posted = 0
    problems: list[str] = []
    for job, channel in targets:
        held = runs.claim(ctx.db, workspace_id, job, day, worker_name(), now)
        if held is None:
            continue
        try:
            client = client or client_for(ctx)
            _post(ctx, client, held, channel, day)
            posted += 1
        except runs.TakenOver:
            continue  # another process took this prompt over; it posts it
        except Uncertain as why:
            runs.mark_uncertain(ctx.db, held, ctx.clock.now(), f"uncertain: {why}")
            problems.append(
                ctx.words._(
                    "{channel}: it may be out, and Slack cannot be asked ({why})",
                    channel=channel,
                    why=why,
                )
            )
            log.error("stand-up prompt for %s to %s is uncertain: %s", workspace_id, channel, why)
        except Exception as error:
            code = slack_error(error)
            final = is_permanent(error)
            runs.mark_failed(ctx.db, held, ctx.clock.now(), code, final=final)
            problems.append(f"{channel}: {code}")
            if final and client is not None and job == JOB:
                notify_admins(
                    ctx,
                    client,
                    ctx.words._(
                        ":warning: The stand-up prompt for {day} could not be posted to {channel} "
                        "({code}). Invite the bot there or choose another channel in "
                        "`/warroom settings`.",
                        day=day,
                        channel=channel,
                        code=code,
                    ),
                    topic=f"standup:{day.isoformat()}:failed:{held.attempts}",
                )
            log.error("stand-up prompt for %s to %s failed: %s", workspace_id, channel, code)
    t = ctx.words
    if problems:
        return Outcome(
            "failed", t._("Stand-up prompt not posted to {where}", where=", ".join(problems))
        )
    if not posted:
        return Outcome("skipped", t._("the stand-up prompt for {day} went out already", day=day))
    return Outcome(
        "posted", t._("Stand-up prompt for {day} posted ({count}).", day=day, count=posted)
    )


def _post(ctx: Context, client: WebClient, held: runs.Claim, channel: str, day: date) -> None:
    """Post one prompt once (an earlier attempt's is looked for first) and record it."""
    if held.message_ts:
        runs.mark_posted(ctx.db, held, ctx.clock.now())
        return
    message = standup_prompt_message(day, ctx.settings, ctx.lang)
    tag = Tag(
        METADATA_EVENT, {"workspace": ctx.workspace_id, "date": day.isoformat(), "to": channel}
    )
    posted = post_once(
        client,
        channel,
        {"blocks": message["blocks"], "text": message["text"]},
        tag,
        may_exist=held.may_have_posted,
        since=held.sending_at or ctx.clock.now(),
        before_post=lambda: runs.mark_sending(ctx.db, held, ctx.clock.now()),
    )
    runs.mark_posted(ctx.db, held, ctx.clock.now(), posted.channel, posted.ts)
