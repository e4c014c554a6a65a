"""Hourly: refresh the rollups, evaluate the playbook, post alerts that opened or resolved.

An opened alert is posted to the digest channel; its resolution goes into that message's
thread. Each post goes out once through bot.core.outbox: reserved first (several processes
post it once), a reservation whose process died is taken over after a while (so it is posted
after a restart), a doubtful answer from Slack is checked by the message's metadata, and a
post that cannot be checked stays uncertain (the admins are told once; the digest still lists
the alert). A post that fails gives its reservation back and is tried again next hour.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient

from bot.core import outbox
from bot.core.context import Context
from bot.core.i18n import N_
from bot.core.outbox import worker_name
from bot.core.posting import Tag
from bot.metrics import rollups
from bot.warroom import alerts
from bot.warroom.render import alert_message
from jobs.slack import client_for, notify_admins, workspace_ids

METADATA_EVENT = "warroom_alert"

# The kinds of alert post, as said to the admins.
KINDS = (N_("opened"), N_("resolved"))
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
    """Post every transition not posted yet, once; how many were posted."""
    pending = alerts.unposted(ctx.db, ctx.workspace_id)
    posted = 0
    for kind, alert in pending:
        if kind == "resolved" and alert.opened_ts is None:
            continue  # the resolution goes into the opening's thread: that comes first
        client = client or client_for(ctx)
        sent = _post_once(ctx, client, kind, alert)
        if sent.ts is not None:
            alerts.record_post(ctx.db, alert.id, kind, sent.ts)
            if sent.status == "posted":
                posted += 1
        elif sent.status == "uncertain":
            channel = ctx.settings.digest_channel
            notify_admins(
                ctx,
                client,
                ctx.words._(
                    ':warning: The alert "{title}" ({subject}, {kind}) may have been posted to '
                    "{channel}, and Slack could not be asked ({error}), so it is not posted "
                    "again; the digest lists the open alerts.",
                    title=ctx.words._(alert.playbook.title),
                    subject=alert.subject,
                    kind=ctx.words._(kind),
                    channel=channel,
                    error=sent.error,
                ),
                topic=f"alert:{alert.id}:{kind}:uncertain",
            )
        elif sent.status == "failed":
            log.error(
                "alert %s %s (%s) not posted to %s: %s; it is tried again next hour",
                alert.rule,
                alert.subject,
                kind,
                ctx.settings.digest_channel,
                sent.error,
            )
    return posted


def _post_once(ctx: Context, client: WebClient, kind: str, alert: alerts.Alert) -> outbox.Sent:
    message = alert_message(alert, kind, ctx.lang)
    tag = Tag(METADATA_EVENT, {"workspace": ctx.workspace_id, "alert": str(alert.id), "kind": kind})
    return outbox.send_once(
        ctx.db,
        client,
        ctx.workspace_id,
        f"alert:{alert.id}:{kind}",
        ctx.settings.digest_channel,
        {"blocks": message["blocks"], "text": message["text"], "unfurl_links": False},
        tag,
        ctx.clock.now(),
        worker=worker_name(),
        thread_ts=alert.opened_ts if kind == "resolved" else None,
    )
