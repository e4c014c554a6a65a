"""The weekly OKR check-in prompt: every Monday at STANDUP_TIME each objective of the quarter
asks its owners (its team's members, both teams for a joint one) for a confidence and a note,
in a thread under the objective's own message in the digest channel.

Both messages go out once however many processes try and whatever Slack answers
(bot.core.outbox.send_once): the objective's message once ever (its channel and ts are kept on
the objective), the prompt once per objective and week.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import select

from bot import okrs
from bot.core import outbox
from bot.core.context import Context
from bot.core.outbox import worker_name
from bot.core.posting import Tag
from bot.models import SlackPost
from jobs.digest import Outcome, due_at
from jobs.slack import client_for

log = logging.getLogger(__name__)

OKR_EVENT = "warroom_okr"
PROMPT_EVENT = "warroom_okr_checkin"
MONDAY = 0
SENT = ("posted", "found", "done")


def due_monday(ctx: Context, now: datetime) -> date | None:
    """Today, when it is Monday and the prompt's time (STANDUP_TIME) has come, within
    DIGEST_GRACE_HOURS; else None."""
    settings = ctx.settings
    day = now.astimezone(settings.tz).date()
    if day.weekday() != MONDAY:
        return None
    start = due_at(settings, day, settings.standup_time)
    if start <= now <= start + timedelta(hours=settings.digest_grace_hours):
        return day
    return None


def okr_checkin_job(ctx: Context, now: datetime) -> Outcome:
    """The scheduled (and catch-up) entry: prompt this week's check-ins if due."""
    day = due_monday(ctx, now)
    if day is None:
        return Outcome("skipped", "no OKR check-in is due now")
    return send_checkin_prompts(ctx, now, day)


def send_checkin_prompts(
    ctx: Context, now: datetime, day: date, client: WebClient | None = None
) -> Outcome:
    """Ask the owners of every objective of `day`'s quarter to check in, once per week."""
    prompted, problems = 0, []
    week = day.isoformat()
    waiting = [
        okr
        for okr in okrs.list_okrs(ctx, running_on=day)
        if okr.key_results and not _posted(ctx, _prompt_key(okr.id, week))
    ]
    for scored in okrs.score_okrs(ctx, waiting):
        client = client or client_for(ctx)
        problem = _prompt(ctx, client, scored, now, day)
        if problem is None:
            prompted += 1
        else:
            problems.append(f"OKR #{scored.okr.id}: {problem}")
    if problems:
        log.error("OKR check-in prompts for %s: %s", ctx.workspace_id, "; ".join(problems))
        return Outcome("failed", "OKR check-in prompts not posted: " + "; ".join(problems))
    if not prompted:
        return Outcome("skipped", f"no OKR check-in left to prompt for the week of {day}")
    return Outcome("posted", f"OKR check-in prompts for the week of {day} ({prompted}).")


def _prompt_key(okr_id: int, week: str) -> str:
    return f"okr-checkin:{okr_id}:{week}"


def _posted(ctx: Context, key: str) -> bool:
    """True when the message `key` of the workspace is out (or left uncertain): nothing to do."""
    with ctx.db.state.connect() as connection:
        state = connection.execute(
            select(SlackPost.state).where(
                SlackPost.workspace_id == ctx.workspace_id, SlackPost.key == key
            )
        ).scalar()
    return state in ("posted", "uncertain")


def _prompt(
    ctx: Context, client: WebClient, scored: okrs.OkrScore, now: datetime, day: date
) -> str | None:
    """Post the objective's message (once ever) and this week's prompt under it (once); what
    went wrong, or None."""
    settings, okr = ctx.settings, scored.okr
    channel, ts = okr.channel, okr.message_ts
    if ts is None:
        sent = outbox.send_once(
            ctx.db,
            client,
            ctx.workspace_id,
            f"okr:{okr.id}",
            settings.digest_channel,
            okrs.okr_message(scored, settings.currency, ctx.lang),
            Tag(OKR_EVENT, {"workspace": ctx.workspace_id, "okr": str(okr.id)}),
            now,
            worker=worker_name(),
        )
        if sent.status not in SENT or sent.ts is None:
            return f"its message is {sent.status} ({sent.error or 'no ts'})"
        channel, ts = sent.channel, sent.ts
        okrs.set_message(ctx, okr.id, channel or settings.digest_channel, ts)
    owners = okrs.owners_of(ctx, okr)
    week = day.isoformat()
    sent = outbox.send_once(
        ctx.db,
        client,
        ctx.workspace_id,
        _prompt_key(okr.id, week),
        channel or settings.digest_channel,
        okrs.checkin_prompt(scored, owners, day, settings.currency, ctx.lang),
        Tag(PROMPT_EVENT, {"workspace": ctx.workspace_id, "okr": str(okr.id), "week": week}),
        now,
        worker=worker_name(),
        thread_ts=ts,
    )
    if sent.status in SENT or sent.status == "busy":
        return None
    return f"the prompt is {sent.status} ({sent.error or ''})"
