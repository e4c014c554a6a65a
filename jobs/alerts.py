"""Hourly: refresh the rollups, evaluate the playbook, post alerts that opened or resolved.

An opened alert is posted to the digest channel; its resolution goes into that message's
thread. Each post is reserved first (bot.warroom.alerts.claim_post), so several processes post it
once; a post that fails gives its reservation back and is tried again next hour.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient

from bot.core.context import Services
from bot.core.workspace import effective_settings
from bot.metrics import rollups
from bot.warroom import alerts
from jobs.slack import client_for, slack_error, workspace_ids

log = logging.getLogger(__name__)


def rollup_job(services: Services, now: datetime) -> None:
    """Bring the rollups up to date, then evaluate every workspace's alerts."""
    rollups.refresh(services.settings, services.db, services.clock)
    for workspace_id in workspace_ids(services):
        try:
            alerts_job(services, workspace_id, now)
        except Exception:
            log.exception("alerts for workspace %s failed", workspace_id)


def alerts_job(
    services: Services, workspace_id: str, now: datetime, client: WebClient | None = None
) -> list[alerts.Change]:
    """Evaluate the playbook for one workspace and post what changed; the changes."""
    settings = effective_settings(services.db, services.settings, workspace_id)
    changes = alerts.evaluate(settings, services.db, workspace_id, services.clock)
    for change in changes:
        log.info("alert %s %s %s", change.kind, change.alert.rule, change.alert.subject)
    post_alerts(services, workspace_id, client)
    return changes


def post_alerts(services: Services, workspace_id: str, client: WebClient | None = None) -> int:
    """Post every transition not posted yet; how many were posted."""
    from bot.warroom.render import alert_message

    pending = alerts.unposted(services.db, workspace_id)
    if not pending:
        return 0
    settings = effective_settings(services.db, services.settings, workspace_id)
    posted = 0
    for kind, alert in pending:
        if kind == "resolved" and alert.opened_ts in (None, alerts.PENDING):
            continue
        if not alerts.claim_post(services.db, alert.id, kind):
            continue
        try:
            client = client or client_for(services, workspace_id)
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
            alerts.record_post(services.db, alert.id, kind, str(answer["ts"]))
            posted += 1
        except Exception as error:
            alerts.record_post(services.db, alert.id, kind, None)
            log.error(
                "alert %s %s (%s) not posted to %s: %s; it is tried again next hour",
                alert.rule,
                alert.subject,
                kind,
                settings.digest_channel,
                slack_error(error),
            )
    return posted
