"""The "Share to channel" button under a metric answer: post it for the whole channel."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.metrics.commands import share_metric
from bot.metrics.render import SHARE_ACTION, query_of_button
from bot.slack.listener import after_ack, clicked_once, context_of, deliver


def handle_share(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Ask the question again and post the answer in the channel, saying who shared it (once
    per click)."""
    ack()
    ctx = context_of(body, context, client)

    def share() -> None:
        query = query_of_button(action.get("value", ""))
        reply = clicked_once(ctx, body, action, lambda once: share_metric(query, once))
        if reply is not None:  # None: a replayed click, shared already
            deliver(reply, respond=respond, client=client, ctx=ctx)

    after_ack(share, body, respond)


def register(app: App) -> None:
    """Listen for the Share button."""
    app.action(SHARE_ACTION)(handle_share)
