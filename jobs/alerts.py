"""Hourly: refresh the rollups, evaluate the playbook, post alerts that opened or resolved.

An opened alert is posted to the digest channel; its resolution goes into that message's
thread. Each post is reserved first (bot.warroom.alerts.claim_post), so several processes post
it once; a post that fails gives its reservation back and is tried again next hour.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient

from bot.core.context import Context
from bot.metrics import rollups
from bot.warroom import alerts
from bot.warroom.render import alert_message
from jobs.slack import client_for, slack_error, workspace_ids

log = logging.getLogger(__name__)


def rollup_job(ctx: Context, now: datetime) -> None:
    """Bring the rollups up to date, then evaluate every workspace's alerts."""
    rollups.refresh(ctx.env, ctx.db, ctx.clock)
    for workspace_id in workspace_ids(ctx):
        try:
            alerts_job(ctx.for_workspace(workspace_id))
        except Exception:
            log.exception("alerts for workspace %s failed", workspace_id)


def alerts_job(ctx: Context, client: WebClient | None = None) -> list[alerts.Change]:
    """Evaluate the playbook for one workspace and post what changed; the changes."""
    changes = alerts.evaluate(ctx.settings, ctx.db, ctx.workspace_id, ctx.clock)
    for change in changes:
        log.info("alert %s %s %s", change.kind, change.alert.rule, change.alert.subject)
    post_alerts(ctx, client)
    return changes


def post_alerts(ctx: Context, client: WebClient | None = None) -> int:
    """Post every transition not posted yet; how many were posted."""
    pending = alerts.unposted(ctx.db, ctx.workspace_id)
    if not pending:
        return 0
    settings = ctx.settings
    posted = 0
    for kind, alert in pending:
        if kind == "resolved" and alert.opened_ts in (None, alerts.PENDING):
            continue
        if not alerts.claim_post(ctx.db, alert.id, kind):
            continue
        try:
            client = client or client_for(ctx)
            message = alert_message(alert, kind)
            extra = {}
            if kind == "resolved":
                extra = {"thread_ts": alert.opened_ts, "reply_broadcast": False}
            answer = client.chat_postMessage(
                channel=settings.digest_channel,
                blocks=message["blocks"],
                text=message["text"],
                unfurl_links=False,
                **extra,
            )
            alerts.record_post(ctx.db, alert.id, kind, str(answer["ts"]))
            posted += 1
        except Exception as error:
            alerts.record_post(ctx.db, alert.id, kind, None)
            log.error(
                "alert %s %s (%s) not posted to %s: %s; it is tried again next hour",
                alert.rule,
                alert.subject,
                kind,
                settings.digest_channel,
                slack_error(error),
            )
    return posted
