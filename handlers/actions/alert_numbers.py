""" "Show the numbers" on an alert: the metric behind it, privately, through the command table."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.metrics.render import query_of_button
from bot.slack.listener import context_of, deliver
from bot.warroom.render import ALERT_NUMBERS_ACTION
from handlers.commands.table import answer_line


def handle_numbers(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Answer the alert's command for the person who clicked."""
    ack()
    ctx = context_of(body, context, client)
    reply = answer_line(query_of_button(action.get("value") or ""), ctx)
    deliver(reply, respond=respond, client=client, ctx=ctx)


def register(app: App) -> None:
    """Listen for the alert button."""
    app.action(ALERT_NUMBERS_ACTION)(handle_numbers)
